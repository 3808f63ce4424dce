"""Test support: the `.wasm` inputs the differential tests of issue 11 compare witgen with.

Each input is a component or a WIT package encoded as a component, made by the reference
(wasm-tools 1.262) or by componentize-py / componentize-js, never by witgen:

* `corpus_worlds()`: every world of every accepting case of the shared conformance corpus, built
  into a component by the WAT recipe (`tests/components/builder.py`, a real core module);
  the worlds that recipe cannot build (it passes no `--features` and validates without the
  accessors feature) by the dummy recipe instead: `component embed --dummy --features active`,
  then `component new`. Either way the component's types are what wit-component makes of the
  world, which is what the decoder reads;
* `encode_package(case)`: `component wit --wasm --features active CASE`;
* `guests()`: the Python plugin `witgen build` makes of `examples/plugins/hello.py` (built on
  demand, cached by `tests/plugins.py`) and any componentize-py or componentize-js guest the
  other tests left in their caches.

`compare(path)` runs witgen in-process on one input (`witgen json` and `witgen wit`) and the
reference on the same file, and returns what differs. Built files are cached under the system's
temporary folder by the sha256 of the wasm-tools version, the arguments and the inputs' bytes.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))  # tests/ is not a package

import reference  # noqa: E402
from components.builder import ComponentBuildError, build_component  # noqa: E402
from witgen.errors import WitError  # noqa: E402
from witgen.resolve import model as m  # noqa: E402
from witgen.resolve.jsonout import to_json  # noqa: E402
from witgen.resolve.loader import load_package  # noqa: E402
from witgen.resolve.printer import escape, print_package  # noqa: E402

REPO = TESTS.parent
CORPUS = REPO.parent / "shared" / "conformance"
UI = CORPUS / "ui"
NO_CORPUS = f"the shared conformance corpus is not at {CORPUS} (it lives beside the repo)"
FEATURES = ("active",)  # how the reference accepted the corpus's cases (corpus README)
PROFILE_ENV = "WITGEN_HYPOTHESIS_PROFILE"  # `long`: more examples, and every cached component


def long_profile() -> bool:
    return os.environ.get(PROFILE_ENV) == "long"


def accepting_cases() -> list[Path]:
    """The corpus's accepting cases: a `X.json` verdict beside `X.wit` or a folder `X/`."""
    if not UI.is_dir():
        return []
    cases = []
    for verdict in sorted(UI.glob("*.json")):
        wit = verdict.with_suffix(".wit")
        cases.append(wit if wit.is_file() else verdict.with_suffix(""))
    return cases


def project_cases() -> list[Path]:
    """The WIT written for this project that the reference accepts: `tests/ui`'s accepting
    cases, the code generator's test worlds, the examples' contracts and `tests/wasm/wit`."""
    ui = TESTS / "ui"
    cases = []
    for verdict in sorted(ui.glob("*.json")):
        wit = verdict.with_suffix(".wit")
        cases.append(wit if wit.is_file() else verdict.with_suffix(""))
    for folder in (TESTS / "codegen" / "wit", REPO / "wit", TESTS / "wasm" / "wit"):
        cases += sorted(folder.glob("*.wit"))
    return cases


def cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "witgen-test-wasm-inputs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def wasm_tools() -> str:
    exe = reference.find_wasm_tools()
    assert exe is not None, reference.SKIP_REASON
    return exe


