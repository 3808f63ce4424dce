"""The guide in `docs/` runs: every page's code blocks are executed or checked, so the examples stay
true to the code.

Each page runs in its own scratch folder, made from one prepared per session: `wit/plugin.wit` and
`wit/words.wit` (copies of the repository's), `plugin.wasm` (the example hello plugin built by
`witgen build`, from `tests/plugins.py`'s cache), `hello.py` (`examples/plugins/hello.py`), and the
packages `bindings/plugin/` (host) and `bindings/plugin_guest/` (guest), with `bindings/` and the
folder itself on `sys.path` and as the working folder. `load`'s compiled-component cache is shared
across runs (`XDG_CACHE_HOME` under `compiled_cache_dir()`), so only a cold run compiles.

Blocks, in page order:
* ```python: executed, the page's blocks sharing one namespace;
* ```sh with lines starting `$ `: each command is run by bash in the scratch folder (`witgen` and
  `python` are this interpreter's `python -m witgen` and `python`), and the lines after it, up to
  the next `$ ` line, must equal its stdout and stderr together (trailing spaces ignored). An
  expected line `...` stands for any number of lines, and `...` inside a line for any text;
* ```wit starting with `package` (after comments): must resolve (`witgen check`);
* ```toml mentioning `tool.witgen`: must be valid configuration (`witgen.config.load_entries`);
* anything else (```text, ```sh without `$ `, ...) is prose.

HTML comments on the line before a block change that: `<!-- not run -->` skips it, and
`<!-- file: NAME -->` saves its text as `NAME` in the scratch folder instead (a file the next
blocks use; it is not run or checked itself). A page holding `<!-- scratch: no bindings -->`
starts without the prepared `bindings/` (it generates them itself).

More tests: resources.md's host example also runs against its plugin built by `witgen build`
(loaded with `Tally.load`, as the page says it can be), with the message of a moved object pinned
each way; every page is listed in `docs/README.md`; and the relative links of the pages (and of
the project's README) name files and headings that exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import io
import linecache
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugins import REPO, build_plugin, compiled_cache_dir

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
TIMEOUT = 300  # seconds per command (a cold compile of the plugin takes a while)

FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
DIRECTIVE = re.compile(r"^<!--\s*(?P<text>.*?)\s*-->$")
NO_BINDINGS = "<!-- scratch: no bindings -->"
# Colour settings of the caller would change witgen's messages (see witgen/diagnostics.py).
COLOUR_ENV = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the block's first content line
    lang: str
    body: str
    directive: str  # the HTML comment on the line before the fence, or ""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    out = []
    for match in FENCE.finditer(text):
        start = text.count("\n", 0, match.start())  # 0-based line of the opening fence
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        directive = DIRECTIVE.match(before)
        out.append(
            Block(
                page,
                start + 2,
                match["lang"],
                match["body"],
                directive["text"] if directive else "",
            )
        )
    return out


def kind(block: Block) -> str:
    """What the test does with `block`: python, sh, wit, toml, file, skip or prose."""
    if block.directive == "not run":
        return "skip"
    if block.directive.startswith("file:"):
        return "file"
    if block.directive:
        raise ValueError(f"{block.where}: unknown directive <!-- {block.directive} -->")
    if block.lang == "python":
        return "python"
    if block.lang == "sh" and any(line.startswith("$ ") for line in block.body.splitlines()):
        return "sh"
    if block.lang == "wit" and _strip_comments(block.body).startswith("package "):
        return "wit"
    if block.lang == "toml" and "tool.witgen" in block.body:
        return "toml"
    return "prose"


def _strip_comments(wit: str) -> str:
    lines = [ln for ln in wit.splitlines() if ln.strip() and not ln.lstrip().startswith("//")]
    return "\n".join(lines).lstrip()


# --- The scratch folder ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every page's scratch folder is copied from (see the module docstring)."""
    base = tmp_path_factory.mktemp("docs-base")
    (base / "wit").mkdir()
    for name in ("plugin.wit", "words.wit"):
        shutil.copyfile(REPO / "wit" / name, base / "wit" / name)
    hello = REPO / "examples" / "plugins" / "hello.py"
    shutil.copyfile(build_plugin(REPO / "wit" / "plugin.wit", hello), base / "plugin.wasm")
    shutil.copyfile(hello, base / "hello.py")
    for extra in ([], ["--guest"]):
        command = [sys.executable, "-m", "witgen", "wit/plugin.wit", "-o", "bindings", *extra]
        subprocess.run(command, cwd=base, check=True, capture_output=True, timeout=TIMEOUT)
    return base


