"""The plugin example world (`wit/plugin.wit`) end to end through its generated package, both by
`Plugin.load` and by the lower-level path (own Engine, Linker and Store); and a component that
imports WASI, which `load` provides with a safe default configuration."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest
import wasmtime
from wasmtime.component import Component, Linker

from codegen.support import generate_and_import
from plugins import PluginHost as Host


def test_plugin_load_and_run(plugin_pkg: ModuleType, plugin_component: Path) -> None:
    host = Host()
    plugin = plugin_pkg.Plugin.load(plugin_component, host)
    assert plugin.run("world!") == "world!"
    assert plugin.run("héllo 😀") == "héllo 😀"
    assert host.host.lines == ["world!", "héllo 😀"]
    assert plugin_pkg.Plugin.run.__doc__.startswith("The plugin's entry point")


def test_plugin_lower_level_path(plugin_pkg: ModuleType, plugin_component: Path) -> None:
    # Like wasmtime's bindgen!: the user owns the Engine, Linker and Store.
    engine = wasmtime.Engine()
    component = Component.from_file(engine, str(plugin_component))
    linker = Linker(engine)
    host = Host()
    plugin_pkg.Plugin.add_to_linker(linker, host)
    store = wasmtime.Store(engine)
    plugin = plugin_pkg.Plugin.instantiate(store, component, linker)
    assert plugin.run("x") == "x"
    assert plugin.store is store
    # The same linker instantiates again, in another store, with the same host.
    again = plugin_pkg.Plugin.instantiate(wasmtime.Store(engine), component, linker)
    assert again.run("y") == "y"
    assert host.host.lines == ["x", "y"]


def test_plugin_host_error_reaches_run(plugin_pkg: ModuleType, plugin_component: Path) -> None:
    class Failing:
        def log(self, param: str) -> None:
            raise LookupError(param)

    class FailingHost:
        host = Failing()

    plugin = plugin_pkg.Plugin.load(plugin_component, FailingHost())
    with pytest.raises(LookupError, match="boom"):
        plugin.run("boom")


WASI_WIT = """
package test:wasi-user;

world wasi-user {
  import wasi:cli/environment@0.2.0;
  export arg-count: func() -> u32;
}

package wasi:cli@0.2.0 {
  interface environment {
    get-arguments: func() -> list<string>;
  }
}
"""

# get-arguments returns a list<string>: (pointer, length) written to a return area.
ARG_COUNT = """
(local $rp i32)
(local.set $rp (call $alloc (i32.const 8)))
(call $"wasi:cli/environment@0.2.0#get-arguments" (local.get $rp))
(i32.load offset=4 (local.get $rp))
"""


def test_wasi_is_provided_with_a_safe_default(
    component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    component = component_builder(WASI_WIT, bodies={"arg-count": ARG_COUNT})
    pkg = generate_and_import(WASI_WIT, tmp_path)
    # WASI interfaces are defined by wasmtime, so the host object has nothing to provide.
    assert "def environment" not in (tmp_path / "wasi_user" / "__init__.py").read_text()
    assert pkg.WasiUser.load(component).arg_count() == 0  # no arguments by default
    config = wasmtime.WasiConfig()
    config.argv = ["prog", "a", "b"]
    assert pkg.WasiUser.load(component, wasi=config).arg_count() == 3


def test_files_that_are_not_components_of_this_world_give_component_errors(
    plugin_pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.wasm"
    garbage.write_bytes(b"not wasm at all")
    with pytest.raises(
        plugin_pkg.ComponentError, match=r"garbage.wasm: not a WebAssembly component"
    ):
        plugin_pkg.Plugin.load(garbage, Host(), cache=False)

    core = tmp_path / "core.wasm"
    core.write_bytes(b"\0asm\x01\x00\x00\x00")  # an empty core module
    with pytest.raises(
        plugin_pkg.ComponentError, match="a core WebAssembly module, not a component"
    ):
        plugin_pkg.Plugin.load(core, Host(), cache=False)

    # A component of another world: it imports an interface this host does not provide.
    other = component_builder(
        "package test:other;\n"
        "interface clock { now: func() -> u64; }\n"
        "world other { import clock; export run: func(param: string) -> string; }\n",
    )
    with pytest.raises(plugin_pkg.ComponentError) as caught:
        plugin_pkg.Plugin.load(other, Host(), cache=False)
    assert str(caught.value) == (
        f"{other}: the component imports test:other/clock, which neither world"
        " plugin:demo/plugin nor WASI 0.2 has (this host provides nothing else)"
    )
