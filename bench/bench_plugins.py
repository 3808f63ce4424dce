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

Then what the guest wrappers cost each call, case by case (`plugin_cases.py`: u32, strings,
records, variants, lists of records, results, options, resources): a world exporting one function
per case, the same plugin built by `witgen build` and written on componentize-py's own bindings,
both called through the generated host bindings in paired rounds (which plugin goes first
alternates), medians per call and their ratio (target <= 1.10x). `--baseline DIR` (a witgen
source tree, such as `git archive` of an older commit) adds a plugin built by that witgen, so a
change is measured against it in the same run. `--builds DIR` keeps built plugins there, keyed by
everything the build reads, so a later run rebuilds only what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadtime  # noqa: E402  (bench/loadtime.py, beside this script)
import plugin_cases  # noqa: E402

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


CASE_TARGET = 1.10  # witgen / componentize-py per call, every case


def tree_digest(tree: Path) -> str:
    """What `witgen build` run from the witgen source tree `tree` depends on."""
    digest = hashlib.sha256()
    files = [*(tree / "witgen").rglob("*.py"), *(tree / "templates").rglob("*.j2")]
    for path in sorted(files):
        digest.update(str(path.relative_to(tree)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def kept_build(builds: Path | None, key: str, out: Path, build: Callable[[Path], None]) -> Path:
    """`out`, made by `build(out)`; with a `builds` folder, kept there under `key` and reused."""
    if builds is None:
        build(out)
        return out
    kept = builds / hashlib.sha256(key.encode()).hexdigest()[:24] / "plugin.wasm"
    if not kept.is_file():
        kept.parent.mkdir(parents=True, exist_ok=True)
        build(out)
        os.replace(out, kept)
    return kept


def build_case_plugins(
    work: Path, builds: Path | None, baselines: list[Path], cpy_version: str
) -> dict[str, Path]:
    """The `calls` plugin built by this witgen, by each baseline witgen tree, and written on
    componentize-py's bindings (the reference), by label."""
    src = work / "calls-src"
    src.mkdir()
    wit = src / "calls.wit"
    wit.write_text(plugin_cases.WIT, encoding="utf-8")
    plugin = src / "calls_plugin.py"
    plugin.write_text(plugin_cases.WITGEN_PLUGIN, encoding="utf-8")
    ref = work / "calls-ref"
    ref.mkdir()
    for name, text in plugin_cases.REFERENCE_FILES.items():
        (ref / name).write_text(text, encoding="utf-8")

    def witgen_build(tree: Path) -> Callable[[Path], None]:
        # Run from `tree`: `python -m` puts the current folder ahead of PYTHONPATH.
        env = {**os.environ, "PYTHONPATH": str(tree)}
        argv = [sys.executable, "-m", "witgen", "build", str(wit), str(plugin)]
        return lambda out: (
            None
            if run([*argv, "-o", str(out), "--no-precompile"], env=env, cwd=str(tree))
            else None
        )

    def reference_build(out: Path) -> None:
        script = REFERENCE_BUILD.replace('"plugin"', '"calls"').replace('"ref_app"', '"ref_calls"')
        run([sys.executable, "-c", script, str(wit), str(ref), str(out)])

    common = f"{cpy_version}\0{plugin_cases.WIT}\0"
    out = {}
    for i, tree in enumerate([REPO, *baselines]):
        label = "witgen" if i == 0 else f"baseline {i}" if len(baselines) > 1 else "baseline"
        key = f"witgen\0{common}{plugin_cases.WITGEN_PLUGIN}\0{tree_digest(tree)}"
        out[label] = kept_build(builds, key, work / f"calls-{i}.wasm", witgen_build(tree))
    key = f"reference\0{common}{REFERENCE_BUILD}\0" + repr(
        sorted(plugin_cases.REFERENCE_FILES.items())
    )
    out["componentize-py"] = kept_build(builds, key, work / "calls-ref.wasm", reference_build)
    return out


def case_latencies(
    plugins: dict[str, object], calls_pkg: object, rounds: int, calls: int
) -> dict[str, dict[str, float]]:
    """Median time per call of each case on each plugin (case -> label -> seconds), over paired
    rounds: in each round every plugin runs a batch of `calls` calls, the order rotating. The
    time is this thread's CPU time (the component runs in the calling thread), so that other
    processes on a shared machine count for less than in wall-clock time."""
    tables = {label: plugin_cases.cases(calls_pkg, p) for label, p in plugins.items()}
    labels = list(plugins)
    times: dict[str, dict[str, list[float]]] = {}
    for case in tables[labels[0]]:
        times[case] = {label: [] for label in labels}
        for r in range(rounds):
            order = labels[r % len(labels) :] + labels[: r % len(labels)]
            for label in order:
                call = tables[label][case]
                start = time.thread_time()
                for _ in range(calls):
                    call()
                times[case][label].append((time.thread_time() - start) / calls)
    return {
        case: {label: statistics.median(ts) for label, ts in per.items()}
        for case, per in times.items()
    }


def report_cases(medians: dict[str, dict[str, float]], rounds: int, calls: int) -> None:
    labels = [label for label in next(iter(medians.values())) if label != "componentize-py"]
    print(
        f"\nPer call, case by case (world `calls`; {rounds} rounds of {calls} calls, medians;"
        f" witgen / componentize-py, target <= {CASE_TARGET:.2f}x)"
    )
    head = f"{'case':22}{'componentize-py':>16}"
    for label in labels:
        head += f"{label:>14}{'ratio':>8}"
    print(head)
    for case, per in medians.items():
        ref = per["componentize-py"]
        line = f"{case:22}{ref * 1e6:>14.1f}us"
        for label in labels:
            line += f"{per[label] * 1e6:>12.1f}us{per[label] / ref:>7.2f}x"
        verdict = "met" if per["witgen"] / ref <= CASE_TARGET else "MISSED"
        print(f"{line}  <= {CASE_TARGET:.2f}x  ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="builds and loads (default 3; --quick: 1)")
    parser.add_argument("--calls", type=int, help="calls per batch (default 2000; --quick: 50)")
    parser.add_argument("--quick", action="store_true", help="a smoke run (not a measurement)")
    parser.add_argument(
        "--rounds", type=int, help="paired rounds of the cases (default 7; --quick: 1)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        action="append",
        default=[],
        help="a witgen source tree whose `witgen build` makes another plugin for the cases",
    )
    parser.add_argument("--builds", type=Path, help="keep built plugins in this folder")
    parser.add_argument("--cases-only", action="store_true", help="only the per-call cases")
    args = parser.parse_args()
    args.baseline = [tree.resolve() for tree in args.baseline]
    args.builds = args.builds and args.builds.resolve()
    # `python -m witgen` runs the witgen of the current folder (ahead of PYTHONPATH): this one's.
    os.chdir(REPO)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.calls is None:
        args.calls = 50 if args.quick else 2000
    if args.rounds is None:
        args.rounds = 1 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="bench-plugins-"))
    if args.quick:
        print("quick profile: a smoke run; the figures are not measurements")
    if not args.cases_only:
        hello(args, work)
    cases(args, work)


def cases(args: argparse.Namespace, work: Path) -> None:
    """The per-call cases (see the module's docstring)."""
    plugins = build_case_plugins(work, args.builds, args.baseline, version("componentize-py"))
    wit = work / "calls-src" / "calls.wit"
    run([sys.executable, "-m", "witgen", str(wit), "-o", str(work / "calls-bindings")])
    sys.path.insert(0, str(work / "calls-bindings"))
    import calls  # type: ignore[import-not-found]

    loaded = {}
    for i, (label, wasm) in enumerate(plugins.items()):
        cache = work / f"calls-cache-{i}"
        cache.mkdir(mode=0o700)
        loaded[label] = calls.Calls.load(wasm, cache=cache)
    medians = case_latencies(loaded, calls, args.rounds, args.calls)
    report_cases(medians, args.rounds, args.calls)


def hello(args: argparse.Namespace, work: Path) -> None:
    """The example plugin `hello`, its build, load and `run` (see the module's docstring)."""
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
