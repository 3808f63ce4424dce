"""Values and check failures shared by witgen's run-time modules (copied into each generated host
or guest package as `_values.py`, beside its run time `_rt`).

Stage: run time. `Ok`, `Err` and `Some` are the Python shapes of a WIT `result` and of the outer
`some` of a nested option, the same on the host side (`host`) and the guest side
(`guest`); `Bad` is a value that failed a check, turned by the caller into a `TypeError` /
`ValueError` naming the parameter path and the WIT type. Only the standard library: the guest
side runs inside a component's CPython.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

T = TypeVar("T")
E = TypeVar("E")


@dataclasses.dataclass(frozen=True, repr=False)
class Ok(Generic[T]):
    """The `ok` case of a WIT `result` (outside a function's own result, see `Err`)."""

    value: T

    def __repr__(self) -> str:
        return f"Ok({self.value!r})"


@dataclasses.dataclass(frozen=True, repr=False)
class Some(Generic[T]):
    """`some(x)` of an `option<option<...>>`: the outer `some`, so `Some(None)` differs from `None`."""

    value: T

    def __repr__(self) -> str:
        return f"Some({self.value!r})"


class Err(Exception, Generic[E]):
    """The `err` case of a WIT `result`.

    An exception, so that a function whose WIT result is `result<T, E>` can return `T` and raise
    `Err(e)`, both when the component's export fails and when a host implementation of an import
    wants the guest to see `err(e)`. Elsewhere (inside a list, a record, ...) it is a plain value,
    like `Ok`. Compares by value.
    """

    __match_args__ = ("value",)

    def __init__(self, value: E) -> None:
        super().__init__(value)
        self.value = value

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Err)
        return bool(self.value == other.value)

    def __hash__(self) -> int:
        try:
            return hash((Err, self.value))
        except TypeError:  # an unhashable payload (a list): equal values still hash alike
            return hash(Err)

    def __repr__(self) -> str:
        return f"Err({self.value!r})"


class Bad(Exception):
    """A value failed a check while being lowered; `path` grows as it unwinds through containers."""

    def __init__(self, kind: type[Exception], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path: list[str] = []

    def error(self, where: str) -> Exception:
        return self.kind(": ".join([where, *reversed(self.path), self.message]))


def short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a user object whose repr fails must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 60 else text[:57] + "..."


def wrong_type(expected: str, value: Any) -> Bad:
    return Bad(TypeError, f"expected {expected}, got {short(value)} ({type(value).__name__})")
