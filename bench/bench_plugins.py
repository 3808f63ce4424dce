#!/usr/bin/env python3
"""Plugin benchmark: the example plugins built by `witgen build`, against the same plugin built by
componentize-py directly with its own bindings (the reference), in the same run.

Run by hand: `python bench/bench_plugins.py [--runs N] [--calls N] [--quick]`. `--quick` is a
smoke run of the same report (one build of each plugin, 1 run, 50 calls), which the test suite
runs so the script cannot rot; its figures are not measurements.

For `examples/plugins/hello.py` (world `plugin`) and the reference guest (the same `run`, written
against componentize-py's `wit_world` bindings, with the call-by-index workaround the inline
`host` interface needs in componentize-py 0.25.1), it reports:
* build time (`witgen build` / componentize-py's Python API in a child process), size;
* first load (compiling into an empty cache folder) and cached load, each in a fresh process;
* `run` latency: median of N calls through the generated host bindings, and the same plugin run
  in-process (`Plugin.from_python`);
* what the contract check costs a cached load (`loadtime.py`): with its verdict cached, without
  it, and with the check left out (as before it existed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadtime  # noqa: E402  (bench/loadtime.py, beside this script)

WIT = REPO / "wit" / "plugin.wit"
HELLO = REPO / "examples" / "plugins" / "hello.py"

REFERENCE_APP = """
import componentize_py_runtime
import wit_world


class WitWorld(wit_world.WitWorld):
    def run(self, param: str) -> str:
        componentize_py_runtime.call_import(0, [f"got {param}"])
        return f"Hello, {param}"
"""

# componentize-py's Python API, as `witgen build` calls it (its command line would also merge in the
# worlds of installed packages that ship a `componentize-py.toml`, spin-sdk's for one).
REFERENCE_BUILD = """
import sys, componentize_py
componentize_py.componentize(
    wit_path=[sys.argv[1]], worlds=["plugin"], features=[], all_features=False, world_module=None,
    python_path=[sys.argv[2]], module_worlds=[], app_name="ref_app", output_path=sys.argv[3],
    stub_wasi=False, import_interface_names=[], export_interface_names=[], full_names=False,
    intersect_world=None,
)
"""

LOAD_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
from plugin import Plugin
class Host:
    class host:
        @staticmethod
        def log(param): pass
t1 = time.perf_counter()
p = Plugin.load(sys.argv[2], Host(), cache=sys.argv[3])
t2 = time.perf_counter()
p.run("x")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_run": t3 - t2}))
"""


def run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return done  # type: ignore[no-any-return]


def timed(argv: list[str], **kw: object) -> float:
    start = time.perf_counter()
    run(argv, **kw)
    return time.perf_counter() - start


def load_times(bindings: Path, wasm: Path, runs: int, cache: Path) -> tuple[float, float]:
    """(first load into the empty cache folder `cache`, median cached load), each in a fresh
    process. `cache` then holds the compiled component, for the measurements after this one."""
    script = [sys.executable, "-c", LOAD_SCRIPT, str(bindings), str(wasm), str(cache)]
    first = json.loads(run(script).stdout)["load"]
    cached = [json.loads(run(script).stdout)["load"] for _ in range(runs)]
    return first, statistics.median(cached)


