"""End to end with a REAL JavaScript guest: the plugin world (`wit/plugin.wit`) implemented in
JavaScript, built into a component by componentize-js (from npm, inside the test run) and served
by the host bindings that `witgen wit/plugin.wit -o OUT` writes.

The checks: `run` returns exactly what the JavaScript computes, the host's `log` receives the
guest's messages (in order, on the instance's own host), strings survive the trip both ways
(non-ASCII, and a character outside the BMP, which is two UTF-16 units in JavaScript), and a
JavaScript `throw new Error(...)` surfaces as `WasmTrap`, after which the instance raises
`InstanceUnusable` while a new instance works.

Toolchain (shared/notes/guests-componentize.md §4): the standalone componentize-js CLI, pinned to
`COMPONENTIZE_JS_VERSION`, run with `node`. StarlingMonkey's conventions: the functions of the
imported interface `host` come from the module `'host'` (`import { log } from 'host'`), the world's
export is an exported function. By default componentize-js builds a component that imports
wasi:http (its fetch-event and http features) even when the guest never uses it: `load` links
that to functions that trap (unless `allow_http=True`), so such a plugin loads and runs, which
`test_a_js_plugin_with_its_default_features_loads_without_http` checks. The other tests build with
both disabled (`--disable http fetch-event`: with `http` alone, `wasi:http/types` is still
imported), so the component imports only `host` and WASI 0.2 cli/io/clocks/random/filesystem.
(The CLI accepts no `--disable all`; disabling stdio too would hide the guest's error on stderr.)

Caching, with the convention of the Python guest's tests (`guest_cache_dir()`, a folder under the
system temp folder, kept across sessions; entries published with `os.replace`, so concurrent
pytest workers each work privately and the last rename wins harmlessly):
* npm install (~15-20 s, ~390 MB): `<guest cache>/npm/<key>/`, key = sha256 of (recipe version,
  the pinned npm spec, platform). The install runs in a private folder beside it, which is renamed
  into place whole (a folder cannot replace another: here the first rename wins, and a later
  worker drops its copy and uses that one); a rerun starts no npm at all.
* the component (~4-9 s to build, ~12 MB): `<guest cache>/<key>/guest.wasm`, key = sha256 of
  (recipe version, componentize-js version, disabled features, WIT, world, JS source). When it is
  cached, neither node nor npm is needed.
* compiling the component in wasmtime (~4 s): `load`'s compiled-component cache, in
  `<guest cache>/compiled` (the Python guest's tests use the same folder).

Without `node` or `npm` on PATH (and nothing cached) the tests are skipped, with the reason; a
failing npm install (no network, for one) or build fails them, with npm's or componentize-js's
output in the message.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
import wasmtime

from plugins import PluginHost, compiled_cache_dir
from runtime.test_runtime_python_guest import guest_cache_dir

REPO = Path(__file__).resolve().parents[2]
PLUGIN_WIT = REPO / "wit" / "plugin.wit"

RECIPE_VERSION = 1  # bump when the install or build below changes what it produces
COMPONENTIZE_JS = "@bytecodealliance/componentize-js"
COMPONENTIZE_JS_VERSION = "0.23.0"
NPM_SPEC = f"{COMPONENTIZE_JS}@{COMPONENTIZE_JS_VERSION}"
# The CLI's entry point inside node_modules (what `node_modules/.bin/componentize-js` links to).
CLI = Path("node_modules", *COMPONENTIZE_JS.split("/"), "src", "cli.js")
DISABLED_FEATURES = ("http", "fetch-event")

JS_GUEST = """\
import { log } from 'host';

