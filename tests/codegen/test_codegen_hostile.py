"""Generated code is safe for every WIT name and every doc text (issue 10): worlds whose names are
Python keywords, builtins, names of the generated API and of the run time, standard-library
modules, and whose doc comments hold tool directives (`tests/hostile.py`), give host and guest
packages that import and pass `mypy --strict --warn-unused-ignores` (and mypy's defaults).

The coverage worlds put every hostile name in every position; `hostile_worlds()` draws random
smaller ones (8 with the default `ci` profile, 200 with `WITGEN_HYPOTHESIS_PROFILE=long`). Each
package is written under a folder name of its own (the generated code imports its own modules
relatively; world names repeat and some are standard-library modules, which are checked apart, in a
fresh interpreter), and mypy runs once over all of them: one run per package would take minutes.
A world whose names meet in one Python scope after conversion may be refused, but only with the
`CodegenError` that names both items.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import example, given, settings

from codegen.support import load_world
from hostile import (
    STDLIB_AND_RUNTIME,
    VOCABULARY,
    World,
    clash_world,
    coverage_worlds,
    hostile_worlds,
    ident,
    kebab,
    named_worlds,
)
from strategies import PROFILE_ENV, active_profile
from witgen.codegen import CodegenError, naming
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import generate_host
from witgen.codegen.writer import write_package

PROFILE = active_profile()
RANDOM_WORLDS = 200 if os.environ.get(PROFILE_ENV) == "long" else 8
CLASH = re.compile(r"both become the Python name '[^']+' in ")


@dataclass
class Batch:
    root: Path
    packages: dict[str, str] = field(default_factory=dict)  # folder -> what it was generated from
    clashes: list[str] = field(default_factory=list)  # the messages of refused worlds
    seconds: float = 0.0  # spent generating

    def add(self, world: World, label: str) -> None:
        """Generate `world`'s host and guest packages (as `<label>_host`, `<label>_guest`)."""
        source = self.root / "src" / f"{label}.wit"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(world.text(), encoding="utf-8")
        started = time.perf_counter()
        resolve, world_id = load_world(source)
        try:
            packages = [generate_host(resolve, world_id), generate_guest(resolve, world_id)]
        except CodegenError as err:
            assert CLASH.search(str(err)), f"{source}: {err}"
            self.clashes.append(str(err))
            return
        finally:
            self.seconds += time.perf_counter() - started
        host, guest = packages
        # The package names shadow nothing: not the standard library, not the run time's
        # dependencies (the folder is renamed below, so this is checked here).
        assert host.name in (naming.snake(world.name), naming.snake(world.name) + "_")
        assert host.name not in STDLIB_AND_RUNTIME and guest.name not in STDLIB_AND_RUNTIME
        for package, kind in ((host, "host"), (guest, "guest")):
            package.name = f"{label}_{kind}"
            write_package(package, self.root)
            self.packages[package.name] = f"{source} ({kind})"
            importlib.import_module(package.name)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    """The coverage worlds' and the named worlds' packages, imported; the random test adds its
    own."""
    root = tmp_path_factory.mktemp("hostile")
    out = Batch(root)
    sys.path.insert(0, str(root))
    try:
        for n, world in enumerate(coverage_worlds()):
            out.add(world, f"cover{n}")
        for n, world in enumerate(named_worlds()):
            out.add(world, f"named{n:02d}")
        yield out
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] in out.packages]:
            del sys.modules[name]


def test_coverage_worlds_generate_and_import(batch: Batch) -> None:
    # Every name of the vocabulary, in every position, both directions: no clash is possible
    # there (each scope's names are distinct WIT names), so every world must generate.
    assert batch.clashes == []
    assert len([f for f in batch.packages if f.startswith("cover")]) == 2 * len(coverage_worlds())
    assert len([f for f in batch.packages if f.startswith("named")]) == 2 * len(named_worlds())
    assert {"property", "classmethod", "staticmethod", "close", "ok", "load"} <= set(VOCABULARY)


@settings(PROFILE, max_examples=RANDOM_WORLDS)
@given(world=hostile_worlds())
@example(world=clash_world())  # so that every run sees a refusal (about one world in six does)
def test_random_hostile_worlds_generate_and_import(batch: Batch, world: World) -> None:
    batch.add(world, f"rand{len(batch.packages) + len(batch.clashes):04d}")


