"""Host bindings for every world witgen can be given: each world of every accepting case of the
shared conformance corpus (`<repo>/../shared/conformance/ui/`, read at test time), and the real
WASI worlds (`wasi:cli/command`, `wasi:http/proxy`, ... at every released 0.2 and 0.3 version) from
the WIT files an installed PyPI package ships. Every package must generate without an error,
import, and pass `mypy --strict`.

A valid world is never a generation error (issue 3): a failure here is a generator bug to fix, not
a case to skip. The corpus cases are resolved the way the reference accepted them
(`--features active`, see the corpus README). Each package is written under a unique folder name
(world names repeat across cases; the generated code imports its own modules relatively, so the
folder name is free), and mypy runs once over all of them together.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codegen.support import NO_WASI, REPO, find_wasi_deps
from witgen.codegen.host import generate_host
from witgen.codegen.writer import write_package
from witgen.resolve import model as m
from witgen.resolve.loader import load

UI = REPO.parent / "shared" / "conformance" / "ui"
NO_CORPUS = f"the shared conformance corpus is not at {UI} (it lives beside the repo as ../shared)"
CORPUS_FEATURES = ["active"]  # how the reference accepted the cases (corpus README)

# Released WASI versions whose worlds are generated (pre-releases such as 0.2.0-rc-2023-11-10 and
# 0.3.0-rc-... are left out: they are what the package ships for old guests, not WASI).
WASI_VERSION = re.compile(r"0\.[23]\.\d+")


def corpus_cases() -> list[Path]:
    """The accepting cases: a `X.json` verdict beside a `X.wit` file or an `X/` folder."""
    if not UI.is_dir():
        return []
    cases = []
    for verdict in sorted(UI.glob("*.json")):
        wit = verdict.with_suffix(".wit")
        cases.append(wit if wit.is_file() else verdict.with_suffix(""))
    return cases


def slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def qualified(package: m.PackageName, world: str) -> str:
    version = f"@{package.version}" if package.version is not None else ""
    return f"{package.namespace}:{package.name}/{world}{version}"


@dataclass
class Generated:
    """What one source (a corpus case, or the WASI WIT) gave: a package folder per world."""

    packages: dict[str, str] = field(default_factory=dict)  # folder -> the world, qualified
    errors: list[str] = field(default_factory=list)
    warnings: int = 0


@dataclass
class Corpus:
    root: Path
    cases: dict[str, Generated] = field(default_factory=dict)  # case name -> its packages
    wasi: Generated | None = None  # None when no installed package ships WASI WIT

    @property
    def folders(self) -> list[str]:
        sources = [*self.cases.values(), *([self.wasi] if self.wasi else [])]
        return [folder for g in sources for folder in g.packages]


def generate_worlds(
    resolve: m.Resolve, root: Path, prefix: str, out: Generated, keep: str = ""
) -> None:
    """Generate every world of `resolve` (those whose qualified name matches `keep`, if given)."""
    for package in resolve.packages:
        for world, world_id in package.worlds.items():
            name = qualified(package.name, world)
            if keep and not re.fullmatch(keep, name):
                continue
            try:
                generated = generate_host(resolve, world_id)
            except Exception as err:  # any failure is reported with the world that caused it
                out.errors.append(f"{name}: {type(err).__name__}: {err}")
                continue
            generated.name = f"{prefix}{len(out.packages):02d}_{slug(world)}"
            write_package(generated, root)
            out.packages[generated.name] = name
            out.warnings += len(generated.warnings)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("corpus-packages")
    result = Corpus(root)
    for i, case in enumerate(corpus_cases()):
        generated = Generated()
        result.cases[case.stem] = generated
        try:
            resolve = load(case, features=CORPUS_FEATURES)
        except Exception as err:  # the front end's own tests own this; reported here too
            generated.errors.append(f"load: {type(err).__name__}: {err}")
            continue
        generate_worlds(resolve, root, f"ui{i:03d}_", generated)
    deps = find_wasi_deps()
    if deps is not None:
        # A root package of our own whose deps/ is the shipped folder: every package in it is
        # resolved, whatever the distribution's own root package needs.
        wasi_root = tmp_path_factory.mktemp("wasi-root")
        (wasi_root / "root.wit").write_text("package witgen-test:wasi-root;\n", encoding="utf-8")
        (wasi_root / "deps").symlink_to(deps, target_is_directory=True)
        result.wasi = Generated()
        version = WASI_VERSION.pattern
        generate_worlds(
            load(wasi_root), root, "wasi", result.wasi, keep=rf"wasi:[a-z-]+/[a-z-]+@{version}"
        )
    sys.path.insert(0, str(root))
    try:
        yield result
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] in result.folders]:
            del sys.modules[name]


def import_all(generated: Generated) -> list[str]:
    errors = []
    for folder, world in generated.packages.items():
        try:
            importlib.import_module(folder)
        except Exception as err:
            errors.append(f"{world} ({folder}): {type(err).__name__}: {err}")
    return errors


@pytest.mark.skipif(not UI.is_dir(), reason=NO_CORPUS)
@pytest.mark.parametrize("case", [c.stem for c in corpus_cases()])
def test_corpus_case_generates_and_imports(corpus: Corpus, case: str) -> None:
    generated = corpus.cases[case]
    assert generated.errors == []
    assert import_all(generated) == []


@pytest.mark.skipif(not UI.is_dir(), reason=NO_CORPUS)
def test_corpus_covers_every_world(corpus: Corpus) -> None:
    # The corpus has 72 accepting cases and about a hundred worlds among them: a sanity check that
    # the walk over cases and packages found them (a case defines none, or several).
    assert len(corpus.cases) >= 70
    assert sum(len(g.packages) for g in corpus.cases.values()) >= 90


def test_real_wasi_worlds_generate_and_import(corpus: Corpus) -> None:
    if corpus.wasi is None:
        pytest.skip(NO_WASI)
    worlds = set(corpus.wasi.packages.values())
    assert corpus.wasi.errors == []
    for expected in ("wasi:cli/command@0.2.0", "wasi:http/proxy@0.2.0", "wasi:cli/imports@0.2.3"):
        assert expected in worlds
    assert import_all(corpus.wasi) == []


def test_mypy_strict_on_every_generated_package(corpus: Corpus, tmp_path: Path) -> None:
    """One mypy run over all the packages (about 125: ten seconds, where one run per package
    would take minutes)."""
    if not corpus.folders:
        pytest.skip(f"{NO_CORPUS}; and {NO_WASI}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-error-summary",
            *corpus.folders,
        ],
        cwd=corpus.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
