"""The exceptions the bindings raise about a component and its instance."""

from __future__ import annotations


class ComponentError(Exception):
    """Base class of the errors these bindings raise about a component instance."""


class WasmTrap(ComponentError):
    """The component trapped during a call; its instance can no longer be used.

    `__cause__` is the `wasmtime.WasmtimeError` with wasmtime's full message and backtrace.
    """


class InstanceUnusable(ComponentError):
    """A call on an instance that an earlier failure (a trap, a host exception) made unusable."""


# --------------------------------------------------------------------------------------------
# Check failures


def _add_note(exc: BaseException, note: str) -> None:
    add = getattr(exc, "add_note", None)  # Python 3.11+
    if add is not None:
        add(note)


class DeadlineExceeded(WasmTrap):
    """A call into the component ran past the `deadline` given to `load`.

    The component's instance can no longer be used: load the component again.
    """


class OutOfFuel(WasmTrap):
    """A call into the component used up the `fuel` given to `load`.

    The component's instance can no longer be used: load the component again.
    """


class ComponentExit(WasmTrap):
    """The component called WASI `exit` (`wasi:cli/exit`); `code` is its exit status (0: success).

    Like a trap, it ends the instance: load the component again to go on.
    """

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class CacheWarning(RuntimeWarning):
    """The compiled-component cache could not be used; the component was compiled instead."""
