"""Resources the host implements (the component imports them), and host functions that take or
return their handles.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import byref
from typing import TYPE_CHECKING, Any, Callable, Optional

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)

from .._values import wrong_type as _wrong_type
from ._capi import (
    K_RESOURCE,
    VT_BORROW,
    VT_OWN,
    _add_resource,
    _res_any_clone,
    _res_any_to_host,
    _res_host_delete,
    _res_host_new,
    _res_host_rep,
    _res_host_to_any,
    _res_host_type,
    _ResAnyPtr,
    _ResHostPtr,
)
from .callbacks import _callback_failed, _finalizer, _register, c_callback
from .calls import HostFunc, _host_entry, _require_unlocked
from .convert import Conv
from .errors import ComponentError
from .handles import _CALLS, _call_of, _ResourceCall, find_host_objects

if TYPE_CHECKING:
    from wasmtime.component import LinkerInstance

    from .typecheck import TypeCheck


# Host resource types are named by a u32 (`ResourceType.host(id)`), one per `ImportedResource`.
# Each generated package carries its own copy of this module, so the numbering starts at a random
# point, making it unlikely that two packages used in one linker hand out the same number.
_RESOURCE_TYPE_IDS = iter(range(1 + (int.from_bytes(os.urandom(2), "little") << 12), 1 << 32))


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


class _ImportedHandle(Conv):
    """A handle to a host-implemented resource: `own` or `borrow` (the subclasses)."""

    __slots__ = ("res",)
    word = "own"  # the WIT spelling of the handle kind
    is_own = True  # (`owned`, a `Conv` slot, says its C value needs freeing)
    vt = VT_OWN

    def __init__(self, res: ImportedResource) -> None:
        super().__init__(f"{self.word}<{res.wit}> (a {res.cls.__name__})", True)
        self.res = res

    def wit_type(self) -> str:
        return f"{self.word}<{self.res.wit}>"

    def check(self, t: TypeCheck, vt: Any, path: list[str]) -> Optional[str]:
        return t.same_resource(vt, self.vt, self.res.home, self.res.wit, path)

    def lower(self, value: Any, dst: Any) -> None:
        res = self.res
        if not isinstance(value, res.cls):
            raise _wrong_type(self.wit, value)
        call = _call_of(self)
        rep, handle = res.hand_out(value, call, self.is_own)
        if self.is_own:
            call.host_owned.append((res, rep, _res_any_clone(handle)))
        else:
            call.host_lent.append(rep)
        dst.of.resource = handle
        dst.kind = K_RESOURCE

    def lift(self, src: Any) -> Any:
        # For a borrow, `to_host` ends it: exactly one per borrowed handle, before the call
        # returns.
        return self.res.object_of(_call_of(self), src.of.resource, self.is_own)


class _ImportedOwn(_ImportedHandle):
    __slots__ = ()


class _ImportedBorrow(_ImportedHandle):
    __slots__ = ()
    word = "borrow"
    is_own = False
    vt = VT_BORROW


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
    if hasattr(linker, "record"):  # `in_process`'s stand-in: host objects need no resource type
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
