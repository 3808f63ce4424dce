"""Run-time support for witgen's guest wrappers (copied into each generated guest package as `_rt.py`).

Stage: run time, inside a plugin. A plugin is Python code written against the guest package's own
classes (dataclasses, enums, `Ok`/`Err`/`Some`, resource base classes: the same shapes as the host
bindings). Something else carries its calls: componentize-py's generated bindings inside a built
component, or the host bindings themselves when a host runs the plugin in-process. Both are a
`Side`: a family of classes of the same shapes, found by module and class name. This module
converts values between the guest package's classes and a side's:

* `into(value, side)`: a side's value -> the guest package's. The side produced it from a checked
  value, so this only rebuilds it.
* `out(value, side)`: a guest value -> the side's. Plugin code produced it, so this checks it and
  raises `TypeError`/`ValueError` naming the path and the WIT type.

Generated code builds one converter per WIT type at import (`U32`, `List(STRING)`, `Record(Point,
...)`; the host runtime's names) and one `ImportSpec` per imported function; an imported function
calls `call_import(spec, args)`, which the active `Backend` carries out.

This module imports only the standard library: it runs inside componentize-py's CPython.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import typing
from typing import Any, Callable, Optional

from ._values import Bad, Err, Ok, Some, short, wrong_type

__all__ = ["Ok", "Err", "Some"]


PACKAGE = __name__.rpartition(".")[0]  # the guest package, e.g. "plugin_guest"


# --------------------------------------------------------------------------------------------
# Sides


def relative_module(module: str) -> str:
    """`plugin_guest.exports.tools` -> `exports.tools`; the package itself -> ""."""
    if module == PACKAGE:
        return ""
    return module[len(PACKAGE) + 1 :]


class Side:
    """A family of classes with the guest package's shapes: `module(rel)` is the side's module for
    the guest package's module `rel` ("" for the package itself, `exports.tools`, ...)."""

    ok: Any = Ok
    err: Any = Err
    some: Any = Some

    def __init__(self) -> None:
        self._peers: dict[Any, Any] = {}

    def module(self, rel: str) -> Any:
        raise NotImplementedError

    def peer(self, cls: Any) -> Any:
        """The side's class for the guest package's class `cls` (same module, same name)."""
        found = self._peers.get(cls)
        if found is None:
            module = self.module(relative_module(cls.__module__))
            found = getattr(module, cls.__name__, None)
            if found is None:
                raise LookupError(
                    f"{module.__name__} has no class {cls.__name__} (the guest package's"
                    f" {cls.__module__}.{cls.__name__})"
                )
            self._peers[cls] = found
        return found

    def peer_fields(self, cls: Any) -> tuple[str, ...]:
        key = ("fields", cls)
        found = self._peers.get(key)
        if found is None:
            found = tuple(f.name for f in dataclasses.fields(self.peer(cls)))
            self._peers[key] = found
        return tuple(found)

    def peer_cases(self, alias: str, module: str) -> tuple[Any, ...]:
        """A variant's case classes in WIT order, from the side's `Alias = A | B | ...`."""
        key = ("cases", module, alias)
        found = self._peers.get(key)
        if found is None:
            union = getattr(self.module(relative_module(module)), alias)
            found = typing.get_args(union) or (union,)
            self._peers[key] = found
        return tuple(found)

    # Handles of the plugin's own resources (`ExportedResource`): how the side stands for the
    # plugin's objects. `conv.kind` is "own" or "borrow".
    def handle_out(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError

    def handle_into(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError


class ModuleSide(Side):
    """A side whose modules mirror the guest package's under another package (`wit_world`)."""

    def __init__(self, package: str, strip: bool = False) -> None:
        super().__init__()
        self.package = package
        self.strip = strip  # drop the `imports.` / `exports.` level (the host bindings' layout)

    def module(self, rel: str) -> Any:
        if self.strip and rel:
            rel = rel.split(".", 1)[1]
        return importlib.import_module(f"{self.package}.{rel}" if rel else self.package)


# --------------------------------------------------------------------------------------------
# Converters


class Conv:
    __slots__ = ("wit", "unsupported")
    plain = False  # `into` returns its value as it is (primitives): calls may skip it

    def __init__(self, wit: str, unsupported: Optional[str] = None) -> None:
        self.wit = wit
        self.unsupported = unsupported

    def into(self, value: Any, side: Side) -> Any:
        return value

    def out(self, value: Any, side: Side) -> Any:
        return value


class _Bool(Conv):
    __slots__ = ()
    plain = True

    def out(self, value: Any, side: Side) -> Any:
        if value is not True and value is not False:
            raise wrong_type("bool", value)
        return value


class _Int(Conv):
    __slots__ = ("lo", "hi", "expected")
    plain = True

    def __init__(self, wit: str, bits: int, signed: bool) -> None:
        super().__init__(wit)
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        self.expected = f"{wit} ({self.lo}..{self.hi})"

    def out(self, value: Any, side: Side) -> Any:
        if type(value) is not int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong_type(self.expected, value)
            value = int(value)
        if value < self.lo or value > self.hi:
            raise Bad(ValueError, f"expected {self.expected}, got {value}")
        return value


class _Float(Conv):
    __slots__ = ()
    plain = True

    def out(self, value: Any, side: Side) -> Any:
        if type(value) is not float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise wrong_type(f"{self.wit} (a float or an int)", value)
            try:
                value = float(value)
            except OverflowError:
                raise Bad(
                    ValueError, f"expected {self.wit}, got {short(value)} (too large)"
                ) from None
        return value


class _Char(Conv):
    __slots__ = ()
    plain = True

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, str) or len(value) != 1:
            raise wrong_type("char (a str of length 1)", value)
        if 0xD800 <= ord(value) <= 0xDFFF:
            raise Bad(
                ValueError,
                f"expected char (a Unicode scalar value), got the lone surrogate U+{ord(value):04X}",
            )
        return value


class _String(Conv):
    __slots__ = ()
    plain = True

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, str):
            raise wrong_type("string", value)
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise Bad(
                ValueError,
                f"expected string (Unicode scalar values), got a lone surrogate at index {err.start}",
            ) from None
        return value


