"""Unit tests of the walks over a type's kind (`witgen.resolve.kinds`): `kind_refs`, `map_kind`.

One example of every kind, checked to be every member of `model.TypeDefKind`, so a kind added to
the model without an example here fails too (mypy already fails on the walks themselves).
"""

from __future__ import annotations

import typing

import pytest

from witgen.resolve import model as m
from witgen.resolve.kinds import dealias, kind_refs, map_kind

T1, T2, T3 = m.TypeId(1), m.TypeId(2), m.TypeId(3)

# (kind, kind_refs(kind), the kind with every id mapped by `shift`)
EXAMPLES: list[tuple[m.TypeDefKind, tuple[m.TypeRef | None, ...], m.TypeDefKind]] = [
    (
        m.RecordKind((m.Field("a", T1, "doc", (0, 1)), m.Field("b", "u8"))),
        (T1, "u8"),
        m.RecordKind((m.Field("a", m.TypeId(11), "doc", (0, 1)), m.Field("b", "u8"))),
    ),
    (
        m.VariantKind((m.Case("a", T1), m.Case("b", None, "doc"), m.Case("c", "string"))),
        (T1, None, "string"),
        m.VariantKind((m.Case("a", m.TypeId(11)), m.Case("b", None, "doc"), m.Case("c", "string"))),
    ),
    (m.TupleKind((T1, "u8", T2)), (T1, "u8", T2), m.TupleKind((m.TypeId(11), "u8", m.TypeId(12)))),
    (m.AliasKind(T1), (T1,), m.AliasKind(m.TypeId(11))),
    (m.AliasKind("u32"), ("u32",), m.AliasKind("u32")),
    (m.ListKind(T2), (T2,), m.ListKind(m.TypeId(12))),
    (m.FixedLengthListKind(T2, 4), (T2,), m.FixedLengthListKind(m.TypeId(12), 4)),
    (m.OptionKind(T3), (T3,), m.OptionKind(m.TypeId(13))),
    (m.ResultKind(None, T1), (None, T1), m.ResultKind(None, m.TypeId(11))),
    (m.ResultKind(T1, "string"), (T1, "string"), m.ResultKind(m.TypeId(11), "string")),
    (m.MapKind("string", T2), ("string", T2), m.MapKind("string", m.TypeId(12))),
    (m.FutureKind(None), (None,), m.FutureKind(None)),
    (m.FutureKind(T1), (T1,), m.FutureKind(m.TypeId(11))),
    (m.StreamKind(T3), (T3,), m.StreamKind(m.TypeId(13))),
    (m.HandleKind("borrow", T1), (T1,), m.HandleKind("borrow", m.TypeId(11))),
    (m.ResourceKind(), (), m.ResourceKind()),
    (m.FlagsKind((m.Flag("a"),)), (), m.FlagsKind((m.Flag("a"),))),
    (m.EnumKind((m.EnumCase("a"),)), (), m.EnumKind((m.EnumCase("a"),))),
    (m.UnknownKind(), (), m.UnknownKind()),
]


def shift(tid: m.TypeId) -> m.TypeId:
    return m.TypeId(tid + 10)


def test_the_examples_cover_every_kind_of_the_model() -> None:
    kinds = set(typing.get_args(m.TypeDefKind))
    assert {type(kind) for kind, _, _ in EXAMPLES} == kinds


@pytest.mark.parametrize("kind,refs,_mapped", EXAMPLES, ids=lambda v: type(v).__name__)
def test_kind_refs_lists_each_place_a_type_is_written(
    kind: m.TypeDefKind, refs: tuple[m.TypeRef | None, ...], _mapped: m.TypeDefKind
) -> None:
    assert kind_refs(kind) == refs


@pytest.mark.parametrize("kind,_refs,mapped", EXAMPLES, ids=lambda v: type(v).__name__)
def test_map_kind_maps_ids_and_keeps_everything_else(
    kind: m.TypeDefKind, _refs: tuple[m.TypeRef | None, ...], mapped: m.TypeDefKind
) -> None:
    before = repr(kind)
    assert map_kind(kind, shift) == mapped
    assert repr(kind) == before  # the kind itself is unchanged


def test_map_kind_calls_f_in_kind_refs_order_once_per_id() -> None:
    seen: list[m.TypeId] = []

    def record(tid: m.TypeId) -> m.TypeId:
        seen.append(tid)
        return tid

    map_kind(m.ResultKind(T2, T1), record)
    map_kind(m.MapKind(T3, T1), record)
    map_kind(m.TupleKind((T1, "u8", T1)), record)
    assert seen == [T2, T1, T3, T1, T1, T1]


def test_dealias_follows_aliases_to_ids_only() -> None:
    types = [
        m.TypeDef("r", m.ResourceKind(), None),
        m.TypeDef("a", m.AliasKind(m.TypeId(0)), None),
        m.TypeDef("b", m.AliasKind(m.TypeId(1)), None),
        m.TypeDef("c", m.AliasKind("u8"), None),
    ]
    assert dealias(types, m.TypeId(2)) == 0
    assert dealias(types, m.TypeId(0)) == 0
    assert dealias(types, m.TypeId(3)) == 3  # an alias of a primitive names no other type