def _files_of(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def _produce(args: list[str], inputs: Path, name: str) -> Path:
    """Run wasm-tools with `args` (with `{out}` for the output file), cached by content."""
    h = hashlib.sha256(json.dumps([reference.version(), args]).encode())
    for f in _files_of(inputs):
        h.update(str(f.relative_to(inputs) if inputs.is_dir() else f.name).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    out = cache_dir() / h.hexdigest() / name
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    full = [wasm_tools(), *(a.replace("{out}", str(tmp)) for a in args)]
    done = subprocess.run(full, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ComponentBuildError(f"{' '.join(full)} failed:\n{done.stderr}")
    os.replace(tmp, out)
    return out


def encode_package(case: Path) -> Path:
    """The case's package encoded as a component (`component wit --wasm`)."""
    args = ["component", "wit", "--wasm", "--features", ",".join(FEATURES), str(case), "-o"]
    return _produce([*args, "{out}"], case, "package.wasm")


def assemble(wat: Path) -> Path:
    """A component written by hand in the text format, assembled by `wasm-tools parse`."""
    return _produce(["parse", str(wat), "-o", "{out}"], wat, wat.with_suffix(".wasm").name)


def dummy_component(wit: Path, world: str) -> Path:
    """A component of `world` whose core module is `component embed --dummy`'s."""
    core = _produce(
        [
            "component",
            "embed",
            "--dummy",
            "--features",
            ",".join(FEATURES),
            "--world",
            world,
            str(wit),
            "-o",
            "{out}",
        ],
        wit,
        f"dummy-{hashlib.sha256(world.encode()).hexdigest()[:16]}.wasm",
    )
    return _produce(["component", "new", str(core), "-o", "{out}"], core, "component.wasm")


def world_spec(resolve: m.Resolve, world: int) -> str:
    """A world's fully qualified name, escaped (`test:%async/y`), as `--world` takes it."""
    w = resolve.worlds[world]
    assert w.package is not None
    name = resolve.packages[w.package].name
    version = f"@{name.version}" if name.version is not None else ""
    return f"{escape(name.namespace)}:{escape(name.name)}/{escape(w.name)}{version}"


@dataclass(frozen=True)
class World:
    case: Path
    spec: str

    @property
    def id(self) -> str:
        return f"{self.case.name}:{self.spec}"


def corpus_worlds() -> list[World]:
    worlds = []
    for case in accepting_cases():
        resolve, _ = load_package(case, features=FEATURES)
        worlds += [World(case, world_spec(resolve, w)) for w in range(len(resolve.worlds))]
    return worlds


def build_world(world: World) -> tuple[Path, str]:
    """(the component, how it was built): by the WAT recipe, else by the dummy recipe."""
    case = world.case
    wit: str | dict[str, str]
    if case.is_dir():
        wit = {str(f.relative_to(case)): f.read_text(encoding="utf-8") for f in _files_of(case)}
    else:
        wit = case.read_text(encoding="utf-8")
    try:
        return build_component(wit, world.spec), "WAT recipe"
    except ComponentBuildError as err:
        why = str(err)
    # The WAT recipe runs wasm-tools without `--features active` and validates without the
    # accessors feature; nothing else may make it fail (the reason is asserted below).
    known = ("feature", "accessors", "World `", "world '", "failed to parse world specifier")
    assert any(k in why for k in known), f"the WAT recipe failed for {world.id}:\n{why}"
    return dummy_component(case, world.spec), "dummy recipe"


def guests() -> list[Path]:
    """Components built by componentize-py and componentize-js: the hello plugin (built now
    when no earlier run left it in the cache) and whatever other guests the caches hold (all
    of them with the long profile, else a few)."""
    from plugins import build_plugin

    hello = build_plugin(REPO / "wit" / "plugin.wit", REPO / "examples" / "plugins" / "hello.py")
    base = Path(tempfile.gettempdir()) / "witgen-test-guests"
    python = sorted((base / "witgen-build").glob("*/plugin.wasm"))
    js = sorted(base.glob("*/guest.wasm"))
    if not long_profile():
        python, js = python[:3], js[:3]
    return [hello, *[p for p in python if p != hello], *js]


def cached_components() -> list[Path]:
    """Every component the WAT recipe has built on this machine (runtime tests included)."""
    from components.builder import default_cache_dir

    return sorted(default_cache_dir().glob("*/component.wasm"))


# --- comparing ---------------------------------------------------------------------------------


def reference_text(path: Path) -> reference.Verdict:
    """`wasm-tools component wit PATH` (the WIT text), cached like `reference.run`."""
    return reference._run_cached(["component", "wit", str(path)], path, None)


def diff(theirs: str, ours: str, what: str) -> str:
    lines = difflib.unified_diff(
        theirs.splitlines(), ours.splitlines(), "reference", "witgen", lineterm="", n=2
    )
    return f"{what} differs:\n" + "\n".join(list(lines)[:80])


def compare(path: Path, *, refused: str | None = None) -> list[str]:
    """What differs between witgen and the reference on `path`: its JSON and its WIT text
    (empty when both are byte for byte the same). With `refused`, both must refuse it instead,
    with that text in both messages."""
    problems = []
    ref_json = reference.run(path, features=())
    if refused is not None:
        assert not ref_json.accepted and refused in ref_json.stderr, ref_json.stderr
        try:
            load_package(path)
        except WitError as err:
            return [] if refused in str(err) else [f"witgen refuses it differently:\n{err}"]
        return ["witgen reads what the reference refuses"]
    ref_text = reference_text(path)
    assert ref_json.accepted and ref_text.accepted, f"the reference fails:\n{ref_json.stderr}"
    try:
        resolve, main = load_package(path)
    except WitError as err:
        return [f"witgen refuses what the reference reads:\n{err}"]
    ours_json = to_json(resolve)
    if ours_json != ref_json.stdout:
        problems.append(diff(ref_json.stdout, ours_json, "JSON"))
    ours_text = print_package(resolve, main)
    if ours_text != ref_text.stdout:
        problems.append(diff(ref_text.stdout, ours_text, "WIT text"))
    return problems


def slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-")


def copy_to(path: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(path, target)
    return target
