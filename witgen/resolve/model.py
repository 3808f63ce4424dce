"""Stage 3 model: a `Resolve`, many packages merged into arenas addressed by integer ids.

Mirrors wit-parser's `Resolve` (resolve/mod.rs) and its public types (lib.rs): after resolution no
name lookups remain; a type reference is either a primitive name (`"u32"`, `"string"`, ...) or the
integer id of a `TypeDef` in `Resolve.types`. Dict fields keep insertion order, which is the order
the JSON dump (`witgen.resolve.jsonout`) prints them in, exactly as wit-parser's `IndexMap`s do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from witgen.errors import Span

# A type reference: a primitive's WIT name, or a TypeDef id.
TypeRef = Union[str, int]


# --- stability (feature gates) -------------------------------------------------------------


@dataclass(frozen=True)
class Stable:
    since: str
    deprecated: str | None = None


@dataclass(frozen=True)
class Unstable:
    feature: str
    deprecated: str | None = None


# `None` is wit-parser's `Stability::Unknown` (no gate written).
Stability = Union[Stable, Unstable, None]


# --- type definitions ----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    ty: TypeRef
    docs: str | None = None
    span: Span | None = None


@dataclass
class Flag:
    name: str
    docs: str | None = None
    span: Span | None = None


@dataclass
class Case:
    name: str
    ty: TypeRef | None
    docs: str | None = None
    span: Span | None = None


@dataclass
class EnumCase:
    name: str
    docs: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class RecordKind:
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class ResourceKind:
    pass


@dataclass(frozen=True)
class HandleKind:
    handle: str  # "own" or "borrow"
    resource: int


@dataclass(frozen=True)
class FlagsKind:
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class TupleKind:
    types: tuple[TypeRef, ...]


@dataclass(frozen=True)
class VariantKind:
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class EnumKind:
    cases: tuple[EnumCase, ...]


@dataclass(frozen=True)
class OptionKind:
    ty: TypeRef


@dataclass(frozen=True)
class ResultKind:
    ok: TypeRef | None
    err: TypeRef | None


@dataclass(frozen=True)
class ListKind:
    ty: TypeRef


@dataclass(frozen=True)
class MapKind:
    key: TypeRef
    value: TypeRef


@dataclass(frozen=True)
class FixedLengthListKind:
    ty: TypeRef
    size: int


@dataclass(frozen=True)
class FutureKind:
    ty: TypeRef | None


@dataclass(frozen=True)
class StreamKind:
    ty: TypeRef | None


@dataclass(frozen=True)
class AliasKind:
    """`type a = b;` (wit-parser's `TypeDefKind::Type`)."""

    ty: TypeRef


@dataclass(frozen=True)
class UnknownKind:
    """A placeholder for a type imported from another package, replaced when packages merge."""


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


@dataclass(frozen=True)
class OwnerWorld:
    id: int


@dataclass(frozen=True)
class OwnerInterface:
    id: int


# `None` is wit-parser's `TypeOwner::None` (anonymous types).
TypeOwner = Union[OwnerWorld, OwnerInterface, None]


@dataclass
class TypeDef:
    name: str | None
    kind: TypeDefKind
    owner: TypeOwner
    docs: str | None = None
    stability: Stability = None
    span: Span | None = None
    external_id: str | None = None


# --- functions -----------------------------------------------------------------------------


@dataclass
class Param:
    name: str
    ty: TypeRef
    span: Span | None = None


@dataclass(frozen=True)
class FunctionKind:
    """wit-parser's `FunctionKind`: `tag` is its kebab-case JSON name; `resource` the TypeDef id.

    Tags: freestanding, async-freestanding, method, async-method, static, async-static,
    constructor, getter, setter, method-getter, method-setter, static-getter, static-setter.
    """

    tag: str
    resource: int | None = None


@dataclass
class Function:
    name: str
    kind: FunctionKind
    params: list[Param]
    result: TypeRef | None
    docs: str | None = None
    stability: Stability = None
    span: Span | None = None
    external_id: str | None = None


# --- interfaces, worlds, packages ----------------------------------------------------------


@dataclass
class Interface:
    name: str | None
    types: dict[str, int] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    docs: str | None = None
    stability: Stability = None
    package: int | None = None
    span: Span | None = None
    clone_of: int | None = None


# A world key: a plain name (str) or an interface id (int), printed as "interface-N".
WorldKey = Union[str, int]


@dataclass
class WorldInterface:
    id: int
    stability: Stability = None
    external_id: str | None = None
    docs: str | None = None
    span: Span | None = None


@dataclass
class WorldFunction:
    func: Function


@dataclass
class WorldType:
    id: int
    span: Span | None = None


WorldItem = Union[WorldInterface, WorldFunction, WorldType]


@dataclass
class IncludeName:
    name: str
    as_: str


@dataclass
class WorldInclude:
    id: int
    names: list[IncludeName]
    stability: Stability = None
    span: Span | None = None


@dataclass
class World:
    name: str
    imports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    exports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    package: int | None = None
    docs: str | None = None
    stability: Stability = None
    includes: list[WorldInclude] = field(default_factory=list)
    span: Span | None = None


@dataclass(frozen=True)
class PackageName:
    namespace: str
    name: str
    version: str | None = None

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version is not None else base


@dataclass
class Package:
    name: PackageName
    docs: str | None = None
    interfaces: dict[str, int] = field(default_factory=dict)
    worlds: dict[str, int] = field(default_factory=dict)


@dataclass
class Resolve:
    worlds: list[World] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    types: list[TypeDef] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    package_names: dict[PackageName, int] = field(default_factory=dict)
    features: frozenset[str] = frozenset()
    all_features: bool = False
