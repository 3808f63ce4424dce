"""Stage 1 AST: what precedes an item: its doc comments and attributes (gates, external ids)."""

from __future__ import annotations

from typing import Union

from witgen.errors import Span
from witgen.records import Struct
from witgen.syntax.ast.names import Id, Version


class Docs(Struct):
    """The raw comment texts collected before an item (wit-parser's `parse_docs`), unprocessed.

    Each entry is a comment exactly as it appears in the source (`// x`, `/** y */`, ...); the
    resolver turns them into the JSON `docs.contents` string.
    """

    __slots__ = ("comments", "span")

    comments: tuple[str, ...]
    span: Span | None

    def __init__(self, comments: tuple[str, ...] = (), span: Span | None = None) -> None:
        self.comments = comments
        self.span = span


class Since(Struct):
    __slots__ = ("span", "version")

    span: Span  # the span of the `since` identifier, as in wit-parser
    version: Version

    def __init__(self, span: Span, version: Version) -> None:
        self.span = span
        self.version = version


class Unstable(Struct):
    __slots__ = ("span", "feature")

    span: Span
    feature: Id

    def __init__(self, span: Span, feature: Id) -> None:
        self.span = span
        self.feature = feature


class Deprecated(Struct):
    __slots__ = ("span", "version")

    span: Span
    version: Version

    def __init__(self, span: Span, version: Version) -> None:
        self.span = span
        self.version = version


class ExternalId(Struct):
    __slots__ = ("span", "value")

    span: Span
    value: str  # the decoded string literal

    def __init__(self, span: Span, value: str) -> None:
        self.span = span
        self.value = value


Attribute = Union[Since, Unstable, Deprecated, ExternalId]
