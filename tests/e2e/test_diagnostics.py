"""Diagnostics for terminals, editors and CI (`witgen.diagnostics`), pre-commit hooks, the version.

* Colour: `error:` bold red, `warning:` bold yellow, the `-->` line blue, on a terminal (a real
  pseudo-terminal here) or with `FORCE_COLOR`; never with `NO_COLOR`, and never through a pipe,
  where the text stays byte for byte what it was before colour existed.
* `--message-format json`: one JSON object per error or warning on stderr, with exactly the keys
  `severity`, `message`, `file`, `line`, `column` and `rendered`, for each kind of error (syntax,
  resolution in a dependency, missing file, configuration, `witgen build`'s pre-check) and for
  generation warnings, in every command form; exit statuses unchanged, usage errors still text.
* `.pre-commit-hooks.yaml`: its hooks, and their entries run on a project with `[tool.witgen]`.
* `witgen --version`, `witgen.__version__`, the distribution's metadata and the generated files'
  header agree.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import witgen
from witgen.cli import main
from witgen.diagnostics import (
    BLUE,
    BOLD_RED,
    BOLD_YELLOW,
    RESET,
    Reporter,
    colour_wanted,
    colourize,
)
from witgen.errors import WitError

REPO = Path(__file__).resolve().parents[2]
PLUGIN_WIT = REPO / "wit" / "plugin.wit"
WORDS_WIT = REPO / "wit" / "words.wit"
HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"

KEYS = ["severity", "message", "file", "line", "column", "rendered"]
COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")

# Line 3, column 11 is the `;` where a parameter name belongs.
SYNTAX_ERROR_WIT = "package a:b;\ninterface i {\n  f: func(;\n}\n"
SYNTAX_ERROR_TEXT = (
    "error: expected an identifier or string, found ';'\n"
    "     --> syntax.wit:3:11\n"
    "      |\n"
    "    3 |   f: func(;\n"
    "      |           ^\n"
)

# A package whose dependency uses a package nobody defines: an error of the resolver, in deps/.
DEPS_FILES = {
    "app/main.wit": "package demo:app;\n\nworld w {\n  import demo:lib/logging;\n}\n",
    "app/deps/lib/lib.wit": (
        "package demo:lib;\n\ninterface logging {\n  use demo:other/x.{t};\n"
        "  log: func(msg: string);\n}\n"
    ),
}

# Generating bindings for an async export warns (wasmtime-py 50 cannot call it).
ASYNC_WIT = "package demo:a;\n\nworld w {\n  export run: async func(x: u32) -> u32;\n}\n"
ASYNC_WARNING = (
    "exported function 'run': async functions are not supported by these bindings yet; calling"
    " it raises NotImplementedError"
)

# A plugin module of wit/words.wit with two mistakes: `tokenize` missing, `analyze` one short.
TWO_PROBLEMS_MODULE = (
    "from words_guest import Words\n\n\n"
    "class P(Words):\n"
    "    def run(self, param: str) -> str:\n"
    "        return param\n\n"
    "    def analyze(self):\n"
    "        return None\n"
)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "syntax.wit").write_text(SYNTAX_ERROR_WIT, encoding="utf-8")
    (tmp_path / "async.wit").write_text(ASYNC_WIT, encoding="utf-8")
    for rel, text in DEPS_FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


# --- how to run witgen ------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("WITGEN_TRACEBACK", None)
    env.pop("TERM", None)  # `TERM=dumb` would turn colour off on the terminal
    env.update(extra)
    return env


def witgen_run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "witgen", *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def run_on_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str]:
    """Run witgen with stderr on a pseudo-terminal; the exit status and what the terminal got."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "witgen", *args],
            cwd=cwd,
            env=_env(**env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = proc.wait(timeout=120)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    # The terminal's line discipline turns "\n" into "\r\n".
    return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """Every line of `stderr` as a JSON object with exactly the diagnostic keys, in their order."""
    assert stderr.endswith("\n"), stderr
    objects = []
    for line in stderr.splitlines():
        obj = json.loads(line)
        assert list(obj) == KEYS, line
        assert obj["severity"] in ("error", "warning")
        assert obj["rendered"].startswith(f"{obj['severity']}: ")
        assert "\x1b" not in obj["rendered"]
        for key in ("line", "column"):
            assert obj[key] is None or (isinstance(obj[key], int) and obj[key] >= 1)
        objects.append(obj)
    return objects


def location_line(rendered: str) -> str:
    """The `path:line:col` of the rendered `-->` line."""
    (found,) = re.findall(r"^ +--> (.*)$", rendered, re.MULTILINE)
    return str(found)


# --- colour -----------------------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "0"}, False),
        (False, {"CLICOLOR_FORCE": "1"}, True),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_colour_wanted(tty: bool, env: dict[str, str], expected: bool) -> None:
    if sys.platform == "win32" and tty and expected:
        env = {**env, "WT_SESSION": "1"}
    assert colour_wanted(_Stream(tty), env) is expected


def test_colour_wanted_survives_a_closed_stream() -> None:
    stream = io.StringIO()
    stream.close()
    assert colour_wanted(stream, {}) is False


def test_colourize_marks_the_prefix_and_the_location_only() -> None:
    coloured = colourize(SYNTAX_ERROR_TEXT, "error")
    assert coloured == (
        f"{BOLD_RED}error:{RESET} expected an identifier or string, found ';'\n"
        f"     {BLUE}--> syntax.wit:3:11{RESET}\n"
        "      |\n"
        "    3 |   f: func(;\n"
        "      |           ^\n"
    )
    assert colourize("warning: careful", "warning") == f"{BOLD_YELLOW}warning:{RESET} careful"


def test_reporter_writes_plain_text_to_a_pipe_and_colour_to_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in COLOUR_VARIABLES + ("TERM",):
        monkeypatch.delenv(name, raising=False)
    if sys.platform == "win32":
        monkeypatch.setenv("WT_SESSION", "1")
    err = WitError("bad")
    pipe, terminal = _Stream(False), _Stream(True)
    Reporter(stream=pipe).error(err)
    Reporter(stream=terminal).error(err)
    assert pipe.getvalue() == "error: bad\n"
    assert terminal.getvalue() == f"{BOLD_RED}error:{RESET} bad\n"
    json_terminal = _Stream(True)
    Reporter("json", stream=json_terminal).error(err)
    assert "\x1b" not in json_terminal.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are Unix only")
def test_colour_on_a_terminal(inputs: Path) -> None:
    status, seen = run_on_terminal("check", "syntax.wit", cwd=inputs)
    assert status == 1
    assert seen == colourize(SYNTAX_ERROR_TEXT, "error")
    assert seen.startswith(f"{BOLD_RED}error:{RESET} ")
    assert f"     {BLUE}--> syntax.wit:3:11{RESET}\n" in seen


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are Unix only")
def test_no_color_turns_colour_off_even_on_a_terminal(inputs: Path) -> None:
    status, seen = run_on_terminal("check", "syntax.wit", cwd=inputs, NO_COLOR="1")
    assert (status, seen) == (1, SYNTAX_ERROR_TEXT)
    status, seen = run_on_terminal("check", "syntax.wit", cwd=inputs, NO_COLOR="1", FORCE_COLOR="1")
    assert (status, seen) == (1, SYNTAX_ERROR_TEXT)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are Unix only")
def test_warning_is_yellow_on_a_terminal(inputs: Path) -> None:
    status, seen = run_on_terminal("async.wit", "-o", "out", cwd=inputs)
    assert status == 0
    assert seen == f"{BOLD_YELLOW}warning:{RESET} {ASYNC_WARNING}\n"


def test_force_color_through_a_pipe_and_plain_text_without_it(inputs: Path) -> None:
    forced = witgen_run("check", "syntax.wit", cwd=inputs, FORCE_COLOR="1")
    assert (forced.returncode, forced.stderr) == (1, colourize(SYNTAX_ERROR_TEXT, "error"))
    plain = witgen_run("check", "syntax.wit", cwd=inputs)
    assert (plain.returncode, plain.stderr, plain.stdout) == (1, SYNTAX_ERROR_TEXT, "")


# --- --message-format json --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", "syntax.wit", "--message-format", "json"],
        ["json", "--message-format=json", "syntax.wit"],
        ["--message-format", "json", "check", "syntax.wit"],
        ["syntax.wit", "-o", "out", "--message-format", "json"],
        ["json", "--message", "json", "syntax.wit"],
        ["check", "syntax.wit", "--message-format", "json", "--message-format", "human"],
    ],
    ids=["check", "json-equals", "before-the-command", "main-form", "abbreviated", "last-one-wins"],
)
def test_syntax_error_as_json(args: list[str], inputs: Path) -> None:
    proc = witgen_run(*args, cwd=inputs)
    if args[-1] == "human":
        assert (proc.returncode, proc.stderr) == (1, SYNTAX_ERROR_TEXT)
        return
    assert (proc.returncode, proc.stdout) == (1, "")
    (obj,) = json_lines(proc.stderr)
    assert obj == {
        "severity": "error",
        "message": "expected an identifier or string, found ';'",
        "file": "syntax.wit",
        "line": 3,
        "column": 11,
        "rendered": SYNTAX_ERROR_TEXT.rstrip("\n"),
    }
    assert location_line(obj["rendered"]) == f"{obj['file']}:{obj['line']}:{obj['column']}"
    assert not (inputs / "out").exists()


