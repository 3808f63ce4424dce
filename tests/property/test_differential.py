"""Differential property tests: witgen's front end against the reference, wasm-tools 1.262.

(a) Random valid documents (`strategies.documents`): the reference must accept each one (else the
generator is wrong), and `to_json(load(path))` must print the same JSON, key order included.
(b) Random mutations of them (`strategies.mutated_documents`): witgen accepts exactly when the
reference does; when both accept, the JSON is the same; when both reject, the error's first
`--> path:line:col` and its first line are the same.

Both run in-process, with `--features active` as the conformance corpus does. Settings come from the
`ci` profile (derandomized, so CI sees the same examples every run) or, with
`WITGEN_HYPOTHESIS_PROFILE=long`, from the `long` one (many more, random, examples).
"""

from __future__ import annotations

import contextlib
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import assume, given

# tests/ is not a package: make its helper modules importable from this subfolder
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reference  # noqa: E402
from strategies import WitDoc, active_profile, documents, mutated_documents  # noqa: E402
from witgen.errors import WitError  # noqa: E402
from witgen.resolve.jsonout import to_json  # noqa: E402
from witgen.resolve.loader import load  # noqa: E402

pytestmark = pytest.mark.skipif(not reference.available(), reason=reference.SKIP_REASON)

FEATURES = ("active",)
FILE = "doc.wit"  # relative, run from the work folder: errors name the same path on both sides


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    json: str
    error: str


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


def write(workdir: Path, text: str) -> None:
    # newline="" keeps CRLF as generated; the reference reads the same bytes
    (workdir / FILE).write_text(text, encoding="utf-8", newline="")


def witgen(workdir: Path) -> Outcome:
    with contextlib.chdir(workdir):
        try:
            return Outcome(True, to_json(load(FILE, features=FEATURES)), "")
        except WitError as e:
            return Outcome(False, "", str(e))


def json_diff(ours: str, theirs: str) -> str:
    diff = difflib.unified_diff(
        theirs.splitlines(), ours.splitlines(), "reference", "witgen", lineterm="", n=2
    )
    return "\n".join(list(diff)[:60])


def assert_same_json(ours: str, theirs: str) -> None:
    same = reference.ordered_json(ours) == reference.ordered_json(theirs)
    assert same, "JSON differs:\n" + json_diff(ours, theirs)
    # the contract is "exactly what wasm-tools prints": spacing and escapes too
    same = ours.rstrip("\n") == theirs.rstrip("\n")
    assert same, "JSON text differs (same data):\n" + json_diff(ours, theirs)


@active_profile()
@given(doc=documents())
def test_valid_documents_resolve_like_the_reference(workdir: Path, doc: WitDoc) -> None:
    write(workdir, doc.text)
    ref = reference.run(FILE, features=FEATURES, cwd=workdir)
    ours = witgen(workdir)
    if not ref.accepted:
        # The generator's rare misses (e.g. an include whose renames make two names clash) are
        # still compared: witgen must reject them exactly as the reference does (one such miss
        # found witgen's missing strong-uniqueness check after includes). Then the example is
        # discarded, not counted as a valid document.
        assert not ours.accepted, f"witgen accepts what the reference rejects:\n{ref.error}"
        our_msg, our_loc = reference.parse_error(ours.error)
        assert (our_loc, our_msg) == (
            ref.location,
            ref.message,
        ), f"different error\n--- reference:\n{ref.error}\n--- witgen:\n{ours.error}"
        assume(False)
    assert ours.accepted, f"witgen rejects a valid document:\n{ours.error}"
    assert_same_json(ours.json, ref.stdout)


@active_profile()
@given(text=mutated_documents())
def test_mutated_documents_get_the_reference_verdict(workdir: Path, text: str) -> None:
    write(workdir, text)
    ref = reference.run(FILE, features=FEATURES, cwd=workdir)
    assume(not ref.crashed)  # a reference panic is no verdict to compare with
    ours = witgen(workdir)
    if ref.accepted:
        assert ours.accepted, f"witgen rejects what the reference accepts:\n{ours.error}"
        assert_same_json(ours.json, ref.stdout)
        return
    assert not ours.accepted, f"witgen accepts what the reference rejects:\n{ref.error}"
    our_msg, our_loc = reference.parse_error(ours.error)
    assert (our_loc, our_msg) == (
        ref.location,
        ref.message,
    ), f"different error\n--- reference:\n{ref.error}\n--- witgen:\n{ours.error}"
