"""Stage 3 model: a `Resolve`, many packages merged into arenas addressed by integer ids.

Mirrors wit-parser's `Resolve` (resolve/mod.rs) and its public types (lib.rs): after resolution no
name lookups remain; a type reference is either a primitive name (`"u32"`, `"string"`, ...) or the
integer id of a `TypeDef` in `Resolve.types`. Dict fields keep insertion order, which is the order
the JSON dump (`witgen.resolve.jsonout`) prints them in, exactly as wit-parser's `IndexMap`s do.
Structs (`witgen.records`) compare by value; only the arenas' entries are updated in place.
"""

from __future__ import annotations

from typing import NewType, Union

from witgen.errors import Span, WitError
from witgen.records import Struct
from witgen.syntax.source import Location, SourceMap

# The ids of the arenas: an index into `Resolve.types`, `.interfaces`, `.worlds` or `.packages`
# (during stage 2, into an `Unresolved` package's own arenas). Distinct types for the type checker
# only: at run time each is a plain int, which is what the JSON prints.
TypeId = NewType("TypeId", int)
InterfaceId = NewType("InterfaceId", int)
WorldId = NewType("WorldId", int)
PackageId = NewType("PackageId", int)

# A type reference: a primitive's WIT name, or a TypeDef id.
TypeRef = Union[str, TypeId]


# --- stability (feature gates) -------------------------------------------------------------


class Stable(Struct):
    __slots__ = ("since", "deprecated")

    since: str
    deprecated: str | None

    def __init__(self, since: str, deprecated: str | None = None) -> None:
        self.since = since
        self.deprecated = deprecated


class Unstable(Struct):
    __slots__ = ("feature", "deprecated")

    feature: str
    deprecated: str | None

    def __init__(self, feature: str, deprecated: str | None = None) -> None:
        self.feature = feature
        self.deprecated = deprecated


# `None` is wit-parser's `Stability::Unknown` (no gate written).
Stability = Union[Stable, Unstable, None]


# --- type definitions ----------------------------------------------------------------------


class Field(Struct):
    __slots__ = ("name", "ty", "docs", "span")

    name: str
    ty: TypeRef
    docs: str | None
    span: Span | None

    def __init__(
        self, name: str, ty: TypeRef, docs: str | None = None, span: Span | None = None
    ) -> None:
        self.name = name
        self.ty = ty
        self.docs = docs
        self.span = span


class Flag(Struct):
    __slots__ = ("name", "docs", "span")

    name: str
    docs: str | None
    span: Span | None

    def __init__(self, name: str, docs: str | None = None, span: Span | None = None) -> None:
        self.name = name
        self.docs = docs
        self.span = span


class Case(Struct):
    __slots__ = ("name", "ty", "docs", "span")

    name: str
    ty: TypeRef | None
    docs: str | None
    span: Span | None

    def __init__(
        self, name: str, ty: TypeRef | None, docs: str | None = None, span: Span | None = None
    ) -> None:
        self.name = name
        self.ty = ty
        self.docs = docs
        self.span = span


class EnumCase(Struct):
    __slots__ = ("name", "docs", "span")

    name: str
    docs: str | None
    span: Span | None

    def __init__(self, name: str, docs: str | None = None, span: Span | None = None) -> None:
        self.name = name
        self.docs = docs
        self.span = span


class RecordKind(Struct):
    __slots__ = ("fields",)

    fields: tuple[Field, ...]

    def __init__(self, fields: tuple[Field, ...]) -> None:
        self.fields = fields


class ResourceKind(Struct):
    __slots__ = ()


class HandleKind(Struct):
    __slots__ = ("handle", "resource")

    handle: str  # "own" or "borrow"
    resource: TypeId

    def __init__(self, handle: str, resource: TypeId) -> None:
        self.handle = handle
        self.resource = resource


