"""Our own WIT golden tests: each case in tests/ui (a `*.wit` file or a package folder, accepted)
and tests/ui/parse-fail (rejected) against the golden `CASE.json` or `CASE.err` beside it.

The goldens come from the reference, wasm-tools 1.262, through `bless.py` (never from witgen's own
output); `test_goldens_are_the_references` re-checks that when the reference is installed. witgen
must print the same JSON (key order included) or render the whole same error text; only the path
separator in `-->` lines is normalized. Cases load with `--features active` and the same relative
path, from this folder, as when blessed.

`BLESS=1 pytest tests/ui` first rewrites each golden from the reference, as `bless.py` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parent
sys.path.insert(0, str(UI.parent))  # tests/ is not a package
sys.path.insert(0, str(UI))

import bless  # noqa: E402

import reference  # noqa: E402
from witgen.errors import WitError  # noqa: E402
from witgen.resolve.jsonout import to_json  # noqa: E402
from witgen.resolve.loader import load  # noqa: E402

CASES = bless.cases()
ARROW = re.compile(r"^(\s*--> )(\S+)", re.M)


def normalize_error(text: str) -> str:
    text = text.rstrip()
    if text.startswith("error: "):
        text = text[len("error: ") :]
    return ARROW.sub(lambda m: m.group(1) + m.group(2).replace("\\", "/"), text)


def ordered(text: str) -> object:
    return json.loads(text, object_pairs_hook=lambda kv: [list(p) for p in kv])


def golden(case: str) -> Path:
    json_path, err_path = bless.golden_paths(case)
    if os.environ.get("BLESS") and reference.available():
        path, content = bless.golden_of(case)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
        for stale in (json_path, err_path):
            if stale != path and stale.exists():
                stale.unlink()
    if json_path.exists():
        return json_path
    if err_path.exists():
        return err_path
    pytest.fail(f"{case} has no golden: run `python tests/ui/bless.py {case}`")


def test_there_are_cases_of_both_kinds() -> None:
    assert sum(c.startswith("parse-fail/") for c in CASES) >= 15
    assert sum(not c.startswith("parse-fail/") for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_ui(case: str) -> None:
    path = golden(case)
    expected = bless.read(path)
    with contextlib.chdir(UI):
        try:
            out, err = to_json(load(case, features=("active",))), None
        except WitError as e:
            out, err = None, str(e)
    if path.suffix == ".json":
        assert out is not None, f"witgen rejects {case}:\n{err}"
        assert ordered(out) == ordered(expected), f"JSON of {case} differs from {path.name}"
        assert out.rstrip("\n") == expected.rstrip("\n"), f"JSON text of {case} differs (same data)"
    else:
        assert err is not None, f"witgen accepts {case}; the reference says:\n{expected}"
        assert normalize_error(err) == normalize_error(expected)


@pytest.mark.skipif(not reference.available(), reason=reference.SKIP_REASON)
@pytest.mark.parametrize("case", CASES)
def test_goldens_are_the_references(case: str) -> None:
    path, content = bless.golden_of(case)
    assert path.exists(), f"the reference's verdict on {case} is {path.name}: run bless.py"
    assert bless.read(path) == content, f"{path.name} is not the reference's output: run bless.py"
    assert (path.suffix == ".err") == case.startswith(
        "parse-fail/"
    ), f"{case} is in the wrong folder"
