"""Stage 1 AST: references to interfaces and worlds: package names, use paths, `use` and
`include`."""

from __future__ import annotations

from typing import Union

from witgen.errors import Span
from witgen.records import Struct
from witgen.syntax.ast.attributes import Attribute, Docs
from witgen.syntax.ast.names import Id, Version


class PackageName(Struct):
    __slots__ = ("docs", "span", "namespace", "name", "version")

    docs: Docs
    span: Span  # from the namespace to the end of the version (or the name)
    namespace: Id
    name: Id
    version: Version | None

    def __init__(
        self, docs: Docs, span: Span, namespace: Id, name: Id, version: Version | None
    ) -> None:
        self.docs = docs
        self.span = span
        self.namespace = namespace
        self.name = name
        self.version = version


class LocalPath(Struct):
    """`id`: an interface or world of the same package (or a name brought in by a top-level use)."""

    __slots__ = ("id",)

    id: Id

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def name(self) -> Id:
        return self.id


class PackagePath(Struct):
    """`ns:pkg/name@version`: an interface or world of another package."""

    __slots__ = ("package", "name_id")

    package: PackageName  # its `span` covers `ns:pkg` only (not the version), as in wit-parser
    name_id: Id

    def __init__(self, package: PackageName, name_id: Id) -> None:
        self.package = package
        self.name_id = name_id

    @property
    def name(self) -> Id:
        return self.name_id


UsePath = Union[LocalPath, PackagePath]


class UseName(Struct):
    __slots__ = ("name", "as_")

    name: Id
    as_: Id | None

    def __init__(self, name: Id, as_: Id | None) -> None:
        self.name = name
        self.as_ = as_


class Use(Struct):
    """`use path.{a, b as c};` inside an interface or world."""

    __slots__ = ("attributes", "from_", "names")

    attributes: tuple[Attribute, ...]
    from_: UsePath
    names: tuple[UseName, ...]

    def __init__(
        self, attributes: tuple[Attribute, ...], from_: UsePath, names: tuple[UseName, ...]
    ) -> None:
        self.attributes = attributes
        self.from_ = from_
        self.names = names


class ToplevelUse(Struct):
    """`use path [as name];` at file level."""

    __slots__ = ("span", "attributes", "item", "as_")

    span: Span  # the `use` keyword
    attributes: tuple[Attribute, ...]
    item: UsePath
    as_: Id | None

    def __init__(
        self, span: Span, attributes: tuple[Attribute, ...], item: UsePath, as_: Id | None
    ) -> None:
        self.span = span
        self.attributes = attributes
        self.item = item
        self.as_ = as_


class IncludeName(Struct):
    __slots__ = ("name", "as_")

    name: Id
    as_: Id

    def __init__(self, name: Id, as_: Id) -> None:
        self.name = name
        self.as_ = as_


class Include(Struct):
    __slots__ = ("attributes", "from_", "names")

    attributes: tuple[Attribute, ...]
    from_: UsePath
    names: tuple[IncludeName, ...]

    def __init__(
        self, attributes: tuple[Attribute, ...], from_: UsePath, names: tuple[IncludeName, ...]
    ) -> None:
        self.attributes = attributes
        self.from_ = from_
        self.names = names
