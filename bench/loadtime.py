"""What the contract check costs `load` (shared by `bench_host.py` and `bench_plugins.py`).

`load` compares a component's types with the world's before it runs (issue 9) and keeps the
verdict beside the compiled component in the cache. This times cached loads in fresh processes,
in three ways, interleaved round by round so load from other work spreads evenly:

* `checked`: as users get it, the verdict found in the cache;
* `no verdict`: the verdict files deleted before each load, so the check runs every time;
* `unchecked`: the check replaced by a no-op: what `load` cost before the check existed.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPT = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
mode, cache = sys.argv[4], Path(sys.argv[3])
import {pkg}
{host}
if mode == "unchecked":
    {pkg}._rt.loading._check_loaded = lambda *args: None
    {pkg}._rt.calls.check_component = lambda *args: None
if mode == "no verdict":
    for verdict in cache.glob("*.kept"):
        verdict.unlink()
start = time.perf_counter()
{pkg}.{cls}.load(sys.argv[2], Host(), cache=cache)
print(json.dumps(time.perf_counter() - start))
"""

MODES = ("checked", "no verdict", "unchecked")


def check_overhead(
    packages: Path,
    pkg: str,
    cls: str,
    host: str,
    component: Path,
    rounds: int,
    cache: Path | None = None,
) -> dict[str, float]:
    """Median cached `load` time per mode (seconds); `host` is code defining `Host`. `cache`: a
    compiled-component cache folder to use (one that already holds `component` saves a compile);
    by default a new one."""
    if cache is None:
        cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
        cache.chmod(0o700)
    script = SCRIPT.format(pkg=pkg, cls=cls, host=host)

    def once(mode: str) -> float:
        done = subprocess.run(
            [sys.executable, "-c", script, str(packages), str(component), str(cache), mode],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"load failed ({mode}):\n{done.stderr}")
        value: float = json.loads(done.stdout)
        return value

    once("checked")  # compiles into the cache (unless there already) and writes the verdict
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for i in range(rounds):
        for mode in MODES[i % 3 :] + MODES[: i % 3]:
            times[mode].append(once(mode))
        once("checked")  # the verdict back for the next round
    return {mode: statistics.median(values) for mode, values in times.items()}


def report(label: str, medians: dict[str, float]) -> str:
    base = medians["unchecked"]
    return (
        f"{label:<34} {medians['unchecked'] * 1e3:8.1f} ms"
        f" {medians['checked'] * 1e3:8.1f} ms ({medians['checked'] / base:4.2f}x)"
        f" {medians['no verdict'] * 1e3:8.1f} ms ({medians['no verdict'] / base:4.2f}x)"
    )


HEADER = (
    f"{'component':<34} {'unchecked':>11} {'checked, verdict cached':>24}"
    f" {'checked, no verdict':>20}"
)
