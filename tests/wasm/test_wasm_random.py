"""Issue 11, differential on random worlds: each random valid document of the property tests'
generator (`strategies.documents`) is encoded by the reference as a WIT package
(`component wit --wasm`) and one of its root package's worlds is made a component
(`component embed --dummy`, `component new`); `witgen json` and `witgen wit` on both must be the
reference's, byte for byte.

Some valid WIT has no binary form, and the reference refuses to encode it: a fixed-length list of
length 0 (`list<u8, 0>` resolves, but the component model wants at least one element),
`stream<char>`, a getter returning `result<_, E>`, a setter whose parameter is an anonymous type
equal to, but not the same type as, its getter's result (the encoder compares them by identity),
an upper-case package name (`a:B`: WIT identifiers may be upper-case, the names of a
component's imports and exports may not), and a type too large for memory
(`list<list<u16, 65536>, 65536>`). Such an example is discarded (`assume`), and only for those messages
(`UNENCODABLE`); any other refusal fails the test.

Settings: the `ci` profile (150 derandomized examples, about ten seconds once the reference's
answers are cached), or `WITGEN_HYPOTHESIS_PROFILE=long` (3000 random ones).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wasm_inputs as wi  # noqa: E402

from strategies import WitDoc, active_profile, documents  # noqa: E402
from witgen.resolve.loader import load_package  # noqa: E402

pytestmark = pytest.mark.skipif(not wi.reference.available(), reason=wi.reference.SKIP_REASON)


# The reference's messages when it refuses to encode valid WIT (see the module docstring).
UNENCODABLE = (
    "Fixed-length lists must have more than zero elements",
    "`stream<char>` is not valid at this time",
    "if a getter function returns a result, that result must have a value type",
    "is not lowercase in package name/namespace",
    "parameter type must match the return type of",
    "maximum in-memory size exceeds maximum byte size",
)


def produce(make: Callable[[], Path]) -> Path:
    """`make()`, or the example discarded when the reference cannot encode it."""
    try:
        return make()
    except wi.ComponentBuildError as err:
        known = [m for m in UNENCODABLE if m in str(err)]
        assert known, f"the reference cannot encode a valid document:\n{err}"
        event(f"not encodable: {known[0]}")
        assume(False)
        raise  # unreachable: assume(False) ends the example


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("random-wasm")


@active_profile()
@given(doc=documents(), pick=st.integers(0, 1000))
def test_random_world_as_package_and_component(workdir: Path, doc: WitDoc, pick: int) -> None:
    wit = workdir / "doc.wit"
    wit.write_text(doc.text, encoding="utf-8", newline="")
    verdict = wi.reference.run(wit, features=wi.FEATURES)
    # the generator's rare misses are the front end's differential test's business
    if not verdict.accepted:
        return
    encoded = produce(lambda: wi.encode_package(wit))
    problems = wi.compare(encoded)
    assert not problems, "as an encoded package:\n" + "\n".join(problems) + "\n" + doc.text
    resolve, main = load_package(wit, features=wi.FEATURES)
    worlds = list(resolve.packages[main].worlds.values())
    if not worlds:
        return
    spec = wi.world_spec(resolve, worlds[pick % len(worlds)])
    component = produce(lambda: wi.dummy_component(wit, spec))
    problems = wi.compare(component)
    assert not problems, f"world {spec} as a component:\n" + "\n".join(problems) + "\n" + doc.text
