"""One generation job, from start to disk: what the command line and the build hook both run.

In: a `config.Entry` (WIT path, world, host or guest, output folder, features). Out: the
`writer.Changes` of writing the package, or of checking it (`check=True` writes nothing). The
warnings of generation (features these bindings cannot carry) go to `warn`.
"""

from __future__ import annotations

from collections.abc import Callable

from witgen.codegen import naming
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import GeneratedPackage, generate_host
from witgen.codegen.writer import Changes, check_package, write_package
from witgen.config import Entry
from witgen.resolve import model as m
from witgen.resolve.loader import is_wasm_file, load_package
from witgen.resolve.select_world import WorldSelectionError, select_world

COMPONENT_PACKAGE = m.PackageName("root", "component")


def load_world(entry: Entry) -> tuple[m.Resolve, m.WorldId]:
    """The entry's WIT resolved, and the world it names (`select_world`, as wasm-tools picks it).

    When no world is named and the main package has several, the message says how to name one
    where this entry is written: `--world` on the command line, `world = ...` in `[tool.witgen]`.
    """
    resolve, main = load_package(
        entry.wit, features=entry.features, all_features=entry.all_features
    )
    try:
        return resolve, select_world(resolve, main, entry.world)
    except WorldSelectionError as err:
        command_line = entry.where == Entry.where
        message = err.message
        if err.unnamed:
            message += "\nchoose one with " + ("--world" if command_line else "`world = ...`")
        if not command_line:
            message = f"{entry.where}: {message}"
        raise WorldSelectionError(message, unnamed=err.unnamed) from None


def generate(entry: Entry) -> GeneratedPackage:
    resolve, world = load_world(entry)
    name = naming.bindings_name(resolve.worlds[world].name, _component_file(entry, resolve, world))
    return (generate_guest if entry.kind == "guest" else generate_host)(resolve, world, name)


def _component_file(entry: Entry, resolve: m.Resolve, world: int) -> str | None:
    """The entry's path when the world is a component's interface: the world `root` of the
    package `root:component` that decoding a `.wasm` component makes (`witgen.component`)."""
    package = resolve.worlds[world].package
    if package is None or resolve.packages[package].name != COMPONENT_PACKAGE:
        return None
    return str(entry.wit) if is_wasm_file(entry.wit) else None


def run(entry: Entry, *, check: bool = False, warn: Callable[[str], None] | None = None) -> Changes:
    package = generate(entry)
    if warn is not None:
        for warning in package.warnings:
            warn(warning)
    return check_package(package, entry.out) if check else write_package(package, entry.out)