class _Bytes(Conv):
    __slots__ = ()

    def into(self, value: Any, side: Side) -> Any:
        return bytes(value)

    def out(self, value: Any, side: Side) -> Any:
        if isinstance(value, bytes):
            return value
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        raise wrong_type("list<u8> (bytes, bytearray or memoryview)", value)


def _first_unsupported(convs: Any) -> Optional[str]:
    for conv in convs:
        if conv is not None and conv.unsupported is not None:
            return str(conv.unsupported)
    return None


def _out_item(conv: Conv, value: Any, side: Side, segment: str) -> Any:
    try:
        return conv.out(value, side)
    except Bad as bad:
        bad.path.append(segment)
        raise


class List(Conv):
    __slots__ = ("elem",)

    def __init__(self, elem: Conv) -> None:
        super().__init__(f"list<{elem.wit}>", elem.unsupported)
        self.elem = elem

    def into(self, value: Any, side: Side) -> Any:
        elem = self.elem
        return [elem.into(v, side) for v in value]

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, (list, tuple)):
            raise wrong_type(f"{self.wit} (a list)", value)
        elem = self.elem
        return [_out_item(elem, v, side, f"element {i}") for i, v in enumerate(value)]


class Tuple(Conv):
    __slots__ = ("elems",)

    def __init__(self, *elems: Conv) -> None:
        super().__init__(f"tuple<{', '.join(e.wit for e in elems)}>", _first_unsupported(elems))
        self.elems = elems

    def into(self, value: Any, side: Side) -> Any:
        return tuple(c.into(v, side) for c, v in zip(self.elems, value))

    def out(self, value: Any, side: Side) -> Any:
        n = len(self.elems)
        if not isinstance(value, tuple):  # as the host bindings check it
            raise wrong_type(f"{self.wit} (a tuple)", value)
        if len(value) != n:
            raise Bad(TypeError, f"expected {self.wit} ({n} items), got a tuple of {len(value)}")
        return tuple(
            _out_item(c, v, side, f"item {i}") for i, (c, v) in enumerate(zip(self.elems, value))
        )


class Record(Conv):
    """`record` <-> a dataclass; `fields` are (Python attribute, WIT field name, converter)."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type, wit_name: str, fields: tuple[tuple[str, str, Conv], ...]) -> None:
        super().__init__(
            f"record {wit_name} ({cls.__name__})", _first_unsupported(c for _, _, c in fields)
        )
        self.cls = cls
        self.fields = fields

    def into(self, value: Any, side: Side) -> Any:
        names = side.peer_fields(self.cls)
        return self.cls(
            *[c.into(getattr(value, n), side) for n, (_, _, c) in zip(names, self.fields)]
        )

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, self.cls):
            raise wrong_type(self.wit, value)
        return side.peer(self.cls)(
            *[_out_item(c, getattr(value, py), side, f"field '{py}'") for py, _, c in self.fields]
        )


class Enum(Conv):
    """`enum` <-> an `enum.Enum` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Enum], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"enum {wit_name} ({cls.__name__})")
        self.cls = cls
        self.members = list(cls)

    def into(self, value: Any, side: Side) -> Any:
        theirs: Any = type(value)
        return self.members[list(theirs).index(value)]

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, self.cls):
            raise wrong_type(f"{self.wit} member", value)
        peer: Any = side.peer(self.cls)
        return list(peer)[self.members.index(value)]


