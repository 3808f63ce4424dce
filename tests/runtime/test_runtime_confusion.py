"""No component can confuse the host bindings: type-confusion pairs, each loaded in a child process.

From random worlds A, worlds B = A with one change (`confusion.MUTATIONS`); a REAL component of A
is loaded with B's bindings. Every pair must end in a clean `ComponentError` at load, or, where the
model says every function has the same type in both (`confusion.same_contract`: a type renamed,
an unused type changed, no change), load and return what it was sent: never a crash, a hang, a
wrong value or another exception. The quick profile (CI) runs a few hundred pairs;
`WITGEN_CONFUSION_PAIRS=3000` (about as many pairs) and `WITGEN_CONFUSION_SEED` run more by hand,
and print the counts.
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Callable

import confusion
from codegen.support import generate
from witgen.codegen.writer import write_package

MUTANTS = 8  # B's per A


def test_type_confusion_pairs(component_builder: Callable[..., Path], tmp_path: Path) -> None:
    wanted = int(os.environ.get("WITGEN_CONFUSION_PAIRS", "240"))
    seed = int(os.environ.get("WITGEN_CONFUSION_SEED", "1"))

    def generate_into(wit: str, out: Path) -> str:
        package = generate(wit, out / "_src")
        write_package(package, out)
        return package.name

    packages = tmp_path / "packages"
    pairs = confusion.make_pairs(
        seed, -(-wanted // MUTANTS), MUTANTS, packages, component_builder, generate_into
    )
    results = confusion.run_pairs(pairs, packages)

    outcomes: collections.Counter[str] = collections.Counter()
    by_mutation: collections.Counter[tuple[str, str]] = collections.Counter()
    bad = []
    for pair, result in zip(pairs, results):
        outcome = result["outcome"]
        outcomes[outcome] += 1
        by_mutation[(pair.mutation, outcome)] += 1
        expected = "refused" if pair.expect == "refuse" else "worked"
        if outcome != expected:
            bad.append(
                f"{pair.mutation}: expected {expected}, got {outcome}: {result['detail']}"
                f"\n--- A ---\n{pair.wit_a}\n--- B ---\n{pair.wit_b}"
            )
    print(f"\n{len(pairs)} pairs (seed {seed}): {dict(outcomes)}")
    for (mutation, outcome), count in sorted(by_mutation.items()):
        print(f"  {mutation:<28} {outcome:<8} {count}")
    assert not bad, f"{len(bad)} of {len(pairs)} pairs went wrong; the first:\n{bad[0]}"
    # Both kinds of pair are exercised, with most mutations.
    assert outcomes["refused"] > len(pairs) // 2 and outcomes["worked"] >= MUTANTS // 2
    assert len({m for m, _ in by_mutation}) >= len(confusion.MUTATIONS) - 2
