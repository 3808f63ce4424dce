"""End to end with a REAL Python guest: components built by componentize-py inside the test run,
loaded through witgen's generated host bindings.

Two guests (shared/notes/guests-componentize.md has the measured facts behind this file):
* the plugin example world (`wit/plugin.wit`): `run("x")` returns the guest's answer, the host's
  `log` receives the guest's message, and a guest exception surfaces as `WasmTrap`;
* a richer world of this file's own (`RICH_WIT`): records, a variant, an enum, flags, options (one
  nested), results (returned, raised and inside a list), tuples, lists and `list<u8>`, both ways
  (the guest also calls a host import that returns a `result`).

The guests use componentize-py's own generated guest bindings (witgen's guest wrappers come later),
with one exception in the plugin guest, explained at `PLUGIN_GUEST`.

Building a guest takes 5-9 s and about 400 MB, so each is built once and cached by content: key =
sha256 of (recipe version, componentize-py version, WIT, world, guest source), the component at
`<tempdir>/witgen-test-guests/<key>/guest.wasm`, published by `os.replace` (concurrent builders
each build privately; the last rename wins harmlessly). Compiling the 18 MB component in wasmtime
takes seconds too, so `load` gets a compiled-component cache folder beside it (a test of its own
elsewhere checks the cache itself); a rerun then neither builds nor compiles.

The build runs componentize-py's Python API (`componentize_py.componentize`) in a child process:
the build's memory is returned when it ends, a Rust panic cannot take the test process down, and
only the guest's folder is on the guest's Python path. (The command line would also add this
environment's site-packages, and any installed package with a `componentize-py.toml`, spin-sdk
for one, would then be merged into the guest's world.)

WASI: componentize-py components import WASI 0.2 (cli, io, clocks, random, filesystem, sockets;
not wasi:http, so `allow_http` is not needed), which `load` provides with its safe default; the
guest's Python traceback goes to the inherited stderr.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from codegen.support import REPO, generate_and_import
from plugins import PluginHost, compiled_cache_dir

RECIPE_VERSION = 1  # bump when the build below changes what it produces
COMPONENTIZE_PY = "componentize-py"  # the distribution; `componentize-py==0.25.*` in the test extra
APP = "guest_app"  # the guest's module (must not be named like componentize-py's `wit_world`)

BUILD_SCRIPT = """
import json, sys
import componentize_py
a = json.loads(sys.argv[1])
componentize_py.componentize(
    wit_path=[a["wit"]], worlds=[a["world"]], features=[], all_features=False, world_module=None,
    python_path=[a["src"]], module_worlds=[], app_name=a["app"], output_path=a["out"],
    stub_wasi=False, import_interface_names=[], export_interface_names=[], full_names=False,
    intersect_world=None,
)
"""


def guest_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "witgen-test-guests"


def componentize_py_version() -> str:
    try:
        return importlib.metadata.version(COMPONENTIZE_PY)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(
            "componentize-py is not installed: pip install 'componentize-py==0.25.*' (test extra)"
        )


def build_guest(wit: str, world: str, source: str) -> Path:
    """The component componentize-py builds from `source` (the module `APP`) for `world` of `wit`,
    from the cache when it was built before."""
    version = componentize_py_version()
    material = {
        "recipe": RECIPE_VERSION,
        "componentize-py": version,
        "wit": wit,
        "world": world,
        "guest": source,
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()
    entry = guest_cache_dir() / key
    final = entry / "guest.wasm"
    if final.is_file():
        return final
    entry.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=entry))
    (work / "wit").mkdir()
    (work / "wit" / "guest.wit").write_text(wit, encoding="utf-8")
    (work / "src").mkdir()
    (work / "src" / f"{APP}.py").write_text(source, encoding="utf-8")
    args = {
        "wit": str(work / "wit"),
        "world": world,
        "src": str(work / "src"),
        "app": APP,
        "out": str(work / "guest.wasm"),
    }
    done = subprocess.run(
        [sys.executable, "-c", BUILD_SCRIPT, json.dumps(args)],
        capture_output=True,
        text=True,
        env={**os.environ, "RUST_BACKTRACE": "0"},
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"componentize-py {version} failed to build the guest (exit {done.returncode}); work dir"
            f" {work}\n--- stderr ---\n{done.stderr[-5000:]}"
        )
    os.replace(work / "guest.wasm", final)
    shutil.rmtree(work, ignore_errors=True)
    return final


@pytest.fixture(scope="session")
def compiled_cache() -> Path:
    """`load`'s compiled-component cache for the guests: kept across sessions, like the guests."""
    return compiled_cache_dir()


