"""Converters of the guest package's plain values (part of witgen's guest run time, shipped in
each generated guest package as `_rt/`): the base `Conv`, the scalars and strings, and the types
these wrappers cannot carry yet.

Stage: run time, inside a plugin. A converter describes one WIT type; `make_into(side)` and
`make_out(side)` build its two functions for one side, once (`Side.into_fn`, `Side.out_fn` keep
them). `into` rebuilds a side's value (None when the side's values are the guest package's:
nothing to do); `out` checks a plugin's value and returns the side's, raising `Bad` with the path
so far. The checks and their messages are `_values`'s, shared with the host bindings.
"""

from __future__ import annotations

from typing import Any, Optional

from .._values import Bad, check_bytes, check_char, check_float, check_int, check_string, not_a_bool
from .sides import Fn, Side


def _identity(value: Any) -> Any:
    return value


def _in_path(fn: Fn, segment: str) -> Fn:
    def out(value: Any) -> Any:
        try:
            return fn(value)
        except Bad as bad:
            bad.path.append(segment)
            raise

    return out


class Conv:
    __slots__ = ("wit", "unsupported")

    def __init__(self, wit: str, unsupported: Optional[str] = None) -> None:
        self.wit = wit
        self.unsupported = unsupported

    def into(self, value: Any, side: Side) -> Any:
        fn = side.into_fn(self)
        return value if fn is None else fn(value)

    def out(self, value: Any, side: Side) -> Any:
        return side.out_fn(self)(value)

    def make_into(self, side: Side) -> Optional[Fn]:
        return None

    def make_out(self, side: Side) -> Fn:
        return _identity

    def parts(self) -> tuple[Conv, ...]:
        """The converters of the values inside this type's values."""
        return ()

    def fast_check(self, var: str) -> Optional[str]:
        """A Python expression, true when the value in variable `var` passes `out` unchanged
        (for an export's caller to write out inline), if this type has a short one."""
        return None

    def share(self, side: Side) -> None:
        """Make `side` use the guest package's class for this type if it can (named types)."""


class _Bool(Conv):
    __slots__ = ()

    def fast_check(self, var: str) -> Optional[str]:
        return f"({var} is True or {var} is False)"

    def make_out(self, side: Side) -> Fn:
        def out(value: Any) -> Any:
            if value is True or value is False:
                return value
            raise not_a_bool(value)

        return out


class _Int(Conv):
    __slots__ = ("lo", "hi", "expected")

    def __init__(self, wit: str, bits: int, signed: bool) -> None:
        super().__init__(wit)
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        self.expected = f"{wit} ({self.lo}..{self.hi})"

    def fast_check(self, var: str) -> Optional[str]:
        return f"(type({var}) is int and {self.lo} <= {var} <= {self.hi})"

    def make_out(self, side: Side) -> Fn:
        lo, hi, check = self.lo, self.hi, self.check

        def out(value: Any) -> Any:
            if type(value) is int and lo <= value <= hi:
                return value
            return check(value)

        return out

    def check(self, value: Any) -> Any:
        return check_int(value, self.lo, self.hi, self.expected)


class _Float(Conv):
    __slots__ = ()

    def fast_check(self, var: str) -> Optional[str]:
        return f"type({var}) is float"

    def make_out(self, side: Side) -> Fn:
        check = self.check

        def out(value: Any) -> Any:
            return value if type(value) is float else check(value)

        return out

    def check(self, value: Any) -> Any:
        return check_float(value, self.wit)


class _Char(Conv):
    __slots__ = ()

    def make_out(self, side: Side) -> Fn:
        return check_char


class _String(Conv):
    __slots__ = ()

    def fast_check(self, var: str) -> Optional[str]:
        return f"(type({var}) is str and {var}.isascii())"

    def make_out(self, side: Side) -> Fn:
        check = self.check

        def out(value: Any) -> Any:
            if type(value) is str and value.isascii():
                return value
            return check(value)

        return out

    def check(self, value: Any) -> Any:
        return check_string(value)


class _Bytes(Conv):
    __slots__ = ()

    def make_into(self, side: Side) -> Optional[Fn]:
        return None if side.bytes_are_bytes else bytes

    def make_out(self, side: Side) -> Fn:
        return check_bytes


class Unsupported(Conv):
    """A type these wrappers cannot carry yet (future, stream, error-context, map)."""

    __slots__ = ()

    def __init__(self, feature: str) -> None:
        super().__init__(feature, feature)


def Future(payload: Optional[Conv]) -> Unsupported:
    """`future<T>` (the payload matters to the host bindings' check, not here)."""
    return Unsupported("future values")


def Stream(payload: Optional[Conv]) -> Unsupported:
    """`stream<T>` (the payload matters to the host bindings' check, not here)."""
    return Unsupported("stream values")


ERROR_CONTEXT = Unsupported("error-context values")
BOOL = _Bool("bool")
U8 = _Int("u8", 8, False)
U16 = _Int("u16", 16, False)
U32 = _Int("u32", 32, False)
U64 = _Int("u64", 64, False)
S8 = _Int("s8", 8, True)
S16 = _Int("s16", 16, True)
S32 = _Int("s32", 32, True)
S64 = _Int("s64", 64, True)
F32 = _Float("f32")
F64 = _Float("f64")
CHAR = _Char("char")
STRING = _String("string")
BYTES = _Bytes("list<u8>")
