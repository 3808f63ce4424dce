"""Views of functions (code generation): what a function, its parameters and an interface's or a
world's getters and setters look like in the generated code.

In: `m.Function`s, the `ViewState` and the module being generated. Out: `FuncView`s (Python name,
label for messages, parameters, result annotation and converters, the `FuncSpec` and attribute
names from `naming`) and `AccessorView`s (a property: a getter and its setter). A feature the run
time cannot carry is a warning in the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from witgen.codegen import naming
from witgen.codegen.naming import Scope
from witgen.codegen.pytypes import ACCESSORS, ASYNC, IMPORTED, ModuleCtx
from witgen.codegen.views.docs import docstring
from witgen.codegen.views.state import ViewState
from witgen.resolve import model as m

FREESTANDING = ("freestanding", "async-freestanding")


@dataclass(frozen=True)
class ParamView:
    py_name: str
    wit_name: str
    annotation: str
    converter: str


@dataclass(frozen=True)
class FuncView:
    py_name: str
    wit_name: str
    label: str  # how error messages name it, e.g. "api.greet()"
    docstring: str | None
    params: list[ParamView]
    result_annotation: str  # "None" when the function returns nothing
    result_converter: str  # "None" when the WIT function has no result
    unwrap: bool  # the WIT result is a `result`: return its ok value, raise Err(e)
    unsupported: str | None  # a feature the run time cannot carry (only async here)
    resources: bool  # its parameters or result can hold resource handles
    spec: str  # the module-level `FuncSpec` (`_X_<py_name>` exported, `_I_...` imported)
    attr: str  # exported: the attribute holding the bound export (`_f_<py_name>`)

    @property
    def returns(self) -> bool:
        return self.result_annotation != "None"

    @property
    def export_class(self) -> str:
        """The run-time class calling it as an export. A function that can never be called (see
        `unsupported`) needs no export to look up, as with `bind_resource`'s resource members."""
        if self.unsupported is not None:
            return "UnavailableFunc"
        return "ResourceExportFunc" if self.resources else "ExportFunc"

    @property
    def host_class(self) -> str:
        """The run-time class wrapping the host's implementation of it as an import."""
        return "ResourceHostFunc" if self.resources else "HostFunc"


@dataclass(frozen=True)
class AccessorView:
    """A getter of an interface or a world (`prop: get() -> T`, WIT.md "Item: func"), with its
    setter if it has one: a Python property, like a resource's (`PropertyView`). Exported, the
    property calls the component; imported, the host object has the property and the bindings
    read and write it."""

    py_name: str
    getter: FuncView
    setter: FuncView | None

    @property
    def getter_impl(self) -> str:
        """Imported: the host function reading the property of the host object `host`."""
        return f'_rt.property_getter(host, "{self.py_name}")'

    @property
    def setter_impl(self) -> str:
        """Imported: the host function writing the property of the host object `host`."""
        return f'_rt.property_setter(host, "{self.py_name}")'

    @property
    def funcs(self) -> list[FuncView]:
        return [self.getter] if self.setter is None else [self.getter, self.setter]


def func_views(
    st: ViewState,
    funcs: list[m.Function],
    ctx: ModuleCtx,
    scope: Scope,
    prefix: str,
    where: str,
    *,
    warn: bool = True,
) -> list[FuncView]:
    """The freestanding functions among `funcs`, named in `scope`; `prefix` starts their labels."""
    out = []
    for func in funcs:
        if func.kind.tag not in FREESTANDING:
            # Resource constructors, methods and statics come with resource support.
            continue
        py = scope.claim(naming.snake(func.name), f"function '{func.name}'")
        out.append(func_view(st, func, py, ctx, f"{prefix}{py}()", where, warn=warn))
    return out