class Flags(Conv):
    """`flags` <-> an `enum.Flag` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Flag], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"flags {wit_name} ({cls.__name__})")
        self.cls = cls
        self.members = list(cls)

    def into(self, value: Any, side: Side) -> Any:
        out = self.cls(0)
        peer: Any = type(value)
        for mine, theirs in zip(self.members, peer):
            if theirs in value:
                out |= mine
        return out

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, self.cls):
            raise wrong_type(self.wit, value)
        peer: Any = side.peer(self.cls)
        out = peer(0)
        for mine, theirs in zip(self.members, peer):
            if mine in value:
                out |= theirs
        return out


class Variant(Conv):
    """`variant` <-> one dataclass per case (`alias` names their union in the module)."""

    __slots__ = ("alias", "module", "cases", "index")

    def __init__(
        self, alias: str, wit_name: str, cases: tuple[tuple[type, str, Optional[Conv]], ...]
    ) -> None:
        names = " | ".join(cls.__name__ for cls, _, _ in cases)
        super().__init__(
            f"variant {wit_name} ({names})", _first_unsupported(c for _, _, c in cases)
        )
        self.alias = alias
        self.module = cases[0][0].__module__
        self.cases = cases
        self.index = {cls: i for i, (cls, _, _) in enumerate(cases)}

    def into(self, value: Any, side: Side) -> Any:
        i = side.peer_cases(self.alias, self.module).index(type(value))
        cls, _, conv = self.cases[i]
        return cls() if conv is None else cls(conv.into(value.value, side))

    def out(self, value: Any, side: Side) -> Any:
        i = self.index.get(type(value))
        if i is None:
            raise wrong_type(self.wit, value)
        peer = side.peer_cases(self.alias, self.module)[i]
        _, name, conv = self.cases[i]
        if conv is None:
            return peer()
        return peer(_out_item(conv, value.value, side, f"case '{name}'"))


class Option(Conv):
    """`option<T>` <-> `T | None`; with `nested` (T is itself an option) the outer some is `Some`."""

    __slots__ = ("payload", "nested")

    def __init__(self, payload: Conv, nested: bool = False) -> None:
        super().__init__(f"option<{payload.wit}>", payload.unsupported)
        self.payload = payload
        self.nested = nested

    def into(self, value: Any, side: Side) -> Any:
        if value is None:
            return None
        if self.nested:
            return Some(self.payload.into(value.value, side))
        return self.payload.into(value, side)

    def out(self, value: Any, side: Side) -> Any:
        if value is None:
            return None
        if self.nested:
            if not isinstance(value, Some):
                raise wrong_type(f"{self.wit} (None or Some(...))", value)
            return side.some(_out_item(self.payload, value.value, side, "some"))
        return _out_item(self.payload, value, side, "some")


class Result(Conv):
    """`result<O, E>` <-> `Ok(o)` / `Err(e)` (`Ok(None)` / `Err(None)` for an absent payload)."""

    __slots__ = ("ok", "err")

    def __init__(self, ok: Optional[Conv], err: Optional[Conv]) -> None:
        wit = f"result<{ok.wit if ok else '_'}, {err.wit if err else '_'}>"
        super().__init__(wit, _first_unsupported((ok, err)))
        self.ok = ok
        self.err = err

    def into(self, value: Any, side: Side) -> Any:
        if isinstance(value, side.err):
            return Err(self.err.into(value.value, side) if self.err is not None else None)
        return Ok(self.ok.into(value.value, side) if self.ok is not None else None)

    def out(self, value: Any, side: Side) -> Any:
        if isinstance(value, Ok):
            conv, segment, make = self.ok, "ok", side.ok
        elif isinstance(value, Err):
            conv, segment, make = self.err, "err", side.err
        else:
            raise wrong_type(f"{self.wit} (Ok(...) or Err(...))", value)
        if conv is None:
            if value.value is not None:
                raise Bad(
                    TypeError, f"{segment}: expected None (no payload), got {short(value.value)}"
                )
            return make(None)
        return make(_out_item(conv, value.value, side, segment))

    def into_raised(self, err: Any, side: Side) -> Err[Any]:
        """The guest `Err` for a side's raised err (a function returning this result)."""
        return Err(self.err.into(err.value, side) if self.err is not None else None)


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


