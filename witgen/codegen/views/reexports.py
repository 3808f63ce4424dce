"""Re-exports of the package's `__init__` (code generation): interface types the world reaches.

In: the `ViewState` of a world and the `__init__`'s `ModuleCtx`. Out: `ReexportView`s, the
public types of interface modules that the world's functions reach, re-exported where the
world's own types are defined.
"""

from __future__ import annotations

from dataclasses import dataclass

from witgen.codegen.pytypes import ModuleCtx, TypeMapper
from witgen.codegen.views.state import ViewState
from witgen.resolve import model as m


@dataclass(frozen=True)
class ReexportView:
    """A type of an interface module that the package's `__init__` re-exports."""

    py_name: str
    target: str  # where it is defined, e.g. `_m_types.FilterError_Empty`


def reexports(st: ViewState, ctx: ModuleCtx) -> list[ReexportView]:
    """Every named type inside the world's types, through fields, cases, lists, handles and
    aliases, and the case classes of every variant among them.

    A name the package already defines (the world's types, the runtime's names, the world
    class) keeps its meaning, and a name that two different types would take is given to
    neither: both stay in their modules. One type reached under several names (`j.thing`,
    an alias of `i.thing`) counts once, and one the package already has under another name
    (the world's `Thing` standing for `ImportedThing`) is not repeated."""
    world_scope = st.scopes[""]
    taken = set(world_scope.owners) | world_scope.reserved
    present = {_canonical(st, t) for t in st.walk.types}
    found: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}  # name -> canon -> where
    seen: set[int] = set()

    def offer(name: str, canon: tuple[str, str], where: tuple[str, str]) -> None:
        found.setdefault(name, {}).setdefault(canon, where)

    # Depth first, each type when first reached, without recursion (named types nest as deep
    # as WIT likes).
    stack: list[m.TypeRef | None] = list(reversed(sorted(st.walk.types)))
    while stack:
        ref = stack.pop()
        if not isinstance(ref, int) or ref in seen:
            continue
        seen.add(ref)
        k = st.resolve.types[ref].kind
        where = st.host_names.get(ref)
        if where is not None and where[0] != "":
            canon = _canonical(st, ref)
            if canon not in present:
                offer(where[1], canon, where)
            if isinstance(k, m.VariantKind):
                for i in range(len(k.cases)):
                    case = (where[0], st.host_case_names[(ref, i)])
                    offer(case[1], case, case)
        stack.extend(reversed(_reached(k)))
    out = []
    for name, candidates in sorted(found.items()):
        if name in taken or len(candidates) > 1:
            continue
        (module, py), *_ = candidates.values()
        out.append(ReexportView(name, ctx.ref(module, py)))
    return out


def _canonical(st: ViewState, ref: int) -> tuple[str, str]:
    """Where the type that named type `ref` stands for is defined: aliases of named types
    followed to the end (with the names of the host's side, as world types use them)."""
    while True:
        k = st.resolve.types[ref].kind
        if not isinstance(k, m.AliasKind) or not isinstance(k.ty, int):
            break
        if st.resolve.types[k.ty].name is None:
            break
        ref = k.ty
    return st.host_names[ref]


def _reached(k: m.TypeDefKind) -> list[m.TypeRef | None]:
    """The types directly inside a type of kind `k`, handles' resources included."""
    match k:
        case m.HandleKind():
            return [k.resource]
        case m.MapKind():
            return [k.key, k.value]
        case m.FixedLengthListKind() | m.FutureKind() | m.StreamKind():
            return [k.ty]
        case _:
            return list(TypeMapper.inner_types(k))
