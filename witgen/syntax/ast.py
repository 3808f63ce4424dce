"""Stage 1 output: the typed AST of one WIT file, as written.

Mirrors wit-parser's `ast.rs`: names are still unresolved (`Name` refers to a type by its written
name) and every node carries a span (a pair of global offsets, see `witgen.syntax.source`). The
parser (`witgen.syntax.parser`) builds these; the resolver (`witgen.resolve`) consumes them.
"""

from __future__ import annotations

from typing import Union

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


# --- attributes (gates and external ids) -----------------------------------------------------


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


class Primitive(Struct):
    __slots__ = ("name", "span")

    name: str  # one of PRIMITIVES
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class Name(Struct):
    """A reference to a named type (`foo`, `%foo`)."""

    __slots__ = ("id",)

    id: Id

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def span(self) -> Span:
        return self.id.span


class List(Struct):
    __slots__ = ("span", "ty")

    span: Span  # the `list` keyword
    ty: Type

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class FixedLengthList(Struct):
    __slots__ = ("span", "ty", "size")

    span: Span
    ty: Type
    size: int

    def __init__(self, span: Span, ty: Type, size: int) -> None:
        self.span = span
        self.ty = ty
        self.size = size


class Map(Struct):
    __slots__ = ("span", "key", "value")

    span: Span
    key: Type
    value: Type

    def __init__(self, span: Span, key: Type, value: Type) -> None:
        self.span = span
        self.key = key
        self.value = value


class Option(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class Result(Struct):
    __slots__ = ("span", "ok", "err")

    span: Span
    ok: Type | None
    err: Type | None

    def __init__(self, span: Span, ok: Type | None, err: Type | None) -> None:
        self.span = span
        self.ok = ok
        self.err = err


class Tuple(Struct):
    __slots__ = ("span", "types")

    span: Span
    types: tuple[Type, ...]

    def __init__(self, span: Span, types: tuple[Type, ...]) -> None:
        self.span = span
        self.types = types


class Future(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type | None

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class Stream(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type | None

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class Handle(Struct):
    """`own<r>` or `borrow<r>`; the span is the resource name's, as in wit-parser."""

    __slots__ = ("kind", "resource")

    kind: str  # "own" or "borrow"
    resource: Id

    def __init__(self, kind: str, resource: Id) -> None:
        self.kind = kind
        self.resource = resource

    @property
    def span(self) -> Span:
        return self.resource.span


class Field(Struct):
    __slots__ = ("docs", "name", "ty")

    docs: Docs
    name: Id
    ty: Type

    def __init__(self, docs: Docs, name: Id, ty: Type) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class Record(Struct):
    __slots__ = ("span", "fields")

    span: Span  # the record's name
    fields: tuple[Field, ...]

    def __init__(self, span: Span, fields: tuple[Field, ...]) -> None:
        self.span = span
        self.fields = fields


class Flag(Struct):
    __slots__ = ("docs", "name")

    docs: Docs
    name: Id

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class Flags(Struct):
    __slots__ = ("span", "flags")

    span: Span
    flags: tuple[Flag, ...]

    def __init__(self, span: Span, flags: tuple[Flag, ...]) -> None:
        self.span = span
        self.flags = flags


class Case(Struct):
    __slots__ = ("docs", "name", "ty")

    docs: Docs
    name: Id
    ty: Type | None

    def __init__(self, docs: Docs, name: Id, ty: Type | None) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class Variant(Struct):
    __slots__ = ("span", "cases")

    span: Span
    cases: tuple[Case, ...]

    def __init__(self, span: Span, cases: tuple[Case, ...]) -> None:
        self.span = span
        self.cases = cases


class EnumCase(Struct):
    __slots__ = ("docs", "name")

    docs: Docs
    name: Id

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class Enum(Struct):
    __slots__ = ("span", "cases")

    span: Span
    cases: tuple[EnumCase, ...]

    def __init__(self, span: Span, cases: tuple[EnumCase, ...]) -> None:
        self.span = span
        self.cases = cases


class Resource(Struct):
    __slots__ = ("span", "funcs")

    span: Span  # the resource's name
    funcs: tuple[ResourceFunc, ...]

    def __init__(self, span: Span, funcs: tuple[ResourceFunc, ...]) -> None:
        self.span = span
        self.funcs = funcs


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


class Param(Struct):
    __slots__ = ("name", "ty")

    name: Id
    ty: Type

    def __init__(self, name: Id, ty: Type) -> None:
        self.name = name
        self.ty = ty


class Func(Struct):
    """A function signature.

    `span` is the `func` keyword's (or `constructor`'s, `get`'s, `set`'s).
    `accessor` is None for a plain function, "get" or "set" for a getter or setter.
    """

    __slots__ = ("span", "async_", "params", "result", "accessor")

    span: Span
    async_: bool
    params: tuple[Param, ...]
    result: Type | None
    accessor: str | None

    def __init__(
        self,
        span: Span,
        async_: bool,
        params: tuple[Param, ...],
        result: Type | None,
        accessor: str | None = None,
    ) -> None:
        self.span = span
        self.async_ = async_
        self.params = params
        self.result = result
        self.accessor = accessor


class NamedFunc(Struct):
    __slots__ = ("docs", "attributes", "name", "func")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id  # for a constructor: Id("constructor", span of the keyword)
    func: Func

    def __init__(self, docs: Docs, attributes: tuple[Attribute, ...], name: Id, func: Func) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.func = func


class ResourceFunc(Struct):
    __slots__ = ("kind", "func")

    kind: str  # "method", "static" or "constructor"
    func: NamedFunc

    def __init__(self, kind: str, func: NamedFunc) -> None:
        self.kind = kind
        self.func = func


class TypeDef(Struct):
    __slots__ = ("docs", "attributes", "name", "ty")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id
    ty: Type  # Record / Flags / Variant / Enum / Resource for those items, any type for `type x = ...`

    def __init__(self, docs: Docs, attributes: tuple[Attribute, ...], name: Id, ty: Type) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.ty = ty


# --- paths and uses ------------------------------------------------------------------------


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


# --- interfaces and worlds -----------------------------------------------------------------

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


class NestedPackage(Struct):
    """`package ns:pkg { ... }` inside a file."""

    __slots__ = ("span", "attributes", "package")

    span: Span  # the `package` keyword
    attributes: tuple[Attribute, ...]  # wit-parser rejects attributes here; kept for the error
    package: PackageFile

    def __init__(self, span: Span, attributes: tuple[Attribute, ...], package: PackageFile) -> None:
        self.span = span
        self.attributes = attributes
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