# --- the plugin world -----------------------------------------------------------------------------

# componentize-py 0.25.1 writes no Python function for a function of an interface the world declares
# inline (`import host: interface { log: ... }`): its summary names such a function by interface id
# (`MyFunction::key`), while the world lists the interface by name, so the function is skipped
# (the interface's types are still written). The component still imports `host` and the guest
# runtime still dispatches the function, as import 0: componentize-py numbers imported functions in
# the world's order, the world's own before WASI's. So the guest calls it the way the generated
# code would (`componentize_py_runtime.call_import(index, args)`); if that numbering changed, the
# test would fail on the log assertion (or trap), not pass silently.
PLUGIN_GUEST = """
import componentize_py_runtime
import wit_world

LOG = 0  # the world's first imported function: `host#log`


def log(param: str) -> None:
    componentize_py_runtime.call_import(LOG, [param])


class WitWorld(wit_world.WitWorld):
    def run(self, param: str) -> str:
        log(f"guest got {param!r}")
        if param == "boom":
            raise ValueError("the guest exploded")
        return f"hello, {param}!"
"""


@pytest.fixture(scope="session")
def plugin_guest() -> Path:
    return build_guest(
        (REPO / "wit" / "plugin.wit").read_text(encoding="utf-8"), "plugin", PLUGIN_GUEST
    )


def test_plugin_guest_runs_and_logs(
    plugin_pkg: ModuleType, plugin_guest: Path, compiled_cache: Path
) -> None:
    host = PluginHost()
    plugin = plugin_pkg.Plugin.load(plugin_guest, host, cache=compiled_cache)
    assert plugin.run("x") == "hello, x!"
    assert plugin.run("héllo 😀") == "hello, héllo 😀!"
    assert host.host.lines == ["guest got 'x'", "guest got 'héllo 😀'"]
    # A second load (from the compiled cache) is a new instance with its own host.
    other = PluginHost()
    again = plugin_pkg.Plugin.load(plugin_guest, other, cache=compiled_cache)
    assert again.run("y") == "hello, y!"
    assert other.host.lines == ["guest got 'y'"] and len(host.host.lines) == 2