def accessor_views(
    st: ViewState,
    funcs: list[m.Function],
    ctx: ModuleCtx,
    scope: Scope,
    prefix: str,
    where: str,
    *,
    warn: bool = True,
) -> list[AccessorView]:
    """The getters among `funcs` (kind `getter`, named `[get]x`), each with its setter
    (`[set]x`), as properties named in `scope`. A getter `[get]x` clashes with a function `x`
    in WIT itself (wit-parser's name check), so the property can share the functions' scope."""
    imported = where == IMPORTED
    getters: dict[str, FuncView] = {}
    setters: dict[str, FuncView] = {}
    for func in funcs:
        name = func.name.split("]", 1)[-1]  # `[get]x` -> `x`
        if func.kind.tag == "getter":
            py = scope.claim(naming.snake(name), f"function '{func.name}'")
            getters[name] = func_view(
                st,
                func,
                py,
                ctx,
                f"{prefix}{py}",
                where,
                warn=warn,
                spec=naming.accessor_spec(imported, True, py),
                attr=naming.accessor_attr(True, py),
            )
        elif func.kind.tag == "setter":
            py = getters[name].py_name  # the resolver checked that every setter has its getter
            setters[name] = func_view(
                st,
                func,
                py,
                ctx,
                f"{prefix}{py} (setter)",
                where,
                warn=warn,
                spec=naming.accessor_spec(imported, False, py),
                attr=naming.accessor_attr(False, py),
            )
    return [AccessorView(g.py_name, g, setters.get(name)) for name, g in getters.items()]


def func_view(
    st: ViewState,
    func: m.Function,
    py: str,
    ctx: ModuleCtx,
    label: str,
    where: str,
    *,
    method: bool = False,
    warn: bool = True,
    spec: str | None = None,
    attr: str | None = None,
) -> FuncView:
    """The view of `func`; for a resource's `method` the first parameter (WIT's `self`) is
    the Python `self`. Unless `warn` is false, a feature it reaches that the run time cannot
    carry is a warning. `spec` and `attr` default to a freestanding function's."""
    types = st.mapper(where == IMPORTED)
    in_resource = func.kind.tag not in FREESTANDING
    reserved = naming.RESOURCE_PARAM_RESERVED if in_resource else naming.PARAM_RESERVED
    scope = Scope(f"the parameters of '{func.name}'", reserved)
    params = [
        ParamView(
            (
                "self"
                if method and i == 0
                else scope.claim(naming.snake(p.name), f"parameter '{p.name}'")
            ),
            p.name,
            types.annotation(p.ty, ctx),
            types.converter(p.ty, ctx),
        )
        for i, p in enumerate(func.params)
    ]
    result = types.result_of(func.result)
    raises = None
    if result is not None:
        result_annotation = types.annotation(result.ok, ctx)
        err = types.annotation(result.err, ctx)
        raises = f"Raises `Err` (its `.value` a `{err}`) when the function returns `err`."
    else:
        result_annotation = types.annotation(func.result, ctx)
    unsupported = ASYNC if func.kind.tag.startswith("async") else None
    if func.kind.tag.endswith(("getter", "setter")):
        unsupported = ACCESSORS  # wasmtime 50 cannot compile components that have them
    refs = [*(p.ty for p in func.params), func.result]
    for t in refs:
        unsupported = unsupported or types.unsupported(t)
    if unsupported is not None and warn:
        st.warnings.append(
            f"{where} function '{func.name}': {unsupported} are not supported by these bindings"
            " yet; calling it raises NotImplementedError"
        )
    return FuncView(
        py,
        func.name,
        label,
        docstring(func.docs, raises),
        params,
        result_annotation,
        types.converter(func.result, ctx),
        result is not None,
        # The run time finds other features in the converters; these it cannot see there.
        unsupported if unsupported in (ASYNC, ACCESSORS) else None,
        any(types.has_handles(t) for t in refs),
        spec if spec is not None else naming.func_spec(where == IMPORTED, py),
        attr if attr is not None else naming.export_attr(py),
    )