export function run(param) {
  const codePoints = [...param].length;
  log(`js got ${JSON.stringify(param)}: ${codePoints} code points, ${param.length} UTF-16 units`);
  if (param === 'boom') {
    throw new Error('the js guest exploded');
  }
  return `Hello, ${param} from js`;
}
"""


def _key(material: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout ---\n{done.stdout[-5000:]}\n--- stderr ---\n{done.stderr[-5000:]}"


def require_node() -> tuple[str, str]:
    """The paths of `node` and `npm`; skips the test, saying which is missing, without them."""
    found = {name: shutil.which(name) for name in ("node", "npm")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not on PATH: the JavaScript guest is built by"
            f" {NPM_SPEC}, installed with npm inside the test run (install Node.js 18+)"
        )
    return found["node"] or "", found["npm"] or ""


def install_componentize_js(npm: str) -> Path:
    """The folder holding `node_modules` with the pinned componentize-js, installed by npm the
    first time (in a private folder, renamed into place once complete)."""
    material = {
        "recipe": RECIPE_VERSION,
        "npm-spec": NPM_SPEC,
        "platform": f"{sys.platform}-{platform.machine()}",  # native parts (wizer, oxc-parser)
    }
    parent = guest_cache_dir() / "npm"
    final = parent / _key(material)
    if (final / CLI).is_file():
        return final
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{final.name}.install-", dir=parent))
    package = {"private": True, "dependencies": {COMPONENTIZE_JS: COMPONENTIZE_JS_VERSION}}
    (work / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    command = [npm, "install", "--no-audit", "--no-fund"]
    try:
        done = subprocess.run(
            command,
            cwd=work,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "npm_config_update_notifier": "false"},
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(f"`npm install {NPM_SPEC}` did not finish within {err.timeout} s")
    if done.returncode != 0 or not (work / CLI).is_file():
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(
            f"`npm install {NPM_SPEC}` failed (exit {done.returncode}; this test needs the npm"
            f" registry)\n{_output(done)}"
        )
    try:
        os.replace(work, final)
    except OSError:
        # Another worker published it first (a folder is not replaced by a rename): use theirs.
        shutil.rmtree(work, ignore_errors=True)
        if not (final / CLI).is_file():
            raise
    return final


def build_js_guest(
    wit: str, world: str, source: str, disable: tuple[str, ...] = DISABLED_FEATURES
) -> Path:
    """The component componentize-js builds from the JavaScript module `source` for `world` of
    `wit` (with its features `disable`d), from the cache when it was built before."""
    material = {
        "recipe": RECIPE_VERSION,
        "componentize-js": COMPONENTIZE_JS_VERSION,
        "disable": list(disable),
        "wit": wit,
        "world": world,
        "guest": source,
    }
    entry = guest_cache_dir() / _key(material)
    final = entry / "guest.wasm"
    if final.is_file():
        return final
    node, npm = require_node()
    cli = install_componentize_js(npm) / CLI
    entry.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=entry))
    (work / "wit").mkdir()
    (work / "wit" / "guest.wit").write_text(wit, encoding="utf-8")
    (work / "app.js").write_text(source, encoding="utf-8")
    command = [node, str(cli), "app.js", "--wit", "wit", "--world-name", world]
    if disable:
        command += ["--disable", *disable]
    command += ["--out", "guest.wasm"]
    done = subprocess.run(
        command,
        cwd=work,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not (work / "guest.wasm").is_file():
        pytest.fail(
            f"componentize-js {COMPONENTIZE_JS_VERSION} failed to build the guest"
            f" (exit {done.returncode}); work dir {work}\n{_output(done)}"
        )
    os.replace(work / "guest.wasm", final)
    shutil.rmtree(work, ignore_errors=True)
    return final


@pytest.fixture(scope="module")
def js_guest() -> Path:
    return build_js_guest(PLUGIN_WIT.read_text(encoding="utf-8"), "plugin", JS_GUEST)


@pytest.fixture(scope="module")
def bindings(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The package `witgen wit/plugin.wit -o OUT` writes (the command line, as a user runs it),
    imported from OUT."""
    out = tmp_path_factory.mktemp("js-plugin-bindings")
    env = {**os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("WITGEN_TRACEBACK", None)
    done = subprocess.run(
        [sys.executable, "-m", "witgen", str(PLUGIN_WIT), "-o", str(out)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, _output(done)
    assert (out / "plugin" / "__init__.py").is_file()
    # First on sys.path, and any `plugin` imported earlier (another test's) forgotten.
    sys.path.insert(0, str(out))
    for name in [n for n in sys.modules if n == "plugin" or n.startswith("plugin.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    module = importlib.import_module("plugin")
    assert Path(module.__file__ or "").parent == out / "plugin"
    return module


def test_js_plugin_runs_and_logs(bindings: ModuleType, js_guest: Path) -> None:
    host = PluginHost()
    plugin = bindings.Plugin.load(js_guest, host, cache=compiled_cache_dir())
    assert plugin.run("world") == "Hello, world from js"
    assert host.host.lines == ['js got "world": 5 code points, 5 UTF-16 units']
    assert plugin.run("again") == "Hello, again from js"  # a second call on the same instance
    assert host.host.lines[1:] == ['js got "again": 5 code points, 5 UTF-16 units']
    # A second instance (the component is compiled already) has its own host.
    other = PluginHost()
    again = bindings.Plugin.load(js_guest, other, cache=compiled_cache_dir())
    assert again.run("") == "Hello,  from js"
    assert other.host.lines == ['js got "": 0 code points, 0 UTF-16 units']
    assert len(host.host.lines) == 2


def test_js_plugin_unicode_round_trip(bindings: ModuleType, js_guest: Path) -> None:
    host = PluginHost()
    plugin = bindings.Plugin.load(js_guest, host, cache=compiled_cache_dir())
    assert plugin.run("héllo ✓") == "Hello, héllo ✓ from js"
    # U+1F600 is one code point, two UTF-16 units in JavaScript, four bytes of UTF-8 on the wire.
    assert plugin.run("😀 ok") == "Hello, 😀 ok from js"
    assert host.host.lines == [
        'js got "héllo ✓": 7 code points, 7 UTF-16 units',
        'js got "😀 ok": 4 code points, 5 UTF-16 units',
    ]


def test_js_throw_is_a_trap_then_the_instance_is_unusable(
    bindings: ModuleType, js_guest: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    host = PluginHost()
    plugin = bindings.Plugin.load(js_guest, host, cache=compiled_cache_dir())
    assert plugin.run("before") == "Hello, before from js"
    with pytest.raises(bindings.WasmTrap) as trap:
        plugin.run("boom")
    assert isinstance(trap.value.__cause__, wasmtime.WasmtimeError)
    assert "can no longer be used" in str(trap.value)
    assert host.host.lines[-1] == 'js got "boom": 4 code points, 4 UTF-16 units'  # ran until then
    # StarlingMonkey prints the error and its JavaScript stack to WASI stderr, which `load` inherits.
    assert "the js guest exploded" in capfd.readouterr().err
    with pytest.raises(bindings.InstanceUnusable):
        plugin.run("after")
    assert len(host.host.lines) == 2  # the unusable instance did not run the guest
    # A new instance of the same component is fine.
    fresh = bindings.Plugin.load(js_guest, PluginHost(), cache=compiled_cache_dir())
    assert fresh.run("after") == "Hello, after from js"


def test_a_js_plugin_with_its_default_features_loads_without_http(bindings: ModuleType) -> None:
    """Built with componentize-js' defaults, the plugin imports wasi:http though it never uses it:
    it loads without `allow_http` and runs (a call that reached wasi:http would trap)."""
    guest = build_js_guest(PLUGIN_WIT.read_text(encoding="utf-8"), "plugin", JS_GUEST, disable=())
    engine = wasmtime.Engine()
    imports = wasmtime.component.Component.from_file(engine, str(guest)).type.imports(engine)
    assert any(name.startswith("wasi:http/") for name in imports), sorted(imports)
    host = PluginHost()
    plugin = bindings.Plugin.load(guest, host, cache=compiled_cache_dir())
    assert plugin.run("world") == "Hello, world from js"
    assert host.host.lines == ['js got "world": 5 code points, 5 UTF-16 units']


def test_build_cache_reuses_the_component(js_guest: Path) -> None:
    # Same inputs, same file, no build (the module fixture built it, or found it cached).
    wit = PLUGIN_WIT.read_text(encoding="utf-8")
    assert build_js_guest(wit, "plugin", JS_GUEST) == js_guest
    assert js_guest.stat().st_size > 1_000_000  # a real SpiderMonkey component (~12 MB)
