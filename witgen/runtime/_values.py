"""Values and check failures shared by witgen's run-time modules (copied into each generated host
or guest package as `_values.py`, beside its run time `_rt`).

Stage: run time. `Ok`, `Err` and `Some` are the Python shapes of a WIT `result` and of the outer
`some` of a nested option, the same on the host side (`host`) and the guest side
(`guest`); `Bad` is a value that failed a check, turned by the caller into a `TypeError` /
`ValueError` naming the parameter path and the WIT type. The `check_*` functions check plain
values and say what is wrong with them, in the words of the host bindings' own checks (the
guest's converters call them, so a wrong value reads the same on both sides). Only the standard
library: the guest side runs inside a component's CPython.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, Optional, TypeVar

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
        # No `super().__init__(value)`: `BaseException.__new__` has set `args` already, and the
        # call would make each `Err` a plugin raises about 60% dearer to make (measured inside
        # componentize-py's interpreter).
        self.value = value

    def __str__(self) -> str:  # from `value`, whatever a subclass passed on to `args`
        return str(self.value)

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


def first_unsupported(convs: Any) -> Optional[str]:
    """What the first of `convs` (converters, or None) that cannot be carried says about itself."""
    for conv in convs:
        if conv is not None and conv.unsupported is not None:
            return str(conv.unsupported)
    return None


# What a value of the wrong kind for a compound type fails with, worded once for both run times.


def not_a_bool(value: Any) -> Bad:
    return wrong_type("bool", value)


def not_a_list(wit: str, value: Any) -> Bad:
    return wrong_type(f"{wit} (a list)", value)


def not_a_member(wit: str, value: Any) -> Bad:
    """Not a member of the enum or flags `wit`."""
    return wrong_type(f"{wit} member", value)


def not_an_option(wit: str, value: Any) -> Bad:
    return wrong_type(f"{wit} (None or Some(...))", value)


def not_a_result(wit: str, value: Any) -> Bad:
    return wrong_type(f"{wit} (Ok(...) or Err(...))", value)


# Checks of plain values: each returns the value to carry (an int subclass as an `int`, a
# `bytearray` as `bytes`) or raises `Bad`.


def check_int(value: Any, lo: int, hi: int, expected: str) -> int:
    """An integer of a WIT integer type, `lo..hi` (`expected` names it, with its range)."""
    if type(value) is int:
        number: int = value
    elif isinstance(value, bool) or not isinstance(value, int):
        # `bool` is an `int` subclass, but never what an integer parameter means.
        raise wrong_type(expected, value)
    else:
        number = int(value)  # an IntEnum or another int subclass
    if number < lo or number > hi:
        raise Bad(ValueError, f"expected {expected}, got {number}")
    return number


def check_float(value: Any, wit: str) -> float:
    """An `f32` / `f64` (`wit`): a float, or an int that converts to one."""
    if type(value) is float:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise wrong_type(f"{wit} (a float or an int)", value)
    try:
        return float(value)
    except OverflowError:
        raise Bad(ValueError, f"expected {wit}, got {short(value)} (too large)") from None


def check_char(value: Any) -> str:
    """A `char`: a str of one Unicode scalar value (not a lone surrogate)."""
    if not isinstance(value, str) or len(value) != 1:
        raise wrong_type("char (a str of length 1)", value)
    code = ord(value)
    if 0xD800 <= code <= 0xDFFF:
        raise Bad(
            ValueError,
            f"expected char (a Unicode scalar value), got the lone surrogate U+{code:04X}",
        )
    return value


def check_string(value: Any) -> str:
    """A `string`: a str of Unicode scalar values (no lone surrogate)."""
    if not isinstance(value, str):
        raise wrong_type("string", value)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise surrogate_in_string(err) from None
    return value


def surrogate_in_string(err: UnicodeEncodeError) -> Bad:
    """What a `string` holding a lone surrogate fails with (`err`: encoding it as UTF-8)."""
    return Bad(
        ValueError,
        f"expected string (Unicode scalar values), got a lone surrogate at index {err.start}",
    )


def check_bytes(value: Any) -> bytes:
    """A `list<u8>` as `bytes` (from bytes, a bytearray or a memoryview)."""
    if type(value) is bytes:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise wrong_type("list<u8> (bytes, bytearray or memoryview)", value)


def check_tuple(value: Any, n: int, wit: str) -> None:
    """A `tuple<...>` of `n` items (`wit`): a tuple (a list is refused, as wasmtime refuses it)."""
    if not isinstance(value, tuple):
        raise wrong_type(f"{wit} (a tuple)", value)
    if len(value) != n:
        raise Bad(TypeError, f"expected {wit} ({n} items), got a tuple of {len(value)}")


def no_payload(segment: str, value: Any) -> Bad:
    """What a payload given to the arm `segment` ("ok", "err") of a `result` without one fails
    with."""
    return Bad(TypeError, f"{segment}: expected None (no payload), got {short(value)}")
