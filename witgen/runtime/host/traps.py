"""What a failed call says: trap messages, and the end of a component's stderr they may quote."""

from __future__ import annotations

import ctypes
import os
import re
from typing import TYPE_CHECKING, Any, Optional

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)

from .callbacks import _finalizer, _register, c_callback
from .errors import DeadlineExceeded, OutOfFuel, WasmTrap

if TYPE_CHECKING:
    from .limits import Limits

# --------------------------------------------------------------------------------------------
# What a trap says


_TRAP_INTERRUPT = "wasm trap: interrupt"  # wasmtime's, past an epoch deadline
_TRAP_FUEL = "all fuel consumed"


class StderrTail:
    """The end of what a component wrote to its stderr (which also goes on to the host's): read
    when a call traps, for the exception a Python plugin's traceback names."""

    __slots__ = ("data",)

    SIZE = 8192

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data = (self.data + data)[-self.SIZE :]

    def uncaught(self) -> Optional[str]:
        """`RuntimeError: boom` when the output ends with a Python traceback, as componentize-py
        prints one for an exception that escapes the plugin (followed by the lines of the Rust
        panic that traps)."""
        text = self.data.decode("utf-8", "replace")
        start = text.rfind("Traceback (most recent call last):")
        if start < 0:
            return None
        lines = text[start:].splitlines()[1:]
        for i, line in enumerate(lines):
            if line.strip() and not line.startswith((" ", "\t")):
                rest = [r for r in lines[i + 1 :] if r.strip() and not r.startswith(_PANIC_LINES)]
                return None if rest else line.strip()
        return None


# What componentize-py's runtime prints after the traceback of an exception it did not expect.
_PANIC_LINES = ("thread '", "Python function threw", "note: run with", " ", "\t")


_STDERR: dict[int, StderrTail] = {}  # the `data` of `_stderr_entry` -> where it writes


def _stderr_entry(data: Optional[int], ptr: Any, size: int) -> int:
    # A SIGINT taken here stays deferred for `_epoch_reached` (a write cannot end the call).
    try:
        chunk = ctypes.string_at(ptr, size)
        tail = _STDERR.get(data or 0)
        if tail is not None:
            tail.write(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(2, view) :]
        return size
    except BaseException:
        return size  # the host's stderr is closed: the component's output goes nowhere


_STDERR_CALLBACK = c_callback(_b._wasi_config_set_stderr_custom.argtypes[1], _stderr_entry)
_STDERR_FINALIZE = _finalizer(_STDERR)


def capture_stderr(config: wasmtime.WasiConfig, tail: StderrTail) -> None:
    """Send the component's stderr to the host's (file descriptor 2), keeping its end in `tail`."""
    key = _register(_STDERR, tail)
    _b._wasi_config_set_stderr_custom(config.ptr(), _STDERR_CALLBACK, key, _STDERR_FINALIZE)


# Signs that a trap follows a failed allocation: the guests' allocation failure handlers (Rust's
# `handle_alloc_error` and its message, CPython's MemoryError, "out of memory" of C and JS
# runtimes), in wasmtime's message (the backtrace names functions) or the component's stderr.
_OUT_OF_MEMORY = re.compile(
    r"alloc_error|rust_oom|memory allocation of \d+ bytes failed|MemoryError|out of memory"
    r"|\boom\b",
    re.IGNORECASE,
)


# wasmtime's message for a call of an import `define_unknown_imports_as_traps` defined.
_DENIED_IMPORT = re.compile(
    r"unknown import: `(?P<interface>wasi:http/[^#`]*)#(?P<func>[^`]*)` has not been defined"
)


def trap_reason(message: str) -> str:
    """The informative line of wasmtime's error `message`: its `wasm trap: ...` line, else the
    first line of its cause (with the source location wasmtime gives for its own bugs)."""
    lines = [line.strip() for line in message.splitlines()]
    for line in lines:
        if line.startswith("wasm trap:"):
            return line
    if "Caused by:" in lines:
        cause = [line for line in lines[lines.index("Caused by:") + 1 :] if line]
        if cause:
            first = cause[0]
            if len(cause) > 1 and cause[1].startswith("location:"):
                first += f" ({cause[1].removeprefix('location:').strip()})"
            return first
    for line in lines:
        if line and not line.startswith("error while executing"):
            return line
    return "unknown error"


def trap_error(
    label: str, message: str, limits: Optional[Limits], stopped: bool = False
) -> WasmTrap:
    """The exception for a call `label` that failed with wasmtime's error `message`; `stopped`:
    `_epoch_reached` ended it, past its deadline."""
    tail = "; this component instance can no longer be used: load the component again"
    reason = trap_reason(message)
    if stopped or reason == _TRAP_INTERRUPT:
        budget = ""
        if limits is not None and limits.deadline is not None:
            budget = f" of {limits.deadline:g} s"
        return DeadlineExceeded(f"{label} exceeded its deadline{budget}{tail}")
    if _TRAP_FUEL in reason:
        budget = ""
        if limits is not None and limits.fuel is not None:
            budget = f" (fuel={limits.fuel} per call)"
        return OutOfFuel(f"{label} ran out of fuel{budget} ({reason}){tail}")
    denied = _DENIED_IMPORT.match(reason)
    if denied is not None:  # a wasi:http function `Loading.instantiate` linked as a trap
        return WasmTrap(
            f"{label} trapped: the component called {denied['interface']} ({denied['func']}),"
            " which load() does not allow: pass allow_http=True to give it wasmtime's outgoing"
            f" HTTP, which can reach any host{tail}"
        )
    stderr = limits.stderr if limits is not None else None
    uncaught = stderr.uncaught() if stderr is not None else None
    if uncaught is not None and "unreachable" in reason:
        # componentize-py prints the traceback of an exception that escapes the plugin, then
        # traps: the exception is the reason.
        reason = f"{uncaught} (the plugin's uncaught exception; its traceback is on stderr)"
    note = ""
    if limits is not None and limits.memory_limit is not None:
        evidence = message + (stderr.data.decode("utf-8", "replace") if stderr else "")
        if _OUT_OF_MEMORY.search(evidence):
            # wasmtime makes `memory.grow` fail (return -1) past the limit rather than trap;
            # the guest failed to allocate, and that limit is the likely cause.
            note = (
                f" (the store's memory is limited to {limits.memory_limit} bytes by memory_limit;"
                " memory.grow beyond it fails, and the component failed to allocate)"
            )
    return WasmTrap(f"{label} trapped: {reason}{note}{tail}")