@pytest.fixture(scope="session")
def shims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with `witgen` and `python` commands that run this interpreter."""
    folder = tmp_path_factory.mktemp("docs-bin")
    for name, command in (("witgen", f'"{sys.executable}" -m witgen'), ("python", sys.executable)):
        path = folder / name
        path.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
        path.chmod(0o755)
    return folder


@contextlib.contextmanager
def scratch(page: Path, prepared: Path, tmp_path: Path) -> Iterator[Path]:
    """The page's scratch folder: the working folder and on `sys.path` while the page runs."""
    folder = tmp_path / "scratch"
    skip_bindings = NO_BINDINGS in page.read_text(encoding="utf-8")

    def ignore(where: str, names: list[str]) -> list[str]:
        return ["bindings"] if skip_bindings and Path(where) == prepared else []

    shutil.copytree(prepared, folder, ignore=ignore)
    old_cwd, old_path = os.getcwd(), list(sys.path)
    sys.path[:0] = [str(folder / "bindings"), str(folder)]
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        for name, module in list(sys.modules.items()):  # what the page imported from its folder
            file = getattr(module, "__file__", None) or ""
            if file.startswith(str(folder) + os.sep):
                del sys.modules[name]


# --- Running blocks -------------------------------------------------------------------------


def python_source(page: Path, python: list[Block]) -> str:
    """The page's python blocks at their own lines, every other line blank: valid Python, which
    tracebacks (and pytest's excerpts of them) show instead of the Markdown around the code."""
    lines = [""] * page.read_text(encoding="utf-8").count("\n")
    for block in python:
        body = block.body.splitlines()
        lines[block.line - 1 : block.line - 1 + len(body)] = body
    return "\n".join(lines) + "\n"


def _shifted(code: types.CodeType, lines: int) -> types.CodeType:
    """`code` (and the functions and classes inside it) `lines` lines further down its file."""
    consts = tuple(
        _shifted(c, lines) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)


def run_python(block: Block, namespace: dict[str, object]) -> None:
    importlib.invalidate_caches()  # earlier blocks may have written modules and packages
    # Compiled at its own lines of the page (not padded), so a traceback starts at the block.
    code = _shifted(compile(block.body, str(block.page), "exec"), block.line - 1)
    exec(code, namespace)


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """The `$ ` commands of an sh block, each with the output lines expected after it."""
    out: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line.rstrip())
        elif line.strip():
            pytest.fail(f"{block.where}: output before the first `$ ` command: {line!r}")
    return out


