"""The contract check: a component's own types compared with the world's, before it runs."""

from __future__ import annotations

import ctypes
import threading
import typing
import weakref
from ctypes import byref
from typing import Any, Optional

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)

from ._capi import (
    _ITEM_FUNC,
    _ITEM_INSTANCE,
    _ITEM_KINDS,
    _ITEM_RESOURCE,
    _VT_NAMES,
    VT_BORROW,
    VT_ENUM,
    VT_FLAGS,
    VT_FUTURE,
    VT_LIST,
    VT_OPTION,
    VT_OWN,
    VT_RECORD,
    VT_RESULT,
    VT_STREAM,
    VT_TUPLE,
    VT_VARIANT,
    _CharPtr,
    _extern_delete,
    _extern_type,
    _ExternPtr,
    _Item,
    _item_delete,
    _resource_type_equal,
    _string_at,
    _ValType,
    _valtype_delete,
)
from .errors import ComponentError
from .specs import ASYNC_FUNCTIONS, Contract, FuncSpec

if typing.TYPE_CHECKING:
    from wasmtime.component import Component


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

    def differences(self, what: str, kind: str, expected: list[str], actual: list[str]) -> str:
        """How the component's `actual` names of `what`'s `kind`s (fields, cases, ...) differ
        from the world's `expected` ones, which they do."""
        for name in expected:
            if name not in actual:
                return f'{what} has no {kind} "{name}" (the component\'s has {_name_list(actual)})'
        for name in actual:
            if name not in expected:
                return f'{what} has a {kind} "{name}" that world {self.world} does not have'
        return (
            f"{what} has its {kind}s in another order ({_name_list(actual)}), but world"
            f" {self.world} says ({_name_list(expected)})"
        )

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
            return self.differences(subject, "parameter", expected, actual)
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
                elif abstract := getattr(value, "__abstractmethods__", None):
                    left = ", ".join(sorted(abstract))
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
