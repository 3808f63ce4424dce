"""Conformance: witgen against wit-parser's own test corpus, with the reference's verdicts.

The corpus lives outside the repo, in `<repo>/../shared/conformance` (read at test time, never
copied). Two ways to score it:

* `test_scorer_meets_the_bar`: the project's official score. It runs `shared/tools/wit-conformance`
  on the command line tool, `python -m witgen json --features active`, one subprocess per case
  from inside the (read-only in CI) corpus folder, and checks the summary line against the bar:
  every accept, reject and location right, and at least 170 of 180 messages.
* `test_case` and `test_message`: the same comparisons, in-process and one test id per case
  (`ui/foo.wit`, `parse-fail/bar`), so a failure names its case and runs in seconds.
  A message difference may be accepted only by listing the case in `KNOWN_MESSAGE_DIFFERENCES`
  (with the reason), and no more than the bar allows.

Everything skips, with the reason, when the shared folder is absent.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "conformance"
SCORER = SHARED / "tools" / "wit-conformance"
MISSING = (
    f"the shared conformance corpus is not at {SHARED} (it lives beside the repo as ../shared)"
)

# The bar: all accepts, rejects and locations; messages may differ in at most 10 cases.
MIN_MESSAGES = 170
# case -> why its first line may differ from the reference's (each entry spends one of the 10)
KNOWN_MESSAGE_DIFFERENCES: dict[str, str] = {}

SUMMARY = re.compile(
    r"conformance: accept (\d+)/(\d+) reject (\d+)/(\d+) loc (\d+)/(\d+) msg (\d+)/(\d+)"
)
LOCATION = re.compile(r"-->\s*(\S+:\d+:\d+)")


def corpus_cases() -> list[tuple[str, str]]:
    """(case path relative to the corpus, verdict file path) pairs, as the scorer finds them."""
    cases: list[tuple[str, str]] = []
    if not CORPUS.is_dir():
        return cases
    for kind in ("ui", "parse-fail"):
        for entry in sorted(os.listdir(CORPUS / kind)):
            if entry.endswith((".json", ".err")):
                continue
            stem = entry[:-4] if entry.endswith(".wit") else entry
            for ext in (".json", ".err"):
                if (CORPUS / kind / (stem + ext)).exists():
                    cases.append((f"{kind}/{entry}", f"{kind}/{stem}{ext}"))
                    break
    return cases


CASES = corpus_cases()
REJECTS = [c for c in CASES if c[1].endswith(".err")]


def first_line(text: str) -> str:
    text = text.strip()
    if text.startswith("error: "):
        text = text[len("error: ") :]
    return text.splitlines()[0].strip() if text else ""


def ordered(text: str) -> object:
    return json.loads(text, object_pairs_hook=lambda kv: [list(p) for p in kv])


@pytest.mark.skipif(not SCORER.is_file(), reason=MISSING)
def test_scorer_meets_the_bar() -> None:
    env = dict(os.environ)
    # the scorer runs from inside the corpus: make this checkout's witgen importable there (last,
    # so that an explicit PYTHONPATH still wins)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(REPO)]))
    cmd = [
        sys.executable,
        str(SCORER),
        "--show",
        "1000",
        "--",
        sys.executable,
        "-m",
        "witgen",
        "json",
        "--features",
        "active",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    m = SUMMARY.search(proc.stdout)
    assert (
        m
    ), f"no summary line from the scorer (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    acc, acc_n, rej, rej_n, loc, loc_n, msg, msg_n = map(int, m.groups())
    failing = proc.stdout[: m.start()].strip()
    ok = acc == acc_n and rej == rej_n and loc == loc_n and msg >= MIN_MESSAGES and msg_n == rej_n
    assert (
        ok
    ), f"{m.group(0)}; the bar is everything right but at least {MIN_MESSAGES} messages\n{failing}"
    assert (acc_n, rej_n, loc_n) == (72, 180, 174), f"the corpus changed: {m.group(0)}"


# --- in-process, one test per case ---------------------------------------------------------------


@functools.cache
def resolve_case(rel: str) -> tuple[bool, str]:
    """(accepted, JSON or rendered error) for one corpus case, computed once per session."""
    from witgen.errors import WitError
    from witgen.resolve.jsonout import to_json
    from witgen.resolve.loader import load

    # paths in errors are relative to the corpus folder, as in the reference's verdicts
    with contextlib.chdir(CORPUS):
        try:
            return True, to_json(load(rel, features=("active",)))
        except WitError as e:
            return False, str(e)


def _params(cases: list[tuple[str, str]], xfail: dict[str, str] | None = None) -> list[Any]:
    """One param per case, named by its path; a case listed in `xfail` must fail (strictly)."""
    if not cases:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=MISSING))]
    xfail = xfail or {}
    return [
        pytest.param(
            rel,
            verdict,
            id=rel,
            marks=[pytest.mark.xfail(strict=True, reason=xfail[rel])] if rel in xfail else [],
        )
        for rel, verdict in cases
    ]


@pytest.mark.parametrize(("rel", "verdict"), _params(CASES))
def test_case(rel: str, verdict: str) -> None:
    """Accepted with the reference's JSON, or rejected at the reference's location."""
    expected = (CORPUS / verdict).read_text(encoding="utf-8")
    accepted, out = resolve_case(rel)
    if verdict.endswith(".json"):
        assert accepted, f"witgen rejects it:\n{out}"
        assert ordered(out) == ordered(expected), "JSON differs from the reference's"
        return
    assert not accepted, f"witgen accepts it; the reference says:\n{expected}"
    want = LOCATION.search(expected)
    if want:
        got = LOCATION.search(out)
        assert got and got.group(1) == want.group(
            1
        ), f"wrong location\n--- reference:\n{expected}\n--- witgen:\n{out}"


@pytest.mark.parametrize(("rel", "verdict"), _params(REJECTS, KNOWN_MESSAGE_DIFFERENCES))
def test_message(rel: str, verdict: str) -> None:
    """The first line of the error equals the reference's."""
    expected = (CORPUS / verdict).read_text(encoding="utf-8")
    accepted, out = resolve_case(rel)
    assert not accepted, "witgen accepts it (see test_case)"
    assert first_line(out) == first_line(expected)


def test_known_message_differences_fit_the_bar() -> None:
    assert len(KNOWN_MESSAGE_DIFFERENCES) <= 180 - MIN_MESSAGES
    unknown = set(KNOWN_MESSAGE_DIFFERENCES) - {rel for rel, _ in REJECTS}
    assert not (CASES and unknown), f"not rejected cases of the corpus: {sorted(unknown)}"
