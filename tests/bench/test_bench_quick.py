"""Every benchmark script runs, in its quick profile, so none can rot unnoticed.

Each script of `bench/` runs as a user runs it (`python bench/SCRIPT.py --quick`, a subprocess of
this interpreter) and must exit 0 and print every line of its report: each figure, and each ratio
with the target bench/README.md gives it (read from that file's tables, so the README and the
scripts cannot drift apart). This is a report, not a timed test: quick figures are too noisy to
hold to a target, so a ratio may say "OVER TARGET" or "MISSED" and still pass here; what fails is
a crash, a missing line, a target the README does not give, a front end whose output differs
from the reference's, or a fuzz input that crashes the parser.

`bench_plugins.py` builds two plugins with componentize-py (about 5-25 s each), so it is `slow`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
README = (BENCH / "README.md").read_text(encoding="utf-8")

NUMBER = r"\d+(?:\.\d+)?"
TIME = rf"{NUMBER} (?:ms|µs)"
RATIO = rf"{NUMBER}x"


def quick(script: str, tmp_path: Path, timeout: int, *more: str) -> list[str]:
    """Run `bench/SCRIPT --quick [MORE...]`; its stdout lines (the run must exit 0)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *more],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{script} --quick exited {done.returncode}:\n{done.stdout}\n" + (
        done.stderr[-5000:]
    )
    return done.stdout.splitlines()


def has_line(lines: list[str], pattern: str) -> str:
    """The one line that matches `pattern` in full (a regex)."""
    found = [line for line in lines if re.fullmatch(pattern, line)]
    assert len(found) == 1, f"{len(found)} lines match {pattern!r} in:\n" + "\n".join(lines)
    return found[0]


def readme_row(first_cell: str) -> list[str]:
    """The cells of bench/README.md's table row that starts `| first_cell |`."""
    rows = [r for r in README.splitlines() if r.startswith(f"| {first_cell} |")]
    assert len(rows) == 1, f"bench/README.md has {len(rows)} rows for {first_cell!r}"
    return [cell.strip() for cell in rows[0].strip().strip("|").split("|")]


def ratio_in(cell: str, prefix: str = "") -> float:
    """`≤ 0.35x` -> 0.35 (with `prefix` "≤ "), `10x` -> 10."""
    match = re.fullmatch(rf"{prefix}(\d+(?:\.\d+)?)x", cell)
    assert match, f"bench/README.md: {cell!r} is not a ratio `{prefix}Nx`"
    return float(match.group(1))


def test_bench_front_end(tmp_path: Path) -> None:
    # This tree as its own baseline: the option runs, without a second checkout.
    lines = quick("bench_front_end.py", tmp_path, 300, "--baseline", str(REPO))
    has_line(lines, r"quick profile: a smoke run; the figures are not measurements")
    has_line(lines, rf"baseline 1: python -m witgen from {re.escape(str(REPO))}")
    has_line(lines, r"\(a\) json on a ~128 KiB package, vs native wasm-tools")
    has_line(lines, r"\(b\) check on a two-line file, vs the wasm-tools launcher \(whole process\)")
    for who in ("witgen", "reference", "baseline 1"):
        medians = [ln for ln in lines if re.fullmatch(rf"  {who} +median +{TIME} .*MiB", ln)]
        assert len(medians) == 2, lines
    baselines = [ln for ln in lines if re.fullmatch(rf"  baseline 1: ratio {RATIO} .*", ln)]
    assert len(baselines) == 2, lines
    targets = []
    for row in ("(a)", "(b)"):
        target = ratio_in(readme_row(row)[3], "≤ ")
        targets.append(target)
        has_line(
            lines,
            rf"  ratio {RATIO} \(CPU time {RATIO}\), target <= {target:g}x:"
            r" (within target|OVER TARGET)",
        )
    has_line(lines, r"  output identical to the reference: yes")
    json_target, check_target = targets
    has_line(
        lines,
        rf"summary: json {RATIO} native \(target <= {json_target:g}x\),"
        rf" check {RATIO} the launcher \(target <= {check_target:g}x\)",
    )


def test_fuzz_front_end(tmp_path: Path) -> None:
    lines = quick("fuzz_front_end.py", tmp_path, timeout=300)
    has_line(
        lines,
        r"inputs 2000  accepted \d+  rejected \d+  crashes 0  \(loader: accepted \d+,"
        rf" rejected \d+\)  {NUMBER}s, \d+ inputs/s",
    )


