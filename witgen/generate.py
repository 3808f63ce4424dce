"""One generation job, from start to disk: what the command line and the build hook both run.

In: a `config.Entry` (WIT path, world, host or guest, output folder, features). Out: the
`writer.Changes` of writing the package, or of checking it (`check=True` writes nothing). The
warnings of generation (features these bindings cannot carry) go to `warn`.
"""

from __future__ import annotations

from collections.abc import Callable

from witgen.codegen import CodegenError
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import GeneratedPackage, generate_host, pick_world
from witgen.codegen.writer import Changes, check_package, write_package
from witgen.config import Entry
from witgen.resolve.loader import load


def generate(entry: Entry) -> GeneratedPackage:
    resolve = load(entry.wit, features=entry.features, all_features=entry.all_features)
    try:
        world = pick_world(resolve, entry.world)
    except CodegenError as err:
        if entry.where == Entry.where:  # the command line: its message names --world
            raise
        # A `[tool.witgen]` entry chooses its world with the `world` key.
        message = str(err).replace("choose one with --world", "choose one with `world = ...`")
        raise CodegenError(f"{entry.where}: {message}") from None
    return (generate_guest if entry.kind == "guest" else generate_host)(resolve, world)


def run(entry: Entry, *, check: bool = False, warn: Callable[[str], None] | None = None) -> Changes:
    package = generate(entry)
    if warn is not None:
        for warning in package.warnings:
            warn(warning)
    return check_package(package, entry.out) if check else write_package(package, entry.out)
