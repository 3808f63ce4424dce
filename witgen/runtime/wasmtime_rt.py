"""Run-time support for witgen's wasmtime host bindings (copied into each generated package as `_rt.py`).

Stage: run time. Generated code builds, once at import, one converter object per WIT type (`U32`,
`List(STRING)`, `Record(Point, ...)`, ...) and one `ExportSpec` per exported function; at
instantiation it makes one `ExportFunc` per export and registers one `HostFunc` per import. Python
values go in, `wasmtime_component_val_t` C values come out (and back), written here directly rather
than through `wasmtime.component`'s converters, whose representation depends on the shape of the
type and which silently truncate integers, confuse `bool` with `int`, cannot lower some results and
abort the process on a lone surrogate `char` (shared/notes/wasmtime-py-50.md §2, §7).

This module imports only the standard library and `wasmtime` (including its private ctypes layer,
`wasmtime._bindings`, pinned by the generated package's `wasmtime>=50,<51` requirement), because it
ships inside every generated package: applications never need witgen itself at run time.

Rules every converter keeps:
* `lower(value, dst)` checks `value` and either writes a complete, owned C value into `dst`
  (setting `dst.kind` last) or raises and leaves nothing owned in `dst`. Checks raise `_Bad`, which
  the caller turns into a `TypeError` / `ValueError` naming the parameter path and the WIT type,
  before wasm is entered, so the instance stays usable.
* `lift(src)` reads `src` without taking ownership; whoever owns the C value deletes it once.

Thread-safety: a loaded component (its Store) belongs to one thread at a time. The slot that
carries a host function's exception back to the export caller is thread-local, so different
stores may be used from different threads.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import os
import threading
import weakref
from ctypes import byref
from typing import Any, Callable, Generic, NoReturn, Optional, TypeVar, Union

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime._ffi import dll as _dll
from wasmtime.component import Component, ExportIndex, Instance, Linker, LinkerInstance

__all__ = [
    "Ok",
    "Err",
    "Some",
    "ComponentError",
    "WasmTrap",
    "InstanceUnusable",
]

T = TypeVar("T")
E = TypeVar("E")

# --------------------------------------------------------------------------------------------
# Value classes


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


class ComponentError(Exception):
    """Base class of the errors these bindings raise about a component instance."""


class WasmTrap(ComponentError):
    """The component trapped during a call; its instance can no longer be used.

    `__cause__` is the `wasmtime.WasmtimeError` with wasmtime's full message and backtrace.
    """


class InstanceUnusable(ComponentError):
    """A call on an instance that an earlier failure (a trap, a host exception) made unusable."""


# --------------------------------------------------------------------------------------------
# The C API pieces used here

_Val = _b.wasmtime_component_val_t
_ByteVec = _b.wasm_byte_vec_t

K_BOOL = 0
K_S8 = 1
K_U8 = 2
K_S16 = 3
K_U16 = 4
K_S32 = 5
K_U32 = 6
K_S64 = 7
K_U64 = 8
K_F32 = 9
K_F64 = 10
K_CHAR = 11
K_STRING = 12
K_LIST = 13
K_RECORD = 14
K_TUPLE = 15
K_VARIANT = 16
K_ENUM = 17
K_OPTION = 18
K_RESULT = 19
K_FLAGS = 20

# The raw ctypes functions (the `_b.wasmtime_*` wrappers add a Python call to each).
_func_call = _b._wasmtime_component_func_call
_val_delete = _b._wasmtime_component_val_delete
_val_new = _b._wasmtime_component_val_new
_vallist_new = _b._wasmtime_component_vallist_new
_vallist_new_uninit = _b._wasmtime_component_vallist_new_uninit
_vallist_delete = _b._wasmtime_component_vallist_delete
_valtuple_new_uninit = _b._wasmtime_component_valtuple_new_uninit
_valtuple_delete = _b._wasmtime_component_valtuple_delete
_valrecord_new_uninit = _b._wasmtime_component_valrecord_new_uninit
_valrecord_delete = _b._wasmtime_component_valrecord_delete
_valflags_new_uninit = _b._wasmtime_component_valflags_new_uninit
_error_new = _b._wasmtime_error_new
_add_func = _b._wasmtime_component_linker_instance_add_func
_string_at = ctypes.string_at

# `wasm_byte_vec_new` declared with a `char *` source, so `bytes` pass without a copy-cast.
_byte_vec_new = ctypes.CFUNCTYPE(None, ctypes.POINTER(_ByteVec), ctypes.c_size_t, ctypes.c_char_p)(
    ("wasm_byte_vec_new", _dll)
)

_VAL_SIZE = ctypes.sizeof(_Val)  # 32: kind at offset 0, the payload union at offset 8
_VAL_PAYLOAD = _Val.of.offset


def _text(vec: Any) -> bytes:
    return _string_at(vec.data, vec.size)


# --------------------------------------------------------------------------------------------
# Check failures


class _Bad(Exception):
    """A value failed a check while being lowered; `path` grows as it unwinds through containers."""

    def __init__(self, kind: type[Exception], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path: list[str] = []

    def error(self, where: str) -> Exception:
        return self.kind(": ".join([where, *reversed(self.path), self.message]))


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a user object whose repr fails must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 60 else text[:57] + "..."


def _wrong_type(expected: str, value: Any) -> _Bad:
    return _Bad(TypeError, f"expected {expected}, got {_short(value)} ({type(value).__name__})")


def _add_note(exc: BaseException, note: str) -> None:
    add = getattr(exc, "add_note", None)  # Python 3.11+
    if add is not None:
        add(note)


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


class _Bool(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if value is not True and value is not False:
            raise _wrong_type("bool", value)
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
        if type(value) is not int:
            # `bool` is an `int` subclass, but never what an integer parameter means.
            if isinstance(value, bool) or not isinstance(value, int):
                raise _wrong_type(self.expected, value)
            value = int(value)  # an IntEnum or another int subclass
        if value < self.lo or value > self.hi:
            raise _Bad(ValueError, f"expected {self.expected}, got {value}")
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
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _wrong_type(f"{self.wit} (a float or an int)", value)
            try:
                value = float(value)
            except OverflowError:
                raise _Bad(
                    ValueError, f"expected {self.wit}, got {_short(value)} (too large)"
                ) from None
        dst.kind = self.kind
        setattr(dst.of, self.field, value)

    def lift(self, src: Any) -> Any:
        return float(getattr(src.of, self.field))


class _Char(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, str) or len(value) != 1:
            raise _wrong_type("char (a str of length 1)", value)
        code = ord(value)
        # wasmtime aborts the process on a surrogate code point (notes §5): refuse it here.
        if 0xD800 <= code <= 0xDFFF:
            raise _Bad(
                ValueError,
                f"expected char (a Unicode scalar value), got the lone surrogate U+{code:04X}",
            )
        dst.kind = K_CHAR
        dst.of.character = code

    def lift(self, src: Any) -> Any:
        return chr(src.of.character)


class _String(Conv):
    __slots__ = ()

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, str):
            raise _wrong_type("string", value)
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise _Bad(
                ValueError,
                f"expected string (Unicode scalar values), got a lone surrogate at index {err.start}",
            ) from None
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
        if isinstance(value, bytes):
            data = value
        elif isinstance(value, (bytearray, memoryview)):
            data = bytes(value)
        else:
            raise _wrong_type("list<u8> (bytes, bytearray or memoryview)", value)
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


def _first_unsupported(convs: Any) -> Optional[str]:
    for conv in convs:
        if conv is not None and conv.unsupported is not None:
            return str(conv.unsupported)
    return None


class List(Conv):
    """`list<T>` <-> `list` (a `tuple` is accepted too)."""

    __slots__ = ("elem",)

    def __init__(self, elem: Conv) -> None:
        super().__init__(f"list<{elem.wit}>", True, elem.unsupported)
        self.elem = elem

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, (list, tuple)):
            raise _wrong_type(f"{self.wit} (a list)", value)
        n = len(value)
        lst = dst.of.list
        _vallist_new_uninit(byref(lst), n)
        data = lst.data
        lower = self.elem.lower
        i = 0
        try:
            for item in value:
                lower(item, data[i])
                i += 1
        except BaseException as exc:
            for j in range(i, n):
                data[j].kind = K_BOOL
            _vallist_delete(byref(lst))
            if isinstance(exc, _Bad):
                exc.path.append(f"element {i}")
            raise
        dst.kind = K_LIST

    def lift(self, src: Any) -> Any:
        lst = src.of.list
        data = lst.data
        lift = self.elem.lift
        return [lift(data[i]) for i in range(lst.size)]


class Tuple(Conv):
    """`tuple<...>` <-> `tuple` of the exact length."""

    __slots__ = ("elems",)

    def __init__(self, *elems: Conv) -> None:
        wit = f"tuple<{', '.join(e.wit for e in elems)}>"
        super().__init__(wit, True, _first_unsupported(elems))
        self.elems = elems

    def lower(self, value: Any, dst: Any) -> None:
        n = len(self.elems)
        if not isinstance(value, tuple):
            raise _wrong_type(f"{self.wit} (a tuple)", value)
        if len(value) != n:
            raise _Bad(TypeError, f"expected {self.wit} ({n} items), got a tuple of {len(value)}")
        tup = dst.of.tuple
        _valtuple_new_uninit(byref(tup), n)
        data = tup.data
        i = 0
        try:
            for conv, item in zip(self.elems, value):
                conv.lower(item, data[i])
                i += 1
        except BaseException as exc:
            for j in range(i, n):
                data[j].kind = K_BOOL
            _valtuple_delete(byref(tup))
            if isinstance(exc, _Bad):
                exc.path.append(f"item {i}")
            raise
        dst.kind = K_TUPLE

    def lift(self, src: Any) -> Any:
        data = src.of.tuple.data
        return tuple([conv.lift(data[i]) for i, conv in enumerate(self.elems)])


class Record(Conv):
    """`record` <-> a dataclass; `fields` are (Python attribute, WIT field name, converter)."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type, wit_name: str, fields: tuple[tuple[str, str, Conv], ...]) -> None:
        super().__init__(
            f"record {wit_name} ({cls.__name__})", True, _first_unsupported(c for _, _, c in fields)
        )
        self.cls = cls
        self.fields = tuple((py, name.encode(), conv) for py, name, conv in fields)

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, self.cls):
            raise _wrong_type(self.wit, value)
        n = len(self.fields)
        rec = dst.of.record
        _valrecord_new_uninit(byref(rec), n)
        data = rec.data
        i = 0
        py = ""
        try:
            for py, name, conv in self.fields:
                entry = data[i]
                conv.lower(getattr(value, py), entry.val)
                _byte_vec_new(byref(entry.name), len(name), name)
                i += 1
        except BaseException as exc:
            for j in range(i, n):
                entry = data[j]
                entry.val.kind = K_BOOL
                entry.name.size = 0
            _valrecord_delete(byref(rec))
            if isinstance(exc, _Bad):
                exc.path.append(f"field '{py}'")
            raise
        dst.kind = K_RECORD

    def lift(self, src: Any) -> Any:
        data = src.of.record.data
        return self.cls(*[conv.lift(data[i].val) for i, (_, _, conv) in enumerate(self.fields)])