# bench_host.py's cases, as its report and bench/README.md's table name them.
HOST_CASES = ("u32", "string", "record", "bytes", "host call")


def test_bench_host(tmp_path: Path) -> None:
    lines = quick("bench_host.py", tmp_path, 600, "--baseline", str(REPO))
    has_line(lines, rf"baseline 1: the bindings of {re.escape(str(REPO))}")
    rows = [ln for ln in lines if re.fullmatch(rf"  baseline 1 +{TIME} +{TIME}( +{TIME}){{3}}", ln)]
    assert len(rows) == 2, lines  # the bench component's and the big one's
    has_line(lines, r"quick profile: a smoke run; the figures are not measurements")
    for case in HOST_CASES:
        target = ratio_in(readme_row(case)[2], "≤ ")
        has_line(lines, rf"{case} +{TIME} +{TIME} +{RATIO}  <= {target:.2f}x  (met|MISSED)")
    for limit in ("defaults", r"fuel=10\*\*9"):
        has_line(lines, rf"{limit} +{TIME} -> +{TIME}")
    has_line(lines, rf"bench \(\d+ KiB\) +{TIME} +{TIME} +{TIME} +{TIME} +{TIME}")
    has_line(lines, rf"big, 100 funcs \(\d+ KiB\) +{TIME} +{TIME} +{TIME} +{TIME} +{TIME}")
    has_line(lines, r" +target: cached load of 2000 funcs <= 10 ms, not measured \(--big 100\)")
    check_overhead(lines, ["bench", "big, 100 funcs"])
    for call in ("spin", "spin_host"):
        has_line(lines, rf"{call} +{NUMBER} ms \(target ~100 ms\)")
    has_line(
        lines, r"all call targets met|some call targets MISSED \(a quick run: not a measurement\)"
    )


def check_overhead(lines: list[str], labels: list[str]) -> None:
    """The lines of `bench/loadtime.py`'s report, with the target bench/README.md gives."""
    assert "target < 1.10x" in README
    has_line(
        lines,
        r"The contract check in a cached load\(\) \(fresh processes, medians; target < 1\.10x\)",
    )
    for label in labels:
        ms = rf"{NUMBER} ms"
        has_line(lines, rf"{re.escape(label)} +{ms} +{ms} \( *{RATIO}\) +{ms} \( *{RATIO}\)")


# bench_plugins.py's per-call cases, as its report and bench/README.md name them.
PLUGIN_CASES = (
    "u32",
    "string (10 chars)",
    "string (10 KiB)",
    "record",
    "variant",
    "list of 10 records",
    "result (ok)",
    "result (err)",
    "option (some)",
    "option (none)",
    "resource method",
    "resource borrow",
)


def case_target() -> str:
    """The per-call target bench/README.md gives every case of bench_plugins.py (`≤ 1.10x`)."""
    found = re.search(
        r"Per-call target for every case \(witgen /\s+componentize-py\): (≤ [\d.]+x)\.", README
    )
    assert found, "bench/README.md gives no per-call target for bench_plugins.py's cases"
    return found.group(1)


@pytest.mark.slow
def test_bench_plugins(tmp_path: Path) -> None:
    lines = quick("bench_plugins.py", tmp_path, timeout=900)
    has_line(lines, r"quick profile: a smoke run; the figures are not measurements")
    has_line(lines, r"plugin `hello` \(1 runs; medians\)")
    for row, unit in [
        ("build", "s"),
        ("size", "MB"),
        (r"first load \(compile\)", "s"),
        ("cached load", "ms"),
        (r"run\(\) per call", "us"),
    ]:
        has_line(lines, rf"{row} +{NUMBER}{unit} +{NUMBER}{unit} +{NUMBER}")
    has_line(lines, rf"run\(\) in-process +{NUMBER}us")
    check_overhead(lines, ["hello (witgen build)", "reference"])
    target = ratio_in(case_target(), "≤ ")
    has_line(
        lines,
        rf"Per call, case by case \(world `calls`; 1 rounds of 50 calls, medians; witgen /"
        rf" componentize-py, target <= {target:.2f}x\)",
    )
    for case in PLUGIN_CASES:
        has_line(
            lines,
            rf"{re.escape(case)} +{NUMBER}us +{NUMBER}us +{RATIO}  <= {target:.2f}x  \((met|MISSED)\)",
        )