# --------------------------------------------------------------------------------------------
# Resources


class ExportedResource:
    """A resource the plugin implements (its interface is exported): the guest package's abstract
    base class; values are the plugin's own objects, of a subclass."""

    __slots__ = ("cls", "wit", "own", "borrow")

    def __init__(self, cls: type, wit_name: str) -> None:
        self.cls: Any = cls
        self.wit = wit_name
        self.own = Handle(self, "own")
        self.borrow = Handle(self, "borrow")


class Handle(Conv):
    """`own<R>` / `borrow<R>`: the plugin's own objects (an `ExportedResource`, which the side
    stands for in its own way), or proxies of the host's (an `ImportedResource`)."""

    __slots__ = ("res", "kind")

    def __init__(self, res: ExportedResource | ImportedResource, kind: str) -> None:
        super().__init__(f"{kind}<{res.wit}> ({res.cls.__name__})")
        self.res: Any = res
        self.kind = kind

    def into(self, value: Any, side: Side) -> Any:
        if isinstance(self.res, ImportedResource):
            return self.res.cls._wrap(value)
        return side.handle_into(self, value)

    def out(self, value: Any, side: Side) -> Any:
        if not isinstance(value, self.res.cls):
            raise wrong_type(self.wit, value)
        if isinstance(self.res, ImportedResource):
            peer = value._peer
            if peer is None:
                raise Bad(ValueError, f"this {self.res.cls.__name__} is closed")
            if self.kind == "own":
                value._peer = None  # moved into the host: the plugin's object is closed
            return peer
        return side.handle_out(self, value)


class Resource:
    """Base class of the classes of resources the host implements: an object stands for one of
    the host's objects, reached through the backend. `close()` (or a `with` block) drops it."""

    __slots__ = ("_peer", "__weakref__")
    _peer: Any

    @classmethod
    def _wrap(cls, peer: Any) -> Any:
        obj = cls.__new__(cls)
        obj._peer = peer
        return obj

    def _adopt(self, other: Resource) -> None:
        self._peer = other._peer
        other._peer = None

    def close(self) -> None:
        """Drop the handle (the host's `drop()` hook runs); closing again does nothing."""
        peer = getattr(self, "_peer", None)
        if peer is not None:
            self._peer = None
            backend().drop(peer)

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ImportedResource:
    """A resource the host implements (its interface is imported): the guest package's proxy
    class, whose objects hold the side's object (`_peer`)."""

    __slots__ = ("cls", "wit", "own", "borrow")

    def __init__(self, cls: type, wit_name: str) -> None:
        self.cls: Any = cls
        self.wit = wit_name
        self.own = Handle(self, "own")
        self.borrow = Handle(self, "borrow")


# --------------------------------------------------------------------------------------------
# Imports: the backend that carries them


class ImportSpec:
    """One imported function as the guest package calls it.

    `instance`: the component's name for its interface (`host`, `ns:pkg/api@1.0.0`; "" for the
    world's own functions); `module`: the guest module that defines it (`imports.host`, "" for
    the world's own); `name`: the WIT name (`[method]blob.write`); `kind`: "func",
    "constructor", "method" or "static"; `owner`: the resource class of a constructor, method or
    static.
    """

    __slots__ = (
        "instance",
        "module",
        "name",
        "py_name",
        "label",
        "kind",
        "owner",
        "params",
        "result",
        "unwrap",
        "unsupported",
    )

    def __init__(
        self,
        instance: str,
        module: str,
        name: str,
        py_name: str,
        label: str,
        params: tuple[tuple[str, Conv], ...],
        result: Optional[Conv],
        *,
        kind: str = "func",
        owner: Optional[type] = None,
        unwrap: bool = False,
        unsupported: Optional[str] = None,
    ) -> None:
        self.instance = instance
        self.module = module
        self.name = name
        self.py_name = py_name
        self.label = label
        self.kind = kind
        self.owner = owner
        self.params = params
        self.result = result
        self.unwrap = unwrap
        convs = [c for _, c in params] + [result]
        self.unsupported = unsupported or _first_unsupported(convs)


class Backend:
    """What carries the guest's imports: componentize-py's bindings or an in-process host."""

    side: Side

    def invoke(self, spec: ImportSpec, args: list[Any]) -> Any:
        """Call import `spec` with `args` already converted to the side's values; return the
        side's result, or raise the side's `Err` for a function returning `result`."""
        raise NotImplementedError

    def drop(self, peer: Any) -> None:
        raise NotImplementedError