class Enum(Conv):
    """`enum` <-> an `enum.Enum` whose members are in WIT order."""

    __slots__ = ("cls", "to_name", "from_name")

    def __init__(self, cls: type[enum.Enum], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"enum {wit_name} ({cls.__name__})", True)
        self.cls = cls
        members = list(cls)
        self.to_name = {m: n.encode() for m, n in zip(members, names)}
        self.from_name = {n.encode(): m for m, n in zip(members, names)}

    def lower(self, value: Any, dst: Any) -> None:
        name = self.to_name.get(value) if isinstance(value, self.cls) else None
        if name is None:
            raise _wrong_type(f"{self.wit} member", value)
        _byte_vec_new(byref(dst.of.enumeration), len(name), name)
        dst.kind = K_ENUM

    def lift(self, src: Any) -> Any:
        return self.from_name[_text(src.of.enumeration)]


class Flags(Conv):
    """`flags` <-> an `enum.Flag` whose members are in WIT order."""

    __slots__ = ("cls", "members", "from_name")

    def __init__(self, cls: type[enum.Flag], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"flags {wit_name} ({cls.__name__})", True)
        self.cls = cls
        self.members = [(m, n.encode()) for m, n in zip(list(cls), names)]
        self.from_name = {n.encode(): m for m, n in zip(list(cls), names)}

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, self.cls):
            raise _wrong_type(self.wit, value)
        names = [name for member, name in self.members if member in value]
        flags = dst.of.flags
        _valflags_new_uninit(byref(flags), len(names))
        data = flags.data
        for i, name in enumerate(names):
            _byte_vec_new(byref(data[i]), len(name), name)
        dst.kind = K_FLAGS

    def lift(self, src: Any) -> Any:
        flags = src.of.flags
        data = flags.data
        value = self.cls(0)
        for i in range(flags.size):
            value |= self.from_name[_text(data[i])]
        return value


