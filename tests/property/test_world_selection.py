"""Differential property test: which world `--world SPEC` means, witgen against wasm-tools 1.262.

Random folder layouts (a main package with zero, one or two worlds, given as a `.wit` file or as a
folder with `deps/`; dependencies as files or folders; several versions of one package, build
metadata included; nested `package a:b { ... }` blocks) and random world specifiers drawn from
the layout (bare names, `ns:pkg/w`, `ns:pkg/w@version`, no specifier) and from a list of bad ones
(unknown names and packages, malformed paths, comments and `%` escapes). For each specifier,
`wasm-tools component embed --dummy --world SPEC PATH` (which selects the world with wit-parser's
`Resolve::select_world`) and witgen's `select_world` must agree: the same world, or both refuse
with the same message.

Every world exports one function `mark-N` with a number unique in the layout, so the core module
wasm-tools prints names the world it chose (`cm32p2||mark-N`). Settings come from the `ci`
profile (derandomized) or, with `WITGEN_HYPOTHESIS_PROFILE=long`, the `long` one.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ is not a package

import reference  # noqa: E402
from strategies import active_profile  # noqa: E402
from witgen.resolve import model as m  # noqa: E402
from witgen.resolve.loader import load_package  # noqa: E402
from witgen.resolve.select_world import WorldSelectionError, select_world  # noqa: E402

pytestmark = pytest.mark.skipif(not reference.available(), reason=reference.SKIP_REASON)

NAMESPACES = ("a", "b")
NAMES = ("x", "y")
# Versions close enough to collide: pre-releases, and build metadata that orders `+0 < +00`.
VERSIONS = (None, "0.1.0", "0.2.0", "1.0.0", "1.0.0-rc.1", "1.0.0+0", "1.0.0+00")
WORLD_NAMES = ("w", "app", "other")
# Specifiers wrong in every way wit-parser distinguishes, plus odd but valid spellings.
BAD_SPECS = (
    "",
    "nope",
    "a:zz/w",
    "a:x/nope",
    "a:x/w@9.9.9",
    "a:x",
    "w@1.0.0",
    "a:x/w/v",
    "a:x/w@1.0",
    "a:x/w@01.0.0",
    "W-x",
    "1",
    "interface",
    "w;",
    " w ",
    "w /* comment */",
    "%w",
    "a:x/%app",
)
MARK = re.compile(r'"cm32p2\|\|mark-(\d+)"')


@dataclass
class Package:
    namespace: str
    name: str
    version: str | None
    worlds: list[str]
    nested: list[Package] = field(default_factory=list)

    @property
    def header(self) -> str:
        version = f"@{self.version}" if self.version else ""
        return f"{self.namespace}:{self.name}{version}"


@dataclass
class Layout:
    main: Package
    as_file: bool  # PATH is `main.wit` (no deps), else the folder `main/`
    deps: list[Package]
    deps_as_files: list[bool]
    specs: list[str | None]

    def packages(self) -> list[Package]:
        every = [self.main, *self.main.nested]
        for dep in self.deps:
            every += [dep, *dep.nested]
        return every


def source(pkg: Package, marks: itertools.count[int]) -> str:
    """A file declaring `pkg` and its nested packages; each world exports its own `mark-N`."""

    def worlds(p: Package, indent: str) -> str:
        return "".join(
            f"{indent}world {w} {{ export mark-{next(marks)}: func(); }}\n" for w in p.worlds
        )

    text = f"package {pkg.header};\n" + worlds(pkg, "")
    for inner in pkg.nested:
        text += f"package {inner.header} {{\n{worlds(inner, '  ')}}}\n"
    return text


def package_names() -> st.SearchStrategy[tuple[str, str, str | None]]:
    return st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(NAMES), st.sampled_from(VERSIONS))


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    # every package name (with its version) appears once: a duplicate is another error
    names = draw(st.lists(package_names(), min_size=1, max_size=6, unique=True))
    packages = [
        Package(
            ns, name, version, draw(st.lists(st.sampled_from(WORLD_NAMES), max_size=2, unique=True))
        )
        for ns, name, version in names
    ]
    main, rest = packages[0], packages[1:]
    as_file = draw(st.booleans())
    tops: list[Package] = [main]
    if not as_file:
        tops += rest[: draw(st.integers(0, len(rest)))]
        rest = rest[len(tops) - 1 :]
    for pkg in rest:  # the others are nested in one of the files
        draw(st.sampled_from(tops)).nested.append(pkg)
    deps = tops[1:]
    layout = Layout(main, as_file, deps, [draw(st.booleans()) for _ in deps], [])
    # specifiers that name a world of the layout (or none), then a few that may name nothing
    named: list[str | None] = [None, *layout.main.worlds]
    others: list[str | None] = [w for w in WORLD_NAMES if w not in layout.main.worlds]
    for pkg in layout.packages():
        for w in WORLD_NAMES:
            qualified = f"{pkg.namespace}:{pkg.name}/{w}"
            versioned = [f"{qualified}@{pkg.version}"] if pkg.version is not None else []
            (named if w in pkg.worlds else others).extend([qualified, *versioned])
    layout.specs = draw(st.lists(st.sampled_from(named), min_size=1, max_size=4, unique=True))
    layout.specs += draw(
        st.lists(st.sampled_from(others + list(BAD_SPECS)), max_size=2, unique=True)
    )
    return layout


def write(layout: Layout, folder: Path) -> str:
    """The layout on disk under `folder`; returns PATH relative to it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    marks = itertools.count()
    if layout.as_file:
        (folder / "main.wit").write_text(source(layout.main, marks), encoding="utf-8")
        return "main.wit"
    root = folder / "main"
    (root / "deps").mkdir(parents=True)
    (root / "main.wit").write_text(source(layout.main, marks), encoding="utf-8")
    for i, (dep, as_file) in enumerate(zip(layout.deps, layout.deps_as_files)):
        if as_file:
            (root / "deps" / f"dep{i}.wit").write_text(source(dep, marks), encoding="utf-8")
        else:
            (root / "deps" / f"dep{i}").mkdir()
            (root / "deps" / f"dep{i}" / "pkg.wit").write_text(source(dep, marks), encoding="utf-8")
    return "main"


def one_line(stderr: str) -> str:
    """wasm-tools' error (anyhow's `error: A` + `Caused by:` list) as one line, `A: B`: how
    witgen prints the same chain."""
    text = stderr.strip().removeprefix("error: ")
    head, _, causes = text.partition("\n\nCaused by:\n")
    parts = [head] + [re.sub(r"^\s*\d+: ", "", line) for line in causes.splitlines() if line]
    return ": ".join(parts)


def mark_of(resolve: m.Resolve, world: int) -> int:
    (key,) = resolve.worlds[world].exports
    assert isinstance(key, str) and key.startswith("mark-")
    return int(key[len("mark-") :])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("world-selection")


@active_profile()
@given(layout=layouts())
def test_world_selection_matches_the_reference(workdir: Path, layout: Layout) -> None:
    folder = workdir / "case"
    path = write(layout, folder)
    with contextlib.chdir(folder):
        resolve, main = load_package(path)
    for spec in layout.specs:
        ref = reference.embed(path, spec, cwd=folder)
        try:
            ours: int | str = mark_of(resolve, select_world(resolve, main, spec))
        except WorldSelectionError as err:
            ours = err.message
        if ref.accepted:
            found = MARK.findall(ref.stdout)
            assert len(found) == 1, ref.stdout
            assert ours == int(found[0]), f"--world {spec!r}: the reference picks mark-{found[0]}"
        else:
            assert ours == one_line(ref.stderr), f"--world {spec!r}"