class _NoBackend(Backend):
    def invoke(self, spec: ImportSpec, args: list[Any]) -> Any:
        raise RuntimeError(
            f"{spec.label}: the plugin is not running: imports work inside a component built by"
            " `witgen build`, or when a host runs the plugin in-process (`World.from_python`)"
        )

    def drop(self, peer: Any) -> None:
        pass


_BACKEND: list[Backend] = [_NoBackend()]


def backend() -> Backend:
    return _BACKEND[-1]


def use_backend(b: Backend) -> Callable[[], None]:
    """Make `b` carry the imports until the returned function is called."""
    _BACKEND.append(b)

    def restore() -> None:
        _BACKEND.remove(b)

    return restore


def call_import(spec: ImportSpec, *values: Any) -> Any:
    """Call imported function `spec` from plugin code: check and convert the arguments, call it,
    convert the result back (a `result` return: return the ok value or raise `Err`)."""
    if spec.unsupported is not None:
        raise NotImplementedError(f"{spec.label}: {spec.unsupported} are not supported yet")
    b = _BACKEND[-1]
    if isinstance(b, _NoBackend):  # no carrier, and no side to convert the arguments for
        return b.invoke(spec, list(values))
    side = b.side
    args = []
    for (name, conv), value in zip(spec.params, values):
        try:
            args.append(conv.out(value, side))
        except Bad as bad:
            raise bad.error(f"{spec.label}: argument '{name}'") from None
    if spec.unwrap:
        assert isinstance(spec.result, Result)
        try:
            raw = b.invoke(spec, args)
        except side.err as err:
            raise spec.result.into_raised(err, side) from None
        ok = spec.result.ok
        return None if ok is None else ok.into(raw, side)
    raw = b.invoke(spec, args)
    result = spec.result
    if result is None:
        return None
    return raw if result.plain else result.into(raw, side)


# --------------------------------------------------------------------------------------------
# Exports: calling the plugin's implementation


def implementation(module: Any, base: type) -> Any:
    """The one class of plugin `module` that subclasses `base` (`witgen build` checks that there
    is exactly one before building)."""
    found = {
        v: None
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, base)
        and v is not base
        and v.__module__ == module.__name__
        and not any(
            issubclass(w, v) and w is not v for w in vars(module).values() if isinstance(w, type)
        )
    }  # a dict: one class bound to two names counts once
    if len(found) != 1:
        listed = ", ".join(sorted(c.__name__ for c in found)) or "none"
        raise TypeError(
            f"plugin module {module.__name__} must define exactly one subclass of"
            f" {base.__module__}.{base.__qualname__}; found {listed}"
        )
    return next(iter(found))


class ExportSpec:
    """One exported function as a carrier calls the plugin: converters of its parameters and
    result (`unwrap`: its WIT result is a `result`, so the plugin returns ok or raises `Err`)."""

    __slots__ = ("name", "py_name", "label", "params", "result", "unwrap", "plain_args")

    def __init__(
        self,
        name: str,
        py_name: str,
        label: str,
        params: tuple[tuple[str, Conv], ...],
        result: Optional[Conv],
        *,
        unwrap: bool = False,
    ) -> None:
        self.name = name
        self.py_name = py_name
        self.label = label
        self.params = params
        self.result = result
        self.unwrap = unwrap
        self.plain_args = all(conv.plain for _, conv in params)  # nothing to convert


def call_export(spec: ExportSpec, impl: Callable[..., Any], side: Side, values: Any) -> Any:
    """Call the plugin's `impl` of export `spec` with the side's `values`; return the side's
    result. A `result` return: the plugin's `Err` is raised as the side's err."""
    if spec.plain_args:
        args = values
    else:
        args = []
        for (name, conv), v in zip(spec.params, values):
            try:
                args.append(conv.into(v, side))
            except Bad as bad:  # a side's value the plugin cannot take (a closed resource)
                bad.path.append(f"argument '{name}'")
                raise
    result = spec.result
    if spec.unwrap:
        assert isinstance(result, Result)
        try:
            value = impl(*args)
        except Err as err:
            try:
                payload = None if result.err is None else result.err.out(err.value, side)
            except Bad as bad:
                raise bad.error(f"{spec.label}: raised Err") from None
            raise side.err(payload) from None
        value = Ok(value)
        try:
            converted = result.out(value, side)
        except Bad as bad:
            raise bad.error(f"{spec.label}: return value") from None
        return converted.value
    value = impl(*args)
    if result is None:
        if value is not None:
            raise TypeError(
                f"{spec.label} returned {short(value)}, but the WIT function has no result"
            )
        return None
    try:
        return result.out(value, side)
    except Bad as bad:
        raise bad.error(f"{spec.label}: return value") from None
