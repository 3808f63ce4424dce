"""The model's walks over a type's kind: the types inside it, and a copy with its ids mapped.

Every stage that needs the types inside a `TypeDefKind` uses these instead of a chain of its own:
lowering (the gate an anonymous type inherits), merging (ids remapped, `borrow` found), cloning,
and the code generator. Each is a `match` ending in `assert_never`, so when a kind is added to
`witgen.resolve.model`, mypy fails here until it is handled, and then wherever else kinds are
told apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import assert_never

from witgen.records import replace
from witgen.resolve import model as m


def kind_refs(kind: m.TypeDefKind) -> tuple[m.TypeRef | None, ...]:
    """The types directly inside `kind` (a handle: its resource), in wit-parser's `find_in_kind`
    order: one entry per place a type may be written, None where it is left out (a case with no
    payload, `result<_, E>`, `future`), so the entries line up with fields or cases."""
    match kind:  # the commonest first
        case m.AliasKind() | m.ListKind() | m.FixedLengthListKind() | m.OptionKind():
            return (kind.ty,)
        case m.HandleKind():
            return (kind.resource,)
        case m.ResultKind():
            return (kind.ok, kind.err)
        case m.TupleKind():
            return kind.types
        case m.RecordKind():
            return tuple(f.ty for f in kind.fields)
        case m.VariantKind():
            return tuple(c.ty for c in kind.cases)
        case m.MapKind():
            return (kind.key, kind.value)
        case m.FutureKind() | m.StreamKind():
            return (kind.ty,)
        case m.ResourceKind() | m.FlagsKind() | m.EnumKind() | m.UnknownKind():
            return ()
        case _:
            assert_never(kind)


def map_kind(kind: m.TypeDefKind, f: Callable[[m.TypeId], m.TypeId]) -> m.TypeDefKind:
    """A copy of `kind` with each type id in `kind_refs(kind)` replaced by `f(id)`; primitives
    are kept, and a kind with no types inside is returned itself (kinds never change in place)."""

    def ty(ref: m.TypeRef) -> m.TypeRef:
        return ref if isinstance(ref, str) else f(ref)

    def opt(ref: m.TypeRef | None) -> m.TypeRef | None:
        return ref if ref is None or isinstance(ref, str) else f(ref)

    # rebuilt by constructor, not `replace`: a copy costs more, and merging maps every type
    match kind:  # the commonest first
        case m.AliasKind():
            return m.AliasKind(ty(kind.ty))
        case m.ListKind():
            return m.ListKind(ty(kind.ty))
        case m.OptionKind():
            return m.OptionKind(ty(kind.ty))
        case m.HandleKind():
            return m.HandleKind(kind.handle, f(kind.resource))
        case m.ResultKind():
            return m.ResultKind(opt(kind.ok), opt(kind.err))
        case m.TupleKind():
            return m.TupleKind(tuple(ty(t) for t in kind.types))
        case m.RecordKind():
            return m.RecordKind(tuple(replace(field, ty=ty(field.ty)) for field in kind.fields))
        case m.VariantKind():
            return m.VariantKind(tuple(replace(case, ty=opt(case.ty)) for case in kind.cases))
        case m.MapKind():
            return m.MapKind(ty(kind.key), ty(kind.value))
        case m.FixedLengthListKind():
            return m.FixedLengthListKind(ty(kind.ty), kind.size)
        case m.FutureKind():
            return m.FutureKind(opt(kind.ty))
        case m.StreamKind():
            return m.StreamKind(opt(kind.ty))
        case m.ResourceKind() | m.FlagsKind() | m.EnumKind() | m.UnknownKind():
            return kind
        case _:
            assert_never(kind)


def dealias(types: Sequence[m.TypeDef], tid: m.TypeId) -> m.TypeId:
    """The type `tid` names once `type a = b` aliases are followed (to an id, not a primitive)."""
    while True:
        kind = types[tid].kind
        if not (isinstance(kind, m.AliasKind) and isinstance(kind.ty, int)):
            return tid
        tid = kind.ty