class Variant(Conv):
    """`variant` <-> one dataclass per case; `cases` are (case class, WIT case name, payload)."""

    __slots__ = ("by_class", "by_name")

    def __init__(self, wit_name: str, cases: tuple[tuple[type, str, Optional[Conv]], ...]) -> None:
        names = " | ".join(cls.__name__ for cls, _, _ in cases)
        super().__init__(
            f"variant {wit_name} ({names})", True, _first_unsupported(c for _, _, c in cases)
        )
        self.by_class = {cls: (name, name.encode(), conv) for cls, name, conv in cases}
        self.by_name = {name.encode(): (cls, conv) for cls, name, conv in cases}

    def lower(self, value: Any, dst: Any) -> None:
        case = self.by_class.get(type(value))
        if case is None:
            raise _wrong_type(self.wit, value)
        name, raw_name, conv = case
        var = dst.of.variant
        if conv is None:
            var.val = None
        else:
            var.val = _lower_boxed(conv, value.value, f"case '{name}'")
        _byte_vec_new(byref(var.discriminant), len(raw_name), raw_name)
        dst.kind = K_VARIANT

    def lift(self, src: Any) -> Any:
        var = src.of.variant
        cls, conv = self.by_name[_text(var.discriminant)]
        if conv is None:
            return cls()
        return cls(conv.lift(var.val.contents))