class FlagsKind(Struct):
    __slots__ = ("flags",)

    flags: tuple[Flag, ...]

    def __init__(self, flags: tuple[Flag, ...]) -> None:
        self.flags = flags


class TupleKind(Struct):
    __slots__ = ("types",)

    types: tuple[TypeRef, ...]

    def __init__(self, types: tuple[TypeRef, ...]) -> None:
        self.types = types


class VariantKind(Struct):
    __slots__ = ("cases",)

    cases: tuple[Case, ...]

    def __init__(self, cases: tuple[Case, ...]) -> None:
        self.cases = cases


class EnumKind(Struct):
    __slots__ = ("cases",)

    cases: tuple[EnumCase, ...]

    def __init__(self, cases: tuple[EnumCase, ...]) -> None:
        self.cases = cases


class OptionKind(Struct):
    __slots__ = ("ty",)

    ty: TypeRef

    def __init__(self, ty: TypeRef) -> None:
        self.ty = ty


class ResultKind(Struct):
    __slots__ = ("ok", "err")

    ok: TypeRef | None
    err: TypeRef | None

    def __init__(self, ok: TypeRef | None, err: TypeRef | None) -> None:
        self.ok = ok
        self.err = err


class ListKind(Struct):
    __slots__ = ("ty",)

    ty: TypeRef

    def __init__(self, ty: TypeRef) -> None:
        self.ty = ty


class MapKind(Struct):
    __slots__ = ("key", "value")

    key: TypeRef
    value: TypeRef

    def __init__(self, key: TypeRef, value: TypeRef) -> None:
        self.key = key
        self.value = value


class FixedLengthListKind(Struct):
    __slots__ = ("ty", "size")

    ty: TypeRef
    size: int

    def __init__(self, ty: TypeRef, size: int) -> None:
        self.ty = ty
        self.size = size


class FutureKind(Struct):
    __slots__ = ("ty",)

    ty: TypeRef | None

    def __init__(self, ty: TypeRef | None) -> None:
        self.ty = ty


class StreamKind(Struct):
    __slots__ = ("ty",)

    ty: TypeRef | None

    def __init__(self, ty: TypeRef | None) -> None:
        self.ty = ty


class AliasKind(Struct):
    """`type a = b;` (wit-parser's `TypeDefKind::Type`)."""

    __slots__ = ("ty",)

    ty: TypeRef

    def __init__(self, ty: TypeRef) -> None:
        self.ty = ty


class UnknownKind(Struct):
    """A placeholder for a type imported from another package, replaced when packages merge."""

    __slots__ = ()


TypeDefKind = Union[
    RecordKind,
    ResourceKind,
    HandleKind,
    FlagsKind,
    TupleKind,
    VariantKind,
    EnumKind,
    OptionKind,
    ResultKind,
    ListKind,
    MapKind,
    FixedLengthListKind,
    FutureKind,
    StreamKind,
    AliasKind,
    UnknownKind,
]
# A new kind is added to the walks over kinds too (`witgen.resolve.kinds`): mypy says where else.


class OwnerWorld(Struct):
    __slots__ = ("id",)

    id: WorldId

    def __init__(self, id: WorldId) -> None:
        self.id = id


class OwnerInterface(Struct):
    __slots__ = ("id",)

    id: InterfaceId

    def __init__(self, id: InterfaceId) -> None:
        self.id = id


# `None` is wit-parser's `TypeOwner::None` (anonymous types).
TypeOwner = Union[OwnerWorld, OwnerInterface, None]


