"""Plugins built by `witgen build` inside the test run, cached by content.

`build_plugin(wit, module)` runs `python -m witgen build WIT MODULE -o OUT --no-precompile` as a
user would (with `options` such as `--stub-wasi` added; `--no-precompile`, as the tests load with
caches of their own, never the user's) and returns the component. A build takes 5-9 s and ~400 MB (componentize-py), so the component is kept
at `<tempdir>/witgen-test-guests/witgen-build/<key>/plugin.wasm`, key = sha256 of everything the
build reads: the WIT text, the module's source, the world, the options, componentize-py's version and witgen's
own sources that shape the component (guest generator and templates, runtime glue, build driver).
A changed witgen therefore rebuilds; concurrent builders publish with `os.replace`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RECIPE_VERSION = 1  # bump when the build below changes what it produces

# witgen's files that decide what `witgen build` produces.
WITGEN_INPUTS = sorted(
    [
        *(REPO / "witgen" / "codegen").glob("*.py"),
        *(REPO / "templates" / "guest").glob("*.j2"),
        *(REPO / "witgen" / "runtime" / "guest").glob("*.py"),
        REPO / "witgen" / "runtime" / "_values.py",
        REPO / "witgen" / "runtime" / "componentize_glue.py",
        *(REPO / "witgen" / "build").glob("*.py"),
    ]
)


def cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "witgen-test-guests" / "witgen-build"


def componentize_py_version() -> str:
    try:
        return importlib.metadata.version("componentize-py")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("componentize-py is not installed: pip install 'witgen[guest]' (test extra)")


def build_key(wit: Path, module: Path, world: str | None, options: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256()
    parts = [f"recipe {RECIPE_VERSION}", componentize_py_version(), world or "", *options]
    for part in parts:
        digest.update(part.encode() + b"\0")
    wit_files = sorted(wit.rglob("*.wit")) if wit.is_dir() else [wit]
    for path in [*wit_files, module, *WITGEN_INPUTS]:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_plugin(
    wit: Path, module: Path, world: str | None = None, options: tuple[str, ...] = ()
) -> Path:
    """The component `witgen build` makes of plugin `module` for `wit` (from the cache when the
    same inputs were built before). A failed build fails the test with witgen's output."""
    key = build_key(wit, module, world, options)
    entry = cache_dir() / key
    final = entry / "plugin.wasm"
    if final.is_file():
        return final
    entry.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=entry))
    out = work / "plugin.wasm"
    command = [sys.executable, "-m", "witgen", "build", str(wit), str(module), "-o", str(out)]
    command += ["--no-precompile", *options]
    if world is not None:
        command += ["--world", world]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0 or not out.is_file():
        pytest.fail(
            f"`witgen build` failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr[-5000:]}"
        )
    os.replace(out, final)
    shutil.rmtree(work, ignore_errors=True)
    return final


def compiled_cache_dir() -> Path:
    """`load`'s compiled-component cache for the tests' guests, kept across sessions like them."""
    return Path(tempfile.gettempdir()) / "witgen-test-guests" / "compiled"


class LogLines:
    """The host's side of the plugin world's interface `host`: keeps each line the plugin logs."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, param: str) -> None:
        self.lines.append(param)


class PluginHost:
    """A host object for the plugin world (`wit/plugin.wit`): `host.host.lines` is the log."""

    def __init__(self) -> None:
        self.host = LogLines()