def _lower_boxed(conv: Conv, value: Any, segment: str) -> Any:
    """Lower `value` into a heap-allocated C value (for variant, option and result payloads)."""
    tmp = _Val()
    try:
        conv.lower(value, tmp)
    except _Bad as bad:
        bad.path.append(segment)
        raise
    return _val_new(byref(tmp))  # moves `tmp`'s contents into the new box


class Option(Conv):
    """`option<T>` <-> `T | None`; with `nested` (T is itself an option) the outer some is `Some`."""

    __slots__ = ("payload", "nested")

    def __init__(self, payload: Conv, nested: bool = False) -> None:
        super().__init__(f"option<{payload.wit}>", True, payload.unsupported)
        self.payload = payload
        self.nested = nested

    def lower(self, value: Any, dst: Any) -> None:
        if value is None:
            dst.of.option = None
        elif self.nested:
            if not isinstance(value, Some):
                raise _wrong_type(f"{self.wit} (None or Some(...))", value)
            dst.of.option = _lower_boxed(self.payload, value.value, "some")
        else:
            dst.of.option = _lower_boxed(self.payload, value, "some")
        dst.kind = K_OPTION

    def lift(self, src: Any) -> Any:
        ptr = src.of.option
        if not ptr:
            return None
        value = self.payload.lift(ptr.contents)
        return Some(value) if self.nested else value


class Result(Conv):
    """`result<O, E>` <-> `Ok(o)` / `Err(e)` (`Ok(None)` / `Err(None)` for an absent payload)."""

    __slots__ = ("ok", "err")

    def __init__(self, ok: Optional[Conv], err: Optional[Conv]) -> None:
        wit = f"result<{ok.wit if ok else '_'}, {err.wit if err else '_'}>"
        super().__init__(wit, True, _first_unsupported((ok, err)))
        self.ok = ok
        self.err = err

    def lower(self, value: Any, dst: Any) -> None:
        if isinstance(value, Ok):
            conv, segment, is_ok = self.ok, "ok", True
        elif isinstance(value, Err):
            conv, segment, is_ok = self.err, "err", False
        else:
            raise _wrong_type(f"{self.wit} (Ok(...) or Err(...))", value)
        res = dst.of.result
        if conv is None:
            if value.value is not None:
                raise _Bad(
                    TypeError, f"{segment}: expected None (no payload), got {_short(value.value)}"
                )
            res.val = None
        else:
            res.val = _lower_boxed(conv, value.value, segment)
        res.is_ok = is_ok
        dst.kind = K_RESULT

    def lift(self, src: Any) -> Any:
        res = src.of.result
        if res.is_ok:
            return Ok(self.ok.lift(res.val.contents) if self.ok is not None else None)
        return Err(self.err.lift(res.val.contents) if self.err is not None else None)