def test_plugin_guest_exception_is_a_trap(
    plugin_pkg: ModuleType,
    plugin_guest: Path,
    compiled_cache: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    host = PluginHost()
    plugin = plugin_pkg.Plugin.load(plugin_guest, host, cache=compiled_cache)
    with pytest.raises(plugin_pkg.WasmTrap) as trap:
        plugin.run("boom")
    assert isinstance(trap.value.__cause__, wasmtime.WasmtimeError)
    assert "can no longer be used" in str(trap.value)
    assert host.host.lines == ["guest got 'boom'"]  # the guest ran until it raised
    # componentize-py prints the guest's traceback to WASI stderr, which `load` inherits.
    assert "ValueError: the guest exploded" in capfd.readouterr().err
    with pytest.raises(plugin_pkg.InstanceUnusable):
        plugin.run("x")
    # A new instance of the same component is fine.
    assert plugin_pkg.Plugin.load(plugin_guest, host, cache=compiled_cache).run("z") == "hello, z!"


# --- a richer world -------------------------------------------------------------------------------

RICH_WIT = """
package witgen-test:rich@0.1.0;

interface types {
  enum color { red, green, blue }
  flags perms { read, write, exec }
  record point { x: s32, y: s32 }
  variant shape { circle(f64), rect(point), dot }
  record item {
    name: string,
    tags: list<string>,
    color: color,
    perms: perms,
    at: option<point>,
    shape: shape,
    data: list<u8>,
  }
}

/// The host keeps items for the guest.
interface store {
  use types.{item};
  save: func(it: item) -> result<u32, string>;
}

interface tools {
  use types.{color, perms, point, shape, item};
  area: func(s: shape) -> f64;
  next-color: func(c: color) -> color;
  toggle: func(p: perms) -> perms;
  mirror: func(it: item) -> item;
  find: func(items: list<item>, name: string) -> result<item, string>;
  maybe-double: func(x: option<s64>) -> option<s64>;
  nested: func(x: option<option<u8>>) -> option<option<u8>>;
  swap: func(t: tuple<u8, string>) -> tuple<string, u8>;
  parse-all: func(xs: list<string>) -> list<result<s32, string>>;
  save-all: func(items: list<item>) -> result<list<u32>, string>;
  boom: func(msg: string) -> string;
}

world rich {
  use types.{item};
  import store;
  export tools;
  export describe: func(it: item) -> string;
}
"""

RICH_GUEST = """
import dataclasses

import wit_world
from componentize_py_types import Err, Ok, Some
from wit_world import exports
from wit_world.imports import store
from wit_world.imports import types as t


class WitWorld(wit_world.WitWorld):
    def describe(self, it):
        flags = "|".join(p.name.lower() for p in t.Perms if p in it.perms) or "-"
        where = "nowhere" if it.at is None else f"({it.at.x},{it.at.y})"
        tags = ",".join(it.tags)
        return f"{it.name} [{tags}] {it.color.name.lower()} {flags} at {where} {len(it.data)}B"


class Tools(exports.Tools):
    def area(self, s):
        if isinstance(s, t.Shape_Circle):
            return 3.0 * s.value * s.value
        if isinstance(s, t.Shape_Rect):
            return float(s.value.x * s.value.y)
        return 0.0

    def next_color(self, c):
        return t.Color((c.value + 1) % 3)

    def toggle(self, p):
        return p ^ t.Perms.EXEC

    def mirror(self, it):
        return dataclasses.replace(
            it,
            name=it.name.upper(),
            tags=[*it.tags, "seen"],
            perms=it.perms | t.Perms.READ,
            at=None if it.at is None else t.Point(it.at.y, it.at.x),
            shape=t.Shape_Dot() if isinstance(it.shape, t.Shape_Circle) else it.shape,
            data=bytes(reversed(it.data)),
        )

    def find(self, items, name):
        for it in items:
            if it.name == name:
                return it
        raise Err(f"no item named {name!r}")

    def maybe_double(self, x):
        return None if x is None else x * 2

    def nested(self, x):
        if x is None:
            return Some(None)
        if x.value is None:
            return None
        return Some(x.value + 1)

    def swap(self, pair):
        return (pair[1], pair[0])

    def parse_all(self, xs):
        out = []
        for s in xs:
            try:
                out.append(Ok(int(s)))
            except ValueError:
                out.append(Err(f"not a number: {s!r}"))
        return out

    def save_all(self, items):
        try:
            return [store.save(it) for it in items]
        except Err as e:
            raise Err(f"store refused: {e.value}")

    def boom(self, msg):
        raise RuntimeError(msg)
"""


class StoreHost:
    """The host side of `store`: keeps items, refuses one without a name (`Err`, like any
    function returning a result)."""

    def __init__(self, pkg: ModuleType) -> None:
        self.pkg = pkg
        self.saved: list[Any] = []

    def save(self, it: Any) -> int:
        if not it.name:
            raise self.pkg.Err("empty name")
        self.saved.append(it)
        return len(self.saved)


class RichHost:
    def __init__(self, pkg: ModuleType) -> None:
        self.store = StoreHost(pkg)


@pytest.fixture(scope="session")
def rich_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(RICH_WIT, tmp_path_factory.mktemp("rich"))


@pytest.fixture(scope="session")
def rich_guest() -> Path:
    return build_guest(RICH_WIT, "rich", RICH_GUEST)


@pytest.fixture()
def rich(rich_pkg: ModuleType, rich_guest: Path, compiled_cache: Path) -> tuple[Any, RichHost]:
    host = RichHost(rich_pkg)
    return rich_pkg.Rich.load(rich_guest, host, cache=compiled_cache), host


def make_item(pkg: ModuleType, name: str = "héllo 😀", **changes: Any) -> Any:
    t = pkg.types
    fields: dict[str, Any] = {
        "name": name,
        "tags": ["a", "b"],
        "color": t.Color.GREEN,
        "perms": t.Perms.WRITE | t.Perms.EXEC,
        "at": t.Point(-3, 2_000_000_000),
        "shape": t.Shape_Circle(1.5),
        "data": bytes(range(256)),
    }
    fields.update(changes)
    return t.Item(**fields)


def test_rich_records_enums_flags_variants_round_trip(
    rich_pkg: ModuleType, rich: tuple[Any, RichHost]
) -> None:
    plugin, _ = rich
    t = rich_pkg.types
    item = make_item(rich_pkg)
    assert plugin.describe(item) == "héllo 😀 [a,b] green write|exec at (-3,2000000000) 256B"
    assert plugin.describe(
        make_item(rich_pkg, "x", tags=[], perms=t.Perms(0), at=None, data=b"")
    ) == ("x [] green - at nowhere 0B")
    mirrored = plugin.tools.mirror(item)
    assert mirrored == t.Item(
        name="HÉLLO 😀",
        tags=["a", "b", "seen"],
        color=t.Color.GREEN,
        perms=t.Perms.READ | t.Perms.WRITE | t.Perms.EXEC,
        at=t.Point(2_000_000_000, -3),
        shape=t.Shape_Dot(),
        data=bytes(reversed(range(256))),
    )
    rect = make_item(rich_pkg, shape=t.Shape_Rect(t.Point(3, 4)))
    assert plugin.tools.mirror(rect).shape == t.Shape_Rect(t.Point(3, 4))
    assert plugin.tools.area(t.Shape_Circle(2.0)) == 12.0
    assert plugin.tools.area(t.Shape_Rect(t.Point(3, -4))) == -12.0
    assert plugin.tools.area(t.Shape_Dot()) == 0.0
    assert [plugin.tools.next_color(c) for c in t.Color] == [
        t.Color.GREEN,
        t.Color.BLUE,
        t.Color.RED,
    ]
    assert plugin.tools.toggle(t.Perms.READ | t.Perms.EXEC) == t.Perms.READ
    assert plugin.tools.toggle(t.Perms(0)) == t.Perms.EXEC
    assert plugin.tools.swap((255, "ü")) == ("ü", 255)


def test_rich_options_and_results(rich_pkg: ModuleType, rich: tuple[Any, RichHost]) -> None:
    plugin, host = rich
    tools = plugin.tools
    Ok, Err, Some = rich_pkg.Ok, rich_pkg.Err, rich_pkg.Some
    assert tools.maybe_double(None) is None
    assert tools.maybe_double(-(2**61)) == -(2**62)
    assert tools.nested(None) == Some(None)
    assert tools.nested(Some(None)) is None
    assert tools.nested(Some(7)) == Some(8)
    a, b = make_item(rich_pkg, "a"), make_item(rich_pkg, "b", at=None)
    assert tools.find([a, b], "b") == b
    with pytest.raises(Err) as missing:  # the guest raised Err: the ok value or Err(e), both ways
        tools.find([a], "zzz")
    assert missing.value.value == "no item named 'zzz'"
    assert tools.parse_all(["1", "x", "-3"]) == [Ok(1), Err("not a number: 'x'"), Ok(-3)]
    # The guest calls the host's `save` (a result): ok values, then the host's Err reaches the
    # guest as its Err, which it turns into its own.
    assert tools.save_all([a, b]) == [1, 2]
    assert host.store.saved == [a, b]
    with pytest.raises(Err) as refused:
        tools.save_all([make_item(rich_pkg, "c"), make_item(rich_pkg, "")])
    assert refused.value.value == "store refused: empty name"
    assert [it.name for it in host.store.saved] == ["a", "b", "c"]
    # The instance is still usable after results with err, wherever they came from.
    assert tools.swap((1, "x")) == ("x", 1)


def test_rich_guest_exception_is_a_trap(
    rich_pkg: ModuleType, rich: tuple[Any, RichHost], capfd: pytest.CaptureFixture[str]
) -> None:
    plugin, _ = rich
    with pytest.raises(rich_pkg.WasmTrap):
        plugin.tools.boom("kaboom")
    assert "RuntimeError: kaboom" in capfd.readouterr().err
    with pytest.raises(rich_pkg.InstanceUnusable):
        plugin.tools.area(rich_pkg.types.Shape_Dot())


def test_rich_arguments_are_checked_before_they_reach_the_guest(
    rich_pkg: ModuleType, rich: tuple[Any, RichHost]
) -> None:
    plugin, _ = rich
    t = rich_pkg.types
    with pytest.raises((TypeError, ValueError)):
        plugin.tools.swap((256, "x"))  # u8 out of range
    with pytest.raises((TypeError, ValueError)):
        plugin.tools.next_color("red")
    with pytest.raises((TypeError, ValueError)):
        plugin.describe(make_item(rich_pkg, at=t.Point(2**31, 0)))  # s32 out of range
    assert plugin.tools.next_color(t.Color.RED) == t.Color.GREEN  # still usable


def test_build_cache_reuses_the_component(plugin_guest: Path) -> None:
    # Same inputs, same file, no build (the session fixture built it, or found it cached).
    plugin_wit = (REPO / "wit" / "plugin.wit").read_text(encoding="utf-8")
    assert build_guest(plugin_wit, "plugin", PLUGIN_GUEST) == plugin_guest
    assert plugin_guest.stat().st_size > 1_000_000  # a real CPython component (~18 MB)
