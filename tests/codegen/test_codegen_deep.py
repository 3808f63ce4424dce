"""Deeply nested named types: codegen's walks over types are iterative (or remembered).

329 records, each holding the one before, reached through a function's result: valid WIT that the
front end accepts. Every walk over types in the generator (handles, unsupported features, the
types mentioning a resource of an interface on both sides, the re-exports) once recursed per
level and failed with `RecursionError` on it (the host bindings already when a world function
returned the deepest record, the guest wrappers on every world here).
"""

from __future__ import annotations

import ctypes
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from codegen.support import load_world
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import generate_host
from witgen.codegen.writer import write_package

DEPTH = 329
RECORDS = "\n".join(f"  record r{n} {{ a: r{n - 1} }}" for n in range(1, DEPTH + 1))
INTERFACE = (
    f"package t:deep;\ninterface i {{\n  record r0 {{ x: u32 }}\n{RECORDS}\n"
    f"  f: func() -> r{DEPTH};\n}}\n"
)
WORLDS = {
    "exports": "world w { export i; }",
    "imports": "world w { import i; }",
    "world-export": f"world w {{ use i.{{r{DEPTH}}}; export g: func() -> r{DEPTH}; }}",
    "world-import": f"world w {{ use i.{{r{DEPTH}}}; import g: func() -> r{DEPTH}; }}",
    # One interface on both sides (host only: guest wrappers do not support it yet), with a
    # resource, so that which types mention it is asked of every record.
    "both": (
        "package t:deep;\nworld w { import j; export j; }\n"
        f"interface j {{\n  resource res;\n{RECORDS}\n"
        f"  record r0 {{ x: own<res> }}\n  f: func() -> r{DEPTH}; }}"
    ),
}


def _import(out: Path, name: str) -> ModuleType:
    sys.path.insert(0, str(out))
    try:
        for mod in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
            del sys.modules[mod]
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(out))


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_deep_records_generate_host_and_guest(world: str, tmp_path: Path) -> None:
    source = tmp_path / "deep.wit"
    text = WORLDS[world]
    source.write_text(text if world == "both" else f"{INTERFACE}{text}\n", encoding="utf-8")
    resolve, world_id = load_world(source)
    host = generate_host(resolve, world_id)
    module = "j.py" if world == "both" else "i.py"
    assert f"class R{DEPTH}:" in host.files[module]
    if world == "both":
        # the host's copy of every record, since each holds (at the bottom) an `own<res>`
        assert f"class ImportedR{DEPTH}:" in host.files[module]
    else:
        guest = generate_guest(resolve, world_id)
        folder = "exports" if world == "exports" else "imports"
        assert f"class R{DEPTH}:" in guest.files[f"{folder}/i.py"]
    write_package(host, tmp_path / "out")
    pkg = _import(tmp_path / "out", host.name)
    mod = importlib.import_module(f"{host.name}.{module[:-3]}")
    assert getattr(mod, f"R{DEPTH}").__dataclass_fields__.keys() == {"a"}
    del pkg


def test_a_deep_value_round_trips_through_the_converters(tmp_path: Path) -> None:
    # The generated converter of the deepest record lowers a Python value into the C API's
    # component value and lifts it back (what a call does with a function's result).
    source = tmp_path / "deep.wit"
    source.write_text(f"{INTERFACE}{WORLDS['exports']}\n", encoding="utf-8")
    host = generate_host(*load_world(source))
    write_package(host, tmp_path / "out")
    _import(tmp_path / "out", host.name)
    mod = importlib.import_module(f"{host.name}.i")
    capi = importlib.import_module(f"{host.name}._rt._capi")
    value = mod.R0(x=7)
    for n in range(1, DEPTH + 1):
        value = getattr(mod, f"R{n}")(a=value)
    conv = getattr(mod, f"_C_R{DEPTH}")
    val = capi._Val()
    conv.lower(value, val)
    try:
        back = conv.lift(val)
    finally:
        capi._val_delete(ctypes.byref(val))
    # Walked down level by level: the dataclasses' own `==` recurses (Python's, not ours).
    for n in range(DEPTH, 0, -1):
        assert type(back) is getattr(mod, f"R{n}") and back is not value
        back, value = back.a, value.a
    assert back == mod.R0(x=7)
