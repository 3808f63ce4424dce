"""Run-time support for witgen's wasmtime host bindings (copied into each generated package as `_rt.py`).

Stage: run time. Generated code builds, once at import, one converter object per WIT type (`U32`,
`List(STRING)`, `Record(Point, ...)`, ...) and one `FuncSpec` per exported function; at
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
import functools
import hashlib
import importlib
import math
import mmap
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
import typing
import warnings
import weakref
from ctypes import byref
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, TypeVar, Union

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime._ffi import dll as _dll
from wasmtime.component import Component, ExportIndex, Instance, Linker, LinkerInstance

from ._values import Bad as _Bad
from ._values import Err, Ok, Some
from ._values import short as _short
from ._values import wrong_type as _wrong_type

__all__ = [
    "Ok",
    "Err",
    "Some",
    "ComponentError",
    "WasmTrap",
    "InstanceUnusable",
    "DeadlineExceeded",
    "OutOfFuel",
    "ComponentExit",
    "CacheWarning",
]


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

# The kinds of `wasmtime_component_valtype_t` (not those of values, `K_*`).
VT_BOOL, VT_S8, VT_S16, VT_S32, VT_S64, VT_U8, VT_U16, VT_U32, VT_U64 = range(9)
VT_F32, VT_F64, VT_CHAR, VT_STRING, VT_LIST, VT_RECORD, VT_TUPLE, VT_VARIANT = range(9, 17)
VT_ENUM, VT_OPTION, VT_RESULT, VT_FLAGS, VT_OWN, VT_BORROW, VT_FUTURE, VT_STREAM = range(17, 25)
VT_ERROR_CONTEXT, VT_MAP = 25, 26
_VT_NAMES = (
    "bool s8 s16 s32 s64 u8 u16 u32 u64 f32 f64 char string list record tuple variant enum"
    " option result flags own borrow future stream error-context map"
).split()
_VT_OF = {name: i for i, name in enumerate(_VT_NAMES)}  # a primitive's WIT name -> its kind

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

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind == VT_LIST and t.element(vt.of.list).kind == VT_U8:
            return None
        return t.mismatch(vt, "list<u8>", path)


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

    def wit_type(self) -> str:
        return f"list<{self.elem.wit_type()}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind != VT_LIST:
            return t.mismatch(vt, self.wit_type(), path)
        return self.elem.check(t, t.element(vt.of.list), [*path, "element"])


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

    def wit_type(self) -> str:
        return f"tuple<{', '.join(e.wit_type() for e in self.elems)}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        items = t.elements(vt.of.tuple) if vt.kind == VT_TUPLE else []
        if vt.kind != VT_TUPLE or len(items) != len(self.elems):
            return t.mismatch(vt, self.wit_type(), path)
        for i, (conv, item) in enumerate(zip(self.elems, items)):
            problem = conv.check(t, item, [*path, f"item {i}"])
            if problem is not None:
                return problem
        return None


class Record(Conv):
    """`record` <-> a dataclass; `fields` are (Python attribute, WIT field name, converter)."""

    __slots__ = ("cls", "name", "fields", "names")

    def __init__(self, cls: type, wit_name: str, fields: tuple[tuple[str, str, Conv], ...]) -> None:
        super().__init__(
            f"record {wit_name} ({cls.__name__})", True, _first_unsupported(c for _, _, c in fields)
        )
        self.cls = cls
        self.name = wit_name
        self.fields = tuple((py, name.encode(), conv) for py, name, conv in fields)
        self.names = [name for _, name, _ in fields]

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

    def wit_type(self) -> str:
        return self.name

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind != VT_RECORD:
            return t.mismatch(vt, f"record {self.name}", path)
        fields = t.fields(vt.of.record)
        actual = [name for name, _ in fields]
        if actual != self.names:
            what = f'record "{self.name}"'
            return t.at(path, _differences(what, "field", self.names, actual, t.world))
        for name, (_, _, conv), (_, field) in zip(self.names, self.fields, fields):
            problem = conv.check(t, field, [*path, f'field "{name}"'])
            if problem is not None:
                return problem
        return None


class Enum(Conv):
    """`enum` <-> an `enum.Enum` whose members are in WIT order."""

    __slots__ = ("cls", "name", "names", "to_name", "from_name")

    def __init__(self, cls: type[enum.Enum], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"enum {wit_name} ({cls.__name__})", True)
        self.cls = cls
        self.name = wit_name
        self.names = list(names)
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

    def wit_type(self) -> str:
        return self.name

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return _check_names(self, "enum", "case", VT_ENUM, t, vt, path)


class Flags(Conv):
    """`flags` <-> an `enum.Flag` whose members are in WIT order."""

    __slots__ = ("cls", "name", "names", "members", "from_name")

    def __init__(self, cls: type[enum.Flag], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"flags {wit_name} ({cls.__name__})", True)
        self.cls = cls
        self.name = wit_name
        self.names = list(names)
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

    def wit_type(self) -> str:
        return self.name

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return _check_names(self, "flags", "flag", VT_FLAGS, t, vt, path)


def _check_names(
    conv: Any, what: str, kind: str, vt_kind: int, t: TypeCheck, vt: Any, path: list[str]
) -> Optional[str]:
    """`Conv.check` of an enum or flags type: the same names, in the same order."""
    if vt.kind != vt_kind:
        return t.mismatch(vt, f"{what} {conv.name}", path)
    actual = t.names(vt)
    if actual == conv.names:
        return None
    return t.at(path, _differences(f'{what} "{conv.name}"', kind, conv.names, actual, t.world))


class Variant(Conv):
    """`variant` <-> one dataclass per case; `cases` are (case class, WIT case name, payload)."""

    __slots__ = ("name", "cases", "by_class", "by_name")

    def __init__(self, wit_name: str, cases: tuple[tuple[type, str, Optional[Conv]], ...]) -> None:
        names = " | ".join(cls.__name__ for cls, _, _ in cases)
        super().__init__(
            f"variant {wit_name} ({names})", True, _first_unsupported(c for _, _, c in cases)
        )
        self.name = wit_name
        self.cases = [(name, conv) for _, name, conv in cases]
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

    def wit_type(self) -> str:
        return self.name

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind != VT_VARIANT:
            return t.mismatch(vt, f"variant {self.name}", path)
        cases = t.cases(vt.of.variant)
        actual = [name for name, _ in cases]
        expected = [name for name, _ in self.cases]
        if actual != expected:
            what = f'variant "{self.name}"'
            return t.at(path, _differences(what, "case", expected, actual, t.world))
        for (name, conv), (_, payload) in zip(self.cases, cases):
            where = [*path, f'case "{name}"']
            if conv is None or payload is None:
                if conv is not payload:  # one has a payload, the other none
                    has = "no payload" if payload is None else f"a {t.describe(payload)} payload"
                    says = "no payload" if conv is None else conv.wit_type()
                    return t.at(where, f"{has}, but world {t.world} says {says}")
                continue
            problem = conv.check(t, payload, where)
            if problem is not None:
                return problem
        return None


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

    def wit_type(self) -> str:
        return f"option<{self.payload.wit_type()}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind != VT_OPTION:
            return t.mismatch(vt, self.wit_type(), path)
        return self.payload.check(t, t.payload(vt.of.option), [*path, "some"])


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

    def wit_type(self) -> str:
        parts = [c.wit_type() if c is not None else "_" for c in (self.ok, self.err)]
        return f"result<{parts[0]}, {parts[1]}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        if vt.kind != VT_RESULT:
            return t.mismatch(vt, self.wit_type(), path)
        ok, err = t.ok_err(vt.of.result)
        if (ok is None) != (self.ok is None) or (err is None) != (self.err is None):
            return t.mismatch(vt, self.wit_type(), path)
        for label, conv, part in (("ok", self.ok, ok), ("err", self.err, err)):
            if conv is not None:
                problem = conv.check(t, part, [*path, label])
                if problem is not None:
                    return problem
        return None


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


# --------------------------------------------------------------------------------------------
# Calling exports


class InstanceState:
    """One instantiated component in its store: what every `ExportFunc` of it shares."""

    __slots__ = (
        "store",
        "component",
        "instance",
        "ctx",
        "failure",
        "limits",
        "arm",
        "resources",
        "host_objects",
    )

    def __init__(
        self, store: wasmtime.Store, component: Component, instance: Instance, contract: Contract
    ) -> None:
        # Before the first call: the converters are only sound for components of the world's
        # types (`Contract`). `load` and `instantiate` checked already; the world class made
        # from an instance of the caller's own making checks here.
        admit(store, component, contract, "the component")
        self.store = store
        self.component = component
        self.instance = instance
        self.ctx = store._context()
        self.failure: Optional[str] = None  # why the instance is unusable, once it is
        self.limits = store_limits(store)  # deadline, fuel, memory limit (see `limit_store`)
        self.resources: dict[type, type] = {}  # exported resource class -> bound (`bind_resource`)
        # The host objects the store's instances hold handles of (host resources): kept alive by
        # the instances of the store, released when the last is closed or unreachable.
        self.host_objects: Optional[HostObjects] = claim_host_objects(self.ctx)
        # A host function that failed during instantiation (a start function calling an import)
        # left its exception behind; it must not surface in this instance's first failed call.
        _take_pending()
        self.arm = self.limits.arm if self.limits is not None else None

    def unusable(self, label: str) -> InstanceUnusable:
        return InstanceUnusable(
            f"{label}: this component instance can no longer be used ({self.failure});"
            " load the component again"
        )

    def close(self) -> None:
        """Retire the instance; the last instance of its store to close releases the store's
        host objects, running their `drop()` hooks (the first exception of one is raised once
        every hook ran)."""
        if self.failure is None:
            self.failure = "it was closed"
        objects = self.host_objects
        if objects is not None:
            self.host_objects = None
            objects.users -= 1
            if objects.users <= 0:
                objects.release_all()

    def fail(self, err: Any, label: str) -> NoReturn:
        """Raise the error of a failed call (`err` is the C error pointer) and retire the instance.

        wasmtime refuses every later call into an instance after any in-call failure ("cannot
        enter component instance", notes §5), so this records why and later calls say so.
        """
        error = wasmtime.WasmtimeError._from_ptr(err)
        pending, what = _take_pending()
        limits = self.limits
        stopped = limits is not None and limits.stopped
        if limits is not None:
            limits.stopped = False
        if pending is not None:
            if what == "Ctrl-C" or isinstance(pending, KeyboardInterrupt):  # Ctrl-C (SIGINT)
                self.failure = f"it was interrupted ({type(pending).__name__}) during {label}"
                note = f"(interrupted during {label}; "
            else:
                self.failure = f"a {what} raised {type(pending).__name__} during {label}"
                note = f"(raised by a {what} during {label}; "
            _add_note(
                pending,
                note + "this component instance can no longer be used: load the component again)",
            )
            raise pending
        if isinstance(error, wasmtime.ExitTrap):
            self.failure = f"the component exited with code {error.code} during {label}"
            raise ComponentExit(
                f"{label}: the component exited with code {error.code}; this component instance"
                " can no longer be used: load the component again",
                error.code,
            ) from error
        trap = trap_error(label, str(error), limits, stopped)  # a DeadlineExceeded, ...
        self.failure = str(trap).split("; this component instance", 1)[0]
        raise trap from error


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


# `FuncSpec.unsupported` of an async function (the generator's phrase).
ASYNC_FUNCTIONS = "async functions"


class FuncSpec:
    """What the bindings know about one function the component exports or imports (the host
    implements it); built once at import, checked against the component at load (`Contract`)."""

    __slots__ = ("interface", "name", "label", "params", "result", "unwrap", "unsupported")

    def __init__(
        self,
        interface: Optional[str],
        name: str,
        label: str,
        params: tuple[tuple[str, str, Conv], ...],
        result: Optional[Conv],
        *,
        unwrap: bool = False,
        unsupported: Optional[str] = None,
    ) -> None:
        self.interface = interface  # the instance's name ("ns:pkg/api@1.0.0"), None at world level
        self.name = name  # the WIT name, e.g. "greet" or "[method]counter.get"
        self.label = label  # how messages name the function, e.g. "api.greet()"
        self.params = params  # (Python parameter name, WIT parameter name, converter)
        self.result = result
        self.unwrap = unwrap  # the WIT result is `result<T, E>`: return T or raise Err(e)
        convs = [c for _, _, c in params] + [result]
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

    def __init__(self, state: InstanceState, spec: FuncSpec) -> None:
        self.state = state
        self.spec = spec
        self.label = spec.label
        index = _export_index(state.component, spec.interface, spec.name)
        func = state.instance.get_func(state.store, index)
        if func is None:
            raise ComponentError(f"{spec.label}: the component's export is not a function")
        self.func = ctypes.pointer(func._func)
        self.convs = tuple(conv for _, _, conv in spec.params)
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
            if state.arm is not None:
                state.arm()  # this call's deadline and fuel
            err = _func_call(self.func, state.ctx, args, n, res_ptr, 0 if res_ptr is None else 1)
            if self.owned:
                self._free(args, n)
            if err:
                state.fail(err, self.label)
            if _DEFERRED and threading.get_ident() == _MAIN_THREAD:
                _run_deferred()  # Ctrl-C taken in a callback too late to end the call
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


def _take_pending() -> tuple[Optional[BaseException], str]:
    """The exception a callback left for the export call, and which callback it was."""
    exc: Optional[BaseException] = getattr(_PENDING, "exc", None)
    if exc is not None:
        _PENDING.exc = None
    return exc, getattr(_PENDING, "what", "")


class HostFunc:
    """One imported function (`spec`), implemented by a Python callable."""

    __slots__ = ("fn", "spec", "params", "result", "unwrap", "label", "unsupported")

    def __init__(self, fn: Callable[..., Any], spec: FuncSpec) -> None:
        self.fn = fn
        self.spec = spec
        self.label = spec.label
        self.params = tuple(conv for _, _, conv in spec.params)
        self.result = spec.result
        self.unwrap = spec.unwrap
        self.unsupported = spec.unsupported

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


def check_host(host: Any, protocol: type, world: str) -> None:
    """Raise `TypeError` naming all that `host` lacks of what `protocol` (the world's generated
    imports protocol) asks for: a function, an interface's object (checked the same way, against
    its `Host` protocol), a resource's class (a subclass of the generated base class, with no
    abstract method left) or a property. Done by `add_to_linker`, so `load` reports it before the
    component runs, rather than an `AttributeError` from inside a call."""
    missing: list[str] = []
    _lacks(host, protocol, "host", missing)
    if missing:
        raise TypeError(
            f"the host object does not provide what world {world} imports: {'; '.join(missing)}"
        )


def _lacks(obj: Any, protocol: type, path: str, out: list[str]) -> None:
    for name, member in vars(protocol).items():
        if name.startswith("_"):
            continue
        where = f"{path}.{name}"
        if isinstance(member, property):
            try:
                hint = typing.get_type_hints(member.fget).get("return")
            except Exception:  # a name the annotation uses is not importable: check presence
                hint = None
            if typing.get_origin(hint) is type:  # `type[R]`: the host's class of resource R
                base = typing.get_args(hint)[0]
                value = getattr(obj, name, None)
                if not (isinstance(value, type) and issubclass(value, base)):
                    out.append(f"{where} is not a subclass of {base.__qualname__}")
                elif getattr(value, "__abstractmethods__", None):
                    left = ", ".join(sorted(getattr(value, "__abstractmethods__")))
                    out.append(f"{where} ({value.__qualname__}) does not implement {left}")
            elif isinstance(hint, type) and getattr(hint, "_is_protocol", False):
                value = getattr(obj, name, None)  # the object of an imported interface
                if value is None:
                    out.append(f"{where} is missing (the implementation of an interface)")
                else:
                    _lacks(value, hint, where, out)
            elif not _has(obj, name):  # a property the world's getter reads
                out.append(f"{where} is missing (a property)")
        elif callable(member) and not callable(getattr(obj, name, None)):
            out.append(f"{where}() is missing (a function)")


def _has(obj: Any, name: str) -> bool:
    # Without running a property's getter (it may have effects, or need the component).
    if name in getattr(obj, "__dict__", {}):
        return True
    return any(name in vars(k) for k in type(obj).__mro__)


_HOST_FUNCS: dict[int, HostFunc] = {}
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


# Stores whose components were checked against the world (`admit`), by the address of their
# context: the host functions of these bindings run only there. A component instantiated some
# other way (`add_to_linker`, then the caller's own `linker.instantiate`) could otherwise call
# them, from its start code, with values of other types than their converters read. An entry
# goes with its store (weakly held: the callback runs before wasmtime frees the store, so its
# address is not reused while the entry is there).
_ADMITTED: "dict[int, weakref.ref[wasmtime.Store]]" = {}

_UNCHECKED = (
    "a host function of these bindings was called by a component whose types were not checked"
    " against the world: instantiate components with the world class (`load`, `instantiate`),"
    " not with `linker.instantiate`"
)


def _forget_admitted(
    key: int, ref: Any, _admitted: "dict[int, weakref.ref[wasmtime.Store]]" = _ADMITTED
) -> None:
    # A weakref callback: may run during interpreter exit, so it uses only what it was given.
    if _admitted.get(key) is ref:
        del _admitted[key]


def admit_store(store: wasmtime.Store) -> None:
    """Let the host functions of these bindings run in `store` (its component was checked)."""
    key = ctypes.addressof(store._context().contents)
    ref = _ADMITTED.get(key)
    if ref is None or ref() is not store:
        _ADMITTED[key] = weakref.ref(store, functools.partial(_forget_admitted, key))


def admit(store: wasmtime.Store, component: Component, contract: Contract, where: str) -> None:
    """Check `component` against `contract` (`check_component`), then `admit_store(store)`."""
    check_component(component, store.engine, contract, where)
    admit_store(store)


def _host_entry(
    data: Optional[int], ctx: Any, ty: Any, args: Any, nargs: int, results: Any, nresults: int
) -> int:
    try:
        if _DEFERRED and threading.get_ident() == _MAIN_THREAD:
            _run_deferred()  # Ctrl-C, taken on the line above (see `watch_sigint`)
        if ctypes.addressof(ctx.contents) not in _ADMITTED:
            return _error_pointer(_UNCHECKED)
        _HOST_FUNCS[data or 0].invoke(args, results)
        return 0
    except BaseException as exc:
        return _callback_failed(exc, "host function")


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


def _require_unlocked(linker: LinkerInstance) -> None:
    # The C API would fail less clearly; wasmtime-py's own add_func says the same.
    if linker.locked:
        raise wasmtime.WasmtimeError(
            "cannot use linker instance while it's in use by other instances"
        )


_HOST_ENTRY = c_callback(_b.wasmtime_component_func_callback_t, _host_entry)
_HOST_FINALIZE = _finalizer(_HOST_FUNCS)


def add_host_func(linker: LinkerInstance, name: str, func: HostFunc) -> None:
    """Define the import `name` in `linker` (an open `LinkerInstance`) as `func`."""
    recorder: Any = linker
    if isinstance(recorder, _Recorder):  # `in_process`: no linker, just the function
        recorder.funcs[(recorder.instance, name)] = func
        return
    _require_unlocked(linker)
    key = _register(_HOST_FUNCS, func)
    raw = name.encode("utf-8")
    entry = getattr(func, "c_entry", _HOST_ENTRY)  # `ResourceHostFunc` has an entry of its own
    err = _add_func(
        linker.ptr(), ctypes.create_string_buffer(raw), len(raw), entry, key, _HOST_FINALIZE
    )
    if err:
        _HOST_FUNCS.pop(key, None)
        raise wasmtime.WasmtimeError._from_ptr(err)


# --------------------------------------------------------------------------------------------
# Resources
#
# Which side defines a resource decides how its values cross (shared/notes/wasmtime-py-50.md §3.6):
# * a resource the component EXPORTS gets a generated `Resource` subclass. Each object holds one
#   owned handle (a `wasmtime_component_resource_any_t`) until `close()` drops it, which runs the
#   component's destructor. `bind_resource` makes, once per instance, a subclass holding that
#   instance's functions of the resource: it is what `instance.api.Counter(...)` constructs.
#   Passed as `own<T>`, the handle moves into the component and the object is closed once the call
#   is made; passed as `borrow<T>`, a copy of the handle is lent and the object stays usable.
# * a resource the component IMPORTS is implemented by the host, as a subclass of a generated base
#   class. `HostObjects` is the table rep -> host object of one store (wasmtime's handle tables are
#   per store too): the store's `InstanceState`s keep it alive, so it goes away with them, and the
#   last one's `close()` releases it (running the `drop()` hooks). A host object keeps one rep
#   while it is in the table, however many handles of it the component holds: each crossing as
#   `own<T>` adds an own handle of that rep, and when the component drops one, wasmtime calls the
#   destructor that `add_host_resource` defined, which counts it; the object's `drop()` hook runs
#   once, when the last own handle is gone. An own handle coming back to the host gives the object
#   back (without the hook: the host owns it again). A borrowed handle a host function receives
#   becomes its object through `to_host`, which also ends the borrow, so no call fails with
#   "borrow handles still remain" (notes §3.6, §7.7).
# The converters of resources need the store context of the call they take part in (and, for
# exported resources, its instance): `ResourceExportFunc` and the host-function entry of
# `ResourceHostFunc` keep a `_ResourceCall` on a thread-local stack for them.

K_RESOURCE = 21

_ResAnyPtr = ctypes.POINTER(_b.wasmtime_component_resource_any_t)
_ResHostPtr = ctypes.POINTER(_b.wasmtime_component_resource_host_t)
_res_any_clone = _b._wasmtime_component_resource_any_clone
_res_any_delete = _b._wasmtime_component_resource_any_delete
_res_any_drop = _b._wasmtime_component_resource_any_drop
_res_any_to_host = _b._wasmtime_component_resource_any_to_host
_res_host_new = _b._wasmtime_component_resource_host_new
_res_host_rep = _b._wasmtime_component_resource_host_rep
_res_host_type = _b._wasmtime_component_resource_host_type
_res_host_delete = _b._wasmtime_component_resource_host_delete
_res_host_to_any = _b._wasmtime_component_resource_host_to_any
_add_resource = _b._wasmtime_component_linker_instance_add_resource

_CALLS = threading.local()  # `.top`: the innermost `_ResourceCall` of this thread


class _ResourceCall:
    """The resource bookkeeping of one export call, or of one host-function call."""

    __slots__ = ("ctx", "state", "made", "moved", "lent", "host_owned", "host_lent", "objects")

    def __init__(self, ctx: Any, state: Optional[InstanceState]) -> None:
        self.ctx = ctx  # the store context of the call
        self.state = state  # the instance of an export call; None in a host function
        self.made = False  # every argument (or a host function's result) crossed
        self.moved: list[Resource] = []  # exported resources passed as own: closed once made
        self.lent: list[Resource] = []  # exported resources passed as borrow
        # Host objects given an own handle: (resource, rep, a copy of the handle), taken back
        # unless the call was made; and reps lent to the component for this call only.
        self.host_owned: list[tuple[ImportedResource, int, Any]] = []
        self.host_lent: list[int] = []
        self.objects: Optional[HostObjects] = None  # the store's, once a host object crossed

    def host_objects(self) -> HostObjects:
        objects = self.objects
        if objects is None:
            objects = self.objects = store_host_objects(self.ctx)
        return objects

    def finish(self, label: str) -> None:
        objects = self.objects
        if objects is not None:
            for rep in self.host_lent:
                objects.unborrow(rep)
            for res, rep, handle in self.host_owned:
                if not self.made:
                    # The handle never reached the component: uncount it and drop it, without
                    # the drop hook (the host keeps the object). Whether wasmtime runs the
                    # destructor for it depends on where the call failed: if it does, the
                    # destructor does nothing (`quiet`).
                    objects.unown(res, rep)
                    objects.quiet += 1
                    try:
                        err = _res_any_drop(self.ctx, handle)
                    finally:
                        objects.quiet -= 1
                    if err:
                        wasmtime.WasmtimeError._from_ptr(err)  # frees it
                _res_any_delete(handle)
        if self.made:
            for value in self.moved:
                value._give_away(label)


def _call_of(conv: Conv) -> _ResourceCall:
    call: Optional[_ResourceCall] = getattr(_CALLS, "top", None)
    if call is None:
        raise ComponentError(
            f"{conv.wit} values can only cross in calls of these bindings that expect resources"
        )
    return call


_R = TypeVar("_R", bound="Resource")


class Resource:
    """Base class of the classes of resources a component exports.

    An object holds one owned handle of its component instance's resource until `close()` (or the
    end of a `with` block) drops it, which runs the component's destructor, or until it is passed
    as an `own<...>` argument, which moves the handle into the component. Either way the object is
    then closed: using it again raises `ValueError` without entering wasm. Garbage collection alone
    runs no destructor (the component keeps the resource until its instance goes away).
    """

    __slots__ = ("_handle", "_gone")
    _handle: Any  # the owned handle; None once closed
    _gone: Optional[str]  # how it was closed

    # Set by `resource_functions` on the generated class, and by `bind_resource` on the subclass
    # it makes per instance.
    _state: Optional[InstanceState] = None
    _label = "resource"  # how messages name the class, e.g. "api.Counter"
    _specs: tuple[tuple[str, FuncSpec], ...] = ()

    def __init__(self, *args: Any) -> None:
        raise TypeError(
            f"{self._label} has no constructor: values of it come from the component's functions"
        )

    def _adopt(self, other: Resource) -> None:
        """Take the handle of `other` (a constructor's result) for this object."""
        self._handle = other._handle
        self._gone = None
        other._handle = None
        other._gone = "closed"

    def _give_away(self, label: str) -> None:
        handle = self._handle
        self._handle = None
        self._gone = f"moved into the component by {label}"
        if handle is not None:
            _res_any_delete(handle)

    def close(self) -> None:
        """Drop the handle, which runs the component's destructor; closing again does nothing."""
        handle = getattr(self, "_handle", None)
        if handle is None:
            return
        self._handle = None
        self._gone = "closed"
        state = type(self)._state
        try:
            if state is not None and state.failure is None:
                if state.arm is not None:
                    state.arm()  # the destructor is a call into the component like any other
                err = _res_any_drop(state.ctx, handle)
                if err:
                    state.fail(err, f"{self._label}.close()")
        finally:
            _res_any_delete(handle)

    def __enter__(self: _R) -> _R:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Frees the handle's memory only: a destructor must not run wasm at an arbitrary moment.
        handle = getattr(self, "_handle", None)
        if handle is not None:
            self._handle = None
            try:
                _res_any_delete(handle)
            except Exception:  # interpreter shutdown
                pass

    def __repr__(self) -> str:
        handle = getattr(self, "_handle", None)
        return f"<{self._label} {'open' if handle is not None else 'closed'}>"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        # A copy would share the handle, and its memory would be freed twice.
        raise TypeError(f"{self._label} objects cannot be copied or pickled: each owns a handle")


class _Unbound:
    """A function of a generated resource class not bound to an instance: explains how to get one."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, *args: Any) -> NoReturn:
        raise TypeError(
            f"{self.label} is not bound to a component instance: use the class a loaded instance"
            f" provides, e.g. `instance.{self.label}(...)`"
        )


class UnavailableFunc:
    """An export these bindings cannot call (see `FuncSpec.unsupported`): calling it raises
    `NotImplementedError` naming the feature. It takes the place of an `ExportFunc` without
    looking the export up, so it works whether or not the component has it."""

    __slots__ = ("label", "feature")

    def __init__(self, state: Optional[InstanceState], spec: FuncSpec) -> None:
        self.label = spec.label
        self.feature = spec.unsupported

    def __call__(self, *args: Any) -> NoReturn:
        raise NotImplementedError(
            f"{self.label}: {self.feature} are not supported by these bindings yet"
        )


def resource_functions(cls: type[Resource], label: str, specs: dict[str, FuncSpec]) -> None:
    """Give generated resource class `cls` its exported functions (class attribute -> spec)."""
    cls._label = label
    cls._specs = tuple(specs.items())
    for attr in specs:
        setattr(cls, attr, _Unbound(label))


def bind_resource(state: InstanceState, cls: type[_R]) -> type[_R]:
    """The subclass of `cls` bound to `state`'s instance (made once per instance)."""
    if isinstance(state, InProcessState):
        return _bind_in_process(state, cls)
    bound = state.resources.get(cls)
    if bound is None:
        namespace: dict[str, Any] = {
            "__slots__": (),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
            "_state": state,
        }
        for attr, spec in cls._specs:
            if spec.unsupported is not None:
                namespace[attr] = UnavailableFunc(state, spec)
            else:
                namespace[attr] = ResourceExportFunc(state, spec)
        bound = type(cls.__name__, (cls,), namespace)
        state.resources[cls] = bound
    return bound


class ExportedResource:
    """A resource the component exports (as `wit_name` of the exported instance `instance`, or
    at its top level): its generated class and the converters of its handles."""

    __slots__ = ("cls", "wit", "home", "own", "borrow")

    def __init__(self, cls: type[Resource], wit_name: str, instance: Optional[str]) -> None:
        self.cls = cls
        self.wit = wit_name
        self.home = (False, instance, wit_name)  # where the component has it (`TypeCheck`)
        self.own = _ExportedOwn(self)
        self.borrow = _ExportedBorrow(self)

    def handle_of(self, value: Any, call: _ResourceCall, conv: Conv) -> Any:
        cls = self.cls
        if not isinstance(value, cls):
            raise _wrong_type(conv.wit, value)
        handle = value._handle
        if handle is None:
            raise _Bad(
                ValueError,
                f"this {cls.__name__} can no longer be used: it was {value._gone or 'closed'}",
            )
        if type(value)._state is not call.state:
            raise _Bad(ValueError, f"this {cls.__name__} belongs to another component instance")
        for other in call.moved:
            if other is value:
                raise _Bad(
                    ValueError, f"this {cls.__name__} is already moved by an earlier argument"
                )
        return handle


class _ExportedOwn(Conv):
    __slots__ = ("res",)

    def wit_type(self) -> str:
        return f"own<{self.res.wit}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return t.same_resource(vt, VT_OWN, self.res.home, self.res.wit, path)

    def __init__(self, res: ExportedResource) -> None:
        super().__init__(f"own<{res.wit}> ({res.cls.__name__})", True)
        self.res = res

    def lower(self, value: Any, dst: Any) -> None:
        call = _call_of(self)
        handle = self.res.handle_of(value, call, self)
        for other in call.lent:
            if other is value:
                raise _Bad(
                    ValueError,
                    f"this {self.res.cls.__name__} is lent by an earlier argument, so it cannot"
                    " also be moved",
                )
        dst.of.resource = _res_any_clone(handle)
        dst.kind = K_RESOURCE
        call.moved.append(value)

    def lift(self, src: Any) -> Any:
        state = _call_of(self).state
        if state is None:
            raise ComponentError(f"{self.wit}: a handle of an exported resource reached the host")
        cls = bind_resource(state, self.res.cls)
        value = cls.__new__(cls)
        value._handle = _res_any_clone(src.of.resource)
        value._gone = None
        return value


class _ExportedBorrow(Conv):
    __slots__ = ("res",)

    def wit_type(self) -> str:
        return f"borrow<{self.res.wit}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return t.same_resource(vt, VT_BORROW, self.res.home, self.res.wit, path)

    def __init__(self, res: ExportedResource) -> None:
        super().__init__(f"borrow<{res.wit}> ({res.cls.__name__})", True)
        self.res = res

    def lower(self, value: Any, dst: Any) -> None:
        call = _call_of(self)
        handle = self.res.handle_of(value, call, self)
        dst.of.resource = _res_any_clone(handle)
        dst.kind = K_RESOURCE
        call.lent.append(value)

    def lift(self, src: Any) -> Any:
        raise ComponentError(f"{self.wit}: a borrowed handle cannot be a result")


# Host resource types are named by a u32 (`ResourceType.host(id)`), one per `ImportedResource`.
# Each generated package carries its own copy of this module, so the numbering starts at a random
# point, making it unlikely that two packages used in one linker hand out the same number.
_RESOURCE_TYPE_IDS = iter(range(1 + (int.from_bytes(os.urandom(2), "little") << 12), 1 << 32))


class HostObjects:
    """The host objects (of resources the host implements) whose handles the component instances
    of one store hold or borrow: rep -> [resource, object, own handles, borrows].

    Each store has one (`store_host_objects`), kept alive by the store's `InstanceState`s only:
    when they are all unreachable it goes away, releasing its objects without running their
    `drop()` hooks; when they are all closed, `release_all` runs the hooks of the objects the
    component still owned. A store belongs to one thread at a time, so no lock is needed.
    """

    __slots__ = ("entries", "index", "next_rep", "users", "quiet", "__weakref__")

    def __init__(self) -> None:
        self.entries: dict[int, list[Any]] = {}
        self.index: dict[tuple[int, int], int] = {}  # (id(resource), id(object)) -> rep
        self.next_rep = 1
        self.users = 0  # the open `InstanceState`s of the store
        self.quiet = 0  # > 0 while uncounted handles are dropped: destructors do nothing

    def __len__(self) -> int:
        return len(self.entries)

    def objects(self) -> list[Any]:
        """The host objects in the table, in the order they entered it."""
        return [entry[1] for entry in self.entries.values()]

    def hand_out(self, res: ImportedResource, value: Any, owned: bool) -> int:
        """The rep of `value` (a new one unless it is in the table), counting one more handle."""
        key = (id(res), id(value))
        rep = self.index.get(key)
        if rep is None:
            entries = self.entries
            rep = self.next_rep
            while rep in entries:
                rep = rep % 0xFFFFFFFF + 1
            self.next_rep = rep % 0xFFFFFFFF + 1
            entries[rep] = [res, value, 0, 0]
            self.index[key] = rep
        self.entries[rep][2 if owned else 3] += 1
        return rep

    def _forget_if_unused(self, rep: int, entry: list[Any]) -> None:
        if entry[2] <= 0 and entry[3] <= 0:
            del self.entries[rep]
            del self.index[(id(entry[0]), id(entry[1]))]

    def unborrow(self, rep: int) -> None:
        entry = self.entries.get(rep)
        if entry is not None:
            entry[3] -= 1
            self._forget_if_unused(rep, entry)

    def unown(self, res: ImportedResource, rep: int) -> Optional[Any]:
        """Count one own handle of `rep` gone: the object when it was the last, else None."""
        entry = self.entries.get(rep)
        if entry is None or entry[0] is not res or entry[2] <= 0:
            return None
        entry[2] -= 1
        self._forget_if_unused(rep, entry)
        return entry[1] if entry[2] == 0 else None

    def lookup(self, res: ImportedResource, rep: int) -> Any:
        entry = self.entries.get(rep)
        if entry is None or entry[0] is not res:
            raise ComponentError(f"{res.wit}: no host object has the handle {rep} (dropped?)")
        return entry[1]

    def release_all(self) -> None:
        """Empty the table, running the `drop()` hook of each object the component still owned
        (once each); the first exception of a hook is raised after every hook ran."""
        entries = list(self.entries.values())
        self.entries.clear()
        self.index.clear()
        first: Optional[BaseException] = None
        for entry in entries:
            if entry[2] > 0:
                try:
                    entry[1].drop()
                except BaseException as exc:
                    first = first or exc
        if first is not None:
            raise first


# The `HostObjects` of each store, by the address of its context (the pointer wasmtime passes to
# host functions and destructors; stable for the store's life): weakly, as the store's
# `InstanceState`s hold it. One made before the store has an `InstanceState` (a host function
# called during instantiation) is held in `_UNCLAIMED` until the first one claims it.
_STORE_OBJECTS: "dict[int, weakref.ref[HostObjects]]" = {}
_UNCLAIMED: dict[int, HostObjects] = {}


def _store_key(ctx: Any) -> int:
    return ctypes.cast(ctx, ctypes.c_void_p).value or 0


def _forget_store(
    key: int, ref: Any, _stores: "dict[int, weakref.ref[HostObjects]]" = _STORE_OBJECTS
) -> None:
    # A weakref callback: may run during interpreter exit, so it uses only what it was given.
    if _stores.get(key) is ref:
        del _stores[key]


def find_host_objects(ctx: Any) -> Optional[HostObjects]:
    """The `HostObjects` of the store of `ctx`, if it has one."""
    ref = _STORE_OBJECTS.get(_store_key(ctx))
    return ref() if ref is not None else None


def store_host_objects(ctx: Any) -> HostObjects:
    """The `HostObjects` of the store of `ctx`, made if it has none."""
    objects = find_host_objects(ctx)
    if objects is None:
        key = _store_key(ctx)
        objects = HostObjects()
        _STORE_OBJECTS[key] = weakref.ref(objects, functools.partial(_forget_store, key))
        _UNCLAIMED[key] = objects
    return objects


def claim_host_objects(ctx: Any) -> HostObjects:
    """The `HostObjects` of the store of `ctx`, for a new `InstanceState` of it to hold."""
    objects = store_host_objects(ctx)
    _UNCLAIMED.pop(_store_key(ctx), None)
    objects.users += 1
    return objects


class ImportedResource:
    """A resource the host implements (the component imports it as `wit_name` of instance
    `instance`, or at its top level): `cls` is the generated base class of the host's class.
    Its handles' reps name host objects in the table of their store (`HostObjects`)."""

    __slots__ = ("cls", "wit", "home", "type_id", "wasm_type", "own", "borrow")

    def __init__(self, cls: type, wit_name: str, instance: Optional[str]) -> None:
        self.cls = cls
        self.wit = wit_name
        self.home = (True, instance, wit_name)  # where the component has it (`TypeCheck`)
        self.type_id = next(_RESOURCE_TYPE_IDS)
        self.wasm_type = wasmtime.component.ResourceType.host(self.type_id)
        self.own = _ImportedOwn(self)
        self.borrow = _ImportedBorrow(self)

    def hand_out(self, value: Any, call: _ResourceCall, owned: bool) -> tuple[int, Any]:
        """The rep of host object `value` in the call's store, and a new handle of it."""
        objects = call.host_objects()
        rep = objects.hand_out(self, value, owned)
        host = _res_host_new(owned, rep, self.type_id)
        handle = _ResAnyPtr()
        err = _res_host_to_any(call.ctx, host, byref(handle))
        _res_host_delete(host)
        if err:
            if owned:
                objects.unown(self, rep)
            else:
                objects.unborrow(rep)
            raise wasmtime.WasmtimeError._from_ptr(err)
        return rep, handle

    def object_of(self, call: _ResourceCall, handle: Any, owned: bool) -> Any:
        """The host object of a handle from the component; an own handle is given back."""
        host = _ResHostPtr()
        err = _res_any_to_host(call.ctx, handle, byref(host))
        if err:
            raise wasmtime.WasmtimeError._from_ptr(err)
        try:
            rep = _res_host_rep(host)
            type_id = _res_host_type(host)
        finally:
            _res_host_delete(host)
        if type_id != self.type_id:
            raise ComponentError(f"a handle of another resource type arrived as a {self.wit}")
        objects = call.host_objects()
        value = objects.lookup(self, rep)
        if owned:
            objects.unown(self, rep)  # no hook: the host owns it again
        return value


class _ImportedOwn(Conv):
    __slots__ = ("res",)

    def wit_type(self) -> str:
        return f"own<{self.res.wit}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return t.same_resource(vt, VT_OWN, self.res.home, self.res.wit, path)

    def __init__(self, res: ImportedResource) -> None:
        super().__init__(f"own<{res.wit}> (a {res.cls.__name__})", True)
        self.res = res

    def lower(self, value: Any, dst: Any) -> None:
        res = self.res
        if not isinstance(value, res.cls):
            raise _wrong_type(self.wit, value)
        call = _call_of(self)
        rep, handle = res.hand_out(value, call, True)
        call.host_owned.append((res, rep, _res_any_clone(handle)))
        dst.of.resource = handle
        dst.kind = K_RESOURCE

    def lift(self, src: Any) -> Any:
        return self.res.object_of(_call_of(self), src.of.resource, True)


class _ImportedBorrow(Conv):
    __slots__ = ("res",)

    def wit_type(self) -> str:
        return f"borrow<{self.res.wit}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return t.same_resource(vt, VT_BORROW, self.res.home, self.res.wit, path)

    def __init__(self, res: ImportedResource) -> None:
        super().__init__(f"borrow<{res.wit}> (a {res.cls.__name__})", True)
        self.res = res

    def lower(self, value: Any, dst: Any) -> None:
        res = self.res
        if not isinstance(value, res.cls):
            raise _wrong_type(self.wit, value)
        call = _call_of(self)
        rep, handle = res.hand_out(value, call, False)
        call.host_lent.append(rep)
        dst.of.resource = handle
        dst.kind = K_RESOURCE

    def lift(self, src: Any) -> Any:
        # `to_host` ends the borrow: exactly one per borrowed handle, before the call returns.
        return self.res.object_of(_call_of(self), src.of.resource, False)


class ResourceExportFunc(ExportFunc):
    """An `ExportFunc` whose parameters or result carry resources: each call runs inside a
    `_ResourceCall`, which closes the objects moved into the component once the call is made."""

    __slots__ = ()

    def __call__(self, *values: Any) -> Any:
        state = self.state
        call = _ResourceCall(state.ctx, state)
        outer = getattr(_CALLS, "top", None)
        _CALLS.top = call
        try:
            return ExportFunc.__call__(self, *values)
        finally:
            _CALLS.top = outer
            call.finish(self.label)

    def _free(self, args: Any, count: int) -> None:
        # `ExportFunc.__call__` frees all `n` arguments right after the wasm call, and only those
        # lowered so far when lowering fails: all `n` means the arguments crossed.
        if count == self.n:
            call: Optional[_ResourceCall] = getattr(_CALLS, "top", None)
            if call is not None:
                call.made = True
        ExportFunc._free(self, args, count)


def _resource_host_entry(
    data: Optional[int], ctx: Any, ty: Any, args: Any, nargs: int, results: Any, nresults: int
) -> int:
    # Everything inside `try`: nothing may escape a ctypes callback (notes §5).
    try:
        outer = getattr(_CALLS, "top", None)
        call = _ResourceCall(ctx, None)
        _CALLS.top = call
        status = 0
        try:
            status = _host_entry(data, ctx, ty, args, nargs, results, nresults)
            call.made = status == 0
        finally:
            _CALLS.top = outer
            call.finish("a host function")
        return status
    except BaseException as exc:
        return _callback_failed(exc, "host function")


_RESOURCE_HOST_ENTRY = c_callback(_b.wasmtime_component_func_callback_t, _resource_host_entry)


class ResourceHostFunc(HostFunc):
    """A `HostFunc` whose parameters or result carry resources: `add_host_func` registers it with
    an entry that gives its converters the calling store's context."""

    __slots__ = ()

    c_entry = _RESOURCE_HOST_ENTRY


def method(name: str) -> Callable[..., Any]:
    """The host function of a resource method: calls method `name` of the host object it gets."""

    def call(this: Any, *args: Any) -> Any:
        return getattr(this, name)(*args)

    return call


def getter(name: str) -> Callable[..., Any]:
    """The host function of a resource's getter: reads property `name` of the host object."""

    def call(this: Any) -> Any:
        return getattr(this, name)

    return call


def setter(name: str) -> Callable[..., Any]:
    """The host function of a resource's setter: writes property `name` of the host object."""

    def call(this: Any, value: Any) -> None:
        setattr(this, name, value)

    return call


def property_getter(host: Any, name: str) -> Callable[[], Any]:
    """The host function of an interface's or world's getter: reads property `name` of `host`
    at each call (not once, when the linker is set up)."""

    def call() -> Any:
        return getattr(host, name)

    return call


def property_setter(host: Any, name: str) -> Callable[[Any], None]:
    """The host function of an interface's or world's setter: writes property `name` of `host`."""

    def call(value: Any) -> None:
        setattr(host, name, value)

    return call


_RESOURCE_DTORS: dict[int, ImportedResource] = {}


def _resource_dtor(data: Optional[int], ctx: Any, rep: int) -> int:
    # Runs when the component drops an own handle of a host resource. Like `_host_entry`, it
    # catches everything and leaves the exception for the export call that is running.
    try:
        objects = find_host_objects(ctx)
        if objects is not None and not objects.quiet:
            value = objects.unown(_RESOURCE_DTORS[data or 0], rep)
            if value is not None:
                value.drop()
        return 0
    except BaseException as exc:
        return _callback_failed(exc, "resource destructor")


_RESOURCE_DTOR = c_callback(_b.wasmtime_component_resource_destructor_t, _resource_dtor)
_RESOURCE_FINALIZE = _finalizer(_RESOURCE_DTORS)


def add_host_resource(linker: LinkerInstance, name: str, res: ImportedResource) -> None:
    """Define resource `name` in `linker` (an open `LinkerInstance`) as host resource `res`."""
    recorder: Any = linker
    if isinstance(recorder, _Recorder):  # `in_process`: host objects need no resource type
        return
    _require_unlocked(linker)
    key = _register(_RESOURCE_DTORS, res)
    raw = name.encode("utf-8")
    err = _add_resource(
        linker.ptr(),
        ctypes.create_string_buffer(raw),
        len(raw),
        res.wasm_type.ptr(),
        _RESOURCE_DTOR,
        key,
        _RESOURCE_FINALIZE,
    )
    if err:
        _RESOURCE_DTORS.pop(key, None)
        raise wasmtime.WasmtimeError._from_ptr(err)


# --------------------------------------------------------------------------------------------
# The contract: the component's own types, checked against the world's before anything runs
#
# The converters above write and read C values of the types they were generated for; a component
# of another shape would make them read the wrong member of a C union (host memory as a string,
# or a crash: shared/notes/wasmtime-py-50.md §8). So before a component is instantiated, every
# function the bindings call (exports) or implement (imports) is compared with the component's
# own types, which wasmtime reflects (`wasmtime_component_type_*`): names and order of
# parameters, record fields, variant cases, enum and flags names; the nesting of lists, options,
# results and tuples; own vs borrow, and which resource a handle is of (resource types compare by
# identity: a handle's type must be the one the component imports or exports under the name the
# world gives it). Each converter class compares its own kind (`Conv.check`), so a kind's run-time
# shape and what it accepts of a component live side by side.
#
# Equal means equal, as for a component linked against the world: extra exports are fine, a
# missing one is an error; a world import the component does not import is fine (it never calls
# it). The verdict is remembered per compiled component in the process and, for `load`, beside
# the compiled artifact in the cache, so a cached load does not pay for the check again.

# The kinds of `wasmtime_component_item_t`.
_ITEM_INSTANCE = 1
_ITEM_FUNC = 3
_ITEM_RESOURCE = 4
_ITEM_KINDS = (
    "a component",
    "an instance",
    "a core module",
    "a function",
    "a resource",
    "a core function",
    "a type",
)

_ValType = _b.wasmtime_component_valtype_t
_Item = _b.wasmtime_component_item_t
_ExternPtr = ctypes.POINTER(_b.wasmtime_component_extern_t)
_CharPtr = ctypes.POINTER(ctypes.c_char)
_valtype_delete = _b._wasmtime_component_valtype_delete
_item_delete = _b._wasmtime_component_item_delete
_extern_delete = _b._wasmtime_component_extern_delete
_extern_type = _b._wasmtime_component_extern_type
_resource_type_equal = _b._wasmtime_component_resource_type_equal


class Contract:
    """What the bindings of one world expect of a component: the functions they call (`exports`)
    and implement (`imports`). `digest` names it in verdicts (generated with the package, from
    every file of it, the runtime included, so a verdict never outlives the code that made it)."""

    __slots__ = ("world", "digest", "imports", "exports", "import_names")

    def __init__(
        self,
        world: str,
        digest: str,
        imports: tuple[FuncSpec, ...],
        exports: tuple[FuncSpec, ...],
        import_names: tuple[str, ...] = (),
    ) -> None:
        self.world = world  # "ns:pkg/world@1.0.0", as messages name it
        self.digest = digest
        self.imports = imports
        self.exports = exports
        # Every name the world imports at the top level (interfaces, functions, types).
        self.import_names = frozenset(import_names)


# component -> the digests of the contracts it was found to keep
_VERDICTS: "weakref.WeakKeyDictionary[Component, set[str]]" = weakref.WeakKeyDictionary()
_VERDICTS_LOCK = threading.Lock()


def kept(component: Component, contract: Contract) -> bool:
    """Whether `component` is known (in this process) to keep `contract`."""
    with _VERDICTS_LOCK:
        return contract.digest in _VERDICTS.get(component, ())


def check_component(
    component: Component, engine: wasmtime.Engine, contract: Contract, where: str
) -> None:
    """Raise `ComponentError` naming the first difference between the types of `component` and
    what `contract` expects (`where` starts the message, e.g. the file's path); remember a
    component found to keep it."""
    if kept(component, contract):
        return
    check = TypeCheck(component, engine, contract.world)
    try:
        problem = check.first_problem(contract)
    finally:
        check.close()
    if problem is not None:
        raise ComponentError(f"{where}: {problem}")
    with _VERDICTS_LOCK:
        _VERDICTS.setdefault(component, set()).add(contract.digest)


def semver_key(name: str) -> str:
    """What `name` ("ns:pkg/iface@1.2.3") has in common with the names of versions wasmtime
    treats as compatible with it (in linking and in looking up exports): the package and
    interface, and the version's major number (`@1`), or `@0.minor`, or the whole `@0.0.patch`; a
    pre-release version is compatible with itself only."""
    base, at, version = name.partition("@")
    version = version.split("+", 1)[0]
    if not at or "-" in version:
        return name
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return name
    major, minor, patch = (int(p) for p in parts)
    if major:
        return f"{base}@{major}"
    if minor:
        return f"{base}@0.{minor}"
    return f"{base}@0.0.{patch}"


def top_level_names(ctype: Any, engine: Any, imported: bool) -> list[str]:
    """The names of the top-level imports (or exports) of component type `ctype`."""
    if imported:
        count, nth = (
            _b._wasmtime_component_type_import_count,
            _b._wasmtime_component_type_import_nth,
        )
    else:
        count, nth = (
            _b._wasmtime_component_type_export_count,
            _b._wasmtime_component_type_export_nth,
        )
    out = []
    name, size, ext = _CharPtr(), ctypes.c_size_t(), _ExternPtr()
    for i in range(count(ctype, engine)):
        nth(ctype, engine, i, byref(name), byref(size), byref(ext))
        _extern_delete(ext)
        out.append(_string_at(name, size.value).decode("utf-8"))
    return out


def _name_list(names: Any) -> str:
    return ", ".join(names) if names else "none"


def _differences(what: str, kind: str, expected: list[str], actual: list[str], world: str) -> str:
    """How the component's `actual` names of `what`'s `kind`s (fields, cases, ...) differ from
    the world's `expected` ones, which they do."""
    for name in expected:
        if name not in actual:
            return f'{what} has no {kind} "{name}" (the component\'s has {_name_list(actual)})'
    for name in actual:
        if name not in expected:
            return f'{what} has a {kind} "{name}" that world {world} does not have'
    return (
        f"{what} has its {kind}s in another order ({_name_list(actual)}), but world {world}"
        f" says ({_name_list(expected)})"
    )


class TypeCheck:
    """One comparison of a component's types with a world's (see `check_component`).

    Everything wasmtime hands out while it runs (types, items) is owned here and freed by
    `close()`, as the values read from them are only kept until then.
    """

    def __init__(self, component: Component, engine: wasmtime.Engine, world: str) -> None:
        self.engine = engine.ptr()
        self.world = world
        self.ctype = _b._wasmtime_component_type(component.ptr())
        self.vals: list[Any] = []
        self.items: list[Any] = []
        self.instances: dict[tuple[bool, str], Any] = {}
        self.resources: dict[tuple[bool, Optional[str], str], Any] = {}
        self.top_names: dict[bool, list[str]] = {}

    def close(self) -> None:
        for vt in self.vals:
            _valtype_delete(byref(vt))
        for item in self.items:
            _item_delete(byref(item))
        self.vals.clear()
        self.items.clear()
        _b._wasmtime_component_type_delete(self.ctype)

    # --- items: what the component imports and exports ---

    def _extern(self, get: Any, owner: Any, name: str) -> Optional[Any]:
        ext = _ExternPtr()
        raw = name.encode("utf-8")
        if not get(owner, self.engine, raw, len(raw), byref(ext)):
            return None
        item = _Item()
        _extern_type(ext, byref(item))
        _extern_delete(ext)
        self.items.append(item)
        return item

    def item(self, imported: bool, instance: Optional[str], name: str) -> Optional[Any]:
        """The component's import (or export) `name`, of instance `instance` or at its top level;
        None when it has none (also when the instance is not an instance)."""
        if instance is None:
            get = (
                _b._wasmtime_component_type_import_get
                if imported
                else (_b._wasmtime_component_type_export_get)
            )
            found = self._extern(get, self.ctype, name)
            if found is None and "@" in name:
                # wasmtime links an import, and finds an export, of a compatible version too
                # (`@1.0.1` for `@1.0.0`): so must the check.
                compatible = semver_key(name)
                for other in self.top_level(imported):
                    if other != name and semver_key(other) == compatible:
                        return self._extern(get, self.ctype, other)
            return found
        key = (imported, instance)
        if key not in self.instances:
            self.instances[key] = self.item(imported, None, instance)
        inst = self.instances[key]
        if inst is None or inst.kind != _ITEM_INSTANCE:
            return None
        return self._extern(
            _b._wasmtime_component_instance_type_export_get, inst.of.component_instance, name
        )

    def top_level(self, imported: bool) -> list[str]:
        """The names of the component's top-level imports (or exports)."""
        if imported not in self.top_names:
            self.top_names[imported] = top_level_names(self.ctype, self.engine, imported)
        return self.top_names[imported]

    def resource(self, imported: bool, instance: Optional[str], name: str) -> Optional[Any]:
        """The resource type the component imports (or exports) as `name` of `instance`."""
        key = (imported, instance, name)
        if key not in self.resources:
            item = self.item(imported, instance, name)
            self.resources[key] = (
                item.of.resource if item is not None and item.kind == _ITEM_RESOURCE else None
            )
        return self.resources[key]

    # --- value types ---

    def _new(self) -> Any:
        vt = _ValType()
        self.vals.append(vt)
        return vt

    def element(self, lst: Any) -> Any:
        vt = self._new()
        _b._wasmtime_component_list_type_element(lst, byref(vt))
        return vt

    def payload(self, opt: Any) -> Any:
        vt = self._new()
        _b._wasmtime_component_option_type_ty(opt, byref(vt))
        return vt

    def ok_err(self, res: Any) -> tuple[Optional[Any], Optional[Any]]:
        ok, err = self._new(), self._new()
        has_ok = _b._wasmtime_component_result_type_ok(res, byref(ok))
        has_err = _b._wasmtime_component_result_type_err(res, byref(err))
        return (ok if has_ok else None), (err if has_err else None)

    def async_payload(self, vt: Any) -> Optional[Any]:
        """The payload type of a future or stream type `vt`, if it has one."""
        out = self._new()
        if vt.kind == VT_FUTURE:
            has = _b._wasmtime_component_future_type_ty(vt.of.future, byref(out))
        else:
            has = _b._wasmtime_component_stream_type_ty(vt.of.stream, byref(out))
        return out if has else None

    def elements(self, tup: Any) -> list[Any]:
        out = []
        for i in range(_b._wasmtime_component_tuple_type_types_count(tup)):
            vt = self._new()
            _b._wasmtime_component_tuple_type_types_nth(tup, i, byref(vt))
            out.append(vt)
        return out

    def fields(self, rec: Any) -> list[tuple[str, Any]]:
        out = []
        name, size = _CharPtr(), ctypes.c_size_t()
        for i in range(_b._wasmtime_component_record_type_field_count(rec)):
            vt = self._new()
            _b._wasmtime_component_record_type_field_nth(
                rec, i, byref(name), byref(size), byref(vt)
            )
            out.append((_string_at(name, size.value).decode("utf-8"), vt))
        return out

    def cases(self, var: Any) -> list[tuple[str, Optional[Any]]]:
        out: list[tuple[str, Optional[Any]]] = []
        name, size, has = _CharPtr(), ctypes.c_size_t(), ctypes.c_bool()
        for i in range(_b._wasmtime_component_variant_type_case_count(var)):
            vt = self._new()
            _b._wasmtime_component_variant_type_case_nth(
                var, i, byref(name), byref(size), byref(has), byref(vt)
            )
            out.append((_string_at(name, size.value).decode("utf-8"), vt if has.value else None))
        return out

    def names(self, vt: Any) -> list[str]:
        """The names of enum or flags type `vt`, in order."""
        if vt.kind == VT_ENUM:
            ty, count, nth = (
                vt.of.enum_,
                _b._wasmtime_component_enum_type_names_count,
                (_b._wasmtime_component_enum_type_names_nth),
            )
        else:
            ty, count, nth = (
                vt.of.flags,
                _b._wasmtime_component_flags_type_names_count,
                (_b._wasmtime_component_flags_type_names_nth),
            )
        out = []
        name, size = _CharPtr(), ctypes.c_size_t()
        for i in range(count(ty)):
            nth(ty, i, byref(name), byref(size))
            out.append(_string_at(name, size.value).decode("utf-8"))
        return out

    def describe(self, vt: Any, depth: int = 0) -> str:
        """Type `vt` in WIT terms, shortened below the first level."""
        kind: int = vt.kind
        if kind == VT_LIST:
            return f"list<{self.describe(self.element(vt.of.list), depth + 1)}>"
        if kind == VT_OPTION:
            return f"option<{self.describe(self.payload(vt.of.option), depth + 1)}>"
        if kind == VT_RESULT:
            ok, err = self.ok_err(vt.of.result)
            parts = [self.describe(t, depth + 1) if t is not None else "_" for t in (ok, err)]
            return f"result<{parts[0]}, {parts[1]}>"
        if kind == VT_TUPLE:
            inner = ", ".join(self.describe(t, depth + 1) for t in self.elements(vt.of.tuple))
            return f"tuple<{inner}>"
        if kind in (VT_FUTURE, VT_STREAM):
            payload = self.async_payload(vt)
            name = _VT_NAMES[kind]
            return name if payload is None else f"{name}<{self.describe(payload, depth + 1)}>"
        if kind in (VT_RECORD, VT_VARIANT, VT_ENUM, VT_FLAGS):
            if kind == VT_RECORD:
                parts = [
                    f"{n}: {self.describe(t, depth + 1)}" if depth <= 1 else n
                    for n, t in self.fields(vt.of.record)
                ]
            elif kind == VT_VARIANT:
                parts = [
                    f"{n}({self.describe(t, depth + 1)})" if t is not None and depth <= 1 else n
                    for n, t in self.cases(vt.of.variant)
                ]
            else:
                parts = self.names(vt)
            text = ", ".join(parts)
            if len(text) > 80:
                text = text[:77] + "..."
            return f"{_VT_NAMES[kind]} {{ {text} }}"
        if kind in (VT_OWN, VT_BORROW):
            return f"{_VT_NAMES[kind]}<a resource>"
        if 0 <= kind < len(_VT_NAMES):
            return _VT_NAMES[kind]
        return f"a type wasmtime names {kind}"

    def mismatch(self, vt: Any, expected: str, path: list[str]) -> str:
        """The message for a value of type `vt` where the world has `expected`."""
        return self.at(path, f"{self.describe(vt)}, but world {self.world} says {expected}")

    def at(self, path: list[str], problem: str) -> str:
        """`problem` found at `path` (in a function's parameters or result), as a message."""
        if len(path) == 1 and path[0] == "result" and ", but world" in problem:
            return f" returns {problem}"
        return f", {' > '.join(path)}: {problem}"

    def same_resource(
        self, vt: Any, handle: int, home: tuple[bool, Optional[str], str], wit: str, path: list[str]
    ) -> Optional[str]:
        """Whether `vt` is a handle (`handle`: VT_OWN or VT_BORROW) of the resource the component
        imports or exports where the world defines it (`home`)."""
        expected = f"{_VT_NAMES[handle]}<{wit}>"
        if vt.kind != handle:
            return self.mismatch(vt, expected, path)
        imported, instance, name = home
        res = self.resource(imported, instance, name)
        if res is None or not _resource_type_equal(
            vt.of.own if handle == VT_OWN else vt.of.borrow, res
        ):
            where = f"interface {instance}" if instance is not None else "the world"
            return self.at(
                path,
                f"a handle of another resource, but world {self.world} says {expected} (of"
                f" {where})",
            )
        return None

    # --- functions ---

    def first_problem(self, contract: Contract) -> Optional[str]:
        for spec in contract.exports:
            problem = self.function(spec, False)
            if problem is not None:
                return problem
        for spec in contract.imports:
            problem = self.function(spec, True)
            if problem is not None:
                return problem
        return None

    def function(self, spec: FuncSpec, imported: bool) -> Optional[str]:
        side = "import" if imported else "export"
        subject = f'{side} "{spec.name}"'
        if spec.interface is not None:
            subject += f' of interface "{spec.interface}"'
        item = self.item(imported, spec.interface, spec.name)
        if item is None:
            if imported or spec.unsupported is not None:
                # It does not call the import; the bindings never call the export (wasmtime-py
                # cannot, and wasmtime 50 compiles no component with a getter or setter).
                return None
            if spec.interface is not None and self.item(False, None, spec.interface) is None:
                return (
                    f'the component does not export interface "{spec.interface}", which world'
                    f" {self.world} exports"
                )
            return f"the component has no {subject}, which world {self.world} has"
        if item.kind != _ITEM_FUNC:
            kind = _ITEM_KINDS[item.kind] if 0 <= item.kind < len(_ITEM_KINDS) else "not a function"
            return f"{subject} is {kind}, but world {self.world} says a function"
        fn = item.of.component_func
        is_async = bool(_b._wasmtime_component_func_type_async(fn))
        if is_async != (spec.unsupported == ASYNC_FUNCTIONS):
            how = "async" if is_async else "not async"
            return f"{subject} is {how}, but world {self.world} says the opposite"
        return self.signature(fn, spec, subject)

    def signature(self, fn: Any, spec: FuncSpec, subject: str) -> Optional[str]:
        count = _b._wasmtime_component_func_type_param_count(fn)
        params = []
        name, size = _CharPtr(), ctypes.c_size_t()
        for i in range(count):
            vt = self._new()
            _b._wasmtime_component_func_type_param_nth(fn, i, byref(name), byref(size), byref(vt))
            params.append((_string_at(name, size.value).decode("utf-8"), vt))
        actual = [n for n, _ in params]
        expected = [wit for _, wit, _ in spec.params]
        if actual != expected:
            return _differences(subject, "parameter", expected, actual, self.world)
        for (_, wit, conv), (_, vt) in zip(spec.params, params):
            problem = conv.check(self, vt, [f'parameter "{wit}"'])
            if problem is not None:
                return subject + problem
        vt = self._new()
        has_result = _b._wasmtime_component_func_type_result(fn, byref(vt))
        if spec.result is None:
            if has_result:
                return f"{subject} returns {self.describe(vt)}, but world {self.world} says nothing"
            return None
        if not has_result:
            return (
                f"{subject} returns nothing, but world {self.world} says"
                f" {spec.result.wit_type()}"
            )
        problem = spec.result.check(self, vt, ["result"])
        return None if problem is None else subject + problem


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


def default_wasi(stderr: Optional[StderrTail] = None) -> wasmtime.WasiConfig:
    """WASI for an untrusted plugin: stdout and stderr inherited (stderr through `stderr`, which
    keeps its end, when given); no stdin, environment, arguments, files or sockets."""
    config = wasmtime.WasiConfig()
    config.inherit_stdout()
    if stderr is None:
        config.inherit_stderr()
    else:
        capture_stderr(config, stderr)
    return config


def new_linker(engine: wasmtime.Engine) -> Linker:
    """A linker with WASI 0.2 defined, as real guest toolchains import it even when the WIT does not."""
    linker = Linker(engine)
    linker.add_wasip2()
    return linker


def new_store(
    engine: wasmtime.Engine,
    wasi: Optional[wasmtime.WasiConfig],
    stderr: Optional[StderrTail] = None,
) -> wasmtime.Store:
    """A store with a WASI context (`wasi`, or `default_wasi(stderr)`): a component that calls
    WASI in a store without one aborts the process (notes §4)."""
    store = wasmtime.Store(engine)
    store.set_wasi(wasi if wasi is not None else default_wasi(stderr))
    return store


# --------------------------------------------------------------------------------------------
# Untrusted components: engines, per-call limits, the compiled-component cache (`load`)
#
# A plugin is untrusted (issue 3). `prepare_load` gives it: a deadline per export call (epoch
# interruption: one daemon ticker thread per engine advances the epoch every `EPOCH_TICK` seconds,
# and each call sets the store's deadline first), a memory limit (store limits), optional fuel
# (refilled before each call), WASI with nothing granted but stdout and stderr, and wasi:http only
# when the caller allows it (wasmtime-py 50 cannot filter outgoing requests, notes §1).
#
# Compiled components are cached on disk as `Component.serialize()` output. Loading an entry runs
# its native code, so the folder must be the user's own and writable by nobody else (or it is not
# used), each entry carries a sha256 of its contents (a damaged one is recompiled and replaced),
# and entries are written to a temporary file and renamed into place, so concurrent writers never
# expose a partial file. The key covers the component's bytes, the wasmtime build and the engine's
# configuration (see `engine_info`), since `Component.deserialize` accepts only artifacts of the
# same version and configuration (notes §6.4).


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


EPOCH_TICK = 0.01  # seconds between epoch increments: the deadline's resolution
_monotonic = time.monotonic

# `load`'s defaults for an untrusted component (docs/untrusted.md says why): a deadline per call,
# and at most this many bytes per linear memory (a componentize-py plugin needs about 16 MiB).
DEFAULT_DEADLINE = 10.0
DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024
# Caps on what a store may hold, far above what real guests use (a componentize-py plugin: 16
# instances, 2 tables of under 10,000 elements, 1 memory), so no component can exhaust the host
# through them.
STORE_CAPS = {"instances": 200, "tables": 100, "memories": 10, "table_elements": 1_000_000}
_FOREVER = 1 << 62  # a deadline or an amount of fuel that is never reached
_TRAP_INTERRUPT = "wasm trap: interrupt"
_TRAP_FUEL = "all fuel consumed"

_set_epoch_deadline = _b._wasmtime_context_set_epoch_deadline
_set_fuel = _b._wasmtime_context_set_fuel


def new_engine(*, epoch_interruption: bool = False, consume_fuel: bool = False) -> wasmtime.Engine:
    """A new engine with wasmtime's default configuration plus these two switches."""
    config = wasmtime.Config()
    config.epoch_interruption = epoch_interruption
    config.consume_fuel = consume_fuel
    return wasmtime.Engine(config)


_LIMITED_ENGINES: dict[tuple[bool, bool], wasmtime.Engine] = {}


def shared_engine(*, epoch_interruption: bool, consume_fuel: bool) -> wasmtime.Engine:
    """The process-wide engine for these switches, made on first use (`default_engine()` when both
    are off). Code compiled for one engine configuration cannot run in another, so there is one
    engine per combination."""
    if not epoch_interruption and not consume_fuel:
        return default_engine()
    key = (epoch_interruption, consume_fuel)
    with _ENGINE_LOCK:
        engine = _LIMITED_ENGINES.get(key)
        if engine is None:
            engine = new_engine(epoch_interruption=epoch_interruption, consume_fuel=consume_fuel)
            _LIMITED_ENGINES[key] = engine
        return engine


@dataclasses.dataclass(frozen=True)
class EngineInfo:
    """What `load` needs to know about an engine; wasmtime-py has no way to read a `Config` back."""

    fingerprint: str  # sha256 of a tiny component compiled and serialized by the engine
    epoch_interruption: bool
    consume_fuel: bool


# A component with one function that does nothing: compiled, serialized and called once per engine.
_PROBE_WAT = (
    '(component (core module $m (func (export "f"))) (core instance $i (instantiate $m))'
    ' (func (export "f") (canon lift (core func $i "f"))))'
)
_ENGINE_INFO: "weakref.WeakKeyDictionary[wasmtime.Engine, EngineInfo]" = weakref.WeakKeyDictionary()
_INFO_LOCK = threading.Lock()


def engine_info(engine: wasmtime.Engine) -> EngineInfo:
    """Probe `engine` once (about a millisecond) and remember the answer while it lives.

    The fingerprint hashes what the engine writes when it serializes a fixed component: wasmtime
    embeds there everything `deserialize` checks (target, compiler flags, CPU features, tunables
    such as fuel and epoch interruption, wasm features), and the code itself reflects the rest
    (the optimization level). Fuel is on when a store can report its fuel; epoch interruption is on
    when a call with a deadline of zero ticks is interrupted.
    """
    with _INFO_LOCK:
        info = _ENGINE_INFO.get(engine)
    if info is not None:
        return info
    probe = Component(engine, _PROBE_WAT)
    fingerprint = hashlib.sha256(bytes(probe.serialize())).hexdigest()
    store = wasmtime.Store(engine)
    try:
        store.get_fuel()
        consume_fuel = True
    except wasmtime.WasmtimeError:
        consume_fuel = False
    if consume_fuel:
        store.set_fuel(1 << 20)
    store.set_epoch_deadline(0)  # does nothing without epoch interruption
    func = Linker(engine).instantiate(store, probe).get_func(store, "f")
    assert func is not None
    try:
        func(store)
        epoch_interruption = False
    except wasmtime.WasmtimeError as err:
        if _TRAP_INTERRUPT not in str(err):
            raise
        epoch_interruption = True
    info = EngineInfo(fingerprint, epoch_interruption, consume_fuel)
    with _INFO_LOCK:
        _ENGINE_INFO[engine] = info
    return info


_TICKERS: "weakref.WeakKeyDictionary[wasmtime.Engine, threading.Thread]" = (
    weakref.WeakKeyDictionary()
)


def start_ticker(engine: wasmtime.Engine) -> None:
    """Make sure one daemon thread advances `engine`'s epoch every `EPOCH_TICK` seconds.

    The thread holds the engine only weakly and ends once the engine is gone.
    """
    with _ENGINE_LOCK:
        if engine in _TICKERS:
            return
        thread = threading.Thread(
            target=_tick, args=(weakref.ref(engine),), name="witgen-epoch-ticker", daemon=True
        )
        _TICKERS[engine] = thread
    thread.start()


# A forked child has none of its parent's threads: its engines need tickers of their own.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_TICKERS.clear)


def _tick(ref: "weakref.ref[wasmtime.Engine]") -> None:
    # Ticks follow the monotonic clock, not the count of sleeps: a late wake-up is made up by the
    # next sleep being shorter (after a long stall, such as a suspended machine, the schedule
    # starts again rather than ticking in a burst).
    due = time.monotonic() + EPOCH_TICK
    while True:
        time.sleep(max(0.0, due - time.monotonic()))
        engine = ref()
        if engine is None:
            return
        engine.increment_epoch()
        del engine
        due += EPOCH_TICK
        now = time.monotonic()
        if now - due > 1.0:
            due = now + EPOCH_TICK


class Limits:
    """What `load` watches in one store: its limits, and why a call into it was stopped.

    Every store `load` makes has an epoch deadline callback (`_epoch_reached`, every few ticks
    while wasm runs): it ends the call once `deadline` has passed by the monotonic clock, and lets
    Ctrl-C through (see `watch_sigint`). `arm` (None when there is nothing to do) runs before each
    call into the store; `stderr` keeps the end of what the component wrote to its stderr, when
    `load` captures it (`default_wasi`), for trap messages.
    """

    __slots__ = (
        "deadline",
        "fuel",
        "memory_limit",
        "arm",
        "deadline_at",
        "stopped",
        "stderr",
        "__weakref__",
    )

    def __init__(
        self, deadline: Optional[float], fuel: Optional[int], memory_limit: Optional[int]
    ) -> None:
        self.deadline = deadline
        self.fuel = fuel
        self.memory_limit = memory_limit
        self.arm: Optional[Callable[[], object]] = None
        self.deadline_at: Optional[float] = None  # monotonic time the running call must end by
        self.stopped = False  # the call ran past its deadline (set by `_epoch_reached`)
        self.stderr: Optional[StderrTail] = None


_STORE_LIMITS: "weakref.WeakKeyDictionary[wasmtime.Store, Limits]" = weakref.WeakKeyDictionary()


def store_limits(store: wasmtime.Store) -> Optional[Limits]:
    """The limits `limit_store` gave `store`, if any (read once per instance)."""
    return _STORE_LIMITS.get(store)


# How often (in ticks) a running call looks at the clock and at Ctrl-C: 50 ms.
CHECK_TICKS = 5

_WATCHED: dict[int, Limits] = {}  # the `data` of `_epoch_reached` -> the store's limits
_MAIN_THREAD = threading.main_thread().ident


def _epoch_reached(ctx: Any, data: Optional[int], delta: Any, kind: Any) -> int:
    """wasmtime's epoch deadline callback (on the thread running wasm): end the call when its
    deadline passed, or when Ctrl-C was pressed (see `watch_sigint`); else go on for a while."""
    try:
        if _DEFERRED and threading.get_ident() == _MAIN_THREAD:
            _run_deferred()  # the SIGINT handler: usually raises KeyboardInterrupt
        limits = _WATCHED.get(data or 0)
        ticks = CHECK_TICKS
        if limits is not None and limits.deadline_at is not None:
            left = limits.deadline_at - time.monotonic()
            if left <= 0:
                limits.stopped = True
                return _error_pointer(_DEADLINE_PASSED)
            ticks = min(ticks, max(1, math.ceil(left / EPOCH_TICK)))
        delta[0] = ticks
        kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
        return 0
    except BaseException as exc:
        return _callback_failed(exc, "Ctrl-C")


_DEADLINE_PASSED = "the call's deadline passed"
_EPOCH_CALLBACK = c_callback(_b._wasmtime_store_epoch_deadline_callback.argtypes[1], _epoch_reached)
_EPOCH_FINALIZE = _finalizer(_WATCHED)


def _watch(store: wasmtime.Store, limits: Limits) -> None:
    """Give `store` the epoch deadline callback, first reached within `CHECK_TICKS` ticks."""
    key = _register(_WATCHED, limits)
    _b._wasmtime_store_epoch_deadline_callback(store.ptr(), _EPOCH_CALLBACK, key, _EPOCH_FINALIZE)
    _set_epoch_deadline(store._context(), CHECK_TICKS)


def limit_store(
    store: wasmtime.Store,
    engine: wasmtime.Engine,
    *,
    deadline: Optional[float] = None,
    fuel: Optional[int] = None,
    memory_limit: Optional[int] = None,
) -> Limits:
    """Apply `load`'s limits to `store` (of `engine`), before anything is instantiated in it.

    `deadline` needs an engine with epoch interruption and `fuel` one that consumes fuel. An engine
    that consumes fuel stops wasm at once in a store that has none, so a store of one gets endless
    fuel when the caller asks for no limit. With epoch interruption (every engine `load` makes has
    it) the store is watched (`_epoch_reached`): for the deadline, and for Ctrl-C.
    """
    _check_limits(deadline, fuel, memory_limit)
    info = engine_info(engine)
    if deadline is not None and not info.epoch_interruption:
        raise ValueError(
            f"deadline={deadline!r} needs an engine made with epoch interruption on"
            " (wasmtime.Config().epoch_interruption = True); this engine has it off (pass"
            " deadline=None to load without a deadline)"
        )
    if fuel is not None and not info.consume_fuel:
        raise ValueError(
            "fuel= needs an engine made with fuel on (wasmtime.Config().consume_fuel = True);"
            " this engine has it off"
        )
    limits = Limits(deadline, fuel, memory_limit)
    store.set_limits(memory_size=-1 if memory_limit is None else memory_limit, **STORE_CAPS)
    ctx = store._context()
    arms: list[Callable[[], object]] = []
    if info.epoch_interruption:
        start_ticker(engine)
        _watch(store, limits)
        watch_sigint()
        if deadline is not None:
            arms.append(functools.partial(_arm_deadline, limits, ctx, deadline))
    if info.consume_fuel:
        if fuel is None:
            _check_error(_set_fuel(ctx, _FOREVER))
        else:
            arms.append(functools.partial(_set_fuel_checked, ctx, fuel))
    if len(arms) == 1:
        limits.arm = arms[0]
    elif arms:
        first, second = arms

        def arm() -> None:
            first()
            second()

        limits.arm = arm
    _STORE_LIMITS[store] = limits
    return limits


def _arm_deadline(limits: Limits, ctx: Any, deadline: float) -> None:
    limits.deadline_at = _monotonic() + deadline
    if deadline < CHECK_TICKS * EPOCH_TICK:
        # `_epoch_reached` may be up to `CHECK_TICKS` ticks away: bring it within the deadline.
        # (A longer deadline needs no call: the callbacks on the way close in on it.)
        _set_epoch_deadline(ctx, max(1, math.ceil(deadline / EPOCH_TICK)))


def _check_error(err: Any) -> None:
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)


