"""What a file's first bytes say it is: a WebAssembly component, a core module, or neither.

Its own small module (no other imports) because the WIT loader asks it of every file it reads,
and `witgen check` on a `.wit` file must not pay for importing the component decoder.
"""

from __future__ import annotations

WASM_MAGIC = b"\0asm"


def binary_kind(data: bytes) -> str | None:
    """What a WebAssembly binary is ("a component", "a core module", ...), from its preamble
    (`\\0asm`, a 16-bit version, a 16-bit layer); None when `data` is no WebAssembly binary.

    Asked before reading a file as WIT: `\\0asm` is valid UTF-8, so a small binary could
    otherwise reach the WIT lexer and end in a baffling "invalid byte" error."""
    if not data.startswith(WASM_MAGIC):
        return None
    layer = data[6:8]
    if layer == b"\x00\x00":
        return "a core module"
    if layer == b"\x01\x00":
        return "a component"
    return "a WebAssembly binary of an unknown layer"
