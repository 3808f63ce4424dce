"""The guest package's imports: one `ImportSpec` per imported function, and the `Backend` that
carries their calls (part of witgen's guest run time, shipped as `_rt/`).

Stage: run time, inside a plugin. An imported function calls `call_import(spec, *args)`, which
checks and converts the arguments for the active backend's side, calls it and converts the result
back; what it runs for a function is made once per backend.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .._values import Bad, Err
from .._values import first_unsupported as _first_unsupported
from .compound import Result
from .convert import Conv, _identity
from .sides import Side


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