def _set_fuel_checked(ctx: Any, fuel: int) -> None:
    _check_error(_set_fuel(ctx, fuel))


def _check_limits(
    deadline: Optional[float], fuel: Optional[int], memory_limit: Optional[int]
) -> None:
    if deadline is not None:
        if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
            raise TypeError(f"deadline must be a number of seconds or None, got {_short(deadline)}")
        if not 0 < deadline < 1e9:  # also refuses NaN
            raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
    for name, value in (("fuel", fuel), ("memory_limit", memory_limit)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int or None, got {_short(value)}")
        if not 0 < value < _FOREVER:
            raise ValueError(f"{name} must be a positive int below 2**62, got {value}")


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

_DEFERRED: list[tuple[int, Any]] = []
_ENTRIES: set[Any] = set()  # the code of the C callbacks (filled at the end of the module)
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


# --------------------------------------------------------------------------------------------
# What a trap says


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


# The compiled-component cache
#
# Bounded: componentize-py's output is not byte-reproducible, so every rebuild of a plugin is a
# new 35-40 MB entry. After writing an entry, `load` evicts the least recently used ones until
# the folder holds at most `cache_max_bytes()` (`WITGEN_CACHE_MAX_BYTES`, default 1 GiB; an
# environment variable because the folder is shared by processes and by every generated package's
# copy of this module, so a per-call or per-package setting could not bound it). Each use of an
# entry sets its modification time (`os.utime`), which orders them: access times are not kept
# reliably (`relatime`, `noatime` mounts). Eviction is safe with concurrent processes: an entry is
# only read during `load` (opened and mapped, hashed, then copied by wasmtime into memory of its
# own), and on POSIX a file that is open or mapped lives on after its name is removed, so a
# reader never sees it vanish half-way (on Windows removing it fails and it is skipped); an entry
# used or written in the last `_EVICT_GRACE` seconds is never evicted, so one that another
# process has just touched or published stays. An evicted entry's contract verdicts
# (`<key>.<contract>.kept`) go with it; the `.path` memos name a file's digest, not an entry, so
# one whose entry is gone only leads to compiling again.

import logging as _logging  # here, beside the one thing that logs

_CACHE_MAGIC = b"witgen compiled component 1\n"
# `load` says what it compiles (seconds for a real plugin) on this logger, at INFO.
_LOG = _logging.getLogger("witgen")
CACHE_MAX_ENV = "WITGEN_CACHE_MAX_BYTES"
DEFAULT_CACHE_MAX_BYTES = 1 << 30
_EVICT_GRACE = 60.0  # seconds: an entry used or written this recently is never evicted
_STALE_TEMPORARY = 3600.0  # seconds: a temporary file this old is a dead writer's
# engine -> cache key -> the component, while something uses it
_COMPILED: (
    "weakref.WeakKeyDictionary[wasmtime.Engine, weakref.WeakValueDictionary[str, Component]]"
) = weakref.WeakKeyDictionary()
_COMPILED_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/witgen/components`, else `~/.cache/witgen/components`
    (`%LOCALAPPDATA%\\witgen\\components` on Windows)."""
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "witgen" / "components"


@functools.lru_cache(maxsize=1)
def _wasmtime_build() -> str:
    """Which wasmtime runs here: the version from the package's metadata would cost ~10 ms to
    read, so the native library's path, size and modification time name the build instead."""
    library = os.path.abspath(str(getattr(_dll, "_name", "") or wasmtime.__file__))
    try:
        st = os.stat(library)
        return f"{library}\0{st.st_size}\0{st.st_mtime_ns}"
    except OSError:
        return library


def _unsafe_folder(folder: Path) -> Optional[str]:
    """Why `folder` (which exists) must not hold native code to run, or None when it may.

    The folder must be a directory owned by the user that nobody else can write; every folder
    above it (as written and after resolving symlinks) must be owned by the user or root and not
    writable by others unless sticky (like /tmp), so nobody else can swap it for their own.
    """
    getuid = getattr(os, "geteuid", None)
    if getuid is None:  # Windows: no POSIX owners; the default is under the user's own profile
        return None if folder.is_dir() else f"{folder} is not a folder"
    uid = getuid()
    st = os.stat(folder)
    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a folder"
    if st.st_uid != uid:
        return f"{folder} is owned by user id {st.st_uid}, not by this user ({uid})"
    if st.st_mode & 0o022:
        return f"{folder} can be written by others (mode {stat.S_IMODE(st.st_mode):#o})"
    lexical = Path(os.path.abspath(folder))
    seen: set[Path] = set()
    for above in [*lexical.parents, *folder.resolve().parents]:
        if above in seen:
            continue
        seen.add(above)
        st = os.stat(above)
        if st.st_uid not in (uid, 0):
            return f"{above}, above {folder}, is owned by another user (id {st.st_uid})"
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            return (
                f"{above}, above {folder}, can be written by others"
                f" (mode {stat.S_IMODE(st.st_mode):#o})"
            )
    return None


def cache_folder(cache: Union[bool, PathLike]) -> Optional[Path]:
    """The folder `cache` names (`True`: `default_cache_dir()`), created with mode 0o700 when
    missing; None, with a `CacheWarning`, when it cannot be made or is not safe to use."""
    if cache is False:
        return None
    try:
        if cache is True:
            folder = default_cache_dir()
        elif isinstance(cache, (str, os.PathLike)):
            folder = Path(os.fspath(cache))
        else:
            raise TypeError(f"cache must be a bool or a folder path, got {_short(cache)}")
    except (RuntimeError, KeyError) as err:  # no home folder to be found
        warnings.warn(
            f"not using the compiled-component cache: no folder for it ({err}); compiling instead",
            CacheWarning,
            stacklevel=3,
        )
        return None
    try:
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:  # made meanwhile by another process
                pass
        problem = _unsafe_folder(folder)
    except OSError as err:
        problem = f"{folder} cannot be used ({err})"
    if problem is not None:
        warnings.warn(
            f"not using the compiled-component cache: {problem}; compiling instead",
            CacheWarning,
            stacklevel=3,
        )
        return None
    return folder


def _cache_key(digest: bytes, info: EngineInfo) -> str:
    """The entry name for a component whose bytes have sha256 `digest`, compiled by `info`'s engine."""
    material = b"\0".join(
        [
            _CACHE_MAGIC,
            _wasmtime_build().encode("utf-8", "surrogateescape"),
            info.fingerprint.encode("ascii"),
            digest,
        ]
    )
    return hashlib.sha256(material).hexdigest()


# Reading and hashing an 18 MB component costs more than the rest of a cached load, so the cache
# also remembers, per component path, the file's identity (device, inode, size, mtime and ctime in
# nanoseconds; ctime cannot be set back by a program) with its sha256: while they match, the file
# is neither read nor hashed. Memos live beside the entries as `<sha256 of the path>.path`.


def _file_identity(st: os.stat_result) -> str:
    return f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _memo_path(folder: Path, path: PathLike) -> Path:
    where = os.path.abspath(os.fspath(path)).encode("utf-8", "surrogateescape")
    return folder / f"{hashlib.sha256(where).hexdigest()}.path"


def _remembered_digest(folder: Path, path: PathLike) -> Optional[bytes]:
    try:
        st = os.stat(path)
        memo = _memo_path(folder, path).read_text(encoding="ascii")
    except (OSError, UnicodeError):
        return None
    identity, _, digest = memo.rpartition(" ")
    if identity != _file_identity(st) or len(digest) != 64:
        return None
    try:
        return bytes.fromhex(digest)
    except ValueError:
        return None


def _remember_digest(folder: Path, path: PathLike, st: os.stat_result, digest: bytes) -> None:
    memo = _memo_path(folder, path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".path", dir=folder)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(f"{_file_identity(st)} {digest.hex()}")
        os.replace(tmp, memo)
    except OSError:
        pass  # only a shortcut: the next load hashes the file again


def _read_entry(path: Path) -> Optional[memoryview]:
    """The serialized component in the cache entry `path` (a view into a buffer read once, which
    `_deserialize` passes to wasmtime without copying it); None when it is missing, damaged or
    not the user's own file."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        st = os.fstat(file.fileno())
        getuid = getattr(os, "geteuid", None)
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022:
            return None
        if getuid is not None and st.st_uid != getuid():
            return None
        if st.st_size < len(_CACHE_MAGIC) + 32:
            return None
        try:
            # A private, copy-on-write mapping: read as hashing needs it, never copied (ctypes
            # wants a writable buffer; nothing writes to it).
            data: Any = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
        except (OSError, ValueError):
            return None
    head = len(_CACHE_MAGIC)
    if data[:head] != _CACHE_MAGIC:
        return None
    payload = memoryview(data)[head + 32 :]
    if hashlib.sha256(payload).digest() != data[head : head + 32]:
        return None
    return payload


def _deserialize(engine: wasmtime.Engine, payload: memoryview) -> Component:
    """`Component.deserialize` without its copy of the (tens of MB) payload into ctypes memory."""
    n = len(payload)
    array = (ctypes.c_uint8 * n).from_buffer(payload)
    ptr = ctypes.POINTER(_b.wasmtime_component_t)()
    err = _b.wasmtime_component_deserialize(engine.ptr(), array, n, byref(ptr))
    del array
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)
    return Component._from_ptr(ptr)


def _write_entry(path: Path, payload: bytes) -> None:
    """Publish `payload` as the cache entry `path`: a private temporary file renamed into place,
    so a reader sees a whole entry or none; the last of several writers wins."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".cwasm", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(_CACHE_MAGIC)
            file.write(hashlib.sha256(payload).digest())
            file.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _touch(entry: Path) -> bool:
    """Mark `entry` as just used (modification times order the entries for eviction); False when
    it is not there (evicted, or the component came from memory, compiled for another folder)."""
    try:
        os.utime(entry)
    except FileNotFoundError:
        return False
    except OSError:
        pass  # not ours to touch: it only orders entries
    return True


_SIZE = re.compile(r"(\d{1,30})\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_WARNED_SIZES: set[str] = set()


def parse_cache_size(text: str) -> Optional[int]:
    """`text` (`1073741824`, `500M`, `2GiB`: K, M, G and T are powers of 1024) in bytes, or None
    for `0`, which means no cap; `ValueError` when it is no size."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size in bytes (such as 1073741824, 500M or 2G)")
    return int(match[1]) * _UNITS[match[2].lower()] or None


def cache_max_bytes() -> Optional[int]:
    """The cap on a cache folder's size: `$WITGEN_CACHE_MAX_BYTES` (None for `0`: no cap), else
    `DEFAULT_CACHE_MAX_BYTES`. A value that is no size is warned about (`CacheWarning`, once per
    process) and the default applies."""
    text = os.environ.get(CACHE_MAX_ENV, "").strip()
    if not text:
        return DEFAULT_CACHE_MAX_BYTES
    try:
        return parse_cache_size(text)
    except ValueError as err:
        if text not in _WARNED_SIZES:
            _WARNED_SIZES.add(text)
            warnings.warn(
                f"{CACHE_MAX_ENV}: {err}; the cache is capped at the default 1 GiB",
                CacheWarning,
                stacklevel=2,
            )
        return DEFAULT_CACHE_MAX_BYTES


# The names of the files the cache makes; nothing else in a folder is read, counted or removed.
_ENTRY_NAME = re.compile(r"([0-9a-f]{64})\.cwasm")
_VERDICT_NAME = re.compile(r"([0-9a-f]{64})\.[^.]+\.kept")
_MEMO_NAME = re.compile(r"[0-9a-f]{64}\.path")
_TEMPORARY_NAME = re.compile(r"\.tmp-[^.]*\.(?:cwasm|path|kept)")


@dataclasses.dataclass(frozen=True)
class CacheFile:
    path: Path
    size: int
    mtime: float  # of an entry: when it was last used


@dataclasses.dataclass
class CacheContents:
    """The files the cache made in a folder, by kind (see `cache_contents`)."""

    folder: Path
    entries: dict[str, CacheFile]  # cache key -> the compiled component
    verdicts: dict[str, list[CacheFile]]  # cache key -> its contract verdicts
    memos: list[CacheFile]  # `.path`: a component file's digest
    temporary: list[CacheFile]  # being written, or left by a writer that died

    def files(self) -> list[CacheFile]:
        verdicts = [f for kept in self.verdicts.values() for f in kept]
        return [*self.entries.values(), *verdicts, *self.memos, *self.temporary]

    @property
    def total(self) -> int:
        """Bytes in all of them."""
        return sum(f.size for f in self.files())

    @property
    def entry_bytes(self) -> int:
        return sum(f.size for f in self.entries.values())


def cache_contents(folder: PathLike) -> CacheContents:
    """What the cache folder `folder` holds (empty when it does not exist); symbolic links and
    files of other names are left out."""
    where = Path(os.fspath(folder))
    contents = CacheContents(where, {}, {}, [], [])
    try:
        listing = list(os.scandir(where))
    except FileNotFoundError:
        return contents
    for item in listing:
        try:
            if not item.is_file(follow_symlinks=False):
                continue
            st = item.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile
        file = CacheFile(Path(item.path), st.st_size, st.st_mtime)
        if match := _ENTRY_NAME.fullmatch(item.name):
            contents.entries[match[1]] = file
        elif match := _VERDICT_NAME.fullmatch(item.name):
            contents.verdicts.setdefault(match[1], []).append(file)
        elif _MEMO_NAME.fullmatch(item.name):
            contents.memos.append(file)
        elif _TEMPORARY_NAME.fullmatch(item.name):
            contents.temporary.append(file)
    return contents


def _remove(files: list[CacheFile]) -> int:
    """Remove `files`; the bytes of those removed (one open on Windows stays)."""
    freed = 0
    for file in files:
        try:
            os.unlink(file.path)
        except FileNotFoundError:
            pass  # removed by another process meanwhile
        except OSError:
            continue
        freed += file.size
    return freed


def evict(folder: Path, max_bytes: Optional[int], keep: Optional[Path] = None) -> int:
    """Remove least recently used entries of `folder` (with their verdicts) until it holds at
    most `max_bytes` (None: no cap), and temporary files of writers that died; never `keep`, nor
    an entry used or written in the last `_EVICT_GRACE` seconds. Returns the entries removed."""
    contents = cache_contents(folder)
    now = time.time()
    stale = [f for f in contents.temporary if now - f.mtime > _STALE_TEMPORARY]
    total = contents.total - _remove(stale)
    if max_bytes is None or total <= max_bytes:
        return 0
    removed = freed = 0
    for key, entry in sorted(contents.entries.items(), key=lambda item: item[1].mtime):
        if total - freed <= max_bytes:
            break
        if entry.path == keep or now - entry.mtime < _EVICT_GRACE:
            continue
        try:
            # Used since it was listed (by another process): it is no longer the oldest.
            if os.stat(entry.path, follow_symlinks=False).st_mtime != entry.mtime:
                continue
        except OSError:
            continue
        gone = _remove([entry])
        if gone:
            removed += 1
            freed += gone + _remove(contents.verdicts.get(key, []))
    if removed:
        _LOG.info(
            "evicted %d compiled component(s) (%.1f MiB) from %s to keep it under %.1f MiB (%s)",
            removed,
            freed / (1 << 20),
            folder,
            max_bytes / (1 << 20),
            CACHE_MAX_ENV,
        )
    return removed


def _evict(folder: Path, keep: Path) -> None:
    """`evict` after `load` wrote `keep`, at the cap `cache_max_bytes()`; never fails the load."""
    try:
        evict(folder, cache_max_bytes(), keep)
    except OSError as err:
        warnings.warn(
            f"could not evict old entries from the compiled-component cache {folder}: {err}",
            CacheWarning,
            stacklevel=5,
        )


def clear_cache(folder: PathLike) -> CacheContents:
    """Remove every file the cache made in `folder` (the folder stays); returns what was there."""
    contents = cache_contents(folder)
    _remove(contents.files())
    return contents


_CORE_MODULE_HEADER = b"\0asm\x01\x00\x00\x00"


def _compile(engine: wasmtime.Engine, wasm: bytes) -> Component:
    """Compile a component (the slow step the cache avoids)."""
    return Component(engine, wasm)


def _compile_file(engine: wasmtime.Engine, wasm: bytes, path: PathLike) -> Component:
    """`_compile`, with a bad file reported as a `ComponentError` naming it.

    wasmtime would read bytes without the `\\0asm` header as WAT text and answer a puzzling
    "expected `(`", so the header is checked first.
    """
    where = os.fspath(path)
    if not wasm.startswith(b"\0asm"):
        raise ComponentError(f"{where}: not a WebAssembly component (no \\0asm header)")
    if wasm.startswith(_CORE_MODULE_HEADER):
        raise ComponentError(f"{where}: a core WebAssembly module, not a component")
    try:
        return _compile(engine, wasm)
    except wasmtime.WasmtimeError as err:
        raise ComponentError(
            f"{where}: not a valid component: {' '.join(str(err).split())}"
        ) from err


def load_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike] = True
) -> Component:
    """The component at `path` compiled for `engine`: from the cache when it holds it, else
    compiled (and stored there). `cache` is `True` (the default folder), `False` (always compile)
    or a folder. Within a process, a component that is still in use is shared."""
    return _fetch_component(engine, path, cache)[0]


def _load_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike]
) -> tuple[Component, Optional[Path]]:
    """`load_component`, with the cache entry that holds the component (None without a cache)."""
    component, entry, _ = _fetch_component(engine, path, cache)
    return component, entry


def _fetch_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike]
) -> tuple[Component, Optional[Path], bool]:
    """`_load_component`, and whether it compiled the component (it was in no cache)."""
    if cache is False:
        with open(path, "rb") as file:
            return _compile_logged(engine, file.read(), path, None), None, True
    info = engine_info(engine)
    folder = cache_folder(cache)
    wasm: Optional[bytes] = None
    digest = _remembered_digest(folder, path) if folder is not None else None
    if digest is None:
        with open(path, "rb") as file:
            st = os.fstat(file.fileno())
            wasm = file.read()
        digest = hashlib.sha256(wasm).digest()
        if folder is not None:
            _remember_digest(folder, path, st, digest)
    key = _cache_key(digest, info)
    entry = folder / f"{key}.cwasm" if folder is not None else None
    with _COMPILED_LOCK:
        compiled = _COMPILED.setdefault(engine, weakref.WeakValueDictionary())
        component = compiled.get(key)
    if component is not None:
        if entry is not None and not _touch(entry):
            _store(entry, component)
        return component, entry, False
    payload = _read_entry(entry) if entry is not None else None
    if payload is not None:
        try:
            component = _deserialize(engine, payload)
        except wasmtime.WasmtimeError:
            component = None  # from another wasmtime or configuration: compiled again below
    fresh = component is None
    if component is None:
        if wasm is None:
            with open(path, "rb") as file:
                wasm = file.read()
            if hashlib.sha256(wasm).digest() != digest:  # its memo was wrong: forget it
                assert folder is not None
                _memo_path(folder, path).unlink(missing_ok=True)
                return _fetch_component(engine, path, cache)
        component = _compile_logged(engine, wasm, path, folder)
        if entry is not None:
            _store(entry, component)
    elif entry is not None:
        _touch(entry)
    with _COMPILED_LOCK:
        compiled[key] = component
    return component, entry, fresh


def _store(entry: Path, component: Component) -> None:
    """Write `component` as the cache entry `entry`, then keep the folder under its cap."""
    try:
        _write_entry(entry, bytes(component.serialize()))
    except OSError as err:
        warnings.warn(
            f"could not write the compiled-component cache entry {entry}: {err}",
            CacheWarning,
            stacklevel=4,
        )
    else:
        _evict(entry.parent, keep=entry)


def _compile_logged(
    engine: wasmtime.Engine, wasm: bytes, path: PathLike, folder: Optional[Path]
) -> Component:
    """`_compile_file`, saying on the `witgen` logger (INFO) what is compiled, why, and how long
    it took: seconds of silence otherwise, for a real plugin."""
    where = os.fspath(path)
    if _LOG.isEnabledFor(_logging.INFO):
        why = "cache=False" if folder is None else f"not in the compiled-component cache {folder}"
        _LOG.info("compiling %s (%.1f MB; %s)", where, len(wasm) / 1e6, why)
    start = time.perf_counter()
    component = _compile_file(engine, wasm, path)
    _LOG.info("compiled %s in %.1f s", where, time.perf_counter() - start)
    return component


def precompile(path: PathLike, cache: Union[bool, PathLike] = True) -> tuple[bool, Optional[Path]]:
    """Put the component at `path` into the cache for the engine `load` uses by default (epoch
    interruption, no fuel: see `prepare_load`), so that the first `load` of it is a cache hit
    (`witgen build` runs this after a build). Returns whether it compiled (False: the cache had
    it already) and the entry (None when the cache cannot be used: a `CacheWarning` says why)."""
    engine = shared_engine(epoch_interruption=True, consume_fuel=False)
    _, entry, fresh = _fetch_component(engine, path, cache)
    return fresh, entry


# A component found to keep a contract has it written down beside its cache entry, as
# `<entry>.<contract digest>.kept`: a cached load then skips the check (for a component of a few
# thousand functions the check costs more than the rest of a cached load). Trusted like the entry
# itself: only a file of the user's own in the user's own cache folder.


def _verdict_path(entry: Path, contract: Contract) -> Path:
    return entry.with_name(f"{entry.stem}.{contract.digest}.kept")


def _own_file(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    getuid = getattr(os, "geteuid", None)
    if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022:
        return False
    return getuid is None or st.st_uid == getuid()


def _check_loaded(
    component: Component,
    engine: wasmtime.Engine,
    contract: Contract,
    path: PathLike,
    entry: Optional[Path],
) -> None:
    """`check_component` for `load`, with the verdict kept in the cache."""
    if kept(component, contract):
        return
    verdict = _verdict_path(entry, contract) if entry is not None else None
    if verdict is not None and _own_file(verdict):
        with _VERDICTS_LOCK:
            _VERDICTS.setdefault(component, set()).add(contract.digest)
        return
    check_component(component, engine, contract, os.fspath(path))
    if verdict is not None:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".kept", dir=verdict.parent)
            os.close(fd)
            os.replace(tmp, verdict)
        except OSError:
            pass  # only a shortcut: the next load checks again


# `load` itself


class Loading:
    """A component being loaded: compiled and checked, with a linker that has WASI (and the
    world's imports, once the world class added them) and a limited store; `instantiate` finishes
    the job."""

    __slots__ = (
        "path",
        "engine",
        "component",
        "contract",
        "linker",
        "store",
        "limits",
        "allow_http",
    )

    def __init__(
        self,
        path: PathLike,
        engine: wasmtime.Engine,
        component: Component,
        contract: Contract,
        linker: Linker,
        store: wasmtime.Store,
        limits: Limits,
        allow_http: bool,
    ) -> None:
        self.path = path
        self.engine = engine
        self.component = component
        self.contract = contract
        self.linker = linker
        self.store = store
        self.limits = limits
        self.allow_http = allow_http

    def instantiate(self) -> Instance:
        """Instantiate the component; the limits already apply (a start function may loop too).

        What the component imports must come from the world, WASI 0.2 (as wasmtime provides it)
        or wasi:http: anything else is refused, by name. Without `allow_http`, wasi:http is
        linked to functions that trap when called, so a component that merely imports it (all
        componentize-js plugins do) still loads.
        """
        where = os.fspath(self.path)
        foreign, http = _foreign_imports(self.component, self.engine, self.contract)
        if foreign:
            raise ComponentError(
                f"{where}: the component imports {', '.join(foreign)}, which neither world"
                f" {self.contract.world} nor WASI 0.2 has (this host provides nothing else)"
            )
        if http and not self.allow_http:
            self.linker.define_unknown_imports_as_traps(self.component)
        if self.limits.arm is not None:
            self.limits.arm()
        try:
            return self.linker.instantiate(self.store, self.component)
        except wasmtime.WasmtimeError as err:
            raise self._explain(err) from err

    def _explain(self, err: wasmtime.WasmtimeError) -> Exception:
        where = f"instantiating {os.fspath(self.path)!r}"
        text = str(err)
        if "exceeds memory limits" in text and self.limits.memory_limit is not None:
            return ComponentError(
                f"{where}: the component needs more memory than memory_limit="
                f"{self.limits.memory_limit} bytes allows ({text.splitlines()[0]})"
            )
        reason = trap_reason(text)
        stopped, self.limits.stopped = self.limits.stopped, False
        if stopped or reason == _TRAP_INTERRUPT or _TRAP_FUEL in reason:
            return trap_error(where, text, self.limits, stopped)
        # e.g. a trap in the component's start code
        return ComponentError(f"{where}: {' '.join(text.split())}")


# The WASI 0.2 interfaces wasmtime's `add_wasip2` defines, by package; wasi:http is `allow_http`'s.
_WASIP2 = (
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
)
_WASI_HTTP = "wasi:http/"


def _foreign_imports(
    component: Component, engine: wasmtime.Engine, contract: Contract
) -> tuple[list[str], bool]:
    """The component's top-level imports that neither the world nor WASI 0.2 has, and whether it
    imports wasi:http."""
    ctype = _b._wasmtime_component_type(component.ptr())
    try:
        names = top_level_names(ctype, engine.ptr(), True)
    finally:
        _b._wasmtime_component_type_delete(ctype)
    known = {semver_key(name) for name in contract.import_names}
    foreign = []
    http = False
    for name in names:
        if name.startswith(_WASI_HTTP):
            http = True
        elif semver_key(name) not in known and not (name.startswith(_WASIP2) and "@0.2." in name):
            foreign.append(name)
    return foreign, http


def prepare_load(
    path: PathLike,
    contract: Contract,
    *,
    wasi: Optional[wasmtime.WasiConfig] = None,
    deadline: Optional[float] = None,
    memory_limit: Optional[int] = None,
    fuel: Optional[int] = None,
    cache: Union[bool, PathLike] = True,
    engine: Optional[wasmtime.Engine] = None,
    allow_http: bool = False,
) -> Loading:
    """Everything `load` does before the world's imports are added (see the generated `load`)."""
    _check_limits(deadline, fuel, memory_limit)
    if engine is None:
        # Always with epoch interruption: it is what lets Ctrl-C end a call (see `watch_sigint`).
        engine = shared_engine(epoch_interruption=True, consume_fuel=fuel is not None)
    elif not isinstance(engine, wasmtime.Engine):
        raise TypeError(f"engine must be a wasmtime.Engine or None, got {_short(engine)}")
    if wasi is not None and not isinstance(wasi, wasmtime.WasiConfig):
        raise TypeError(f"wasi must be a wasmtime.WasiConfig or None, got {_short(wasi)}")
    if not isinstance(cache, (bool, str, os.PathLike)):
        raise TypeError(f"cache must be a bool or a folder path, got {_short(cache)}")
    component, entry = _load_component(engine, path, cache)
    _check_loaded(component, engine, contract, path, entry)
    linker = new_linker(engine)
    if allow_http:
        linker.add_wasi_http()
    tail = StderrTail() if wasi is None else None
    store = new_store(engine, wasi, tail)
    admit_store(store)  # the component was checked above
    if allow_http:
        store.set_wasi_http()
    limits = limit_store(store, engine, deadline=deadline, fuel=fuel, memory_limit=memory_limit)
    limits.stderr = tail
    return Loading(path, engine, component, contract, linker, store, limits, allow_http)


# --------------------------------------------------------------------------------------------
# In-process plugins (`World.from_python`)
#
# A plugin module written with the guest wrappers (`<world>_guest`) runs in this interpreter,
# without being built: every value crosses the same converters as with a component (the host
# side's `Conv.lower`/`lift` through a C value, so the same checks and messages; the guest side's
# `_rt` converters between the two packages' classes), imports reach the host object through the
# `HostFunc`s `add_to_linker` makes, and a failure leaves the instance unusable as a trap would.
# Values that carry resource handles skip the C round trip (a handle needs a store): the plugin's
# objects stand behind the host's resource objects directly.


class _Recorder:
    """Takes a linker's place while a world's `add_to_linker` runs for `in_process`: keeps each
    host function by (instance name, WIT name) instead of defining it."""

    locked = False

    def __init__(self, funcs: dict[tuple[str, str], HostFunc], instance: str = "") -> None:
        self.funcs = funcs
        self.instance = instance

    def root(self) -> _Recorder:
        return self

    def add_instance(self, name: str) -> _Recorder:
        return _Recorder(self.funcs, name)

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


class _HostFailure(BaseException):
    """A host function's exception on its way through plugin code, which must not catch it (in a
    component it ends the call as a trap does); the export call raises `exc` itself."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(exc)
        self.exc = exc


def _checked_copy(conv: Conv, value: Any, where: str) -> Any:
    """`value` checked as the real call would (lowered to a C value) and lifted back afresh."""
    tmp = _Val()
    try:
        conv.lower(value, tmp)
    except _Bad as bad:
        raise bad.error(where) from None
    try:
        return conv.lift(tmp)
    finally:
        if conv.owned:
            _val_delete(byref(tmp))


def _invoke_checked(func: HostFunc, args: list[Any]) -> Any:
    """Call host function `func` with the host-side `args` through C values, as wasmtime would."""
    n = len(func.params)
    cargs = (_Val * max(n, 1))()
    res = (_Val * 1)()
    lowered = 0
    try:
        for i, (conv, value) in enumerate(zip(func.params, args)):
            try:
                conv.lower(value, cargs[i])
            except _Bad as bad:
                raise bad.error(f"{func.label}: argument {i + 1}") from None
            lowered += 1
        func.invoke(cargs, res)
        if func.result is None:
            return None
        try:
            value = func.result.lift(res[0])
        finally:
            if func.result.owned:
                _val_delete(byref(res[0]))
    finally:
        for i in range(lowered):
            if func.params[i].owned:
                _val_delete(byref(cargs[i]))
    if func.unwrap:
        if isinstance(value, Err):
            raise value
        return value.value
    return value


class InProcessState(InstanceState):
    """A plugin module running in this process: what every `InProcessFunc` of it shares."""

    def __init__(self, plugin: Any, guest: Any, host_package: str, funcs: dict[Any, Any]) -> None:
        self.store = None  # type: ignore[assignment]
        self.component = None  # type: ignore[assignment]
        self.instance = None  # type: ignore[assignment]
        self.ctx = None  # type: ignore[assignment]
        self.failure = None
        self.limits = None
        self.resources = {}
        self.host_objects = None
        self.plugin = plugin
        self.grt = importlib.import_module(f"{guest.__name__}._rt")
        self.side = _in_process_side(self, host_package)
        self.calling: Optional[str] = None  # the export being called (messages name it)
        self.backend = _in_process_backend(self, funcs)
        # (instance name or None, WIT name) -> (guest spec, kind, implementation)
        self.exports: dict[tuple[Optional[str], str], tuple[Any, str, Any]] = {}
        world = self.grt.implementation(plugin, getattr(guest, guest._WORLD_CLASS))()
        for spec in guest._EXPORTS.values():
            self.exports[(None, spec.name)] = (spec, "func", world)
        exports = importlib.import_module(f"{guest.__name__}.exports")
        for cls in vars(exports).values():
            if not isinstance(cls, type):
                continue
            module = importlib.import_module(cls.__module__)
            instance = module._INSTANCE
            impl = self.grt.implementation(plugin, cls)()
            for spec in module._EXPORTS.values():
                self.exports[(instance, spec.name)] = (spec, "func", impl)
            for base, members in module._RESOURCES.items():
                res_impl = self.grt.implementation(plugin, base)
                for member, spec in members.items():
                    kind = "constructor" if member == "__init__" else "method"
                    if isinstance(base.__dict__.get(member), staticmethod):
                        kind = "static"
                    self.exports[(instance, spec.name)] = (spec, kind, res_impl)

    def close(self) -> None:
        if self.failure is None:
            self.failure = "it was closed"


def _in_process_side(state: InProcessState, host_package: str) -> Any:
    grt = state.grt

    class HostSide(grt.ModuleSide):  # type: ignore[misc,name-defined,unused-ignore]
        """The host bindings' classes, seen from the guest package's converters."""

        ok = Ok
        err = Err
        some = Some

        def handle_out(self, conv: Any, value: Any) -> Any:
            # The plugin's object -> the host's resource object standing for it.
            cls: Any = bind_resource(state, self.peer(conv.res.cls))
            obj = cls.__new__(cls)
            obj._handle = value
            obj._gone = None
            return obj

        def handle_into(self, conv: Any, value: Any) -> Any:
            cls = self.peer(conv.res.cls)
            if not isinstance(value, cls):
                raise grt.wrong_type(conv.wit, value)
            handle = value._handle
            if handle is None:
                raise grt.Bad(
                    ValueError,
                    f"this {cls.__name__} can no longer be used: it was {value._gone or 'closed'}",
                )
            if conv.kind == "own":
                value._handle = None
                value._gone = f"moved into the component by {state.calling}"
            return handle

    return HostSide(host_package, strip=True)


def _in_process_backend(state: InProcessState, funcs: dict[Any, Any]) -> Any:
    grt = state.grt

    class InProcessBackend(grt.Backend):  # type: ignore[misc,name-defined,unused-ignore]
        """Carries the plugin's imports to the host object, through its `HostFunc`s."""

        side = state.side

        def invoke(self, spec: Any, args: list[Any]) -> Any:
            func = funcs[(spec.instance, spec.name)]
            try:
                if func.unsupported is not None:
                    raise NotImplementedError(
                        f"{func.label}: {func.unsupported} are not supported by these bindings yet"
                    )
                if isinstance(func, ResourceHostFunc):
                    return func.fn(*args)
                return _invoke_checked(func, args)
            except Err:
                if spec.unwrap:
                    raise
                raise _HostFailure(sys.exc_info()[1])  # type: ignore[arg-type]
            except BaseException as exc:
                raise _HostFailure(exc) from None

        def drop(self, peer: Any) -> None:
            hook = getattr(peer, "drop", None)
            if callable(hook):
                hook()

    return InProcessBackend()


def _carries_resources(conv: Any) -> bool:
    """Whether values of `conv` (or parts of a converter) can hold resource handles."""
    if isinstance(conv, (_ExportedOwn, _ExportedBorrow, _ImportedOwn, _ImportedBorrow)):
        return True
    if isinstance(conv, Conv):
        slots = [s for k in type(conv).__mro__ for s in getattr(k, "__slots__", ())]
        return any(_carries_resources(getattr(conv, s, None)) for s in slots)
    if isinstance(conv, (tuple, list)):
        return any(_carries_resources(part) for part in conv)
    if isinstance(conv, dict):
        return any(_carries_resources(part) for part in conv.values())
    return False


class InProcessFunc:
    """An export of an in-process plugin: the host's checks, then the plugin's implementation."""

    __slots__ = ("state", "spec", "label", "entry", "resources", "checked")

    def __init__(self, state: InProcessState, spec: FuncSpec, resources: bool) -> None:
        self.state = state
        self.spec = spec
        self.label = spec.label
        entry = state.exports.get((spec.interface, spec.name))
        if entry is None:
            raise ComponentError(f"{spec.label}: the plugin's guest package has no such export")
        self.entry = entry
        self.resources = resources  # values carry handles: no C round trip
        # The parameters checked by a C round trip: without handles (which need a store)
        self.checked = tuple(not (resources and _carries_resources(c)) for _, _, c in spec.params)

    def __call__(self, *values: Any) -> Any:
        state = self.state
        if state.failure is not None:
            raise state.unusable(self.label)
        spec = self.spec
        if spec.unsupported is not None:
            raise NotImplementedError(
                f"{self.label}: {spec.unsupported} are not supported by these bindings yet"
            )
        if len(values) != len(spec.params):
            raise TypeError(f"{self.label} takes {len(spec.params)} argument(s), got {len(values)}")
        values = tuple(
            _checked_copy(conv, value, f"{self.label}: argument '{name}'") if check else value
            for (name, _, conv), value, check in zip(spec.params, values, self.checked)
        )
        gspec, kind, target = self.entry
        if kind == "method":
            this = values[0]
            handle = getattr(this, "_handle", None)
            if handle is None:
                raise ValueError(
                    f"{self.label}: argument 'self': this {type(this).__name__} can no longer be"
                    f" used: it was {getattr(this, '_gone', None) or 'closed'}"
                )
            impl = getattr(handle, gspec.py_name)
            values = values[1:]
        elif kind == "constructor":
            impl = target
        else:
            impl = getattr(target, gspec.py_name)
        grt = state.grt
        restore = grt.use_backend(state.backend)
        calling, state.calling = state.calling, self.label
        try:
            result = grt.call_export(gspec, impl, state.side, values)
        except Err as err:
            if not spec.unwrap or spec.result is None:
                raise self._trap(err) from err
            checked = (
                _checked_copy(spec.result, err, f"{self.label}: err") if not self.resources else err
            )
            raise checked from None
        except _HostFailure as failure:
            exc = failure.exc
            state.failure = f"a host function raised {type(exc).__name__} during {self.label}"
            _add_note(
                exc,
                f"(raised by a host function during {self.label}; this component instance can no"
                " longer be used: load the component again)",
            )
            raise exc from None
        except grt.Bad as bad:  # an argument the plugin cannot take (a closed resource): no call
            raise bad.error(self.label) from None
        except Exception as exc:
            raise self._trap(exc) from exc
        finally:
            restore()
            state.calling = calling
        if spec.result is None or self.resources:
            return result
        if spec.unwrap:
            return _checked_copy(spec.result, Ok(result), f"{self.label}: return value").value
        return _checked_copy(spec.result, result, f"{self.label}: return value")

    def _trap(self, exc: BaseException) -> WasmTrap:
        """The plugin raised: as a component it would trap, and its instance would be unusable."""
        # Worded as the component's trap for the same exception is (`trap_error`).
        reason = f"{type(exc).__name__}: {exc} (the plugin's uncaught exception; it is this"
        trap = WasmTrap(
            f"{self.label} trapped: {reason} error's __cause__); this component instance can no"
            " longer be used: load the component again"
        )
        self.state.failure = str(trap).split("; this component instance", 1)[0]
        return trap


def _bind_in_process(state: InProcessState, cls: type[_R]) -> type[_R]:
    bound = state.resources.get(cls)
    if bound is None:

        def close(self: Any) -> None:
            self._handle = None  # the plugin's object goes when nothing else holds it
            self._gone = "closed"

        def give_away(self: Any, label: str) -> None:
            self._handle = None
            self._gone = f"moved into the component by {label}"

        namespace: dict[str, Any] = {
            "__slots__": (),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
            "_state": state,
            "close": close,
            "_give_away": give_away,
            "__del__": lambda self: None,
        }
        for attr, spec in cls._specs:
            if spec.unsupported is not None:
                namespace[attr] = UnavailableFunc(state, spec)
            else:
                namespace[attr] = InProcessFunc(state, spec, True)
        bound = type(cls.__name__, (cls,), namespace)
        state.resources[cls] = bound
    return bound


def in_process(
    plugin: Any, guest_package: str, host_package: str, define: Callable[[Any], None]
) -> InProcessState:
    """The state of plugin module `plugin` run in this process; `define(linker)` is the world's
    `add_to_linker` with the host object."""
    funcs: dict[tuple[str, str], HostFunc] = {}
    define(_Recorder(funcs))
    guest = _guest_package(plugin, guest_package)
    return InProcessState(plugin, guest, host_package, funcs)


def _guest_package(plugin: Any, name: str) -> Any:
    """The guest package `plugin` was written with: `name`, or a module ending in `.name` that
    the plugin imported (a package generated inside another one)."""
    for module_name, module in list(sys.modules.items()):
        if module_name == name or module_name.endswith(f".{name}"):
            world = getattr(module, getattr(module, "_WORLD_CLASS", ""), None)
            if isinstance(world, type) and any(
                isinstance(v, type) and issubclass(v, world) for v in vars(plugin).values()
            ):
                return module
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ComponentError(
            f"plugin module {getattr(plugin, '__name__', plugin)!r} does not use the guest package"
            f" `{name}` (generate it with `witgen PATH --guest -o OUT` and import it)"
        ) from None


def export_func(kind: Any, state: InstanceState, spec: FuncSpec) -> Any:
    """The callable for export `spec` of `state`'s instance: `kind` (`ExportFunc`,
    `ResourceExportFunc`, `UnavailableFunc`) for a component, an `InProcessFunc` in-process."""
    if isinstance(state, InProcessState) and kind is not UnavailableFunc:
        return InProcessFunc(state, spec, kind is ResourceExportFunc)
    return kind(state, spec)


# The C callbacks on whose first line a SIGINT is kept for later (see `watch_sigint`).
_ENTRIES.update(
    f.__code__
    for f in (_host_entry, _resource_host_entry, _resource_dtor, _epoch_reached, _stderr_entry)
)
