"""The per-kind view models: each WIT kind's view class, its converter expressions in both
flavours, the name formulas of `naming`, guest views derived from (never written into) the host's,
and the plugin contract `witgen build` reads. Expected values are written by hand from the run
times' constructor signatures (`runtime/host/compound.py`, `runtime/guest_rt.py`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from codegen.support import load_world
from witgen.build.componentize import ExportedModule, plugin_contract
from witgen.codegen import naming
from witgen.codegen.guest import GuestViews
from witgen.codegen.views import (
    AliasView,
    EnumView,
    RecordView,
    ResourceClassView,
    VariantView,
    ViewBuilder,
)
from witgen.codegen.walk import walk_world
from witgen.resolve.model import Resolve

KINDS_WIT = """
package t:k;

interface i {
  record point { x: u32, y-pos: s8 }
  enum color { red, dark-green }
  flags perms { read, write }
  variant filter-error { empty, too-long(u32) }
  type ids = list<u32>;
  resource counter { constructor(); bump: func(); }
}

interface host { log: func(msg: string); }

world w { import host; export i; }
"""


def _world(tmp_path: Path, text: str = KINDS_WIT) -> tuple[Resolve, int]:
    source = tmp_path / "kinds.wit"
    source.write_text(text, encoding="utf-8")
    return load_world(source)


def test_each_kind_has_its_view_and_converters(tmp_path: Path) -> None:
    resolve, world_id = _world(tmp_path)
    views = ViewBuilder(resolve, walk_world(resolve, world_id)).build()
    [module] = [mod for mod in views.modules if mod.name == "i"]
    by_name = {t.py_name: t for t in module.types}
    point = by_name["Point"]
    assert isinstance(point, RecordView) and point.shape == "record"
    assert [f.py_name for f in point.fields] == ["x", "y_pos"]
    expected = '_rt.Record(Point, "point", (("x", "x", _rt.U32), ("y_pos", "y-pos", _rt.S8), ))'
    assert point.converter == point.guest_converter == expected
    assert point.converter_name == "_C_Point"
    color, perms = by_name["Color"], by_name["Perms"]
    assert isinstance(color, EnumView) and not color.flags and color.base == "_enum.Enum"
    assert [(c.py_name, c.value) for c in color.members] == [("RED", 0), ("DARK_GREEN", 1)]
    assert color.converter == '_rt.Enum(Color, "color", ("red", "dark-green", ))'
    assert isinstance(perms, EnumView) and perms.flags and perms.base == "_enum.Flag"
    assert [(c.py_name, c.value) for c in perms.members] == [("READ", 1), ("WRITE", 2)]
    assert perms.converter == '_rt.Flags(Perms, "perms", ("read", "write", ))'
    # The guest run time takes no member names: componentize-py passes members by value.
    assert perms.guest_converter == '_rt.Flags(Perms, "perms")'
    assert color.guest_converter == '_rt.Enum(Color, "color")'
    error = by_name["FilterError"]
    assert isinstance(error, VariantView) and error.shape == "variant"
    assert error.annotation == "FilterError_Empty | FilterError_TooLong"
    assert error.defines == ["FilterError", "FilterError_Empty", "FilterError_TooLong"]
    cases = '((FilterError_Empty, "empty", None), (FilterError_TooLong, "too-long", _rt.U32), )'
    # The host's run time takes the WIT name and the cases; the guest's the Python name first.
    assert error.converter == f'_rt.Variant("filter-error", {cases})'
    assert error.guest_converter == f'_rt.Variant("FilterError", "filter-error", {cases})'
    ids = by_name["Ids"]
    assert isinstance(ids, AliasView) and ids.annotation == "list[int]"
    assert ids.converter == ids.guest_converter == "_rt.List(_rt.U32)"
    counter = by_name["Counter"]
    assert isinstance(counter, ResourceClassView) and counter.shape == "exported_resource"
    assert counter.converter == '_rt.ExportedResource(Counter, "counter", "t:k/i")'
    assert counter.guest_converter == '_rt.ExportedResource(Counter, "counter")'
    assert [mb.spec for mb in counter.resource.members] == ["_X_Counter_new", "_X_Counter_f_bump"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.py_name = "Other"  # type: ignore[misc]


def test_name_formulas() -> None:
    assert naming.case_class("FilterError", "too-long") == "FilterError_TooLong"
    # Escapes are dropped inside the joined name: `None_` + `class` is no keyword.
    assert naming.case_class("None_", "class") == "None_Class"
    assert naming.host_copy("Boxed") == "ImportedBoxed"
    assert naming.variant_union(["A_X", "A_Y"]) == "A_X | A_Y"
    assert naming.module_alias("types") == "_m_types"
    assert naming.imports_protocol("Echo") == "EchoImports"
    assert naming.func_spec(True, "log") == "_I_log"
    assert naming.accessor_spec(False, True, "x") == "_XG_x"
    assert naming.accessor_attr(False, "x") == "_s_x"
    assert naming.member_attr("constructor", "__init__") == "_new"
    assert naming.member_attr("getter", "size") == "_get_size"
    assert naming.member_attr("static", "make") == "_f_make"
    assert naming.member_spec(True, "Counter", "_new") == "_I_Counter_new"
    assert naming.module_candidates("types", ("wasi", "http", "0.2.0"), False) == [
        "types",
        "http_types",
        "wasi_http_types",
        "wasi_http_types_0_2_0",
    ]
    assert naming.module_candidates("y", None, True) == ["y", "exports_y"]


def test_guest_views_are_derived_and_feed_the_plugin_contract(tmp_path: Path) -> None:
    resolve, world_id = _world(tmp_path)
    gv = GuestViews(resolve, world_id)
    before = dataclasses.asdict(gv.views.world)
    gv.generate()
    assert dataclasses.asdict(gv.views.world) == before  # rendering wrote nothing into the views
    [exported] = gv.world.exported
    assert (exported.class_name, exported.dotted, exported.path) == (
        "I",
        "exports.i",
        "exports/i.py",
    )
    assert [m.dotted for m in gv.modules if m.folder == "imports"] == ["imports.host"]
    contract = plugin_contract(gv, resolve, world_id)
    assert contract.package == "w_guest" and contract.world == "t:k/w"
    assert contract.exported == [ExportedModule("i", "I", ["Counter"])]
    assert contract.resource_modules == contract.exported
    assert contract.import_indexes == {("imports.host", "log"): 0}
    assert [(e.base, e.module) for e in contract.expected] == [
        ("W", "w_guest"),
        ("I", "w_guest.exports"),
        ("Counter", "w_guest.exports.i"),
    ]
    assert contract.expected[2].methods == {"bump": 0, "__init__": 0}
