"""Stage 1 AST: the leaves that name things: identifiers and versions."""

from __future__ import annotations

from witgen.errors import Span
from witgen.records import Struct


class Id(Struct):
    """An identifier with its `%` already stripped and validated (kebab-case)."""

    __slots__ = ("name", "span")

    name: str
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class Version(Struct):
    """A semver version as written; `text` is the canonical string (`1.0.0-rc.1+b`)."""

    __slots__ = ("text", "span", "major", "minor", "patch", "pre", "build")

    text: str
    span: Span
    major: int
    minor: int
    patch: int
    pre: str  # the part after "-", without it
    build: str  # the part after "+", without it

    def __init__(
        self,
        text: str,
        span: Span,
        major: int,
        minor: int,
        patch: int,
        pre: str = "",
        build: str = "",
    ) -> None:
        self.text = text
        self.span = span
        self.major = major
        self.minor = minor
        self.patch = patch
        self.pre = pre
        self.build = build
