"""Views of resources (code generation): a resource's class and members, on either side.

In: a resource TypeDef, the functions of its interface or world, the `ViewState`. Out: a
`ResourceView`: the class name, its label, converter name, and its constructor, methods, statics
and properties as `MemberView`s (with the `FuncSpec`, attribute and the host's implementation
expression named by `naming`). `EXPORTED`: the component defines it (a class wrapping handles);
`IMPORTED`: the host implements it (an abstract base class, kept in a handle table).
"""

from __future__ import annotations

from dataclasses import dataclass

from witgen.codegen import naming
from witgen.codegen.naming import Scope
from witgen.codegen.pytypes import EXPORTED, IMPORTED, ModuleCtx
from witgen.codegen.views.funcs import FREESTANDING, FuncView, ParamView, func_view
from witgen.codegen.views.state import ViewState
from witgen.resolve import model as m


@dataclass(frozen=True)
class MemberView:
    """A constructor, method, static function, getter or setter of a resource."""

    kind: str  # "constructor", "method", "static", "getter" or "setter"
    py_name: str  # the Python name ("__init__" for a constructor, the property's for accessors)
    func: FuncView  # `func.params` are all the WIT parameters, `self` included
    py_params: list[ParamView]  # the parameters of the Python method (without `self`)
    attr: str  # exported: the class attribute holding the function bound to an instance
    spec: str  # the module-level `FuncSpec`
    callable: str  # exported: the annotation of `attr`
    impl: str  # imported: the expression that implements it on the host


@dataclass(frozen=True)
class PropertyView:
    py_name: str
    getter: MemberView
    setter: MemberView | None


@dataclass(frozen=True)
class ResourceView:
    side: str  # EXPORTED (a class wrapping handles) or IMPORTED (the host implements it)
    py_name: str
    wit_name: str
    converter_name: str
    label: str  # how messages name the class, e.g. "api.Counter"
    host_attr: str  # imported: the attribute of the host object that gives the host's class
    instance: str | None  # the instance the component has it in; None at the world's top level
    constructor: MemberView | None
    methods: list[MemberView]
    statics: list[MemberView]
    properties: list[PropertyView]

    @property
    def instance_literal(self) -> str:
        """`instance` as a Python expression."""
        return "None" if self.instance is None else f'"{self.instance}"'

    @property
    def members(self) -> list[MemberView]:
        out = [self.constructor] if self.constructor is not None else []
        out += self.methods + self.statics
        for p in self.properties:
            out += [p.getter] if p.setter is None else [p.getter, p.setter]
        return out


@dataclass(frozen=True)
class _Owner:
    """What a member's view needs of the resource it belongs to."""

    side: str
    py_name: str
    label: str
    host_attr: str


def resource_view(
    st: ViewState,
    type_id: int,
    funcs: list[m.Function],
    ctx: ModuleCtx,
    prefix: str,
    host_attr: str,
    side: str,
    instance: str | None,
) -> ResourceView:
    """The view of resource `type_id` and its functions (from `funcs`, the functions of its
    interface or world); `prefix` starts its label ("api."); `host_attr` names the host's
    class on the host object (imported resources)."""
    td = st.resolve.types[type_id]
    assert td.name is not None
    py = (st.type_names if side == EXPORTED else st.host_names)[type_id][1]
    owner = _Owner(side, py, f"{prefix}{py}", host_attr)
    scope = Scope(f"resource '{td.name}'", (*naming.ANNOTATION_BUILTINS, *naming.RESOURCE_NAMES))
    constructor = None
    methods: list[MemberView] = []
    statics: list[MemberView] = []
    getters: dict[str, MemberView] = {}
    setters: dict[str, MemberView] = {}
    for func in funcs:
        if func.kind.resource != type_id or func.kind.tag in FREESTANDING:
            continue
        tag = func.kind.tag.removeprefix("async-")
        name = func.name.rsplit("]", 1)[1].split(".", 1)[-1]  # `[method][get]r.x` -> `x`
        item = f"function '{func.name}'"
        if tag == "constructor":
            constructor = member_view(st, func, "constructor", "__init__", owner, ctx)
        elif tag == "method":
            py_name = scope.claim(naming.snake(name), item)
            methods.append(member_view(st, func, "method", py_name, owner, ctx))
        elif tag in ("static", "static-getter", "static-setter"):
            # No static properties in Python: `x` and `set_x` functions.
            wit = f"set-{name}" if tag == "static-setter" else name
            py_name = scope.claim(naming.snake(wit), item)
            statics.append(member_view(st, func, "static", py_name, owner, ctx))
        elif tag == "method-getter":
            py_name = scope.claim(naming.snake(name), item)
            getters[name] = member_view(st, func, "getter", py_name, owner, ctx)
        elif tag == "method-setter":
            py_name = getters[name].py_name  # the resolver checked every setter has its getter
            setters[name] = member_view(st, func, "setter", py_name, owner, ctx)
        else:
            raise AssertionError(f"unknown function kind {func.kind.tag} ({side})")
    properties = [PropertyView(g.py_name, g, setters.get(n)) for n, g in getters.items()]
    return ResourceView(
        side,
        py,
        td.name,
        naming.converter_name(py),
        owner.label,
        host_attr,
        instance,
        constructor,
        methods,
        statics,
        properties,
    )