class Unsupported(Conv):
    """A type wasmtime-py 50 cannot carry (future, stream, error-context, map, resources, ...)."""

    __slots__ = ()

    def __init__(self, feature: str) -> None:
        super().__init__(feature, False, feature)

    def lower(self, value: Any, dst: Any) -> None:
        raise NotImplementedError(f"{self.unsupported} are not supported by these bindings yet")

    def lift(self, src: Any) -> Any:
        raise NotImplementedError(f"{self.unsupported} are not supported by these bindings yet")


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


# --------------------------------------------------------------------------------------------
# Calling exports


class InstanceState:
    """One instantiated component in its store: what every `ExportFunc` of it shares."""

    __slots__ = ("store", "component", "instance", "ctx", "failure")

    def __init__(self, store: wasmtime.Store, component: Component, instance: Instance) -> None:
        self.store = store
        self.component = component
        self.instance = instance
        self.ctx = store._context()
        self.failure: Optional[str] = None  # why the instance is unusable, once it is
        # A host function that failed during instantiation (a start function calling an import)
        # left its exception behind; it must not surface in this instance's first failed call.
        _take_pending()

    def unusable(self, label: str) -> InstanceUnusable:
        return InstanceUnusable(
            f"{label}: this component instance can no longer be used ({self.failure});"
            " load the component again"
        )

    def close(self) -> None:
        if self.failure is None:
            self.failure = "it was closed"

    def fail(self, err: Any, label: str) -> NoReturn:
        """Raise the error of a failed call (`err` is the C error pointer) and retire the instance.

        wasmtime refuses every later call into an instance after any in-call failure ("cannot
        enter component instance", notes §5), so this records why and later calls say so.
        """
        error = wasmtime.WasmtimeError._from_ptr(err)
        pending = _take_pending()
        if pending is not None:
            self.failure = f"a host function raised {type(pending).__name__} during {label}"
            _add_note(
                pending,
                f"(raised by a host function during {label}; this component instance can no"
                " longer be used: load the component again)",
            )
            raise pending
        if isinstance(error, wasmtime.ExitTrap):
            self.failure = f"the component exited with code {error.code} during {label}"
            _add_note(error, "(this component instance can no longer be used)")
            raise error
        reason = _trap_reason(str(error))
        self.failure = f"{label} trapped: {reason}"
        raise WasmTrap(
            f"{label} trapped: {reason}; this component instance can no longer be used:"
            " load the component again"
        ) from error


