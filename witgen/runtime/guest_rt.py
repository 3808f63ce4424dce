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


Fn = Callable[[Any], Any]


def relative_module(module: str) -> str:
    """`plugin_guest.exports.tools` -> `exports.tools`; the package itself -> ""."""
    if module == PACKAGE:
        return ""
    return module[len(PACKAGE) + 1 :]


class Side:
    """A family of classes with the guest package's shapes: `module(rel)` is the side's module for
    the guest package's module `rel` ("" for the package itself, `exports.tools`, ...).

    A side also keeps each converter's functions for it (`into_fn`, `out_fn`), made once, the
    first time a call needs them: a call then runs straight code, without looking up a class
    or walking a type. `shared` holds the guest package's classes the side uses as its own (see
    `share_shapes`): their values cross unconverted."""

    ok: Any = Ok
    err: Any = Err
    some: Any = Some
    bytes_are_bytes = False  # its `list<u8>` values are always `bytes` (no copy needed)
    # It may keep the lists it is given (the host bindings' objects), so `out` gives it new ones;
    # a side that copies each value at once (componentize-py lowers it) can take the plugin's.
    keeps_values = True

    def __init__(self) -> None:
        self._peers: dict[Any, Any] = {}
        self._into: dict[Conv, Optional[Fn]] = {}
        self._out: dict[Conv, Fn] = {}
        self.shared: set[Any] = set()
        self.callers: dict[Any, Callable[..., Any]] = {}  # ExportSpec / ImportSpec -> its caller

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
        return tuple(f.name for f in dataclasses.fields(self.peer(cls)))

    def peer_cases(self, alias: str, module: str) -> tuple[Any, ...]:
        """A variant's case classes in WIT order, from the side's `Alias = A | B | ...`."""
        union = getattr(self.module(relative_module(module)), alias)
        return typing.get_args(union) or (union,)

    def into_fn(self, conv: Conv) -> Optional[Fn]:
        """`conv`'s function from this side's values to the guest package's (None: they are the
        same values)."""
        try:
            return self._into[conv]
        except KeyError:
            fn = self._into[conv] = conv.make_into(self)
            return fn

    def out_fn(self, conv: Conv) -> Fn:
        """`conv`'s function checking a guest value and returning this side's (raises `Bad`)."""
        try:
            return self._out[conv]
        except KeyError:
            fn = self._out[conv] = conv.make_out(self)
            return fn

    def share_shapes(self, convs: Any) -> None:
        """Use the guest package's own classes for the named types of `convs` (and the types they
        reach) wherever this side's classes have the same shape, by replacing the side's classes
        in its modules: a side that finds its classes there (componentize-py looks them up after
        importing the plugin) then makes and reads the guest package's values itself, and a call
        converts nothing. A type qualifies when every value inside it is the same on both sides
        too (no `result`, no nested option, no resource handle)."""
        done: set[Conv] = set()

        def visit(conv: Conv) -> None:
            if conv not in done:
                done.add(conv)
                for part in conv.parts():
                    visit(part)
                try:
                    conv.share(self)
                except (LookupError, ImportError, AttributeError, TypeError):
                    pass  # the side has no such class, or another shape: it is converted

        for conv in convs:
            visit(conv)

    def _replace(self, ours: Any, theirs: Any) -> None:
        """Put the guest package's class `ours` in the side's module in place of `theirs`."""
        module = self.module(relative_module(ours.__module__))
        setattr(module, theirs.__name__, ours)
        self._peers[ours] = ours
        self.shared.add(ours)

    # Handles of the plugin's own resources (`ExportedResource`): how the side stands for the
    # plugin's objects. `conv.kind` is "own" or "borrow".
    def handle_out(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError

    def handle_into(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError

    def handle_out_fn(self, conv: "Handle") -> Fn:
        return lambda value: self.handle_out(conv, value)

    def handle_into_fn(self, conv: "Handle") -> Fn:
        return lambda value: self.handle_into(conv, value)


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
#
# A converter describes one WIT type; `make_into(side)` and `make_out(side)` build its two
# functions for one side, once (`Side.into_fn`, `Side.out_fn` keep them). `into` rebuilds a
# side's value (None when the side's values are the guest package's: nothing to do); `out`
# checks a plugin's value and returns the side's, raising `Bad` with the path so far.


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
            raise wrong_type("bool", value)

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
        if type(value) is not int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong_type(self.expected, value)
            value = int(value)
        if value < self.lo or value > self.hi:
            raise Bad(ValueError, f"expected {self.expected}, got {value}")
        return value


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
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong_type(f"{self.wit} (a float or an int)", value)
        try:
            return float(value)
        except OverflowError:
            raise Bad(ValueError, f"expected {self.wit}, got {short(value)} (too large)") from None


class _Char(Conv):
    __slots__ = ()

    def make_out(self, side: Side) -> Fn:
        def out(value: Any) -> Any:
            if not isinstance(value, str) or len(value) != 1:
                raise wrong_type("char (a str of length 1)", value)
            if 0xD800 <= ord(value) <= 0xDFFF:
                raise Bad(
                    ValueError,
                    "expected char (a Unicode scalar value), got the lone surrogate"
                    f" U+{ord(value):04X}",
                )
            return value

        return out


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
        if not isinstance(value, str):
            raise wrong_type("string", value)
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

    def make_into(self, side: Side) -> Optional[Fn]:
        return None if side.bytes_are_bytes else bytes

    def make_out(self, side: Side) -> Fn:
        def out(value: Any) -> Any:
            if type(value) is bytes:
                return value
            if isinstance(value, (bytes, bytearray, memoryview)):
                return bytes(value)
            raise wrong_type("list<u8> (bytes, bytearray or memoryview)", value)

        return out


def _first_unsupported(convs: Any) -> Optional[str]:
    for conv in convs:
        if conv is not None and conv.unsupported is not None:
            return str(conv.unsupported)
    return None


class List(Conv):
    __slots__ = ("elem",)

    def __init__(self, elem: Conv) -> None:
        super().__init__(f"list<{elem.wit}>", elem.unsupported)
        self.elem = elem

    def parts(self) -> tuple[Conv, ...]:
        return (self.elem,)

    def make_into(self, side: Side) -> Optional[Fn]:
        elem = side.into_fn(self.elem)
        if elem is None:
            return None
        return lambda value: [elem(v) for v in value]

    def make_out(self, side: Side) -> Fn:
        elem, wit, copy = side.out_fn(self.elem), self.wit, side.keeps_values

        def out(value: Any) -> Any:
            if not isinstance(value, (list, tuple)):
                raise wrong_type(f"{wit} (a list)", value)
            i = 0
            try:
                if not copy and type(value) is list:  # the plugin's list, if no check changes it
                    for v in value:
                        if elem(v) is not v:
                            break
                        i += 1
                    else:
                        return value
                    i = 0
                result = []
                for v in value:
                    result.append(elem(v))
                    i += 1
                return result
            except Bad as bad:
                bad.path.append(f"element {i}")
                raise

        return out


class Tuple(Conv):
    __slots__ = ("elems",)

    def __init__(self, *elems: Conv) -> None:
        super().__init__(f"tuple<{', '.join(e.wit for e in elems)}>", _first_unsupported(elems))
        self.elems = elems

    def parts(self) -> tuple[Conv, ...]:
        return self.elems

    def make_into(self, side: Side) -> Optional[Fn]:
        fns = [side.into_fn(e) or _identity for e in self.elems]
        if all(fn is _identity for fn in fns):
            return None
        return lambda value: tuple(fn(v) for fn, v in zip(fns, value))

    def make_out(self, side: Side) -> Fn:
        fns = [_in_path(side.out_fn(e), f"item {i}") for i, e in enumerate(self.elems)]
        n, wit = len(fns), self.wit

        def out(value: Any) -> Any:
            if not isinstance(value, tuple):  # as the host bindings check it
                raise wrong_type(f"{wit} (a tuple)", value)
            if len(value) != n:
                raise Bad(TypeError, f"expected {wit} ({n} items), got a tuple of {len(value)}")
            items = [fn(v) for fn, v in zip(fns, value)]
            if type(value) is tuple and all(a is b for a, b in zip(items, value)):
                return value
            return tuple(items)

        return out


class Record(Conv):
    """`record` <-> a dataclass; `fields` are (Python attribute, WIT field name, converter)."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type, wit_name: str, fields: tuple[tuple[str, str, Conv], ...]) -> None:
        super().__init__(
            f"record {wit_name} ({cls.__name__})", _first_unsupported(c for _, _, c in fields)
        )
        self.cls = cls
        self.fields = fields

    def parts(self) -> tuple[Conv, ...]:
        return tuple(c for _, _, c in self.fields)

    def share(self, side: Side) -> None:
        ours = tuple(py for py, _, _ in self.fields)
        if side.peer_fields(self.cls) == ours and all(
            side.into_fn(c) is None for c in self.parts()
        ):
            side._replace(self.cls, side.peer(self.cls))

    def make_into(self, side: Side) -> Optional[Fn]:
        cls = self.cls
        if cls in side.shared:
            return None
        plan = [
            (theirs, side.into_fn(c) or _identity)
            for theirs, (_, _, c) in zip(side.peer_fields(cls), self.fields)
        ]
        return lambda value: cls(*[fn(getattr(value, name)) for name, fn in plan])

    def make_out(self, side: Side) -> Fn:
        cls, wit = self.cls, self.wit
        plan = [(py, side.out_fn(c), f"field '{py}'") for py, _, c in self.fields]
        peer = cls if cls in side.shared else side.peer(cls)

        def convert(value: Any) -> Any:
            args = []
            for py, fn, segment in plan:
                try:
                    args.append(fn(getattr(value, py)))
                except Bad as bad:
                    bad.path.append(segment)
                    raise
            return peer(*args)

        if peer is not cls:

            def out(value: Any) -> Any:
                if not isinstance(value, cls):
                    raise wrong_type(wit, value)
                return convert(value)

            return out

        # The side takes the plugin's own object: check it, each field's check written out
        # inline where it has a short one; copy only if a check changed a field (an int
        # subclass, a bytearray).
        env: dict[str, Any] = {"cls": cls, "wit": wit, "wrong_type": wrong_type}
        env.update(Bad=Bad, convert=convert)
        lines = [
            "def out_shared(value):",
            "    if not isinstance(value, cls):",
            "        raise wrong_type(wit, value)",
        ]
        for i, (py, _, conv) in enumerate(self.fields):
            env[f"out{i}"] = side.out_fn(conv)
            lines.append(f"    v = value.{py}")
            fast = conv.fast_check("v")
            indent = "    "
            if fast is not None:
                lines.append(f"    if not {fast}:")
                indent = "        "
            lines += [
                f"{indent}try:",
                f"{indent}    if out{i}(v) is not v:",
                f"{indent}        return convert(value)",
                f"{indent}except Bad as bad:",
                f"{indent}    bad.path.append({f'field {py!r}'!r})",
                f"{indent}    raise",
            ]
        lines.append("    return value")
        exec("\n".join(lines), env)
        out_shared: Fn = env["out_shared"]
        return out_shared


class Enum(Conv):
    """`enum` <-> an `enum.Enum` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Enum], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"enum {wit_name} ({cls.__name__})")
        self.cls = cls
        self.members = list(cls)

    def share(self, side: Side) -> None:
        # componentize-py makes a member by its index (`cls(i)`) and reads its `.value`.
        if [m.value for m in self.members] == list(range(len(self.members))):
            theirs: Any = side.peer(self.cls)
            if len(theirs) == len(self.members):
                side._replace(self.cls, theirs)

    def make_into(self, side: Side) -> Optional[Fn]:
        if self.cls in side.shared:
            return None
        peer: Any = side.peer(self.cls)
        table = dict(zip(peer, self.members))
        return table.__getitem__

    def make_out(self, side: Side) -> Fn:
        cls, wit = self.cls, self.wit
        if cls in side.shared:
            table = {m: m for m in self.members}
        else:
            table = dict(zip(self.members, side.peer(cls)))

        def out(value: Any) -> Any:
            found = table.get(value) if isinstance(value, cls) else None
            if found is None:
                raise wrong_type(f"{wit} member", value)
            return found

        return out


