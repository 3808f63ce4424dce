"""What generated code needs at run time, and which files carry it (`shipped`).

None of it is imported by witgen: the generators copy these files into every generated package
(`witgen.codegen.host`, `witgen.codegen.guest`), so applications and plugins need only wasmtime
(host) or nothing but the standard library (guest) at run time.
"""

from __future__ import annotations

from pathlib import Path

RUNTIME = Path(__file__).resolve().parent

# The one manifest of shipped run-time files: for each kind of generated package, its files (a
# path inside the package) and where their text comes from (a path below `witgen/runtime/`; a
# folder stands for each of its `.py` files).
SHIPPED: dict[str, tuple[tuple[str, str], ...]] = {
    "host": (("_rt/", "host/"), ("_values.py", "_values.py")),
    "guest": (("_rt/", "guest/"), ("_values.py", "_values.py")),
}


def shipped(kind: str) -> dict[str, Path]:
    """The run-time files a package of `kind` ("host", "guest") carries: its path -> the source."""
    out: dict[str, Path] = {}
    for target, source in SHIPPED[kind]:
        if target.endswith("/"):
            for path in sorted((RUNTIME / source).glob("*.py")):
                out[target + path.name] = path
        else:
            out[target] = RUNTIME / source
    return out
