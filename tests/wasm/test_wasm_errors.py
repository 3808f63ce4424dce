"""Issue 11, bad binary input: exit status 1 with a clear message naming the file (and, for malformed
bytes, the byte offset), never a traceback.

* every cut of a real component at a section boundary is read like the reference reads it, and
  cuts inside sections are refused by both (a sample of them);
* random byte edits of real components (hypothesis) end in a Resolve (whose JSON prints, and
  whose WIT prints or is a `PrintError`) or a `ComponentError`, nothing else;
* hand-made binaries get the messages written for them (core module, unknown section, long
  LEB128, unsupported start section, an index out of bounds, bad UTF-8, a count larger than the
  section), on the command line too. (A component that is well-formed but has no WIT, a type
  exported twice, is in `test_wasm_differential`'s hand-written components.)
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wasm_inputs as wi  # noqa: E402

from components.builder import build_component  # noqa: E402
from strategies import active_profile  # noqa: E402
from witgen.cli import main  # noqa: E402
from witgen.component.load import ComponentError, decode_component  # noqa: E402
from witgen.resolve.jsonout import to_json  # noqa: E402
from witgen.resolve.printer import PrintError, print_package  # noqa: E402

ADDER = """package docs:adder@0.1.0;
interface add { add: func(x: u32, y: u32) -> u32; }
world adder { export add; }
"""
HEADER = b"\0asm\x0d\x00\x01\x00"


@functools.cache
def component(name: str) -> bytes:
    """Two real components built by the WAT recipe: the adder, and the code generator's resources
    world (resources across interfaces, handles inside records, a nested shim component)."""
    if wi.reference.find_wasm_tools() is None:
        pytest.skip(wi.reference.SKIP_REASON)
    if name == "adder":
        return build_component(ADDER).read_bytes()
    resources = (wi.TESTS / "codegen" / "wit" / "resources.wit").read_text(encoding="utf-8")
    # wasm-tools validates without the accessors feature: leave getters and setters out
    lines = [ln for ln in resources.splitlines() if not re.search(r"\b[gs]et\(", ln)]
    return build_component("\n".join(lines) + "\n").read_bytes()


def section_ranges(data: bytes) -> list[tuple[int, int, int]]:
    """(id, start of the header, end of the body) of each top-level section, as far as the
    bytes (perhaps edited) can be read."""
    out = []
    pos = 8
    while pos < len(data):
        start, sid = pos, data[pos]
        pos += 1
        size = shift = 0
        while pos < len(data) and shift < 35:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        out.append((sid, start, min(pos + size, len(data))))
        pos += size
    return out


def witgen_verdict(data: bytes) -> tuple[bool, str]:
    try:
        return True, to_json(decode_component(data, "cut.wasm").resolve)
    except ComponentError as err:
        return False, str(err)


@pytest.mark.skipif(not wi.reference.available(), reason=wi.reference.SKIP_REASON)
def test_cut_components_like_the_reference(tmp_path: Path) -> None:
    data = component("adder")
    boundaries = {end for _, _, end in section_ranges(data)}
    cuts = sorted(boundaries | set(range(9, len(data), 37)))
    assert len(boundaries) >= 8 and len(cuts) >= 35
    for n in cuts:
        path = tmp_path / f"cut{n}.wasm"
        path.write_bytes(data[:n])
        ref = wi.reference.run(path, features=())
        accepted, ours = witgen_verdict(data[:n])
        assert accepted == ref.accepted, f"cut at {n}: witgen {ours!r}, reference {ref.stderr!r}"
        if accepted:
            assert ours == ref.stdout, f"cut at {n}: different JSON"
            assert n in boundaries
        else:
            assert "cut.wasm: invalid component:" in ours and "(at byte offset " in ours


def _editable(data: bytes) -> list[int]:
    """Positions outside core modules' bodies (which are stepped over, never read)."""
    positions = []
    for sid, start, end in section_ranges(data):
        positions += range(start, start + 6) if sid == 1 else range(start, end)
    return positions


@active_profile()
@given(
    which=st.sampled_from(["adder", "resources"]),
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.sampled_from("sid")),
        min_size=1,
        max_size=4,
    ),
)
def test_edited_components_never_crash(which: str, edits: list[tuple[int, int, str]]) -> None:
    data = bytearray(component(which))
    for where, byte, how in edits:
        positions = _editable(bytes(data)) or [len(data) - 1]
        pos = positions[where % len(positions)]
        if how == "s":
            data[pos] = byte
        elif how == "i":
            data.insert(pos, byte)
        else:
            del data[pos]
    try:
        decoded = decode_component(bytes(data), "edited.wasm")
    except ComponentError as err:
        assert str(err).startswith("edited.wasm")
        return
    to_json(decoded.resolve)
    try:
        print_package(decoded.resolve, decoded.package)
    except PrintError:
        pass  # a Resolve with no WIT spelling: `witgen wit` says so (exit 1)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _section(sid: int, body: bytes) -> bytes:
    return bytes([sid]) + _leb(len(body)) + body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\0asm\x01\x00\x00\x00",
            "bad.wasm is a core module, not a component: witgen reads the interface of a"
            " component (made with `wasm-tools component new`, componentize-py, ...)",
        ),
        (
            b"\0asm\x0c\x00\x01\x00",
            "bad.wasm: invalid component: not a component: unknown binary version or layer"
            " (at byte offset 4)",
        ),
        (HEADER[:6], "bad.wasm: invalid component: unexpected end of the input: no complete"),
        (
            HEADER + b"\x20\x00",
            "bad.wasm: invalid component: unknown section id 32 (at byte offset 8)",
        ),
        (
            HEADER + b"\x07\xff\xff\xff\xff\xff\x01",
            "bad.wasm: invalid component: invalid var_u32: integer representation too long"
            " (at byte offset 9)",
        ),
        (
            HEADER + _section(9, b"\x00\x00\x00"),
            "bad.wasm: invalid component: component start functions (and component values) are"
            " not supported (at byte offset 8)",
        ),
        (  # an import of an instance of type 5, when there is no type at all: the import's offset
            HEADER + _section(10, b"\x01\x00\x01i\x05\x05"),
            "bad.wasm: invalid component: unknown type 5: type index out of bounds (at byte"
            " offset 11)",
        ),
        (  # a record field name that is not UTF-8
            HEADER + _section(7, b"\x01\x72\x01\x01\xff\x79"),
            "bad.wasm: invalid component: malformed UTF-8 encoding (at byte offset 14)",
        ),
        (  # a vector claiming more items than bytes left
            HEADER + _section(7, b"\x7f"),
            "bad.wasm: invalid component: type count 127 is larger than the rest of the section"
            " (at byte offset 10)",
        ),
    ],
    ids=[
        "core-module",
        "version",
        "short-header",
        "section-id",
        "leb",
        "start",
        "index",
        "utf8",
        "count",
    ],
)
def test_messages_for_bad_binaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    path = tmp_path / "bad.wasm"
    path.write_bytes(data)
    for command in (["json"], ["check"], ["wit"]):
        assert main([*command, str(path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: " + message.replace("bad.wasm", str(path))), err
        assert "Traceback" not in err


def test_the_command_line_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "cut.wasm"
    path.write_bytes(HEADER + b"\x01\x05ab")
    done = subprocess.run(
        [sys.executable, "-m", "witgen", "json", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"error: {path}: invalid component: the section (id 1, 5 bytes) runs past the end of"
        " the input (at byte offset 8)\n"
    )