class Flags(Conv):
    """`flags` <-> an `enum.Flag` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Flag], wit_name: str, names: tuple[str, ...]) -> None:
        super().__init__(f"flags {wit_name} ({cls.__name__})")
        self.cls = cls
        self.members = list(cls)

    def share(self, side: Side) -> None:
        # componentize-py makes a value from its bits (`cls(bits)`) and reads its `.value`.
        if [m.value for m in self.members] == [1 << i for i in range(len(self.members))]:
            side._replace(self.cls, side.peer(self.cls))

    def make_into(self, side: Side) -> Optional[Fn]:
        cls = self.cls
        if cls in side.shared:
            return None
        pairs = list(zip(self.members, side.peer(cls)))

        def into(value: Any) -> Any:
            out = cls(0)
            for mine, theirs in pairs:
                if theirs in value:
                    out |= mine
            return out

        return into

    def make_out(self, side: Side) -> Fn:
        cls, wit = self.cls, self.wit
        shared = cls in side.shared
        peer: Any = cls if shared else side.peer(cls)
        pairs = list(zip(self.members, peer))

        def out(value: Any) -> Any:
            if not isinstance(value, cls):
                raise wrong_type(wit, value)
            if shared:
                return value
            result = peer(0)
            for mine, theirs in pairs:
                if mine in value:
                    result |= theirs
            return result

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

    def parts(self) -> tuple[Conv, ...]:
        return tuple(c for _, _, c in self.cases if c is not None)

    def share(self, side: Side) -> None:
        # componentize-py makes a case as `Case(payload)` / `Case()`, reads `.value` and finds
        # the case by the exact class of the value, as these converters do.
        theirs = side.peer_cases(self.alias, self.module)
        if len(theirs) == len(self.cases) and all(side.into_fn(c) is None for c in self.parts()):
            for (ours, _, _), peer in zip(self.cases, theirs):
                side._replace(ours, peer)

    def _peers(self, side: Side) -> tuple[Any, ...]:
        if self.cases[0][0] in side.shared:
            return tuple(cls for cls, _, _ in self.cases)
        return side.peer_cases(self.alias, self.module)

    def make_into(self, side: Side) -> Optional[Fn]:
        if self.cases[0][0] in side.shared:
            return None
        table: dict[Any, Fn] = {}
        for peer, (cls, _, conv) in zip(self._peers(side), self.cases):
            if conv is None:
                table[peer] = lambda value, cls=cls: cls()  # type: ignore[misc]
            else:
                fn = side.into_fn(conv) or _identity
                table[peer] = lambda value, cls=cls, fn=fn: cls(fn(value.value))  # type: ignore[misc]
        return lambda value: table[type(value)](value)

    def make_out(self, side: Side) -> Fn:
        wit = self.wit
        table = {
            cls: _case_out(cls, peer, None if conv is None else side.out_fn(conv), name)
            for peer, (cls, name, conv) in zip(self._peers(side), self.cases)
        }

        def out(value: Any) -> Any:
            case = table.get(type(value))
            if case is None:
                raise wrong_type(wit, value)
            return case(value)

        return out


def _case_out(cls: Any, peer: Any, fn: Optional[Fn], name: str) -> Fn:
    """A variant case's `out`: the guest's case object -> the side's (`peer`, a class)."""
    if fn is None:
        return _identity if peer is cls else lambda value: peer()
    segment = f"case '{name}'"

    def case(value: Any) -> Any:
        payload = value.value
        try:
            checked = fn(payload)
        except Bad as bad:
            bad.path.append(segment)
            raise
        if peer is not cls:
            return peer(checked)
        return value if checked is payload else cls(checked)

    return case