def test_location_columns_count_bytes_as_the_rendered_line_does(tmp_path: Path) -> None:
    # "é" is two bytes in UTF-8: wit-parser's columns (and so witgen's) count bytes.
    (tmp_path / "accent.wit").write_text(
        "package a:b;\n/// café\ninterface i {\n  /* é */ f: func(;\n}\n", encoding="utf-8"
    )
    proc = witgen_run("check", "accent.wit", "--message-format", "json", cwd=tmp_path)
    (obj,) = json_lines(proc.stderr)
    assert location_line(obj["rendered"]) == f"accent.wit:{obj['line']}:{obj['column']}"
    assert (obj["line"], obj["column"]) == (4, 20)


def test_resolve_error_in_a_dependency_names_the_dependency_file(inputs: Path) -> None:
    human = witgen_run("check", "app", cwd=inputs)
    proc = witgen_run("check", "app", "--message-format", "json", cwd=inputs)
    assert proc.returncode == human.returncode == 1
    (obj,) = json_lines(proc.stderr)
    dep = os.path.join("app", "deps", "lib", "lib.wit")
    assert (obj["file"], obj["line"], obj["column"]) == (dep, 4, 7)
    assert obj["message"].startswith("package 'demo:other' not found")
    assert location_line(obj["rendered"]) == f"{dep}:4:7"
    assert obj["rendered"] + "\n" == human.stderr  # the human text, byte for byte


