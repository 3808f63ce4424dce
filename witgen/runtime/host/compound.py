"""Converters of compound WIT types: lists, tuples, records, enums, flags, variants, options and
results (the rules every converter keeps are in `convert`)."""

from __future__ import annotations

from ctypes import byref
from typing import TYPE_CHECKING, Any, Optional

from .._values import Bad as _Bad
from .._values import Err, Ok, Some
from .._values import check_tuple as _check_tuple
from .._values import no_payload as _no_payload
from .._values import not_a_list as _not_a_list
from .._values import not_a_member as _not_a_member
from .._values import not_a_result as _not_a_result
from .._values import not_an_option as _not_an_option
from .._values import wrong_type as _wrong_type
from ._capi import (
    K_BOOL,
    K_ENUM,
    K_FLAGS,
    K_LIST,
    K_OPTION,
    K_RECORD,
    K_RESULT,
    K_TUPLE,
    K_VARIANT,
    VT_ENUM,
    VT_FLAGS,
    VT_LIST,
    VT_OPTION,
    VT_RECORD,
    VT_RESULT,
    VT_TUPLE,
    VT_VARIANT,
    _byte_vec_new,
    _text,
    _Val,
    _val_new,
    _valflags_new_uninit,
    _vallist_delete,
    _vallist_new_uninit,
    _valrecord_delete,
    _valrecord_new_uninit,
    _valtuple_delete,
    _valtuple_new_uninit,
)

if TYPE_CHECKING:
    import enum

    from .typecheck import TypeCheck


# --------------------------------------------------------------------------------------------
# Converters


from .._values import first_unsupported as _first_unsupported
from .convert import Conv


def _abandon(
    exc: BaseException, data: Any, done: int, n: int, delete: Any, vec: Any, at: str
) -> None:
    """Free a list or tuple whose lowering failed at item `done` of `n` (`at` names it): the items
    not written are marked payload-free first, so `delete` frees only what was written."""
    for j in range(done, n):
        data[j].kind = K_BOOL
    delete(byref(vec))
    if isinstance(exc, _Bad):
        exc.path.append(at)


class List(Conv):
    """`list<T>` <-> `list` (a `tuple` is accepted too)."""

    __slots__ = ("elem",)

    def __init__(self, elem: Conv) -> None:
        super().__init__(f"list<{elem.wit}>", True, elem.unsupported)
        self.elem = elem

    def lower(self, value: Any, dst: Any) -> None:
        if not isinstance(value, (list, tuple)):
            raise _not_a_list(self.wit, value)
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
            _abandon(exc, data, i, n, _vallist_delete, lst, f"element {i}")
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
        if type(value) is not tuple or len(value) != n:
            _check_tuple(value, n, self.wit)  # the checks and messages shared with the guest
        tup = dst.of.tuple
        _valtuple_new_uninit(byref(tup), n)
        data = tup.data
        i = 0
        try:
            for conv, item in zip(self.elems, value):
                conv.lower(item, data[i])
                i += 1
        except BaseException as exc:
            _abandon(exc, data, i, n, _valtuple_delete, tup, f"item {i}")
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
            return t.at(path, t.differences(what, "field", self.names, actual))
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
            raise _not_a_member(self.wit, value)
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
    return t.at(path, t.differences(f'{what} "{conv.name}"', kind, conv.names, actual))


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
            return t.at(path, t.differences(what, "case", expected, actual))
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
                raise _not_an_option(self.wit, value)
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
            raise _not_a_result(self.wit, value)
        res = dst.of.result
        if conv is None:
            if value.value is not None:
                raise _no_payload(segment, value.value)
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
