"""Views of interfaces, modules and the world (code generation): what the package's files hold.

In: a `WorldWalk`, its `Resolve`. Out: `PackageViews`: one `ModuleView` per interface module
(its types and its `InterfaceView`) and the `WorldView` of the package's `__init__`. `build`
walks the world once, imports then exports, claiming each attribute in its scope (the world
class, the imports protocol, an interface's exports and host protocol) in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from witgen.codegen import naming
from witgen.codegen.naming import Scope
from witgen.codegen.naming import module_alias as alias
from witgen.codegen.pytypes import EXPORTED, IMPORTED, ModuleCtx
from witgen.codegen.views.docs import docstring
from witgen.codegen.views.funcs import AccessorView, FuncView, accessor_views, func_views
from witgen.codegen.views.reexports import ReexportView, reexports
from witgen.codegen.views.resources import ResourceView, resource_view
from witgen.codegen.views.state import ViewState
from witgen.codegen.views.types import TypeView, type_views
from witgen.codegen.walk import InterfaceUse
from witgen.resolve import model as m


@dataclass(frozen=True)
class InterfaceView:
    module: str
    alias: str
    attr: str  # the attribute naming it on the world class (and in error messages)
    host_attr: str  # the attribute naming it on the imports protocol
    instance_name: str
    docstring: str | None
    host_funcs: list[FuncView]  # what the host implements (empty unless imported)
    export_funcs: list[FuncView]  # what the component provides (empty unless exported)
    exported: bool
    needs_host: bool  # imported, has functions or resources, and not provided by WASI
    host_resources: list[ResourceView]  # the host implements
    export_resources: list[ResourceView]  # the component exports
    host_props: list[AccessorView]  # imported getters (setters)
    export_props: list[AccessorView]  # exported getters (setters)

    @property
    def import_specs(self) -> list[str]:
        """The `FuncSpec`s of what the host implements here, for the world's `Contract`."""
        return _specs(self.host_resources, self.host_funcs, self.host_props)

    @property
    def export_specs(self) -> list[str]:
        """The `FuncSpec`s of what the component exports here, for the world's `Contract`."""
        return _specs(self.export_resources, self.export_funcs, self.export_props)


@dataclass(frozen=True)
class ModuleView:
    name: str
    docstring: str | None
    import_pairs: list[tuple[str, str]]  # (module, alias) of the other generated modules it uses
    types: list[TypeView]
    interface: InterfaceView


@dataclass(frozen=True)
class WorldView:
    class_name: str
    imports_name: str
    wit_name: str
    qualified_name: str  # "ns:pkg/world@version", as the run time's messages name it
    docstring: str | None
    imports_docstring: str | None
    import_pairs: list[tuple[str, str]]
    types: list[TypeView]
    import_funcs: list[FuncView]
    host_ifaces: list[InterfaceView]
    export_funcs: list[FuncView]
    export_ifaces: list[InterfaceView]
    needs_host: bool
    public: list[str]  # the package's `__all__`
    host_resources: list[ResourceView]  # world-level resources
    import_props: list[AccessorView]  # world-level, the host's
    export_props: list[AccessorView]  # world-level, the component's
    reexports: list[ReexportView]  # see `reexports.reexports`
    # The component-level names of everything the world imports (interfaces, functions, types):
    # `load` refuses a component that imports anything else, WASI aside.
    import_names: list[str]

    @property
    def import_specs(self) -> list[str]:
        """The world-level `FuncSpec`s of what the host implements."""
        return _specs(self.host_resources, self.import_funcs, self.import_props)

    @property
    def export_specs(self) -> list[str]:
        """The world-level `FuncSpec`s of what the component exports."""
        return _specs([], self.export_funcs, self.export_props)


def _specs(
    resources: list[ResourceView], funcs: list[FuncView], props: list[AccessorView]
) -> list[str]:
    out = [mb.spec for r in resources for mb in r.members]
    out += [f.spec for f in funcs]
    out += [f.spec for p in props for f in p.funcs]
    return out


@dataclass
class PackageViews:
    world: WorldView
    modules: list[ModuleView]
    warnings: list[str]


def interface_view(st: ViewState, use: InterfaceUse, ctx: ModuleCtx, attr: str) -> InterfaceView:
    """The view of one interface the world uses; `host_attr` is `attr` until `build` claims it."""
    iface = use.interface
    funcs = list(iface.functions.values())
    host_funcs: list[FuncView] = []
    export_funcs: list[FuncView] = []
    host_scope = Scope(
        f"the protocol of interface '{use.instance_name}'", naming.MODULE_LEVEL_RESERVED
    )
    host_props: list[AccessorView] = []
    export_props: list[AccessorView] = []
    prefix = f"{attr}."
    if use.imported:
        # An imported WASI interface is wasmtime's: neither implemented nor called by the
        # host's code, so what it cannot carry is no warning (an exported one is called).
        warn = not use.provided_by_wasi
        host_funcs = func_views(st, funcs, ctx, host_scope, prefix, IMPORTED, warn=warn)
        host_props = accessor_views(st, funcs, ctx, host_scope, prefix, IMPORTED, warn=warn)
    export_scope = Scope(
        f"the exports of interface '{use.instance_name}'", naming.ANNOTATION_BUILTINS
    )
    if use.exported:
        export_funcs = func_views(st, funcs, ctx, export_scope, prefix, EXPORTED)
        export_props = accessor_views(st, funcs, ctx, export_scope, prefix, EXPORTED)
    host_resources: list[ResourceView] = []
    export_resources: list[ResourceView] = []
    for type_id in sorted(iface.types.values()):
        td = st.resolve.types[type_id]
        side = st.types.resource_sides.get(type_id)
        item = f"resource '{td.name}'"
        if side == EXPORTED:
            # `instance.api.Counter`: an attribute of the exports, like their functions.
            export_scope.claim(st.type_names[type_id][1], item)
            view = resource_view(st, type_id, funcs, ctx, prefix, "", EXPORTED, use.instance_name)
            export_resources.append(view)
            st.resource_views[type_id] = view
        if side == IMPORTED or type_id in st.dual:
            # Imported (and exported too: then the host's copy, `ImportedR`).
            assert td.name is not None
            host_attr = host_scope.claim(naming.snake(td.name), item)
            view = resource_view(
                st, type_id, funcs, ctx, prefix, host_attr, IMPORTED, use.instance_name
            )
            host_resources.append(view)
            if type_id in st.dual:
                st.host_resource_views[type_id] = view
            else:
                st.resource_views[type_id] = view
    module = st.modules[use.id]
    return InterfaceView(
        module,
        alias(module),
        attr,
        attr,
        use.instance_name,
        docstring(iface.docs),
        host_funcs,
        export_funcs,
        use.exported,
        bool(host_funcs or host_resources or host_props) and not use.provided_by_wasi,
        host_resources,
        export_resources,
        host_props,
        export_props,
    )


