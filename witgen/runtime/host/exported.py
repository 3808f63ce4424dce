"""Resources the component exports: the generated classes wrapping their handles."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, NoReturn, Optional, TypeVar

from .._values import Bad as _Bad
from .._values import wrong_type as _wrong_type
from ._capi import K_RESOURCE, VT_BORROW, VT_OWN, _res_any_clone, _res_any_delete, _res_any_drop
from .calls import ExportFunc, InstanceState, PendingExportFunc, UnavailableFunc
from .convert import Conv
from .errors import ComponentError
from .handles import _CALLS, _call_of, _ResourceCall

if TYPE_CHECKING:
    from .specs import FuncSpec
    from .typecheck import TypeCheck


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


def resource_functions(cls: type[Resource], label: str, specs: dict[str, FuncSpec]) -> None:
    """Give generated resource class `cls` its exported functions (class attribute -> spec)."""
    cls._label = label
    cls._specs = tuple(specs.items())
    for attr in specs:
        setattr(cls, attr, _Unbound(label))


def bind_resource(state: InstanceState, cls: type[_R]) -> type[_R]:
    """The subclass of `cls` bound to `state`'s instance (made once per instance)."""
    if state.binder is not None:  # an in-process plugin's (see `InProcessState.binder`)
        return typing.cast("type[_R]", state.binder(cls))
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
                namespace[attr] = PendingResourceExportFunc(state, spec)
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


class PendingResourceExportFunc(PendingExportFunc, ResourceExportFunc):
    """A `ResourceExportFunc` looked up at its first call (see `PendingExportFunc`)."""

    __slots__ = ()
    resolved: type[ExportFunc] = ResourceExportFunc
