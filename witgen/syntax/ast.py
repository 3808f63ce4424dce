"""Stage 1 output: the typed AST of one WIT file, as written.

Mirrors wit-parser's `ast.rs`: names are still unresolved (`Name` refers to a type by its written
name) and every node carries a span (a pair of global offsets, see `witgen.syntax.source`). The
parser (`witgen.syntax.parser`) builds these; the resolver (`witgen.resolve`) consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from witgen.errors import Span


@dataclass(frozen=True)
class Id:
    """An identifier with its `%` already stripped and validated (kebab-case)."""

    name: str
    span: Span


@dataclass(frozen=True)
class Docs:
    """The raw comment texts collected before an item (wit-parser's `parse_docs`), unprocessed.

    Each entry is a comment exactly as it appears in the source (`// x`, `/** y */`, ...); the
    resolver turns them into the JSON `docs.contents` string.
    """

    comments: tuple[str, ...] = ()
    span: Span | None = None


# --- attributes (gates and external ids) -----------------------------------------------------


@dataclass(frozen=True)
class Version:
    """A semver version as written; `text` is the canonical string (`1.0.0-rc.1+b`)."""

    text: str
    span: Span
    major: int
    minor: int
    patch: int
    pre: str = ""  # the part after "-", without it
    build: str = ""  # the part after "+", without it


@dataclass(frozen=True)
class Since:
    span: Span  # the span of the `since` identifier, as in wit-parser
    version: Version


@dataclass(frozen=True)
class Unstable:
    span: Span
    feature: Id


@dataclass(frozen=True)
class Deprecated:
    span: Span
    version: Version


@dataclass(frozen=True)
class ExternalId:
    span: Span
    value: str  # the decoded string literal


Attribute = Union[Since, Unstable, Deprecated, ExternalId]


# --- types ---------------------------------------------------------------------------------

# Primitive names, exactly as the JSON spells them.
PRIMITIVES = (
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "string",
    "error-context",
)


@dataclass(frozen=True)
class Primitive:
    name: str  # one of PRIMITIVES
    span: Span


@dataclass(frozen=True)
class Name:
    """A reference to a named type (`foo`, `%foo`)."""

    id: Id

    @property
    def span(self) -> Span:
        return self.id.span


@dataclass(frozen=True)
class List:
    span: Span  # the `list` keyword
    ty: Type


@dataclass(frozen=True)
class FixedLengthList:
    span: Span
    ty: Type
    size: int


@dataclass(frozen=True)
class Map:
    span: Span
    key: Type
    value: Type


@dataclass(frozen=True)
class Option:
    span: Span
    ty: Type


@dataclass(frozen=True)
class Result:
    span: Span
    ok: Type | None
    err: Type | None


@dataclass(frozen=True)
class Tuple:
    span: Span
    types: tuple[Type, ...]


@dataclass(frozen=True)
class Future:
    span: Span
    ty: Type | None


@dataclass(frozen=True)
class Stream:
    span: Span
    ty: Type | None


@dataclass(frozen=True)
class Handle:
    """`own<r>` or `borrow<r>`; the span is the resource name's, as in wit-parser."""

    kind: str  # "own" or "borrow"
    resource: Id

    @property
    def span(self) -> Span:
        return self.resource.span


@dataclass(frozen=True)
class Field:
    docs: Docs
    name: Id
    ty: Type


@dataclass(frozen=True)
class Record:
    span: Span  # the record's name
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Flag:
    docs: Docs
    name: Id


@dataclass(frozen=True)
class Flags:
    span: Span
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Case:
    docs: Docs
    name: Id
    ty: Type | None


@dataclass(frozen=True)
class Variant:
    span: Span
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class EnumCase:
    docs: Docs
    name: Id


@dataclass(frozen=True)
class Enum:
    span: Span
    cases: tuple[EnumCase, ...]


@dataclass(frozen=True)
class Resource:
    span: Span  # the resource's name
    funcs: tuple[ResourceFunc, ...]


Type = Union[
    Primitive,
    Name,
    List,
    FixedLengthList,
    Map,
    Option,
    Result,
    Tuple,
    Future,
    Stream,
    Handle,
    Record,
    Flags,
    Variant,
    Enum,
    Resource,
]


# --- functions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: Id
    ty: Type


@dataclass(frozen=True)
class Func:
    """A function signature.

    `span` is the `func` keyword's (or `constructor`'s, `get`'s, `set`'s).
    `accessor` is None for a plain function, "get" or "set" for a getter or setter.
    """

    span: Span
    async_: bool
    params: tuple[Param, ...]
    result: Type | None
    accessor: str | None = None


@dataclass(frozen=True)
class NamedFunc:
    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id  # for a constructor: Id("constructor", span of the keyword)
    func: Func


@dataclass(frozen=True)
class ResourceFunc:
    kind: str  # "method", "static" or "constructor"
    func: NamedFunc


@dataclass(frozen=True)
class TypeDef:
    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    ty: Type  # Record / Flags / Variant / Enum / Resource for those items, any type for `type x = ...`


# --- paths and uses ------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageName:
    docs: Docs
    span: Span  # from the namespace to the end of the version (or the name)
    namespace: Id
    name: Id
    version: Version | None


@dataclass(frozen=True)
class LocalPath:
    """`id`: an interface or world of the same package (or a name brought in by a top-level use)."""

    id: Id

    @property
    def name(self) -> Id:
        return self.id


@dataclass(frozen=True)
class PackagePath:
    """`ns:pkg/name@version`: an interface or world of another package."""

    package: PackageName  # its `span` covers `ns:pkg` only (not the version), as in wit-parser
    name_id: Id

    @property
    def name(self) -> Id:
        return self.name_id


UsePath = Union[LocalPath, PackagePath]


@dataclass(frozen=True)
class UseName:
    name: Id
    as_: Id | None


@dataclass(frozen=True)
class Use:
    """`use path.{a, b as c};` inside an interface or world."""

    attributes: tuple[Attribute, ...]
    from_: UsePath
    names: tuple[UseName, ...]


@dataclass(frozen=True)
class ToplevelUse:
    """`use path [as name];` at file level."""

    span: Span  # the `use` keyword
    attributes: tuple[Attribute, ...]
    item: UsePath
    as_: Id | None


@dataclass(frozen=True)
class IncludeName:
    name: Id
    as_: Id


@dataclass(frozen=True)
class Include:
    attributes: tuple[Attribute, ...]
    from_: UsePath
    names: tuple[IncludeName, ...]


# --- interfaces and worlds -----------------------------------------------------------------

InterfaceItem = Union[TypeDef, NamedFunc, Use]


@dataclass(frozen=True)
class Interface:
    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    items: tuple[InterfaceItem, ...]


@dataclass(frozen=True)
class ExternInterface:
    """`import name: interface { ... }` (an inline interface)."""

    name: Id
    items: tuple[InterfaceItem, ...]


@dataclass(frozen=True)
class ExternPath:
    """`import path;`"""

    path: UsePath


@dataclass(frozen=True)
class ExternFunc:
    """`import name: func(...)` (also `async func`, and getters/setters `name: get()`)."""

    name: Id
    func: Func


@dataclass(frozen=True)
class ExternNamedPath:
    """`import name: path;` (a plain name implementing an interface)."""

    name: Id
    path: UsePath


ExternKind = Union[ExternInterface, ExternPath, ExternFunc, ExternNamedPath]


@dataclass(frozen=True)
class Import:
    docs: Docs
    attributes: tuple[Attribute, ...]
    kind: ExternKind


@dataclass(frozen=True)
class Export:
    docs: Docs
    attributes: tuple[Attribute, ...]
    kind: ExternKind


WorldItem = Union[Import, Export, Use, TypeDef, Include]


@dataclass(frozen=True)
class World:
    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    items: tuple[WorldItem, ...]


@dataclass(frozen=True)
class NestedPackage:
    """`package ns:pkg { ... }` inside a file."""

    span: Span  # the `package` keyword
    attributes: tuple[Attribute, ...]  # wit-parser rejects attributes here; kept for the error
    package: PackageFile


AstItem = Union[Interface, World, ToplevelUse, NestedPackage]


@dataclass(frozen=True)
class PackageFile:
    """One `.wit` file (or one nested package block): an optional header and its items."""

    package_id: PackageName | None
    items: tuple[AstItem, ...] = field(default=())