def call_latency(plugin: object, calls: int) -> float:
    call = plugin.run  # type: ignore[attr-defined]
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            call("world")
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="builds and loads (default 3; --quick: 1)")
    parser.add_argument("--calls", type=int, help="calls per batch (default 2000; --quick: 50)")
    parser.add_argument("--quick", action="store_true", help="a smoke run (not a measurement)")
    args = parser.parse_args()
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.calls is None:
        args.calls = 50 if args.quick else 2000
    work = Path(tempfile.mkdtemp(prefix="bench-plugins-"))
    witgen = [sys.executable, "-m", "witgen"]
    run([*witgen, str(WIT), "-o", str(work / "bindings")])
    run([*witgen, str(WIT), "--guest", "-o", str(work / "guest")])

    ref_src = work / "ref"
    ref_src.mkdir()
    (ref_src / "ref_app.py").write_text(REFERENCE_APP, encoding="utf-8")
    builds: dict[str, list[float]] = {"witgen build": [], "componentize-py": []}
    for _ in range(args.runs):
        builds["witgen build"].append(
            timed([*witgen, "build", str(WIT), str(HELLO), "-o", str(work / "hello.wasm")])
        )
        builds["componentize-py"].append(
            timed(
                [
                    sys.executable,
                    "-c",
                    REFERENCE_BUILD,
                    str(WIT),
                    str(ref_src),
                    str(work / "ref.wasm"),
                ]
            )
        )
    wasms = {"witgen build": work / "hello.wasm", "componentize-py": work / "ref.wasm"}
    sizes = {label: wasm.stat().st_size for label, wasm in wasms.items()}
    # One compiled-component cache per plugin, filled by its first load: every later load of it
    # (latency, the contract check) finds it compiled. Compiling 18 MB takes seconds.
    caches = {label: work / f"cache-{i}" for i, label in enumerate(wasms)}
    for cache in caches.values():
        cache.mkdir(mode=0o700)
    loads = {
        label: load_times(work / "bindings", wasm, args.runs, caches[label])
        for label, wasm in wasms.items()
    }

    sys.path[:0] = [str(work / "bindings"), str(work / "guest"), str(HELLO.parent)]
    from plugin import Plugin  # type: ignore[import-not-found]

    class Host:
        class host:  # noqa: N801 - the WIT interface's name
            @staticmethod
            def log(param: str) -> None:
                pass

    latency = {
        label: call_latency(Plugin.load(wasm, Host(), cache=caches[label]), args.calls)
        for label, wasm in wasms.items()
    }
    import hello  # type: ignore[import-not-found]

    in_process = call_latency(Plugin.from_python(hello, Host()), args.calls)

    if args.quick:
        print("quick profile: a smoke run; the figures are not measurements")
    print(f"plugin `hello` ({args.runs} runs; medians)")
    print(f"{'':24}{'witgen build':>16}{'componentize-py':>18}{'ratio':>8}")
    w, r = statistics.median(builds["witgen build"]), statistics.median(builds["componentize-py"])
    print(f"{'build':24}{w:>15.2f}s{r:>17.2f}s{w / r:>8.2f}")
    w, r = sizes["witgen build"] / 1e6, sizes["componentize-py"] / 1e6
    print(f"{'size':24}{w:>14.2f}MB{r:>16.2f}MB{w / r:>8.3f}")
    w, r = loads["witgen build"][0], loads["componentize-py"][0]
    print(f"{'first load (compile)':24}{w:>15.2f}s{r:>17.2f}s{w / r:>8.2f}")
    w, r = loads["witgen build"][1] * 1e3, loads["componentize-py"][1] * 1e3
    print(f"{'cached load':24}{w:>14.1f}ms{r:>16.1f}ms{w / r:>8.2f}")
    w, r = latency["witgen build"] * 1e6, latency["componentize-py"] * 1e6
    print(f"{'run() per call':24}{w:>14.1f}us{r:>16.1f}us{w / r:>8.2f}")
    print(f"{'run() in-process':24}{in_process * 1e6:>14.1f}us")
    print(f"builds: witgen {builds['witgen build']}, reference {builds['componentize-py']}")

    host = "class Host:\n    class host:\n        @staticmethod\n        def log(param): pass"
    print("\nThe contract check in a cached load() (fresh processes, medians; target < 1.10x)")
    print(loadtime.HEADER)
    rounds = 1 if args.quick else max(3, args.runs)
    for label, built in [
        ("hello (witgen build)", "witgen build"),
        ("reference", "componentize-py"),
    ]:
        medians = loadtime.check_overhead(
            work / "bindings", "plugin", "Plugin", host, wasms[built], rounds, caches[built]
        )
        print(loadtime.report(label, medians))


if __name__ == "__main__":
    main()