class Option(Conv):
    """`option<T>` <-> `T | None`; with `nested` (T is itself an option) the outer some is `Some`."""

    __slots__ = ("payload", "nested")

    def __init__(self, payload: Conv, nested: bool = False) -> None:
        super().__init__(f"option<{payload.wit}>", payload.unsupported)
        self.payload = payload
        self.nested = nested

    def parts(self) -> tuple[Conv, ...]:
        return (self.payload,)

    def fast_check(self, var: str) -> Optional[str]:
        inner = None if self.nested else self.payload.fast_check(var)
        return None if inner is None else f"({var} is None or {inner})"

    def make_into(self, side: Side) -> Optional[Fn]:
        fn = side.into_fn(self.payload)
        if self.nested:
            payload = fn or _identity
            return lambda value: None if value is None else Some(payload(value.value))
        if fn is None:
            return None
        return lambda value: None if value is None else fn(value)

    def make_out(self, side: Side) -> Fn:
        fn = side.out_fn(self.payload)
        if self.nested:
            some, wit = side.some, self.wit

            def out_nested(value: Any) -> Any:
                if value is None:
                    return None
                if not isinstance(value, Some):
                    raise wrong_type(f"{wit} (None or Some(...))", value)
                try:
                    return some(fn(value.value))
                except Bad as bad:
                    bad.path.append("some")
                    raise

            return out_nested

        def out(value: Any) -> Any:
            if value is None:
                return None
            try:
                return fn(value)
            except Bad as bad:
                bad.path.append("some")
                raise

        return out


