"""Generated code matches its snapshot goldens byte for byte (see `snapshots.py`)."""

from __future__ import annotations

import difflib

import pytest

from snapshots import CASES, GOLDEN, recorded, render

BLESS = "python tests/snapshots/snapshots.py --bless"


@pytest.mark.parametrize(("case", "wit", "world", "kind"), CASES, ids=[c[0] for c in CASES])
def test_generated_code_matches_its_golden(case: str, wit, world, kind) -> None:  # type: ignore[no-untyped-def]
    assert (GOLDEN / case).is_dir(), f"no golden for {case}: run `{BLESS}`"
    want = recorded(case)
    got = render(wit, world, kind)
    assert sorted(got) == sorted(want), f"files differ from the golden; if meant, run `{BLESS}`"
    for path in sorted(got):
        if got[path] != want[path]:
            diff = "".join(
                difflib.unified_diff(
                    want[path].splitlines(keepends=True),
                    got[path].splitlines(keepends=True),
                    f"golden/{case}/{path}",
                    "generated",
                    n=2,
                )
            )
            pytest.fail(
                f"{case}/{path} differs from its golden (if meant, run `{BLESS}`):\n{diff[:4000]}"
            )


def test_every_golden_is_a_listed_case() -> None:
    # a golden left behind by a removed case would never be compared again
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(c[0] for c in CASES)