def qualified_name(resolve: m.Resolve, world: m.World) -> str:
    """`ns:pkg/world@version`, as the run time's messages name the world."""
    if world.package is None:
        return world.name
    pkg = resolve.packages[world.package].name
    base = f"{pkg.namespace}:{pkg.name}/{world.name}"
    return f"{base}@{pkg.version}" if pkg.version is not None else base


class ViewBuilder(ViewState):
    """The views of one world's package (`build`), from the names and sides of `ViewState`."""

    def build(self) -> PackageViews:
        st = self
        walk = self.walk
        world = walk.world
        world_ctx = ModuleCtx("")
        # Attribute names: exported interfaces on the world class, imported ones on the protocol.
        class_scope = Scope(
            f"class {self.class_name}", (*naming.WORLD_CLASS_NAMES, *naming.ANNOTATION_BUILTINS)
        )
        proto_scope = Scope(f"protocol {self.imports_name}", naming.MODULE_LEVEL_RESERVED)
        modules: list[ModuleView] = []
        host_ifaces: list[InterfaceView] = []
        export_ifaces: list[InterfaceView] = []
        import_funcs = func_views(st, walk.import_funcs, world_ctx, proto_scope, "", IMPORTED)
        import_props = accessor_views(st, walk.import_funcs, world_ctx, proto_scope, "", IMPORTED)
        world_resources: list[ResourceView] = []
        for type_id in sorted(walk.types):
            td = self.resolve.types[type_id]
            if self.types.resource_sides.get(type_id) == IMPORTED:
                assert td.name is not None
                host_attr = proto_scope.claim(naming.snake(td.name), f"resource '{td.name}'")
                res = resource_view(
                    st, type_id, walk.import_funcs, world_ctx, "", host_attr, IMPORTED, None
                )
                self.resource_views[type_id] = res
                world_resources.append(res)
        export_funcs = func_views(st, walk.export_funcs, world_ctx, class_scope, "", EXPORTED)
        export_props = accessor_views(st, walk.export_funcs, world_ctx, class_scope, "", EXPORTED)
        for use in walk.interfaces:
            module = self.modules[use.id]
            ctx = ModuleCtx(module)
            # The attribute is the module's name, except that an interface the world names
            # itself keeps its own name there even when its module is qualified by direction
            # (`instance.y`, `host.y`): the exports and the imports are separate scopes.
            name = module
            if use.package is None:
                name = naming.snake(use.interface.name or use.instance_name)
            attr = name
            item = f"interface '{use.instance_name}'"
            if use.exported:
                attr = class_scope.claim(name, item)
            view = interface_view(st, use, ctx, attr)
            if view.needs_host:
                view = replace(view, host_attr=proto_scope.claim(name, item))
            types = type_views(st, list(use.interface.types.values()), ctx)
            modules.append(
                ModuleView(
                    module,
                    docstring(use.interface.docs, f"Bindings for interface `{use.instance_name}`."),
                    sorted((u, alias(u)) for u in ctx.uses),
                    types,
                    view,
                )
            )
            if view.needs_host:
                host_ifaces.append(view)
            if use.exported:
                export_ifaces.append(view)
            world_ctx.uses.add(module)
        world_types = type_views(st, walk.types, world_ctx)
        found = reexports(st, world_ctx)
        public = sorted(
            {self.class_name, self.imports_name, *naming.RUNTIME_EXPORTS}
            | {name for t in world_types for name in t.defines}
            | {r.py_name for r in found}
        )
        needs_host = bool(import_funcs or import_props or host_ifaces or world_resources)
        world_view = WorldView(
            self.class_name,
            self.imports_name,
            world.name,
            qualified_name(self.resolve, world),
            docstring(world.docs, f"Host bindings for world `{world.name}`."),
            docstring(f"What the host provides to a `{self.class_name}` component."),
            sorted((u, alias(u)) for u in world_ctx.uses),
            world_types,
            import_funcs,
            host_ifaces,
            export_funcs,
            export_ifaces,
            needs_host,
            public,
            world_resources,
            import_props,
            export_props,
            found,
            sorted(
                {use.instance_name for use in walk.interfaces if use.imported}
                | {f.name for f in walk.import_funcs}
                | {self.resolve.types[t].name or "" for t in walk.types}
            ),
        )
        return PackageViews(world_view, modules, self.warnings)