class TypeDef(Struct):
    __slots__ = ("name", "kind", "owner", "docs", "stability", "span", "external_id")

    name: str | None
    kind: TypeDefKind
    owner: TypeOwner
    docs: str | None
    stability: Stability
    span: Span | None
    external_id: str | None

    def __init__(
        self,
        name: str | None,
        kind: TypeDefKind,
        owner: TypeOwner,
        docs: str | None = None,
        stability: Stability = None,
        span: Span | None = None,
        external_id: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.owner = owner
        self.docs = docs
        self.stability = stability
        self.span = span
        self.external_id = external_id


# --- functions -----------------------------------------------------------------------------


class Param(Struct):
    __slots__ = ("name", "ty", "span")

    name: str
    ty: TypeRef
    span: Span | None

    def __init__(self, name: str, ty: TypeRef, span: Span | None = None) -> None:
        self.name = name
        self.ty = ty
        self.span = span


class FunctionKind(Struct):
    """wit-parser's `FunctionKind`: `tag` is its kebab-case JSON name; `resource` the TypeDef id.

    Tags: freestanding, async-freestanding, method, async-method, static, async-static,
    constructor, getter, setter, method-getter, method-setter, static-getter, static-setter.
    """

    __slots__ = ("tag", "resource")

    tag: str
    resource: TypeId | None

    def __init__(self, tag: str, resource: TypeId | None = None) -> None:
        self.tag = tag
        self.resource = resource


class Function(Struct):
    __slots__ = ("name", "kind", "params", "result", "docs", "stability", "span", "external_id")

    name: str
    kind: FunctionKind
    params: list[Param]
    result: TypeRef | None
    docs: str | None
    stability: Stability
    span: Span | None
    external_id: str | None

    def __init__(
        self,
        name: str,
        kind: FunctionKind,
        params: list[Param],
        result: TypeRef | None,
        docs: str | None = None,
        stability: Stability = None,
        span: Span | None = None,
        external_id: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.params = params
        self.result = result
        self.docs = docs
        self.stability = stability
        self.span = span
        self.external_id = external_id


# --- interfaces, worlds, packages ----------------------------------------------------------


class Interface(Struct):
    __slots__ = ("name", "types", "functions", "docs", "stability", "package", "span", "clone_of")

    name: str | None
    types: dict[str, TypeId]
    functions: dict[str, Function]
    docs: str | None
    stability: Stability
    package: PackageId | None
    span: Span | None
    clone_of: InterfaceId | None

    def __init__(
        self,
        name: str | None,
        types: dict[str, TypeId] | None = None,
        functions: dict[str, Function] | None = None,
        docs: str | None = None,
        stability: Stability = None,
        package: PackageId | None = None,
        span: Span | None = None,
        clone_of: InterfaceId | None = None,
    ) -> None:
        self.name = name
        self.types = {} if types is None else types
        self.functions = {} if functions is None else functions
        self.docs = docs
        self.stability = stability
        self.package = package
        self.span = span
        self.clone_of = clone_of


# A world key: a plain name (str) or an interface id, printed as "interface-N".
WorldKey = Union[str, InterfaceId]


class WorldInterface(Struct):
    __slots__ = ("id", "stability", "external_id", "docs", "span")

    id: InterfaceId
    stability: Stability
    external_id: str | None
    docs: str | None
    span: Span | None

    def __init__(
        self,
        id: InterfaceId,
        stability: Stability = None,
        external_id: str | None = None,
        docs: str | None = None,
        span: Span | None = None,
    ) -> None:
        self.id = id
        self.stability = stability
        self.external_id = external_id
        self.docs = docs
        self.span = span


class WorldFunction(Struct):
    __slots__ = ("func",)

    func: Function

    def __init__(self, func: Function) -> None:
        self.func = func


class WorldType(Struct):
    __slots__ = ("id", "span")

    id: TypeId
    span: Span | None

    def __init__(self, id: TypeId, span: Span | None = None) -> None:
        self.id = id
        self.span = span


WorldItem = Union[WorldInterface, WorldFunction, WorldType]


class IncludeName(Struct):
    __slots__ = ("name", "as_")

    name: str
    as_: str

    def __init__(self, name: str, as_: str) -> None:
        self.name = name
        self.as_ = as_


class WorldInclude(Struct):
    __slots__ = ("id", "names", "stability", "span")

    id: WorldId
    names: list[IncludeName]
    stability: Stability
    span: Span | None

    def __init__(
        self,
        id: WorldId,
        names: list[IncludeName],
        stability: Stability = None,
        span: Span | None = None,
    ) -> None:
        self.id = id
        self.names = names
        self.stability = stability
        self.span = span


class World(Struct):
    __slots__ = ("name", "imports", "exports", "package", "docs", "stability", "includes", "span")

    name: str
    imports: dict[WorldKey, WorldItem]
    exports: dict[WorldKey, WorldItem]
    package: PackageId | None
    docs: str | None
    stability: Stability
    includes: list[WorldInclude]
    span: Span | None

    def __init__(
        self,
        name: str,
        imports: dict[WorldKey, WorldItem] | None = None,
        exports: dict[WorldKey, WorldItem] | None = None,
        package: PackageId | None = None,
        docs: str | None = None,
        stability: Stability = None,
        includes: list[WorldInclude] | None = None,
        span: Span | None = None,
    ) -> None:
        self.name = name
        self.imports = {} if imports is None else imports
        self.exports = {} if exports is None else exports
        self.package = package
        self.docs = docs
        self.stability = stability
        self.includes = [] if includes is None else includes
        self.span = span


class PackageName(Struct):
    __slots__ = ("namespace", "name", "version")

    namespace: str
    name: str
    version: str | None

    def __init__(self, namespace: str, name: str, version: str | None = None) -> None:
        self.namespace = namespace
        self.name = name
        self.version = version

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version is not None else base


class Package(Struct):
    __slots__ = ("name", "docs", "interfaces", "worlds")

    name: PackageName
    docs: str | None
    interfaces: dict[str, InterfaceId]
    worlds: dict[str, WorldId]

    def __init__(
        self,
        name: PackageName,
        docs: str | None = None,
        interfaces: dict[str, InterfaceId] | None = None,
        worlds: dict[str, WorldId] | None = None,
    ) -> None:
        self.name = name
        self.docs = docs
        self.interfaces = {} if interfaces is None else interfaces
        self.worlds = {} if worlds is None else worlds


class Resolve(Struct):
    __slots__ = (
        "worlds",
        "interfaces",
        "types",
        "packages",
        "package_names",
        "features",
        "all_features",
        "source_map",
    )

    worlds: list[World]
    interfaces: list[Interface]
    types: list[TypeDef]
    packages: list[Package]
    package_names: dict[PackageName, PackageId]
    features: frozenset[str]
    all_features: bool
    # the text the spans in the model point into; empty for a resolve not read from WIT text
    source_map: SourceMap

    def __init__(
        self,
        worlds: list[World] | None = None,
        interfaces: list[Interface] | None = None,
        types: list[TypeDef] | None = None,
        packages: list[Package] | None = None,
        package_names: dict[PackageName, PackageId] | None = None,
        features: frozenset[str] = frozenset(),
        all_features: bool = False,
        source_map: SourceMap | None = None,
    ) -> None:
        self.worlds = [] if worlds is None else worlds
        self.interfaces = [] if interfaces is None else interfaces
        self.types = [] if types is None else types
        self.packages = [] if packages is None else packages
        self.package_names = {} if package_names is None else package_names
        self.features = features
        self.all_features = all_features
        self.source_map = SourceMap() if source_map is None else source_map

    def location(self, span: Span | None) -> Location | None:
        """Where `span` is (`path`, `line`, `column`, as errors print them), or None when there
        is no span or no text behind it."""
        if span is None or not self.source_map.sources:
            return None
        return self.source_map.locate(span)

    def error(self, message: str, span: Span | None) -> WitError:
        """A `WitError` at `span`, rendered as the front end renders its own (the message, `-->
        path:line:col`, the source line and a caret), ready to raise; just the message when the
        span cannot be located."""
        return self.source_map.render(WitError(message, span))
