"""Long fuzz of the front end, run by hand: many random inputs through the parser (and, for some,
the loader), in-process, counting what happens.

    python bench/fuzz_front_end.py                      # 100,000 inputs, seed 0
    python bench/fuzz_front_end.py -n 500000 --seed 7 --loader-every 50 --save /tmp/crashes
    python bench/fuzz_front_end.py --quick              # 2,000 inputs: a smoke run (the tests')

Each input comes from `tests/strategies.py::fuzz_text` driven by a seeded `random.Random`, so a run
is reproducible from its seed and the input index it prints. An input passes when the parser
returns or raises `WitError`; any other exception (or exceeding `--timeout` seconds) is a crash.
Prints the counts (inputs, accepted, rejected, crashes) and exits 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from strategies import fuzz_text  # noqa: E402
from witgen.errors import WitError  # noqa: E402
from witgen.resolve.loader import load  # noqa: E402
from witgen.syntax.parser import parse_source  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", "--inputs", type=int, help="default 100,000; with --quick, 2,000")
    ap.add_argument("--quick", action="store_true", help="a smoke run of 2,000 inputs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-depth", type=int, default=5000, help="deepest nesting to generate")
    ap.add_argument(
        "--loader-every",
        type=int,
        default=20,
        help="also load every Nth input from a file (0: never)",
    )
    ap.add_argument(
        "--timeout", type=int, default=10, help="seconds before one input counts as a hang"
    )
    ap.add_argument("--save", type=Path, help="write each crashing input to this folder")
    ap.add_argument("--show", type=int, default=5, help="tracebacks to print")
    args = ap.parse_args()
    if args.inputs is None:
        args.inputs = 2_000 if args.quick else 100_000

    rng = random.Random(args.seed)
    counts = collections.Counter[str]()
    kinds = collections.Counter[str]()
    shown = 0
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.wit"
        for i in range(args.inputs):
            text = fuzz_text(rng, max_depth=args.max_depth)
            stages: list[tuple[str, Callable[[], object]]] = [
                ("parse", lambda: parse_source(text, 0))  # noqa: B023 (run in this iteration)
            ]
            if args.loader_every and i % args.loader_every == 0:
                path.write_text(text, encoding="utf-8", newline="")
                stages.append(("load", lambda: load(str(path), features=("active",))))
            for stage, call in stages:
                if use_alarm:
                    signal.alarm(args.timeout)
                try:
                    call()
                    counts[f"{stage} accepted"] += 1
                except WitError:
                    counts[f"{stage} rejected"] += 1
                except Exception as e:  # the point: anything else is a bug  # noqa: BLE001
                    counts["crashes"] += 1
                    kind = "hang" if isinstance(e, Hang) else type(e).__name__
                    kinds[f"{stage}: {kind}"] += 1
                    if shown < args.show:
                        shown += 1
                        print(
                            f"--- crash #{shown}: input {i} (seed {args.seed}), {stage}, {kind}: {text[:200]!r}"
                        )
                        traceback.print_exc(limit=-4)
                    if args.save:
                        (args.save / f"{args.seed}-{i}-{stage}.wit").write_text(
                            text, encoding="utf-8", newline=""
                        )
                finally:
                    if use_alarm:
                        signal.alarm(0)
            if (i + 1) % 10_000 == 0:
                print(
                    f"{i + 1} inputs, {counts['crashes']} crashes, {time.perf_counter() - start:.0f}s",
                    file=sys.stderr,
                )

    elapsed = time.perf_counter() - start
    print(
        f"inputs {args.inputs}  accepted {counts['parse accepted']}  rejected {counts['parse rejected']}  "
        f"crashes {counts['crashes']}  (loader: accepted {counts['load accepted']}, "
        f"rejected {counts['load rejected']})  {elapsed:.1f}s, {args.inputs / elapsed:.0f} inputs/s"
    )
    for kind, n in kinds.most_common():
        print(f"  {n:7d}  {kind}")
    return 1 if counts["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
