"""Snapshot goldens of generated code: what witgen writes for a handful of worlds, host and guest.

A golden records output, it does not judge it: whether that output is right is for the behaviour
tests (they compile and call real components through it). What a golden adds is that every change
in output, wanted or not, shows up in review as a diff of `tests/snapshots/golden/`.

Recorded: every file the templates produce. Left out: the run-time files copied into each package
unchanged (`witgen.runtime.shipped`; their source is reviewed as source), and the value of the
package digest in a host package's `__init__.py`, which is a hash over those copies too (replaced
by `<digest>`, so a change to the runtime alone does not touch every golden).

Re-bless after a change in output you meant, and review the diff:

    python tests/snapshots/snapshots.py --bless
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
_WIT = REPO / "tests" / "codegen" / "wit"

# (case name, WIT path, world or None for the only one, kind)
CASES: tuple[tuple[str, Path, str | None, str], ...] = (
    ("plugin", REPO / "wit" / "plugin.wit", None, "host"),
    ("plugin-guest", REPO / "wit" / "plugin.wit", None, "guest"),
    ("words", REPO / "wit" / "words.wit", None, "host"),
    ("words-guest", REPO / "wit" / "words.wit", None, "guest"),
    ("kitchen", _WIT / "kitchen.wit", None, "host"),
    ("resources", _WIT / "resources.wit", None, "host"),
    ("resources-guest", _WIT / "resources.wit", None, "guest"),
    ("echo", _WIT / "echo.wit", None, "host"),
    ("echo-guest", _WIT / "echo.wit", None, "guest"),
    ("accessors", _WIT / "accessors.wit", None, "host"),
    ("accessors-guest", _WIT / "accessors.wit", None, "guest"),
    ("edge", _WIT / "edge.wit", None, "host"),
    ("edge-guest", _WIT / "edge.wit", None, "guest"),
)

_DIGEST = re.compile(r'"[0-9a-f]{64}"')


def render(wit: Path, world: str | None, kind: str) -> dict[str, str]:
    """The recorded files of one case: path inside the package -> text."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from witgen.config import Entry
    from witgen.generate import generate
    from witgen.runtime import shipped

    package = generate(Entry(wit=wit, out=Path("unused"), world=world, kind=kind))
    runtime = shipped(kind)
    files = {}
    for path, text in package.files.items():
        if path in runtime:
            continue
        if path == "__init__.py" and kind == "host":
            text = _DIGEST.sub('"<digest>"', text, count=1)
        files[f"{package.name}/{path}"] = text
    return files


def recorded(case: str) -> dict[str, str]:
    """The golden files of `case` as they are on disk."""
    folder = GOLDEN / case
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def bless() -> None:
    """Write every case's golden anew (and drop goldens of cases no longer listed)."""
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for case, wit, world, kind in CASES:
        for path, text in render(wit, world, kind).items():
            target = GOLDEN / case / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    print(f"blessed {len(CASES)} cases into {GOLDEN.relative_to(REPO)}; review `git diff` now")


if __name__ == "__main__":
    if sys.argv[1:] != ["--bless"]:
        sys.exit(f"usage: python {Path(__file__).relative_to(REPO)} --bless")
    bless()
