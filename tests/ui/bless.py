"""Regenerate the goldens of tests/ui from the REFERENCE, wasm-tools 1.262 (never from witgen).

    python tests/ui/bless.py               # every case
    python tests/ui/bless.py crlf.wit parse-fail/lone-cr.wit
    python tests/ui/bless.py --check       # report stale goldens, write nothing

A case is a `*.wit` file or a package folder, in this folder or in `parse-fail/`. Each is run as
`wasm-tools component wit --json --features active CASE` from this folder, with the same relative
path `test_ui.py` loads, so the paths in error messages agree. Accepted: the golden is `CASE.json`
(what it printed). Rejected: `CASE.err` (its error without the leading `error: `). Cases here are
meant to be accepted and those in `parse-fail/` rejected; the script says so when one is not, and
exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

UI = Path(__file__).resolve().parent
sys.path.insert(0, str(UI.parent))  # tests/ is not a package

import reference  # noqa: E402

FEATURES = ("active",)
NOT_CASES = {"parse-fail", "__pycache__"}


def cases() -> list[str]:
    """Every case, as the path relative to this folder that both bless and the test use."""
    out = []
    for folder in (UI, UI / "parse-fail"):
        for entry in sorted(folder.iterdir()):
            if entry.name in NOT_CASES or entry.name.startswith("."):
                continue
            if entry.is_dir() or entry.suffix == ".wit":
                out.append(entry.relative_to(UI).as_posix())
    return out


def golden_paths(case: str) -> tuple[Path, Path]:
    stem = case[:-4] if case.endswith(".wit") else case
    return UI / f"{stem}.json", UI / f"{stem}.err"


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # no newline translation
        return f.read()


def golden_of(case: str) -> tuple[Path, str]:
    """The golden file the reference's verdict on `case` belongs in, and its content."""
    verdict = reference.run(case, features=FEATURES, cwd=UI)
    if verdict.crashed:
        raise SystemExit(f"the reference crashed on {case}:\n{verdict.stderr}")
    json_path, err_path = golden_paths(case)
    return (json_path, verdict.stdout) if verdict.accepted else (err_path, verdict.error)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("cases", nargs="*", help="cases to bless (default: all)")
    ap.add_argument("--check", action="store_true", help="only report goldens that differ")
    args = ap.parse_args()
    if not reference.available():
        print(reference.SKIP_REASON, file=sys.stderr)
        return 2
    status = 0
    for case in args.cases or cases():
        path, content = golden_of(case)
        expect_reject = case.startswith("parse-fail/")
        if path.suffix == (".json" if expect_reject else ".err"):
            print(f"warning: the reference {'accepts' if expect_reject else 'rejects'} {case}")
            status = 1
        stale = [p for p in golden_paths(case) if p != path and p.exists()]
        current = read(path) if path.exists() else None
        if current == content and not stale:
            continue
        print(f"{'stale' if args.check else 'blessed'}: {path.relative_to(UI)}")
        if args.check:
            status = 1
            continue
        # newline="": keep the reference's bytes exactly (its error may quote a CRLF line)
        path.write_text(content, encoding="utf-8", newline="")
        for p in stale:
            p.unlink()
    return status


if __name__ == "__main__":
    sys.exit(main())
