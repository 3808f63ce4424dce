"""In-process plugins (`World.from_python`): a plugin module run in this interpreter, through the
same conversions and checks as its built component.
"""

from __future__ import annotations

import importlib
import sys
from ctypes import byref
from typing import TYPE_CHECKING, Any, Callable, Optional

from .._values import Bad as _Bad
from .._values import Err, Ok, Some
from ._capi import _Val, _val_delete
from .calls import ExportFunc, HostFunc, InstanceState, PendingExportFunc, UnavailableFunc
from .convert import Conv
from .errors import ComponentError, WasmTrap, _add_note
from .exported import (
    _R,
    PendingResourceExportFunc,
    ResourceExportFunc,
    _ExportedBorrow,
    _ExportedOwn,
    bind_resource,
)
from .imported import ResourceHostFunc, _ImportedBorrow, _ImportedOwn

if TYPE_CHECKING:
    from .specs import FuncSpec


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

    def record(self, name: str, func: HostFunc) -> None:
        """What `add_host_func` does in `in_process` (a host resource needs no definition)."""
        self.funcs[(self.instance, name)] = func


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

    def binder(self, cls: type) -> type:
        return _bind_in_process(self, cls)

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
                raise _HostFailure(sys.exc_info()[1]) from None  # type: ignore[arg-type]
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
    return _PENDING.get(kind, kind)(state, spec)


# The export callables looked up at their first call, not when the world class is made.
_PENDING: dict[Any, Any] = {
    ExportFunc: PendingExportFunc,
    ResourceExportFunc: PendingResourceExportFunc,
}