class Result(Conv):
    """`result<O, E>` <-> `Ok(o)` / `Err(e)` (`Ok(None)` / `Err(None)` for an absent payload)."""

    __slots__ = ("ok", "err")

    def __init__(self, ok: Optional[Conv], err: Optional[Conv]) -> None:
        wit = f"result<{ok.wit if ok else '_'}, {err.wit if err else '_'}>"
        super().__init__(wit, _first_unsupported((ok, err)))
        self.ok = ok
        self.err = err

    def parts(self) -> tuple[Conv, ...]:
        return tuple(c for c in (self.ok, self.err) if c is not None)

    def arm_into(self, side: Side, arm: Optional[Conv]) -> Fn:
        """An arm's payload (as the side holds it) -> the guest's (None: no payload)."""
        if arm is None:
            return lambda payload: None
        return side.into_fn(arm) or _identity

    def arm_out(self, side: Side, arm: Optional[Conv], segment: str) -> Fn:
        """A guest payload of an arm -> the side's, checked (`Bad` names the arm)."""
        if arm is None:

            def none(payload: Any) -> Any:
                if payload is not None:
                    raise Bad(
                        TypeError, f"{segment}: expected None (no payload), got {short(payload)}"
                    )
                return None

            return none
        return _in_path(side.out_fn(arm), segment)

    def make_into(self, side: Side) -> Optional[Fn]:
        ok, err, side_err = self.arm_into(side, self.ok), self.arm_into(side, self.err), side.err

        def into(value: Any) -> Any:
            if isinstance(value, side_err):
                return Err(err(value.value))
            return Ok(ok(value.value))

        return into

    def make_out(self, side: Side) -> Fn:
        ok, err = self.arm_out(side, self.ok, "ok"), self.arm_out(side, self.err, "err")
        make_ok, make_err, wit = side.ok, side.err, self.wit

        def out(value: Any) -> Any:
            if isinstance(value, Ok):
                return make_ok(ok(value.value))
            if isinstance(value, Err):
                return make_err(err(value.value))
            raise wrong_type(f"{wit} (Ok(...) or Err(...))", value)

        return out


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

    def make_into(self, side: Side) -> Optional[Fn]:
        if isinstance(self.res, ImportedResource):
            return self.res.cls._wrap  # type: ignore[no-any-return]
        return side.handle_into_fn(self)

    def make_out(self, side: Side) -> Fn:
        cls, wit = self.res.cls, self.wit
        if isinstance(self.res, ImportedResource):
            own = self.kind == "own"

            def out_imported(value: Any) -> Any:
                if not isinstance(value, cls):
                    raise wrong_type(wit, value)
                peer = value._peer
                if peer is None:
                    raise Bad(ValueError, f"this {cls.__name__} is closed")
                if own:
                    value._peer = None  # moved into the host: the plugin's object is closed
                return peer

            return out_imported
        handle_out = side.handle_out_fn(self)

        def out(value: Any) -> Any:
            if not isinstance(value, cls):
                raise wrong_type(wit, value)
            return handle_out(value)

        return out


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
    callers = b.side.callers
    run = callers.get(spec)
    if run is None:
        run = callers[spec] = _import_caller(spec, b)
    return run(values)