def test_parse_error_in_a_dependency_keeps_the_context_and_the_location(inputs: Path) -> None:
    (inputs / "app" / "deps" / "lib" / "lib.wit").write_text(
        "package demo:lib;\n\ninterface logging {\n  log: func(lvl: level);\n}\n", encoding="utf-8"
    )
    human = witgen_run("json", "app", cwd=inputs)
    proc = witgen_run("json", "app", "--message-format", "json", cwd=inputs)
    (obj,) = json_lines(proc.stderr)
    dep = os.path.join("app", "deps", "lib", "lib.wit")
    assert (obj["file"], obj["line"], obj["column"]) == (dep, 4, 18)
    assert obj["message"] == (
        f"failed to parse dependency directory: {os.path.join('app', 'deps')}: failed to parse"
        f" package: {os.path.join('app', 'deps', 'lib')}: name `level` does not exist"
    )
    assert obj["rendered"] + "\n" == human.stderr


@pytest.mark.parametrize("command", [["check"], ["json"], []])
def test_missing_file_as_json(command: list[str], tmp_path: Path) -> None:
    out = [] if command else ["-o", "out"]
    proc = witgen_run(*command, "nope.wit", *out, "--message-format", "json", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, "")
    (obj,) = json_lines(proc.stderr)
    assert obj == {
        "severity": "error",
        "message": "failed to read nope.wit: No such file or directory",
        "file": "nope.wit",
        "line": None,
        "column": None,
        "rendered": "error: failed to read nope.wit: No such file or directory",
    }


def _project(root: Path, table: str) -> Path:
    (root / "wit").mkdir(parents=True, exist_ok=True)
    (root / "wit" / "plugin.wit").write_text(
        PLUGIN_WIT.read_text(encoding="utf-8"), encoding="utf-8"
    )
    pyproject = root / "pyproject.toml"
    pyproject.write_text(f"[project]\nname = 'app'\n\n{table}", encoding="utf-8")
    return pyproject