def _line_matches(pattern: str, line: str) -> bool:
    if "..." not in pattern:
        return pattern == line
    regex = ".*".join(re.escape(part) for part in pattern.split("..."))
    return re.fullmatch(regex, line) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    first, rest = expected[0], expected[1:]
    if first == "...":
        return any(output_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _line_matches(first, actual[0]) and output_matches(rest, actual[1:])


def run_sh(block: Block, folder: Path, env: dict[str, str]) -> None:
    for command, expected in commands(block):
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        actual = [line.rstrip() for line in done.stdout.rstrip("\n").split("\n")]
        if actual == [""]:
            actual = []
        while expected and not expected[-1]:
            expected = expected[:-1]
        assert output_matches(expected, actual), (
            f"{block.where}: `$ {command}` (exit status {done.returncode}) printed:\n"
            + "\n".join(actual)
            + "\n--- but the page says:\n"
            + "\n".join(expected)
        )


def check_wit(block: Block, tmp_path: Path) -> None:
    from witgen.cli import main

    path = tmp_path / "block.wit"
    path.write_text(block.body, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", str(path)])
    assert status == 0, f"{block.where}: the WIT does not resolve:\n{err.getvalue()}"


def check_toml(block: Block, tmp_path: Path) -> None:
    from witgen.config import load_entries

    path = tmp_path / "pyproject.toml"
    path.write_text(block.body, encoding="utf-8")
    assert load_entries(path), f"{block.where}: no [tool.witgen] entries"


def write_file(block: Block, folder: Path) -> None:
    name = block.directive.removeprefix("file:").strip()
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.body, encoding="utf-8")


def run_page(
    page: Path,
    prepared: Path,
    shims: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    extra: dict[str, Path] | None = None,
    rewrite: tuple[str, str] | None = None,
) -> dict[str, object]:
    """Run `page`'s blocks in its scratch folder; returns the namespace its python blocks shared.
    `extra` files are copied into the scratch folder first (name -> source); `rewrite` (old, new)
    replaces text in the python blocks, which must hold `old` exactly once."""
    xdg = compiled_cache_dir() / "docs-xdg"
    xdg.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    for name in COLOUR_ENV:
        monkeypatch.delenv(name, raising=False)
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),
        "COLUMNS": "100",
    }
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    checks = tmp_path / "checks"
    checks.mkdir()
    page_blocks = blocks(page)
    python = [b for b in page_blocks if kind(b) == "python"]
    if rewrite is not None:
        old, new = rewrite
        found = sum(b.body.count(old) for b in python)
        assert found == 1, f"{page.name}: {old!r} occurs {found} times in its python blocks"
        page_blocks = [
            dataclasses.replace(b, body=b.body.replace(old, new)) if b in python else b
            for b in page_blocks
        ]
        python = [b for b in page_blocks if kind(b) == "python"]
    source = python_source(page, python)
    monkeypatch.setitem(
        linecache.cache, str(page), (len(source), None, source.splitlines(True), str(page))
    )
    with scratch(page, prepared, tmp_path) as folder:
        for name, file in (extra or {}).items():
            shutil.copyfile(file, folder / name)
        for block in page_blocks:
            what = kind(block)
            if what == "python":
                run_python(block, namespace)
            elif what == "sh":
                run_sh(block, folder, env)
            elif what == "wit":
                check_wit(block, checks)
            elif what == "toml":
                check_toml(block, checks)
            elif what == "file":
                write_file(block, folder)
    return namespace


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page(
    page: Path,
    prepared: Path,
    shims: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_page(page, prepared, shims, tmp_path, monkeypatch)


RESOURCES = DOCS / "resources.md"
# What `c.get()` raises after `tally.api.finish(c)` moved `c`, as resources.md says: the same
# message in-process and from the built component.
MOVED = (
    "api.Counter.get(): argument 'self': this Counter can no longer be used: it was moved into"
    " the component by api.finish()"
)
MOVED_IN_PROCESS = MOVED_IN_COMPONENT = MOVED


def page_file(page: Path, name: str, folder: Path) -> Path:
    """The block `page` saves as `name` (`<!-- file: NAME -->`), written into `folder`."""
    (block,) = [b for b in blocks(page) if b.directive == f"file: {name}"]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.body, encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["in-process", pytest.param("component", marks=pytest.mark.slow)])
def test_resources_page_runs_both_ways(
    mode: str,
    prepared: Path,
    shims: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """resources.md's host example, as written (in-process) and with `Tally.load("tally.wasm",
    Host())` on its plugin built by `witgen build`, as the page says it runs; and the message of
    a moved object each way, which the page quotes."""
    if mode == "in-process":
        namespace = run_page(RESOURCES, prepared, shims, tmp_path, monkeypatch)
        assert str(namespace["moved"]) == MOVED_IN_PROCESS
        return
    sources = tmp_path / "sources"
    wit = page_file(RESOURCES, "wit/tally.wit", sources)
    component = build_plugin(wit, page_file(RESOURCES, "tally_plugin.py", sources))
    namespace = run_page(
        RESOURCES,
        prepared,
        shims,
        tmp_path,
        monkeypatch,
        extra={"tally.wasm": component},
        rewrite=("Tally.from_python(tally_plugin, Host())", 'Tally.load("tally.wasm", Host())'),
    )
    assert str(namespace["moved"]) == MOVED_IN_COMPONENT


def test_every_page_is_in_the_index() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in PAGES if p.name != "README.md" and f"]({p.name})" not in index]
    assert not missing, f"docs/README.md does not link to {missing}"


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of `page`."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    out = set()
    for heading in re.findall(r"^#+ +(.+?) *$", text, re.M):
        out.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return out


def test_links_resolve() -> None:
    """Relative links of the pages (README.md's link to docs/ too) name existing files and
    headings."""
    broken = []
    for page in [*PAGES, REPO / "README.md"]:
        text = FENCE.sub("", page.read_text(encoding="utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # https: and friends
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