def _import_caller(spec: ImportSpec, b: Backend) -> Callable[[tuple[Any, ...]], Any]:
    """What `call_import` runs for `spec` on backend `b`, made once."""
    side, invoke, label = b.side, b.invoke, spec.label
    outs = [(name, side.out_fn(conv)) for name, conv in spec.params]

    def args_of(values: tuple[Any, ...]) -> list[Any]:
        args = []
        for (name, out), value in zip(outs, values):
            try:
                args.append(out(value))
            except Bad as bad:
                raise bad.error(f"{label}: argument '{name}'") from None
        return args

    result = spec.result
    if spec.unwrap:
        assert isinstance(result, Result)
        ok, err, side_err = (
            result.arm_into(side, result.ok),
            result.arm_into(side, result.err),
            side.err,
        )

        def run_unwrap(values: tuple[Any, ...]) -> Any:
            args = args_of(values)
            try:
                raw = invoke(spec, args)
            except side_err as raised:
                raise Err(err(raised.value)) from None
            return ok(raw)

        return run_unwrap
    if result is None:

        def run_none(values: tuple[Any, ...]) -> Any:
            invoke(spec, args_of(values))
            return None

        return run_none
    into = side.into_fn(result) or _identity

    def run(values: tuple[Any, ...]) -> Any:
        return into(invoke(spec, args_of(values)))

    return run


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

    __slots__ = ("name", "py_name", "label", "params", "result", "unwrap")

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

    def caller(
        self, side: Side, convert_result: bool = True, impl_of: Optional[Fn] = None
    ) -> Callable[..., Any]:
        """`run(impl, *values)`: call the plugin's `impl` with the side's `values` and return
        the side's result (see `call_export`); made once per side. Without `convert_result`
        the plugin's answer is returned as it is (a constructor's new object); with `impl_of`,
        `run(x, *values)` calls `impl_of(x)` (see `_export_caller`)."""
        if not convert_result or impl_of is not None:
            return _export_caller(self, side, convert_result, impl_of)
        found = side.callers.get(self)
        if found is None:
            found = side.callers[self] = _export_caller(self, side, True)
        return found


