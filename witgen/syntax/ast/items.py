"""Stage 1 AST: the items of a file: type definitions, interfaces, worlds and their imports and
exports, and (nested) packages."""

from __future__ import annotations

from typing import Union

from witgen.errors import Span
from witgen.records import Struct
from witgen.syntax.ast.attributes import Attribute, Docs
from witgen.syntax.ast.names import Id
from witgen.syntax.ast.paths import Include, PackageName, ToplevelUse, Use, UsePath
from witgen.syntax.ast.types import Func, NamedFunc, TypeDefBody


class TypeDef(Struct):
    __slots__ = ("docs", "attributes", "name", "ty")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    ty: TypeDefBody

    def __init__(
        self, docs: Docs, attributes: tuple[Attribute, ...], name: Id, ty: TypeDefBody
    ) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.ty = ty


InterfaceItem = Union[TypeDef, NamedFunc, Use]


class Interface(Struct):
    __slots__ = ("docs", "attributes", "name", "items")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    items: tuple[InterfaceItem, ...]

    def __init__(
        self,
        docs: Docs,
        attributes: tuple[Attribute, ...],
        name: Id,
        items: tuple[InterfaceItem, ...],
    ) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.items = items


class ExternInterface(Struct):
    """`import name: interface { ... }` (an inline interface)."""

    __slots__ = ("name", "items")

    name: Id
    items: tuple[InterfaceItem, ...]

    def __init__(self, name: Id, items: tuple[InterfaceItem, ...]) -> None:
        self.name = name
        self.items = items


class ExternPath(Struct):
    """`import path;`"""

    __slots__ = ("path",)

    path: UsePath

    def __init__(self, path: UsePath) -> None:
        self.path = path


class ExternFunc(Struct):
    """`import name: func(...)` (also `async func`, and getters/setters `name: get()`)."""

    __slots__ = ("name", "func")

    name: Id
    func: Func

    def __init__(self, name: Id, func: Func) -> None:
        self.name = name
        self.func = func


class ExternNamedPath(Struct):
    """`import name: path;` (a plain name implementing an interface)."""

    __slots__ = ("name", "path")

    name: Id
    path: UsePath

    def __init__(self, name: Id, path: UsePath) -> None:
        self.name = name
        self.path = path


ExternKind = Union[ExternInterface, ExternPath, ExternFunc, ExternNamedPath]


class Import(Struct):
    __slots__ = ("docs", "attributes", "kind")

    docs: Docs
    attributes: tuple[Attribute, ...]
    kind: ExternKind

    def __init__(self, docs: Docs, attributes: tuple[Attribute, ...], kind: ExternKind) -> None:
        self.docs = docs
        self.attributes = attributes
        self.kind = kind


class Export(Struct):
    __slots__ = ("docs", "attributes", "kind")

    docs: Docs
    attributes: tuple[Attribute, ...]
    kind: ExternKind

    def __init__(self, docs: Docs, attributes: tuple[Attribute, ...], kind: ExternKind) -> None:
        self.docs = docs
        self.attributes = attributes
        self.kind = kind


WorldItem = Union[Import, Export, Use, TypeDef, Include]


class World(Struct):
    __slots__ = ("docs", "attributes", "name", "items")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    items: tuple[WorldItem, ...]

    def __init__(
        self, docs: Docs, attributes: tuple[Attribute, ...], name: Id, items: tuple[WorldItem, ...]
    ) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.items = items


# --- files and packages --------------------------------------------------------------------


class NestedPackage(Struct):
    """`package ns:pkg { ... }` inside a file (attributes before it are a syntax error)."""

    __slots__ = ("span", "package")

    span: Span  # the `package` keyword
    package: PackageFile

    def __init__(self, span: Span, package: PackageFile) -> None:
        self.span = span
        self.package = package


AstItem = Union[Interface, World, ToplevelUse, NestedPackage]


class PackageFile(Struct):
    """One `.wit` file (or one nested package block): an optional header and its items."""

    __slots__ = ("package_id", "items")

    package_id: PackageName | None
    items: tuple[AstItem, ...]

    def __init__(self, package_id: PackageName | None, items: tuple[AstItem, ...] = ()) -> None:
        self.package_id = package_id
        self.items = items
