"""Stage 2 output: one package with its names resolved, as `witgen.resolve.lower` builds it.

wit-parser's `UnresolvedPackage`: local arenas addressed by local ids, the placeholders for items
of other packages first, then the package's own. `witgen.resolve.resolver` merges it into the
`Resolve`, connecting the placeholders to the packages already there.
"""

from __future__ import annotations

from witgen.errors import Span
from witgen.records import Struct
from witgen.resolve import model as m


class ItemRef(Struct):
    """An interface or a world of the package being lowered (wit-parser's `AstItem`)."""

    __slots__ = ("kind", "id")

    kind: str  # "interface" or "world"
    id: int  # an `m.InterfaceId` or an `m.WorldId`, as `kind` says

    def __init__(self, kind: str, id: int) -> None:
        self.kind = kind
        self.id = id


class ForeignDep(Struct):
    __slots__ = ("item", "stabilities")

    item: ItemRef
    stabilities: list[m.Stability]

    def __init__(self, item: ItemRef, stabilities: list[m.Stability] | None = None) -> None:
        self.item = item
        self.stabilities = [] if stabilities is None else stabilities


class Unresolved(Struct):
    """wit-parser's `UnresolvedPackage`: local arenas, foreign items first, then our own."""

    __slots__ = (
        "name",
        "name_span",
        "docs",
        "worlds",
        "interfaces",
        "types",
        "foreign_deps",
        "foreign_dep_spans",
        "unknown_type_spans",
        "required_resource_types",
    )

    name: m.PackageName
    name_span: Span
    docs: str | None
    worlds: list[m.World]
    interfaces: list[m.Interface]
    types: list[m.TypeDef]
    foreign_deps: dict[m.PackageName, dict[str, ForeignDep]]
    foreign_dep_spans: list[Span]
    unknown_type_spans: list[Span]
    required_resource_types: list[tuple[m.TypeId, Span]]

    def __init__(
        self,
        name: m.PackageName,
        name_span: Span,
        docs: str | None,
        worlds: list[m.World],
        interfaces: list[m.Interface],
        types: list[m.TypeDef],
        foreign_deps: dict[m.PackageName, dict[str, ForeignDep]],
        foreign_dep_spans: list[Span],
        unknown_type_spans: list[Span],
        required_resource_types: list[tuple[m.TypeId, Span]],
    ) -> None:
        self.name = name
        self.name_span = name_span
        self.docs = docs
        self.worlds = worlds
        self.interfaces = interfaces
        self.types = types
        self.foreign_deps = foreign_deps
        self.foreign_dep_spans = foreign_dep_spans
        self.unknown_type_spans = unknown_type_spans
        self.required_resource_types = required_resource_types
