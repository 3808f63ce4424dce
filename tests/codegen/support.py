"""Test support: generate a host package from WIT text and import it.

Used by `tests/codegen` and `tests/runtime` (pytest puts `tests/` on `sys.path`, so this imports as
`codegen.support`). Packages are generated through the same functions the CLI uses
(`generate_host`, `write_package`); each test session writes them under its own temp folder.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
from pathlib import Path
from types import ModuleType

from witgen.codegen.host import GeneratedPackage, generate_host
from witgen.codegen.writer import write_package
from witgen.resolve.loader import load_package
from witgen.resolve.model import Resolve
from witgen.resolve.select_world import select_world

WIT_DIR = Path(__file__).parent / "wit"
REPO = Path(__file__).resolve().parents[2]


def load_world(path: Path, world: str | None = None) -> tuple[Resolve, int]:
    """The resolved WIT at `path` and the id of its world `world` (as the command line picks it)."""
    resolve, main = load_package(path)
    return resolve, select_world(resolve, main, world)


def generate(wit: str | Path, out: Path, world: str | None = None) -> GeneratedPackage:
    """Generate the package for `world` of `wit` (WIT text, or the path of a .wit file/folder)."""
    if isinstance(wit, str):
        out.mkdir(parents=True, exist_ok=True)
        source = out / "input.wit"
        source.write_text(wit, encoding="utf-8")
        wit = source
    resolve, main = load_package(wit)
    return generate_host(resolve, select_world(resolve, main, world))


def generate_and_import(wit: str | Path, out: Path, world: str | None = None) -> ModuleType:
    """Generate into `out`, put `out` on `sys.path` and import the package (fresh each time)."""
    package = generate(wit, out / "_src", world)
    write_package(package, out)
    if str(out) in sys.path:
        sys.path.remove(str(out))
    sys.path.insert(0, str(out))  # first, so an earlier package of the same name cannot shadow it
    for name in [n for n in sys.modules if n == package.name or n.startswith(package.name + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    return importlib.import_module(package.name)


NO_WASI = (
    "no installed PyPI package ships the WASI 0.2 WIT files (a `deps/` folder holding"
    " `cli@0.2.N/` and `http@0.2.N/`); `pip install spin-sdk` (in the test extra) provides them"
)


def find_wasi_deps() -> Path | None:
    """A `deps/` folder of WASI WIT shipped inside an installed distribution (spin-sdk ships
    `spin_sdk/wit/deps/{cli,http,io,...}@0.2.N/`; componentize-py's and wasmtime's wheels carry
    WASI only compiled into their binaries, as no `.wit` file)."""
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        for file in dist.files or ():
            parts = file.parts
            if (
                file.name == "proxy.wit"
                and len(parts) >= 3
                and parts[-3] == "deps"
                and parts[-2].startswith("http@0.2.")
            ):
                deps = Path(str(file.locate())).parent.parent
                if any(deps.glob("cli@0.2.*/command.wit")):
                    return deps
    return None