def test_config_error_as_json_names_the_file_without_a_line(tmp_path: Path) -> None:
    pyproject = _project(tmp_path, '[tool.witgen]\nwit = "wit/plugin.wit"\nout = "gen"\nwrld = 1\n')
    human = witgen_run(cwd=tmp_path)
    for args in (["--message-format", "json"], ["--check", "--message-format", "json"]):
        proc = witgen_run(*args, cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (1, "")
        (obj,) = json_lines(proc.stderr)
        assert Path(obj["file"]).resolve() == pyproject.resolve()
        assert (obj["line"], obj["column"]) == (None, None)
        assert "unknown key 'wrld'" in obj["message"]
        assert obj["rendered"] + "\n" == human.stderr
    assert not (tmp_path / "gen").exists()


def test_toml_syntax_error_as_json_has_its_line(tmp_path: Path) -> None:
    pyproject = _project(tmp_path, '[tool.witgen]\nwit = "wit/plugin.wit"\nout = \n')
    proc = witgen_run("--message-format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    (obj,) = json_lines(proc.stderr)
    assert Path(obj["file"]).resolve() == pyproject.resolve()
    assert (obj["line"], obj["column"]) == (6, 7)  # `out = ` has no value


def test_build_precheck_problems_are_one_json_object_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("componentize-py was started")

    monkeypatch.setattr("witgen.build.componentize.subprocess.run", forbidden)
    module = tmp_path / "two_problems.py"
    module.write_text(TWO_PROBLEMS_MODULE, encoding="utf-8")
    out = tmp_path / "plugin.wasm"
    argv = ["build", str(WORDS_WIT), str(module), "-o", str(out)]

    assert main(argv) == 1
    human = capsys.readouterr()
    assert main([*argv, "--message-format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == human.out == ""
    first, second = json_lines(captured.err)
    assert (first["file"], first["line"], first["column"]) == (str(module), 4, 1)
    assert (
        first["message"] == "P does not implement tokenize() (export `tokenize` of world `words`)"
    )
    assert (second["file"], second["line"], second["column"]) == (str(module), 8, 5)
    assert "takes 0 parameters" in second["message"]
    # Each `rendered` is the problem's line of the human text.
    lines = human.err.removeprefix("error: ").splitlines()
    assert first["rendered"] == f"error: {lines[0]}"
    assert second["rendered"] == f"error: {lines[1]}"
    assert lines[2] == "not built: 2 problem(s) in the plugin module"
    assert not out.exists()


def test_build_error_without_problems_is_one_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "not a module.py"
    module.write_text("", encoding="utf-8")
    argv = ["build", str(PLUGIN_WIT), str(module), "-o", str(tmp_path / "p.wasm")]
    assert main([*argv, "--message-format", "json"]) == 1
    (obj,) = json_lines(capsys.readouterr().err)
    assert (obj["file"], obj["line"]) == (str(module), None)
    assert "named like a Python module" in obj["message"]


def test_generation_warning_as_json(inputs: Path) -> None:
    human = witgen_run("async.wit", "-o", "human", cwd=inputs)
    assert (human.returncode, human.stderr) == (0, f"warning: {ASYNC_WARNING}\n")
    proc = witgen_run("async.wit", "-o", "out", "--message-format", "json", cwd=inputs)
    assert proc.returncode == 0
    assert proc.stdout == "wrote out/w (20 files changed, 0 unchanged)\n".replace(
        "out/w", os.path.join("out", "w")
    )
    (obj,) = json_lines(proc.stderr)
    assert obj == {
        "severity": "warning",
        "message": ASYNC_WARNING,
        "file": "async.wit",
        "line": None,
        "column": None,
        "rendered": f"warning: {ASYNC_WARNING}",
    }


def test_stale_check_as_json_is_one_error_per_package(inputs: Path) -> None:
    proc = witgen_run("async.wit", "-o", "out", "--check", "--message-format", "json", cwd=inputs)
    assert (proc.returncode, proc.stdout) == (1, "")
    warning, error = json_lines(proc.stderr)
    assert warning["severity"] == "warning"
    assert error["severity"] == "error"
    assert error["file"] == os.path.join("out", "w")
    assert error["message"].startswith(f"{os.path.join('out', 'w')}: out of date: 20 missing")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--message-format", "json", "json"], "the following arguments are required: PATH"),
        (["--message-format", "xml", "check", "x.wit"], "invalid choice: 'xml'"),
        (["check", "x.wit", "--message-format"], "--message-format: expected one argument"),
        (["--message-format", "json"], "nothing to do: no pyproject.toml here"),
    ],
)
def test_usage_errors_stay_text(
    args: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.startswith("usage: ")


def test_message_format_after_double_dash_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--", "--message-format"]) == 1
    assert capsys.readouterr().err == (
        "error: failed to read --message-format: No such file or directory\n"
    )


def test_every_form_lists_the_option_in_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["check", "--help"], ["json", "--help"], ["build", "--help"], ["x", "--help"]):
        assert main(argv) == 0
        assert "--message-format {human,json}" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert "--message-format json" in capsys.readouterr().out


def test_internal_error_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import witgen.resolve.loader

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.delenv("WITGEN_TRACEBACK", raising=False)
    monkeypatch.setattr(witgen.resolve.loader, "load", broken)
    assert main(["check", "x.wit", "--message-format", "json"]) == 70
    (obj,) = json_lines(capsys.readouterr().err)
    assert obj["message"].startswith("internal error in witgen: KeyError: 'oops'\n")
    assert obj["file"] is None


# --- pre-commit hooks -------------------------------------------------------------------------


def _parse_hooks(text: str) -> list[dict[str, object]]:
    """The hooks of `.pre-commit-hooks.yaml`, read by hand (PyYAML is not a test dependency):
    a list of flat mappings of plain scalars, `- key: value` starting each."""
    hooks: list[dict[str, object]] = []
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        match = re.fullmatch(r"(- |  )([a-z_]+): (.*)", line)
        assert match, f"not a simple `key: value` line: {raw!r}"
        if match[1] == "- ":
            hooks.append({})
        value: object = {"true": True, "false": False}.get(match[3], match[3])
        hooks[-1][match[2]] = value
    return hooks


def test_pre_commit_hooks_file() -> None:
    text = HOOKS_FILE.read_text(encoding="utf-8")
    hooks = {hook["id"]: hook for hook in _parse_hooks(text)}
    try:
        yaml = importlib.import_module("yaml")  # PyYAML, when installed (no stubs needed)
    except ImportError:
        pass
    else:  # the hand-made reading agrees with a real YAML parser
        assert {h["id"]: h for h in yaml.safe_load(text)} == hooks
    check = hooks["witgen-check"]
    assert check["entry"] == "witgen --check"
    assert check["language"] == "python"
    assert check["pass_filenames"] is False
    assert check["always_run"] is False
    assert hooks["witgen"]["entry"] == "witgen"
    for hook in hooks.values():
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        files = re.compile(str(hook["files"]))
        assert files.search("wit/plugin.wit") and files.search("pyproject.toml")
        assert not files.search("src/app/main.py")
    # The entry's command is the console script the distribution installs.
    assert re.search(r'^witgen = "witgen\.cli:entry"$', (REPO / "pyproject.toml").read_text(), re.M)


def _run_hook(entry: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = shlex.split(entry)
    assert command[0] == "witgen"
    return witgen_run(*command[1:], cwd=cwd)


def test_pre_commit_hook_entries_run_on_a_configured_project(tmp_path: Path) -> None:
    hooks = {h["id"]: str(h["entry"]) for h in _parse_hooks(HOOKS_FILE.read_text("utf-8"))}
    _project(tmp_path, '[tool.witgen]\nwit = "wit/plugin.wit"\nout = "src/app/bindings"\n')

    stale = _run_hook(hooks["witgen-check"], tmp_path)
    assert stale.returncode == 1
    assert "out of date" in stale.stderr

    regenerate = _run_hook(hooks["witgen"], tmp_path)
    assert regenerate.returncode == 0, regenerate.stderr
    assert (tmp_path / "src" / "app" / "bindings" / "plugin" / "__init__.py").is_file()

    fresh = _run_hook(hooks["witgen-check"], tmp_path)
    assert (fresh.returncode, fresh.stderr) == (0, "")
    assert "up to date" in fresh.stdout


# --- the version ------------------------------------------------------------------------------


def test_version_everywhere_agrees(tmp_path: Path) -> None:
    proc = witgen_run("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == f"witgen {witgen.__version__}\n"
    try:
        installed = importlib.metadata.version("witgen")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("witgen is not installed (pip install -e '.[test]')")
    assert installed == witgen.__version__, "reinstall witgen: its metadata is out of date"


def _generated_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py"))


def test_generated_header_records_the_version(tmp_path: Path) -> None:
    for extra in ([], ["--guest"]):
        proc = witgen_run(str(PLUGIN_WIT), "-o", "out", *extra, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    header = f"# Generated by witgen {witgen.__version__}; do not edit.\n"
    files = list(_generated_files(tmp_path / "out"))
    assert {p.parent.name for p in files} >= {"plugin", "plugin_guest"}
    for path in files:
        assert path.read_text(encoding="utf-8").startswith(header), path