def _export_caller(
    spec: ExportSpec, side: Side, convert_result: bool, impl_of: Optional[Fn] = None
) -> Callable[..., Any]:
    """`spec`'s caller for `side`, written as Python source and compiled once, so that a call
    runs one function: each argument's conversion (none for most), the plugin's `impl`, and the
    result's check written out inline where the type allows (`Conv.fast_check`), with a
    function for the rest. With `impl_of`, the first argument `x` is not the implementation but
    what `impl_of(x)` turns into it (a glue object -> the plugin object's bound method)."""
    label, result = spec.label, spec.result
    args = ", ".join(f"a{i}" for i in range(len(spec.params)))
    env: dict[str, Any] = {"Bad": Bad, "Err": Err, "impl_of": impl_of}
    lines = [f"def run(impl{', ' if args else ''}{args}):"]
    if impl_of is not None:
        lines.append("    impl = impl_of(impl)")
    for i, (name, conv) in enumerate(spec.params):
        fn = side.into_fn(conv)
        if fn is not None:  # a side's value the plugin cannot take (a closed resource): Bad
            env[f"into{i}"] = fn
            segment = f"argument '{name}'"
            lines += [
                "    try:",
                f"        a{i} = into{i}(a{i})",
                "    except Bad as bad:",
                f"        bad.path.append({segment!r})",
                "        raise",
            ]
    call = f"impl({args})"

    def checked(out: Fn, where: str) -> Fn:
        def check(value: Any) -> Any:
            try:
                return out(value)
            except Bad as bad:
                raise bad.error(f"{label}: {where}") from None

        return check

    def returns(conv: Optional[Conv], out: Fn) -> list[str]:
        env["slow"] = checked(out, "return value")
        fast = "value is None" if conv is None else conv.fast_check("value")
        test = [f"    if {fast}:", "        return value"] if fast else []
        return test + ["    return slow(value)"]

    if not convert_result:
        lines.append(f"    return {call}")
    elif spec.unwrap:
        assert isinstance(result, Result)
        err = _none if result.err is None else side.out_fn(result.err)
        env["raise_err"] = _err_raiser(err, side.err, label)
        lines += ["    try:", f"        value = {call}", "    except Err as raised:"]
        fast = "True" if result.err is None else result.err.fast_check("payload")
        if fast is not None:  # the payload as it is (None without one): raise the side's err
            env["side_err"] = side.err
            payload = "raised.value" if result.err is not None else "None"
            lines += [f"        payload = {payload}", f"        if {fast}:"]
            lines += ["            raise side_err(payload) from None"]
        lines += ["        raise_err(raised)"]
        lines += returns(result.ok, result.arm_out(side, result.ok, "ok"))
    elif result is None:
        lines.append(f"    value = {call}")
        lines += ["    if value is None:", "        return None", "    return no_result(value)"]
        env["no_result"] = _no_result(label)
    else:
        lines.append(f"    value = {call}")
        lines += returns(result, side.out_fn(result))
    exec("\n".join(lines), env)
    return env["run"]  # type: ignore[no-any-return]


def _none(payload: Any) -> None:
    return None


def _err_raiser(err: Fn, side_err: Any, label: str) -> Callable[[Any], None]:
    """Raise the plugin's `Err` `raised` as the side's err, its payload checked."""

    def raise_err(raised: Any) -> None:
        try:
            payload = err(raised.value)
        except Bad as bad:
            raise bad.error(f"{label}: raised Err") from None
        raise side_err(payload) from None

    return raise_err


def _no_result(label: str) -> Fn:
    def no_result(value: Any) -> Any:
        raise TypeError(f"{label} returned {short(value)}, but the WIT function has no result")

    return no_result


def call_export(spec: ExportSpec, impl: Callable[..., Any], side: Side, values: Any) -> Any:
    """Call the plugin's `impl` of export `spec` with the side's `values`; return the side's
    result. A `result` return: the plugin's `Err` is raised as the side's err."""
    return spec.caller(side)(impl, *values)