def _trap_reason(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        if line.startswith("wasm trap:"):
            return line
    for line in reversed(message.splitlines()):
        if line.strip():
            return line.strip()
    return "unknown error"


# Export indexes need no store and hold for every instance of a component (notes §3.3): looked
# up once per component and export.
_INDEXES: "weakref.WeakKeyDictionary[Component, dict[tuple[Optional[str], str], ExportIndex]]" = (
    weakref.WeakKeyDictionary()
)


def _export_index(component: Component, interface: Optional[str], name: str) -> ExportIndex:
    cache = _INDEXES.setdefault(component, {})
    key = (interface, name)
    index = cache.get(key)
    if index is None:
        parent = None
        if interface is not None:
            parent = cache.get((None, interface))
            if parent is None:
                parent = component.get_export_index(interface)
                if parent is None:
                    raise ComponentError(
                        f"the component does not export the interface '{interface}'"
                    )
                cache[(None, interface)] = parent
        index = component.get_export_index(name, parent)
        if index is None:
            where = f"interface '{interface}'" if interface is not None else "the component"
            raise ComponentError(f"{where} has no export named '{name}'")
        cache[key] = index
    return index


class ExportSpec:
    """What the bindings know about one exported function; built once at import."""

    __slots__ = ("interface", "name", "label", "params", "result", "unwrap", "unsupported")

    def __init__(
        self,
        interface: Optional[str],
        name: str,
        label: str,
        params: tuple[tuple[str, Conv], ...],
        result: Optional[Conv],
        *,
        unwrap: bool = False,
        unsupported: Optional[str] = None,
    ) -> None:
        self.interface = interface  # the exported instance's name, or None at world level
        self.name = name
        self.label = label  # how messages name the function, e.g. "api.greet()"
        self.params = params  # (Python parameter name, converter)
        self.result = result
        self.unwrap = unwrap  # the WIT result is `result<T, E>`: return T or raise Err(e)
        convs = [c for _, c in params] + [result]
        self.unsupported = unsupported or _first_unsupported(convs)


class ExportFunc:
    """A callable for one export of one instance: lowers arguments, calls, lifts the result."""

    __slots__ = (
        "state",
        "spec",
        "label",
        "func",
        "convs",
        "n",
        "owned",
        "args",
        "res",
        "res_ptr",
        "busy",
    )

    def __init__(self, state: InstanceState, spec: ExportSpec) -> None:
        self.state = state
        self.spec = spec
        self.label = spec.label
        index = _export_index(state.component, spec.interface, spec.name)
        func = state.instance.get_func(state.store, index)
        if func is None:
            raise ComponentError(f"{spec.label}: the component's export is not a function")
        self.func = ctypes.pointer(func._func)
        self.convs = tuple(conv for _, conv in spec.params)
        self.n = len(self.convs)
        self.owned = tuple(i for i, conv in enumerate(self.convs) if conv.owned)
        self.args = (_Val * max(self.n, 1))()
        self.res = _Val()
        self.res_ptr = ctypes.pointer(self.res) if spec.result is not None else None
        self.busy = False  # set during a call, so a re-entrant call gets its own buffers

    def _free(self, args: Any, count: int) -> None:
        for i in self.owned:
            if i < count:
                arg = args[i]
                _val_delete(byref(arg))
                arg.kind = K_BOOL  # `_val_delete` leaves the freed payload in place

    def __call__(self, *values: Any) -> Any:
        state = self.state
        if state.failure is not None:
            raise state.unusable(self.label)
        spec = self.spec
        if spec.unsupported is not None:
            raise NotImplementedError(
                f"{self.label}: {spec.unsupported} are not supported by these bindings yet"
            )
        n = self.n
        if len(values) != n:
            raise TypeError(f"{self.label} takes {n} argument(s), got {len(values)}")
        if self.busy:
            args: Any = (_Val * max(n, 1))()
            res = _Val()
            res_ptr = ctypes.pointer(res) if spec.result is not None else None
        else:
            args, res, res_ptr = self.args, self.res, self.res_ptr
        self.busy = True
        try:
            i = 0
            try:
                for conv, value in zip(self.convs, values):
                    conv.lower(value, args[i])
                    i += 1
            except _Bad as bad:
                self._free(args, i)
                raise bad.error(f"{self.label}: argument '{spec.params[i][0]}'") from None
            except BaseException:
                self._free(args, i)
                raise
            err = _func_call(self.func, state.ctx, args, n, res_ptr, 0 if res_ptr is None else 1)
            if self.owned:
                self._free(args, n)
            if err:
                state.fail(err, self.label)
            result = spec.result
            if result is None:
                return None
            try:
                value = result.lift(res)
            finally:
                if result.owned:
                    _val_delete(res_ptr)
                    # wasmtime drops whatever the result slot holds before writing the next
                    # result into it, so the freed payload must not stay there.
                    res.kind = K_BOOL
            if spec.unwrap:
                if type(value) is Ok:
                    return value.value
                raise value
            return value
        finally:
            self.busy = False


# --------------------------------------------------------------------------------------------
# Host functions (imports)

_PENDING = threading.local()  # the exception a host function raised, until the export call sees it


def _take_pending() -> Optional[BaseException]:
    exc: Optional[BaseException] = getattr(_PENDING, "exc", None)
    if exc is not None:
        _PENDING.exc = None
    return exc


class HostFunc:
    """One imported function, implemented by a Python callable."""

    __slots__ = ("fn", "params", "result", "unwrap", "label", "unsupported")

    def __init__(
        self,
        fn: Callable[..., Any],
        label: str,
        params: tuple[tuple[str, Conv], ...],
        result: Optional[Conv],
        *,
        unwrap: bool = False,
        unsupported: Optional[str] = None,
    ) -> None:
        self.fn = fn
        self.label = label
        self.params = tuple(conv for _, conv in params)
        self.result = result
        self.unwrap = unwrap
        self.unsupported = unsupported or _first_unsupported([*self.params, result])

    def invoke(self, args: Any, results: Any) -> None:
        if self.unsupported is not None:
            raise NotImplementedError(
                f"{self.label}: {self.unsupported} are not supported by these bindings yet"
            )
        values = [conv.lift(args[i]) for i, conv in enumerate(self.params)]
        if self.unwrap:
            try:
                out: Any = Ok(self.fn(*values))
            except Err as err:
                out = err
        else:
            out = self.fn(*values)
        result = self.result
        if result is None:
            if out is not None:
                raise TypeError(
                    f"{self.label} returned {_short(out)}, but the WIT function has no result"
                )
            return
        try:
            result.lower(out, results[0])
        except _Bad as bad:
            raise bad.error(f"{self.label}: return value") from None


_HOST_FUNCS: dict[int, HostFunc] = {}
_HOST_IDS = iter(range(1, 1 << 62))
_HOST_LOCK = threading.Lock()


def _error_pointer(message: str) -> int:
    raw = message.replace("\0", " ").encode("utf-8", "replace")
    ptr = _error_new(raw)
    return int(ctypes.cast(ptr, ctypes.c_void_p).value or 0)


def _host_entry(
    data: Optional[int], ctx: Any, ty: Any, args: Any, nargs: int, results: Any, nresults: int
) -> int:
    # Everything is caught, BaseException included: an exception escaping a ctypes callback
    # kills the process (notes §5). It is kept for the export caller, which re-raises it.
    try:
        _HOST_FUNCS[data or 0].invoke(args, results)
        return 0
    except BaseException as exc:
        _PENDING.exc = exc
        try:
            return _error_pointer(f"host function raised {type(exc).__name__}")
        except BaseException:
            return _error_pointer("host function failed")


def _host_finalize(data: Optional[int]) -> None:
    _HOST_FUNCS.pop(data or 0, None)


_HOST_ENTRY = _b.wasmtime_component_func_callback_t(_host_entry)
_HOST_FINALIZE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(_host_finalize)


def add_host_func(linker: LinkerInstance, name: str, func: HostFunc) -> None:
    """Define the import `name` in `linker` (an open `LinkerInstance`) as `func`."""
    if linker.locked:
        raise wasmtime.WasmtimeError(
            "cannot use linker instance while it's in use by other instances"
        )
    with _HOST_LOCK:
        key = next(_HOST_IDS)
        _HOST_FUNCS[key] = func
    raw = name.encode("utf-8")
    err = _add_func(
        linker.ptr(), ctypes.create_string_buffer(raw), len(raw), _HOST_ENTRY, key, _HOST_FINALIZE
    )
    if err:
        _HOST_FUNCS.pop(key, None)
        raise wasmtime.WasmtimeError._from_ptr(err)


# --------------------------------------------------------------------------------------------
# Loading

_ENGINE: Optional[wasmtime.Engine] = None
_ENGINE_LOCK = threading.Lock()

PathLike = Union[str, "os.PathLike[str]"]


def default_engine() -> wasmtime.Engine:
    """The engine `load` uses when given none: one per process, made on first use."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = wasmtime.Engine()
        return _ENGINE


def default_wasi() -> wasmtime.WasiConfig:
    """WASI for an untrusted plugin: stdout and stderr inherited; no stdin, environment, arguments,
    files or sockets."""
    config = wasmtime.WasiConfig()
    config.inherit_stdout()
    config.inherit_stderr()
    return config


def new_linker(engine: wasmtime.Engine) -> Linker:
    """A linker with WASI 0.2 defined, as real guest toolchains import it even when the WIT does not."""
    linker = Linker(engine)
    linker.add_wasip2()
    return linker


def new_store(engine: wasmtime.Engine, wasi: Optional[wasmtime.WasiConfig]) -> wasmtime.Store:
    """A store with a WASI context (`wasi`, or `default_wasi()`): a component that calls WASI in a
    store without one aborts the process (notes §4)."""
    store = wasmtime.Store(engine)
    store.set_wasi(wasi if wasi is not None else default_wasi())
    return store


def compile_component(engine: wasmtime.Engine, path: PathLike) -> Component:
    return Component.from_file(engine, os.fspath(path))
