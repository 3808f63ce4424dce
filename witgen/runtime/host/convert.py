"""Converters between Python values and wasmtime's C values: the base class, and the converters
of scalar types (`BOOL`, `U32`, `STRING`, `BYTES`, ...) and of the types these bindings cannot
carry yet (`Unsupported`, `Future`, `Stream`). `compound` has those of lists, tuples, records,
enums, flags, variants, options and results.

Rules every converter keeps:
* `lower(value, dst)` checks `value` and either writes a complete, owned C value into `dst`
  (setting `dst.kind` last) or raises and leaves nothing owned in `dst`. Checks raise `_Bad`, which
  the caller turns into a `TypeError` / `ValueError` naming the parameter path and the WIT type,
  before wasm is entered, so the instance stays usable.
* `lift(src)` reads `src` without taking ownership; whoever owns the C value deletes it once.
* `check(t, vt, path)` says whether `vt`, a type of a component, is the converter's own (see
  `typecheck`), so a kind's run-time shape and what it accepts of a component live side by side.
"""

from __future__ import annotations

import ctypes
from ctypes import byref
from typing import TYPE_CHECKING, Any, Optional

from .._values import check_bytes as _check_bytes
from .._values import check_char as _check_char
from .._values import check_float as _check_float
from .._values import check_int as _check_int
from .._values import check_string as _check_string
from .._values import not_a_bool as _not_a_bool
from .._values import surrogate_in_string as _surrogate_in_string
from ._capi import (
    _VAL_PAYLOAD,
    _VAL_SIZE,
    _VT_NAMES,
    _VT_OF,
    K_BOOL,
    K_CHAR,
    K_F32,
    K_F64,
    K_LIST,
    K_S8,
    K_S16,
    K_S32,
    K_S64,
    K_STRING,
    K_U8,
    K_U16,
    K_U32,
    K_U64,
    VT_ERROR_CONTEXT,
    VT_FUTURE,
    VT_LIST,
    VT_STREAM,
    VT_U8,
    _byte_vec_new,
    _string_at,
    _Val,
    _vallist_new,
)

if TYPE_CHECKING:

    from .typecheck import TypeCheck


# --------------------------------------------------------------------------------------------
# Converters


class Conv:
    """Converts one WIT type between Python values and C values (see the module docstring)."""

    __slots__ = ("wit", "owned", "unsupported")

    def __init__(self, wit: str, owned: bool, unsupported: Optional[str] = None) -> None:
        self.wit = wit  # the WIT type as error messages name it
        self.owned = owned  # whether the C value owns memory (must be deleted)
        self.unsupported = unsupported  # the feature wasmtime-py cannot carry, if any

    def lower(self, value: Any, dst: Any) -> None:
        raise NotImplementedError

    def lift(self, src: Any) -> Any:
        raise NotImplementedError

    def wit_type(self) -> str:
        """The type in WIT terms, as messages about a component's types name it."""
        return self.wit

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        """None when `vt`, a type of the component (at `path` in a function's parameters or
        result), is this converter's type; else the message saying how it differs (`TypeCheck`).
        This one serves the primitive types; the others have their own."""
        kind = _VT_OF[self.wit]
        return None if vt.kind == kind else t.mismatch(vt, self.wit, path)


