"""Converters of the guest package's compound values: lists, tuples, records, enums, flags,
variants, options and results (part of witgen's guest run time, shipped as `_rt/`).

Stage: run time, inside a plugin. Each builds its functions for a side once (see `convert`), from
its parts' functions; a record, enum, flags or variant whose class the side shares
(`Side.share_shapes`) crosses as it is, checked field by field by code written out once.
"""

from __future__ import annotations

import enum
from typing import Any, Optional

from .._values import (
    Bad,
    Err,
    Ok,
    Some,
    check_tuple,
    no_payload,
    not_a_list,
    not_a_member,
    not_a_result,
    not_an_option,
    wrong_type,
)
from .._values import first_unsupported as _first_unsupported
from .convert import Conv, _identity, _in_path
from .sides import Fn, Side


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
                raise not_a_list(wit, value)
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
            check_tuple(value, n, wit)
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
        exec(compile("\n".join(lines), f"<witgen check of {wit}>", "exec"), env)
        out_shared: Fn = env["out_shared"]
        return out_shared


class Enum(Conv):
    """`enum` <-> an `enum.Enum` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Enum], wit_name: str) -> None:
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
                raise not_a_member(wit, value)
            return found

        return out


class Flags(Conv):
    """`flags` <-> an `enum.Flag` whose members are in WIT order (on every side)."""

    __slots__ = ("cls", "members")

    def __init__(self, cls: type[enum.Flag], wit_name: str) -> None:
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
        table = {
            peer: _case_into(cls, None if conv is None else side.into_fn(conv) or _identity)
            for peer, (cls, _, conv) in zip(self._peers(side), self.cases)
        }
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


def _case_into(cls: Any, fn: Optional[Fn]) -> Fn:
    """A variant case's `into`: the side's case object -> the guest's (`cls`)."""
    if fn is None:
        return lambda value: cls()
    return lambda value: cls(fn(value.value))


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
                    raise not_an_option(wit, value)
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
                    raise no_payload(segment, payload)
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
            raise not_a_result(wit, value)

        return out
