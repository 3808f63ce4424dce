"""Issue 11, differential: `witgen json X.wasm` and `witgen wit X.wasm` against
`wasm-tools component wit [--json] X.wasm`, byte for byte, on components and encoded packages made
by the reference and by the guest toolchains (see `wasm_inputs` for how each is made):

* every world of every accepting conformance case, as a component (about 100);
* every accepting conformance case, as an encoded WIT package (72);
* the project's own WIT (`tests/ui`, `tests/codegen/wit`, `wit/`, and `tests/wasm/wit`, which
  has the plain names implementing interfaces and `@external-id`s the corpus lacks): each as an
  encoded package and each of its worlds as a component;
* hand-written components (`tests/wasm/wat/*.wat`, assembled by `wasm-tools parse`) for what
  wit-component never writes: a bag-of-exports instance, a nested component instantiated, an
  ascribed export type, the first WIT package format, and a type exported twice (which both
  refuse);
* Python and JavaScript guests (componentize-py, componentize-js): 18 MB components that are
  mostly core code, with WASI imports, inline interfaces, resources across packages;
* with `WITGEN_HYPOTHESIS_PROFILE=long`, every component the WAT recipe has built on this machine
  (the runtime tests' components included) and every cached guest.

Random worlds are in `test_wasm_random.py`, `witgen wit` on `.wit` input in `test_wit_printer.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wasm_inputs as wi  # noqa: E402

pytestmark = pytest.mark.skipif(not wi.reference.available(), reason=wi.reference.SKIP_REASON)

WORLDS = wi.corpus_worlds() if wi.UI.is_dir() else []
CASES = wi.accepting_cases()
OWN = wi.project_cases()


def _ids(items: list[Path]) -> list[str]:
    return [wi.slug(str(p.relative_to(p.parents[1]))) for p in items]


@pytest.mark.skipif(not WORLDS, reason=wi.NO_CORPUS)
@pytest.mark.parametrize("world", WORLDS, ids=[w.id for w in WORLDS])
def test_corpus_world_as_a_component(world: wi.World) -> None:
    component, how = wi.build_world(world)
    problems = wi.compare(component)
    assert not problems, f"{world.id} ({how}, {component}):\n" + "\n".join(problems)


@pytest.mark.skipif(not WORLDS, reason=wi.NO_CORPUS)
def test_the_corpus_worlds_are_all_there() -> None:
    """The walk found the corpus's worlds: about a hundred, in 72 cases, most built by the WAT
    recipe (the rest need `--features active` or the accessors feature)."""
    assert len(WORLDS) >= 95
    built = [wi.build_world(w)[1] for w in WORLDS]
    assert built.count("WAT recipe") >= 70


@pytest.mark.skipif(not CASES, reason=wi.NO_CORPUS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_as_an_encoded_package(case: Path) -> None:
    encoded = wi.encode_package(case)
    problems = wi.compare(encoded)
    assert not problems, f"{case.name} ({encoded}):\n" + "\n".join(problems)


@pytest.mark.parametrize("case", OWN, ids=[wi.slug(str(c.relative_to(wi.REPO))) for c in OWN])
def test_project_wit_as_package_and_components(case: Path) -> None:
    problems = wi.compare(wi.encode_package(case))
    assert not problems, f"{case} as an encoded package:\n" + "\n".join(problems)
    resolve, main = wi.load_package(case, features=wi.FEATURES)
    for world in resolve.packages[main].worlds.values():
        spec = wi.world_spec(resolve, world)
        problems = wi.compare(wi.dummy_component(case, spec))
        assert not problems, f"{case}: world {spec} as a component:\n" + "\n".join(problems)


WAT = sorted((Path(__file__).resolve().parent / "wat").glob("*.wat"))
# hand-written components the reference refuses, and the message both must give
REFUSED = {"reexported-twice.wat": "cannot represent this component in WIT"}


@pytest.mark.parametrize("wat", WAT, ids=[w.stem for w in WAT])
def test_hand_written_component(wat: Path) -> None:
    problems = wi.compare(wi.assemble(wat), refused=REFUSED.get(wat.name))
    assert not problems, f"{wat.name}:\n" + "\n".join(problems)


def test_guests_built_by_componentize_py_and_js() -> None:
    guests = wi.guests()
    assert guests, "no guest at all: the hello plugin should have been built"
    failures = {str(g): wi.compare(g) for g in guests}
    failures = {g: p for g, p in failures.items() if p}
    assert not failures, "\n".join(f"{g}:\n" + "\n".join(p) for g, p in failures.items())


@pytest.mark.skipif(not wi.long_profile(), reason="every cached component: the long profile only")
def test_every_component_built_on_this_machine() -> None:
    components = wi.cached_components()
    failures = {str(c): p for c in components if (p := wi.compare(c))}
    assert not failures, f"{len(failures)} of {len(components)} differ:\n" + "\n".join(
        f"{c}:\n" + "\n".join(p) for c, p in list(failures.items())[:5]
    )