def mypy(root: Path, cache: Path, *args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-version", "3.11", "--cache-dir", str(cache)]
        + ["--no-error-summary", *args],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert "error:" in done.stdout or done.returncode == 0, done.stdout + done.stderr
    return done.returncode, [line for line in done.stdout.splitlines() if line]


def test_mypy_on_every_hostile_package(batch: Batch, tmp_path: Path) -> None:
    """One `mypy --strict --warn-unused-ignores` run over every package (the coverage worlds',
    and the random ones' when that test ran first, as it does in file order); then mypy's
    defaults with `--warn-unused-ignores` over one host and one guest package (the defaults
    report a subset of --strict's errors, except unused ignores, which only the copied run-time
    modules could have: they are the same in every package)."""
    folders = sorted(batch.packages)
    started = time.perf_counter()
    status, errors = mypy(
        batch.root, tmp_path / "strict", "--strict", "--warn-unused-ignores", *folders
    )
    strict_seconds = time.perf_counter() - started
    assert (status, errors) == (0, []), "\n".join(errors[:200])
    status, errors = mypy(
        batch.root, tmp_path / "defaults", "--warn-unused-ignores", "cover0_host", "cover0_guest"
    )
    assert (status, errors) == (0, []), "\n".join(errors[:200])
    assert any("class Clash" in clash for clash in batch.clashes) or not any(
        f.startswith("rand") for f in folders
    )
    print(
        f"hostile worlds: {len(folders)} packages generated in {batch.seconds:.1f} s,"
        f" {len(batch.clashes)} worlds refused as clashes; mypy --strict {strict_seconds:.1f} s"
    )


# --- package names -------------------------------------------------------------------------


def test_no_package_name_shadows_the_standard_library_or_the_runtime() -> None:
    # Every public module of the standard library (3.11-3.14) and the run time's dependencies
    # that a WIT world name can spell gets a trailing `_`; names that are no module stay.
    spelled = {name: kebab(name) for name in STDLIB_AND_RUNTIME}
    for module, wit in spelled.items():
        if wit is None or naming.snake(wit) != module:
            continue  # no WIT name becomes it (`cProfile`, `_thread`)
        assert naming.package_name(wit) == module + "_", module
    assert naming.package_name("plugin") == "plugin"
    assert naming.package_name("my-world") == "my_world"
    assert naming.package_name("class") == "class_"
    # The table holds this interpreter's modules (it is fixed, so output never depends on it).
    public = {n for n in sys.stdlib_module_names if not n.startswith("_")}
    assert public <= set(STDLIB_AND_RUNTIME) and public <= naming.STDLIB_MODULES


@pytest.mark.parametrize(
    "module", ["typing", "enum", "abc", "dataclasses", "types", "os", "sys", "json", "wasmtime"]
)
def test_a_world_named_like_a_module_the_bindings_import(tmp_path: Path, module: str) -> None:
    """Generated as `<module>_` with a note, and both packages import in a fresh interpreter
    whose path starts with the output folder (a package named `typing` there would be imported
    for every `import typing`, its own included)."""
    wit = tmp_path / "w.wit"
    wit.write_text(
        f"package t:w;\nworld {ident(module)} {{\n  record point {{ x: u32 }}\n"
        "  export f: func(p: point) -> point;\n  import g: func() -> string;\n}\n",
        encoding="utf-8",
    )
    resolve, world_id = load_world(wit)
    host = generate_host(resolve, world_id)
    guest = generate_guest(resolve, world_id)
    assert (host.name, guest.name) == (f"{module}_", f"{module}_guest")
    assert host.warnings == [
        f"world '{module}': its host bindings are the package '{module}_', since '{module}'"
        " is a module of the standard library or of the bindings' run time"
    ]
    for package in (host, guest):
        write_package(package, tmp_path / "out")
    check = (
        f"import {module}_, {module}_guest, {module}\n"
        f"assert {module}_.Point(1).x == 1 and {module}_guest.Point(2).x == 2\n"
        f"assert 'out' not in (getattr({module}, '__file__', None) or '')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "out")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