def member_view(
    st: ViewState, func: m.Function, kind: str, py_name: str, res: _Owner, ctx: ModuleCtx
) -> MemberView:
    method = kind in ("method", "getter", "setter")
    if kind == "constructor":
        label = f"{res.label}()"
    elif kind == "getter":
        label = f"{res.label}.{py_name}"
    elif kind == "setter":
        label = f"{res.label}.{py_name} (setter)"
    else:
        label = f"{res.label}.{py_name}()"
    attr = naming.member_attr(kind, py_name)
    spec = naming.member_spec(res.side == IMPORTED, res.py_name, attr)
    view = func_view(st, func, py_name, ctx, label, res.side, method=method, spec=spec)
    params = ", ".join(p.annotation for p in view.params)
    if kind == "constructor":
        impl = f"host.{res.host_attr}"
    elif kind == "static":
        impl = f"host.{res.host_attr}.{py_name}"
    else:
        impl = f'_rt.{kind}("{py_name}")'  # `_rt.method`, `_rt.getter`, `_rt.setter`
    return MemberView(
        kind,
        py_name,
        view,
        view.params[1:] if method else view.params,
        attr,
        spec,
        f"_t.Callable[[{params}], {view.result_annotation}]",
        impl,
    )


def resource_usage(st: ViewState, res: ResourceView, type_id: int) -> str:
    """The paragraph of a resource class's docstring (host bindings) that says how to use it."""
    name = res.wit_name
    if res.side == EXPORTED:
        uses = []
        if res.constructor is not None:
            uses.append(f"`instance.{res.label}(...)` constructs one")
        if res.statics:
            uses.append(
                f"its static functions are called on it (`instance.{res.label}."
                f"{res.statics[0].py_name}(...)`)"
            )
        uses.append("the component's functions return instances of it")
        return (
            "A resource the component exports. A loaded instance provides this class bound to"
            f" it, as `instance.{res.label}`: {'; '.join(uses)}. `close()`, or the end of a"
            " `with` block, drops the handle, which runs the component's destructor. Passed"
            f" as an `own<{name}>` argument the object moves into the component and is"
            f" closed; passed as `borrow<{name}>` it stays usable. Using a closed object"
            " raises `ValueError`; garbage collection alone runs no destructor."
        )
    owner = st.resolve.types[type_id].owner
    if isinstance(owner, m.OwnerInterface):
        where = f"of the host object for interface `{st.interface_names[owner.id]}`"
    else:
        where = "of the host object given to `load`"
    return (
        f"A resource the host implements: subclass `{res.py_name}`, implement its"
        f" constructor, methods and static functions, and give the subclass as the"
        f" `{res.host_attr}` attribute {where}. The bindings keep the objects the component"
        " holds handles to; host functions receive the objects themselves. `drop()` runs"
        f" once, when the component has dropped the last `own<{name}>` handle it held of"
        " the object."
    )


def guest_resource_usage(res: ResourceView) -> str:
    """The paragraph of a resource class's docstring in the guest wrappers."""
    if res.side == EXPORTED:
        return (
            f"A resource the plugin implements: subclass `{res.py_name}` in the plugin"
            " module and implement its constructor, methods and static functions. The"
            f" host's handles stand for objects of the subclass; a function returning an"
            f" `own<{res.wit_name}>` returns one, a `borrow<{res.wit_name}>` parameter receives"
            " one."
        )
    return (
        f"A resource the host implements: `{res.py_name}(...)` asks the host for one"
        " (when it has a constructor), its methods call the host's object, and"
        " `close()` or the end of a `with` block drops it."
    )
