"""Calling a component's exports (`ExportFunc`) and letting it call the host's imports (`HostFunc`),
for one instance (`InstanceState`), and the admission of stores whose component was checked.
"""

from __future__ import annotations

import ctypes
import functools
import threading
import weakref
from ctypes import byref
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)

from .._values import Bad as _Bad
from .._values import Err, Ok
from .._values import short as _short
from ._capi import (
    K_BOOL,
    _add_func,
    _export_index_delete,
    _func_call,
    _get_export_index,
    _instance_get_func,
    _RawFunc,
    _Val,
    _val_delete,
)
from .callbacks import (
    _DEFERRED,
    _MAIN_THREAD,
    _callback_failed,
    _error_pointer,
    _finalizer,
    _register,
    _run_deferred,
    _take_pending,
    c_callback,
)
from .errors import ComponentError, ComponentExit, InstanceUnusable, _add_note
from .handles import HostObjects, claim_host_objects
from .limits import store_limits
from .traps import trap_error
from .typecheck import check_component

if TYPE_CHECKING:
    from wasmtime.component import Component, ExportIndex, Instance, LinkerInstance

    from .specs import Contract, FuncSpec


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

    # How `bind_resource` makes the instance's class of an exported resource, when not its own
    # way (an in-process plugin's state has its own).
    binder: Optional[Callable[[type], type]] = None

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


# Export indexes need no store and hold for every instance of a component (notes §3.3). Those
# of the exported interfaces are looked up once per component; a function's own is looked up when
# an instance first calls the function (`ExportFunc.resolve`) and freed once it found it.
_INTERFACES: "weakref.WeakKeyDictionary[Component, dict[str, ExportIndex]]" = (
    weakref.WeakKeyDictionary()
)


def _interface_index(component: Component, interface: str) -> ExportIndex:
    cache = _INTERFACES.get(component)
    if cache is None:
        cache = _INTERFACES.setdefault(component, {})
    index = cache.get(interface)
    if index is None:
        index = component.get_export_index(interface)
        if index is None:
            raise ComponentError(f"the component does not export the interface '{interface}'")
        cache[interface] = index
    return index


def _find_func(state: InstanceState, spec: FuncSpec) -> Any:
    """A pointer to the function `spec` names in `state`'s instance (the C API's own calls:
    wasmtime-py's wrap each index and function in Python objects first)."""
    component = state.component
    interface = spec.interface
    parent = None if interface is None else _interface_index(component, interface).ptr()
    name = spec.name.encode("utf-8")
    index = _get_export_index(component.ptr(), parent, name, len(name))
    if not index:
        where = f"interface '{interface}'" if interface is not None else "the component"
        raise ComponentError(f"{where} has no export named '{spec.name}'")
    func = _RawFunc()
    try:
        found = _instance_get_func(byref(state.instance._instance), state.ctx, index, byref(func))
    finally:
        _export_index_delete(index)
    if not found:
        raise ComponentError(f"{spec.label}: the component's export is not a function")
    return ctypes.pointer(func)


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
        self.busy = False  # set during a call, so a re-entrant call gets its own buffers
        if self.look_up_at_init:
            self.resolve()

    look_up_at_init = True  # (`PendingExportFunc` waits for its first call)

    def resolve(self) -> None:
        """Look the export up in the instance and make the buffers of its calls."""
        spec = self.spec
        self.func = _find_func(self.state, spec)
        self.convs = tuple(conv for _, _, conv in spec.params)
        self.n = len(self.convs)
        self.owned = tuple(i for i, conv in enumerate(self.convs) if conv.owned)
        self.args = (_Val * max(self.n, 1))()
        self.res = _Val()
        self.res_ptr = ctypes.pointer(self.res) if spec.result is not None else None

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


class PendingExportFunc(ExportFunc):
    """An `ExportFunc` whose export is looked up at its first call rather than at load, so a
    component of thousands of functions loads without looking each up (what the world classes
    make, through `export_func`). That call resolves it and turns the object into an instance of
    `resolved` (same slots, so Python allows it): every later call runs `resolved.__call__`
    itself, exactly as fast as if the export had been resolved at load. Nothing is lost by
    waiting: `load` has already compared every export with the world (`check_component`)."""

    __slots__ = ()
    resolved: type[ExportFunc] = ExportFunc
    look_up_at_init = False

    def __call__(self, *values: Any) -> Any:
        state = self.state
        if state.failure is not None:  # a closed instance is not looked into
            raise state.unusable(self.label)
        self.resolve()
        resolved = self.resolved
        self.__class__ = resolved  # type: ignore[assignment]  # its base, same slots
        return resolved.__call__(self, *values)


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


_HOST_FUNCS: dict[int, HostFunc] = {}

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
    record = getattr(linker, "record", None)
    if record is not None:  # `in_process`'s stand-in: no linker, just the function
        record(name, func)
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
