"""Getters and setters of interfaces and worlds (`x: get() -> T`, `x: set(v: T)`) at run time.

wasmtime 50 cannot compile a component that has them ("`[get]` and `[set]` names require the
component model accessors feature"), so no real call can be made: the generated properties raise
`NotImplementedError` naming the feature, the exports are never looked up, and linking the imports
reads nothing from the host object. The first test pins wasmtime's refusal: when a wasmtime can
compile such components, it fails, and the properties should be wired for real.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest
import wasmtime
from wasmtime.component import Component, Linker

from codegen.support import generate_and_import
from components.builder import find_wasm_tools

WIT = """
package test:knobs;

interface knobs {
  gain: get() -> u32;
  gain: set(value: u32) -> result<_, string>;
}

world knobbed {
  import dial: get() -> u32;
  import dial: set(value: u32);
  import label: get() -> string;
  export knobs;
  export level: get() -> f32;
  export level: set(value: f32);
}
"""

# Any component wasmtime can instantiate: the generated class is put over its instance, which it
# never calls (every one of its exports is an accessor).
PLAIN = "package test:plain;\nworld plain { export f: func(); }\n"


@pytest.fixture(scope="module")
def knobs_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(WIT, tmp_path_factory.mktemp("knobs"))


def test_wasmtime_50_cannot_compile_accessors(tmp_path: Path, knobs_pkg: ModuleType) -> None:
    exe = find_wasm_tools()
    if exe is None:
        pytest.skip("wasm-tools is not installed")
    (tmp_path / "knobs.wit").write_text(WIT)
    core, component = tmp_path / "core.wasm", tmp_path / "component.wasm"
    # `component new` makes the component; `validate` (like wasmtime) refuses it by default.
    subprocess.run(
        [str(exe), "component", "embed", "--dummy", str(tmp_path / "knobs.wit"), "-o", str(core)],
        check=True,
    )
    subprocess.run([str(exe), "component", "new", str(core), "-o", str(component)], check=True)
    with pytest.raises(wasmtime.WasmtimeError, match="accessors feature"):
        Component.from_file(wasmtime.Engine(), str(component))
    with pytest.raises(
        knobs_pkg.ComponentError, match="not a valid component: .*accessors feature"
    ):
        knobs_pkg.Knobbed.load(component, object(), cache=False)


def test_exported_properties_raise_not_implemented(
    knobs_pkg: ModuleType, component_builder: Callable[..., Path]
) -> None:
    engine = wasmtime.Engine()
    component = Component.from_file(engine, str(component_builder(PLAIN)))
    store = wasmtime.Store(engine)
    instance = Linker(engine).instantiate(store, component)
    knobbed = knobs_pkg.Knobbed(store, component, instance)
    unsupported = "getters and setters are not supported by these bindings yet"
    with pytest.raises(NotImplementedError, match=f"^level: {unsupported}$"):
        _ = knobbed.level
    with pytest.raises(NotImplementedError, match=rf"^level \(setter\): {unsupported}$"):
        knobbed.level = 1.5
    with pytest.raises(NotImplementedError, match=f"^knobs.gain: {unsupported}$"):
        _ = knobbed.knobs.gain
    with pytest.raises(NotImplementedError, match=rf"^knobs.gain \(setter\): {unsupported}$"):
        knobbed.knobs.gain = 3


def test_imported_properties_link_without_reading_the_host(knobs_pkg: ModuleType) -> None:
    class Host:
        def __init__(self) -> None:
            self.reads = 0
            self._dial = 7

        @property
        def dial(self) -> int:
            self.reads += 1
            return self._dial

        @dial.setter
        def dial(self, value: int) -> None:
            self._dial = value

        label = "knob"

    host = Host()
    knobs_pkg.Knobbed.add_to_linker(Linker(wasmtime.Engine()), host)
    assert host.reads == 0  # a property is read at each call, never when linking
    # The host functions the linker calls: they read and write the property each time.
    rt = knobs_pkg._rt
    read, write = rt.property_getter(host, "dial"), rt.property_setter(host, "dial")
    assert read() == 7
    write(9)
    assert read() == 9 and host.reads == 2
    assert rt.property_getter(host, "label")() == "knob"
