"""The plugin's exports: finding its implementation, and calling it for a carrier (part of
witgen's guest run time, shipped as `_rt/`).

Stage: run time, inside a plugin. Generated code describes each exported function with an
`ExportSpec`; a carrier (componentize-py's glue, or the host's in-process twin) calls the plugin
through `ExportSpec.caller(side)`, compiled once per side, or `call_export`.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .._values import Bad, Err, short
from .compound import Result
from .convert import Conv
from .sides import Fn, Side


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
        self,
        side: Side,
        convert_result: bool = True,
        impl_of: Optional[Fn] = None,
        impl: Optional[Callable[..., Any]] = None,
    ) -> Callable[..., Any]:
        """`run(impl, *values)`: call the plugin's `impl` with the side's `values` and return
        the side's result (see `call_export`); made once per side. Without `convert_result`
        the plugin's answer is returned as it is (a constructor's new object); with `impl_of`,
        `run(x, *values)` calls `impl_of(x)` (see `_export_caller`); given `impl`, a new
        `run(*values)` calls that one (a carrier's method, one call less than a partial)."""
        if not convert_result or impl_of is not None or impl is not None:
            return _export_caller(self, side, convert_result, impl_of, impl)
        found = side.callers.get(self)
        if found is None:
            found = side.callers[self] = _export_caller(self, side, True)
        return found


def _export_caller(
    spec: ExportSpec,
    side: Side,
    convert_result: bool,
    impl_of: Optional[Fn] = None,
    impl: Optional[Callable[..., Any]] = None,
) -> Callable[..., Any]:
    """`spec`'s caller for `side`, written as Python source and compiled once, so that a call
    runs one function: each argument's conversion (none for most), the plugin's `impl`, and the
    result's check written out inline where the type allows (`Conv.fast_check`), with a
    function for the rest. With `impl_of`, the first argument `x` is not the implementation but
    what `impl_of(x)` turns into it (a glue object -> the plugin object's bound method)."""
    label, result = spec.label, spec.result
    args = ", ".join(f"a{i}" for i in range(len(spec.params)))
    env: dict[str, Any] = {"Bad": Bad, "Err": Err, "impl_of": impl_of, "impl": impl}
    if impl is not None:
        lines = [f"def run({args}):"]
    else:
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
        if fast is None:
            pass  # the payload needs a function: raise_err
        elif side.err is Err:  # the side's err is the plugin's (see componentize_glue.share_err)
            # Only an `Err` itself: the side takes no subclass of it.
            if result.err is None:  # a payload the side reads only when the type has one
                lines += ["        if type(raised) is Err:", "            raise"]
            else:
                lines += ["        payload = raised.value"]
                lines += [f"        if {fast} and type(raised) is Err:", "            raise"]
        else:  # the payload as it is (None without one): raise the side's err
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
    exec(compile("\n".join(lines), f"<witgen caller of {label}>", "exec"), env)
    run: Callable[..., Any] = env["run"]
    return run


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