class _Bool(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if value is not True and value is not False:
            raise _not_a_bool(value)
        dst.kind = K_BOOL
        dst.of.boolean = value

    def lift(self, src: Any) -> Any:
        return bool(src.of.boolean)


class _Int(Conv):
    __slots__ = ("kind", "field", "lo", "hi", "expected")

    def __init__(self, wit: str, kind: int, field: str, bits: int, signed: bool) -> None:
        super().__init__(wit, False)
        self.kind = kind
        self.field = field
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        self.expected = f"{wit} ({self.lo}..{self.hi})"

    def lower(self, value: Any, dst: Any) -> None:
        if type(value) is not int or value < self.lo or value > self.hi:
            # The checks and messages shared with the guest wrappers (`_values`).
            value = _check_int(value, self.lo, self.hi, self.expected)
        dst.kind = self.kind
        setattr(dst.of, self.field, value)

    def lift(self, src: Any) -> Any:
        return getattr(src.of, self.field)


class _U32(_Int):
    """`u32` spelled out: the commonest parameter type gets no `setattr`/`getattr` by name."""

    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if type(value) is not int or value < 0 or value > 0xFFFFFFFF:
            _Int.lower(self, value, dst)
            return
        dst.kind = K_U32
        dst.of.u32 = value

    def lift(self, src: Any) -> Any:
        return src.of.u32


class _Float(Conv):
    __slots__ = ("kind", "field")

    def __init__(self, wit: str, kind: int, field: str) -> None:
        super().__init__(wit, False)
        self.kind = kind
        self.field = field

    def lower(self, value: Any, dst: Any) -> None:
        if type(value) is not float:
            value = _check_float(value, self.wit)
        dst.kind = self.kind
        setattr(dst.of, self.field, value)

    def lift(self, src: Any) -> Any:
        return float(getattr(src.of, self.field))


class _Char(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        # wasmtime aborts the process on a surrogate code point (notes §5): the check refuses it.
        dst.of.character = ord(_check_char(value))
        dst.kind = K_CHAR

    def lift(self, src: Any) -> Any:
        return chr(src.of.character)


class _String(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, str):
            _check_string(value)  # raises, with the message shared with the guest wrappers
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise _surrogate_in_string(err) from None
        _byte_vec_new(byref(dst.of.string), len(data), data)
        dst.kind = K_STRING

    def lift(self, src: Any) -> Any:
        vec = src.of.string
        return _string_at(vec.data, vec.size).decode("utf-8")


class _Bytes(Conv):
    """`list<u8>` <-> `bytes`, converted in bulk.

    The C API holds every byte as a 32-byte tagged value; writing and reading those with strided
    slices of one buffer (notes §6.3) costs tens of nanoseconds per byte instead of microseconds.
    """

    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        data = value if type(value) is bytes else _check_bytes(value)
        n = len(data)
        buf = bytearray(n * _VAL_SIZE)
        if n:
            buf[0::_VAL_SIZE] = bytes((K_U8,)) * n
            buf[_VAL_PAYLOAD::_VAL_SIZE] = data
        array = (_Val * n).from_buffer(buf)
        _vallist_new(byref(dst.of.list), n, array)
        dst.kind = K_LIST

    def lift(self, src: Any) -> Any:
        lst = src.of.list
        n = lst.size
        if n == 0:
            return b""
        raw = (ctypes.c_uint8 * (n * _VAL_SIZE)).from_address(ctypes.addressof(lst.data.contents))
        return bytes(memoryview(raw)[_VAL_PAYLOAD::_VAL_SIZE])

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind == VT_LIST and t.element(vt.of.list).kind == VT_U8:
            return None
        return t.mismatch(vt, "list<u8>", path)


class Unsupported(Conv):
    """A type wasmtime-py 50 cannot carry (future, stream, error-context, map, resources, ...).

    Values of it never cross, so a component's type there cannot mislead the converters; `kind`
    (a `VT_*`), when given, is still checked, with `payload` (of a future or stream).
    """

    __slots__ = ("kind", "payload")

    def __init__(
        self, feature: str, kind: Optional[int] = None, payload: Optional[Conv] = None
    ) -> None:
        super().__init__(feature, False, feature)
        self.kind = kind
        self.payload = payload

    def lower(self, value: Any, dst: Any) -> None:
        raise NotImplementedError(f"{self.unsupported} are not supported by these bindings yet")

    def lift(self, src: Any) -> Any:
        raise NotImplementedError(f"{self.unsupported} are not supported by these bindings yet")

    def wit_type(self) -> str:
        if self.kind is None:
            return self.wit
        name = _VT_NAMES[self.kind]
        return name if self.payload is None else f"{name}<{self.payload.wit_type()}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if self.kind is None:
            return None
        if vt.kind != self.kind:
            return t.mismatch(vt, self.wit_type(), path)
        if self.kind not in (VT_FUTURE, VT_STREAM):
            return None
        payload = t.async_payload(vt)
        if (payload is None) != (self.payload is None):
            return t.mismatch(vt, self.wit_type(), path)
        if self.payload is None:
            return None
        return self.payload.check(t, payload, [*path, "payload"])


def Future(payload: Optional[Conv]) -> Unsupported:
    """`future<T>`: typed and checked, but not carried by wasmtime-py 50."""
    return Unsupported("future values", VT_FUTURE, payload)


def Stream(payload: Optional[Conv]) -> Unsupported:
    """`stream<T>`: typed and checked, but not carried by wasmtime-py 50."""
    return Unsupported("stream values", VT_STREAM, payload)


BOOL = _Bool("bool", False)
S8 = _Int("s8", K_S8, "s8", 8, True)
U8 = _Int("u8", K_U8, "u8", 8, False)
S16 = _Int("s16", K_S16, "s16", 16, True)
U16 = _Int("u16", K_U16, "u16", 16, False)
S32 = _Int("s32", K_S32, "s32", 32, True)
U32 = _U32("u32", K_U32, "u32", 32, False)
S64 = _Int("s64", K_S64, "s64", 64, True)
U64 = _Int("u64", K_U64, "u64", 64, False)
F32 = _Float("f32", K_F32, "f32")
F64 = _Float("f64", K_F64, "f64")
CHAR = _Char("char", False)
STRING = _String("string", True)
BYTES = _Bytes("list<u8>", True)
ERROR_CONTEXT = Unsupported("error-context values", VT_ERROR_CONTEXT)
