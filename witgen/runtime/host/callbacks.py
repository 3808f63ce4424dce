"""Code wasmtime calls back into: registration of callbacks, the exception a callback leaves for
the export call that is running, and Ctrl-C while wasm runs.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from typing import Any, Callable, Optional

from ._capi import _error_new

# --------------------------------------------------------------------------------------------
# Host functions (imports)

_PENDING = threading.local()  # the exception a host function raised, until the export call sees it


def _take_pending() -> tuple[Optional[BaseException], str]:
    """The exception a callback left for the export call, and which callback it was."""
    exc: Optional[BaseException] = getattr(_PENDING, "exc", None)
    if exc is not None:
        _PENDING.exc = None
    return exc, getattr(_PENDING, "what", "")


_HOST_IDS = iter(range(1, 1 << 62))
_HOST_LOCK = threading.Lock()


def _error_pointer(message: str) -> int:
    raw = message.replace("\0", " ").encode("utf-8", "replace")
    ptr = _error_new(raw)
    return int(ctypes.cast(ptr, ctypes.c_void_p).value or 0)


def _callback_failed(exc: BaseException, what: str) -> int:
    """A callback's exception, kept for the export caller (which re-raises it), as a wasm error.

    Callbacks catch everything, BaseException included: an exception escaping a ctypes callback
    kills the process (notes §5).
    """
    _PENDING.exc, _PENDING.what = exc, what
    try:
        return _error_pointer(f"{what} raised {type(exc).__name__}")
    except BaseException:
        return _error_pointer(f"{what} failed")


def _register(table: dict[int, Any], entry: Any) -> int:
    """Keep `entry` under a new key, the `data` wasmtime passes back to the callbacks."""
    with _HOST_LOCK:
        key = next(_HOST_IDS)
        table[key] = entry
    return key


def c_callback(prototype: Any, func: Callable[..., Any]) -> Any:
    """`func` as a C function pointer of ctypes type `prototype`, alive until the process ends.

    wasmtime keeps these pointers in stores and linkers, and may call them (finalizers,
    destructors) while the interpreter exits, when the stores are deleted: after this module's
    globals were cleared, which would free a callback object held only by a global and leave
    wasmtime calling freed memory. So each one keeps an extra reference that is never released.
    """
    callback = prototype(func)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(callback))
    return callback


def _finalizer(table: dict[int, Any]) -> Any:
    """The C callback wasmtime runs when it forgets an entry of `table`.

    The closure holds the table itself: wasmtime may run it while the interpreter exits, after the
    module's globals have been cleared to None.
    """

    def finalize(data: Optional[int]) -> None:
        table.pop(data or 0, None)

    return c_callback(ctypes.CFUNCTYPE(None, ctypes.c_void_p), finalize)


# --------------------------------------------------------------------------------------------
# Ctrl-C
#
# wasm running in the main thread does not see SIGINT: Python's handler runs only once Python code
# runs again. Here, that is a callback from wasm: a host function, or `_epoch_reached`, which
# wasmtime calls every `CHECK_TICKS` ticks while wasm runs in a store `load` made, so Ctrl-C ends
# a call within about 50 ms, raising `KeyboardInterrupt` (the instance is then unusable, as after
# any trap). One snag: the handler runs at the very first instruction of the callback, before its
# `try`, and an exception escaping a ctypes callback is lost (printed as "unraisable"), so the
# interrupt would be too. `watch_sigint` therefore puts a handler of its own in front of the
# program's: a SIGINT that arrives on the first line of one of these callbacks (`_ENTRIES`) is
# kept (`_DEFERRED`) and given to the program's handler inside the callback's `try`; any other
# goes to it at once. Wasm running in other threads is not interrupted (Python runs signal
# handlers in the main thread only): give those calls a `deadline`.

_MAIN_THREAD = threading.main_thread().ident  # where Python runs signal handlers
_DEFERRED: list[tuple[int, Any]] = []
_ENTRIES: set[Any] = set()  # the code of the C callbacks (`register_entries`)
_PROGRAM_SIGINT: Any = None  # the handler `watch_sigint` found
_SIGINT_WATCHED = False


def _deliver(signum: int, frame: Any) -> None:
    _PROGRAM_SIGINT(signum, frame)  # the program's handler (`watch_sigint` found a callable)


def _on_sigint(signum: int, frame: Any) -> None:
    if frame is not None and frame.f_code in _ENTRIES:
        _DEFERRED.append((signum, frame))
        return
    _deliver(signum, frame)


def _run_deferred() -> None:
    while _DEFERRED:
        signum, frame = _DEFERRED.pop(0)
        _deliver(signum, frame)


def watch_sigint() -> None:
    """Put `_on_sigint` in front of the program's SIGINT handler (once, from the main thread;
    a handler the program installs later replaces it, and Ctrl-C then reaches wasm only through
    a host function's body)."""
    global _PROGRAM_SIGINT, _SIGINT_WATCHED
    if _SIGINT_WATCHED or threading.get_ident() != _MAIN_THREAD:
        return
    try:
        current = signal.getsignal(signal.SIGINT)
        if not callable(current) or current is _on_sigint:
            # Installed by C code, or ignored (SIG_IGN), or the default action (SIG_DFL: Ctrl-C
            # ends the process, wasm or not), or this module's already: left alone.
            return
        signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError):  # not the main interpreter, or no signals here
        return
    _PROGRAM_SIGINT = current
    _SIGINT_WATCHED = True


def register_entries(*callbacks: Callable[..., Any]) -> None:
    """Name the functions wasmtime calls from running wasm whose first line a SIGINT may arrive
    on (each runs `_run_deferred` inside its `try`, or leaves it for one that does)."""
    _ENTRIES.update(f.__code__ for f in callbacks)
