"""What every view builder shares (code generation): the names and sides of a world's types.

In: a `WorldWalk` and its `Resolve`. Out: a `ViewState`, computed once before any view is built:
the module of each interface (`module_names`), the Python name of each named type and variant
case (checked per scope), who defines each resource (`EXPORTED`, `IMPORTED`, or why it cannot be
carried), the import-side copies of an interface the world both imports and exports, and the two
`TypeMapper`s (the component's side, the host's side). The view builders (`types`, `funcs`,
`resources`, `interfaces`) read it and add warnings to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witgen.codegen import CodegenError, naming
from witgen.codegen.naming import Scope
from witgen.codegen.pytypes import (
    EXPORTED,
    IMPORTED,
    WASI_RESOURCES,
    TypeMapper,
    first_found,
)
from witgen.codegen.walk import WorldWalk
from witgen.resolve import model as m

if TYPE_CHECKING:
    from witgen.codegen.views.resources import ResourceView


def module_names(walk: WorldWalk) -> dict[int, str]:
    """A module name per interface: snake_case of its name, qualified by package (then namespace,
    then version) only when two interfaces of the world share it (`http_types`).

    An interface the world names itself (`import y: interface {...}`) has no package to qualify
    it by; the only other such interface that can share its name is the one of the same name on
    the other side (`export y: interface {...}`), so it is qualified by direction (`imports_y`,
    `exports_y`). One interface that the world both imports and exports (`import z; export z;`)
    is a single module."""
    options = {
        use.id: naming.module_candidates(
            use.interface.name or use.instance_name,
            (
                None
                if use.package is None
                else (use.package.namespace, use.package.name, use.package.version)
            ),
            use.exported,
        )
        for use in walk.interfaces
    }
    level = {use.id: 0 for use in walk.interfaces}
    while True:
        taken: dict[str, list[int]] = {}
        for use in walk.interfaces:
            taken.setdefault(options[use.id][level[use.id]], []).append(use.id)
        clashes = [ids for ids in taken.values() if len(ids) > 1]
        if not clashes:
            break
        moved = False
        for ids in clashes:
            for i in ids:
                if level[i] + 1 < len(options[i]):
                    level[i] += 1
                    moved = True
        if not moved:
            listed = " and ".join(
                f"interface '{u.instance_name}'" for u in walk.interfaces if u.id in clashes[0]
            )
            raise CodegenError(f"{listed} cannot be given distinct Python module names")
    names = {use.id: options[use.id][level[use.id]] for use in walk.interfaces}
    scope = Scope("the generated package")
    for use in walk.interfaces:
        scope.claim(names[use.id], f"interface '{use.instance_name}'")
    return names


class ViewState:
    def __init__(self, resolve: m.Resolve, walk: WorldWalk) -> None:
        self.resolve = resolve
        self.walk = walk
        self.warnings: list[str] = []
        self.modules = module_names(walk)
        self.world_name = walk.world.name
        # The world class lives beside the run time's names in the package's `__init__`.
        self.class_name = Scope("the package's __init__", naming.RUNTIME_EXPORTS).claim(
            naming.upper_camel(walk.world.name), f"world '{walk.world.name}'"
        )
        self.imports_name = naming.imports_protocol(self.class_name)
        self.type_names: dict[int, tuple[str, str]] = {}
        self.case_names: dict[tuple[int, int], str] = {}
        self.scopes: dict[str, Scope] = {}  # module -> the scope its type names come from
        self._name_types()
        sides = self._resource_sides()
        self.types = TypeMapper(resolve, self.type_names, sides)
        # An interface the world both imports and exports (`import api; export api;`) has one
        # WIT resource `r` but two at run time: the component's (`R`, as for any export) and the
        # host's (`ImportedR`). The types containing its handles get an import-side copy too.
        self.dual = {
            type_id
            for use in walk.interfaces
            if use.imported and use.exported and not use.provided_by_wasi
            for type_id in use.interface.types.values()
            if isinstance(resolve.types[type_id].kind, m.ResourceKind)
        }
        # Whose side a named type is on follows its owner, as in the component wit-component
        # builds (checked against `wasm-tools print`): the world's own types (its `use`s
        # included) and those of interfaces it only imports are imports, so their handles are
        # the host's; an interface it only exports sees the component's. Only an interface on
        # both sides has two copies of its types (`Boxed` and `ImportedBoxed`).
        self.import_side = {"", *(self.modules[u.id] for u in walk.interfaces if not u.exported)}
        self.host_names = dict(self.type_names)
        self.host_case_names = dict(self.case_names)
        self._dual_types: dict[int, bool | None] = {}
        self._name_host_copies()
        host_sides: dict[int, str] = {**sides, **{t: IMPORTED for t in self.dual}}
        # Imported functions see the host's side of every resource.
        self.host_types = TypeMapper(resolve, self.host_names, host_sides)
        # Filled by `resources.resource_view` before the types are viewed.
        self.resource_views: dict[int, ResourceView] = {}
        self.host_resource_views: dict[int, ResourceView] = {}  # the host's copies (dual)
        self.interface_names = {use.id: use.instance_name for use in walk.interfaces}

    def mapper(self, host: bool) -> TypeMapper:
        """The type mapper of the host's side (imported functions, import-side copies) or not."""
        return self.host_types if host else self.types

    # --- names ---

    def _name_types(self) -> None:
        for use in self.walk.interfaces:
            module = self.modules[use.id]
            scope = Scope(
                f"module '{module}' (interface '{use.instance_name}')",
                naming.INTERFACE_MODULE_NAMES,
            )
            self.scopes[module] = scope
            for type_id in sorted(use.interface.types.values()):
                self._name_type(type_id, module, scope)
        world_scope = Scope(
            "the package's __init__",
            (self.class_name, self.imports_name, *naming.RUNTIME_EXPORTS),
        )
        self.scopes[""] = world_scope
        for type_id in sorted(self.walk.types):
            self._name_type(type_id, "", world_scope)

    def _name_type(self, type_id: int, module: str, scope: Scope) -> None:
        td = self.resolve.types[type_id]
        assert td.name is not None
        py = scope.claim(naming.upper_camel(td.name), f"type '{td.name}'")
        self.type_names[type_id] = (module, py)
        if isinstance(td.kind, m.VariantKind):
            for i, case in enumerate(td.kind.cases):
                item = f"case '{case.name}' of variant '{td.name}'"
                self.case_names[(type_id, i)] = scope.claim(naming.case_class(py, case.name), item)

    def mentions_dual(self, ref: m.TypeRef | None) -> bool:
        """Whether type `ref` is, names or contains a resource of `self.dual` (remembered per
        type, and walked without recursion, as `TypeMapper`'s walks are)."""
        if isinstance(ref, int) and ref in self._dual_types:
            return self._dual_types[ref] is True

        def local(type_id: m.TypeId, k: m.TypeDefKind) -> tuple[bool, bool | None]:
            if isinstance(k, m.ResourceKind):
                return True, type_id in self.dual or None
            if isinstance(k, m.HandleKind):
                return True, self.types.resource_id(k.resource) in self.dual or None
            return False, None

        return first_found(self.resolve, ref, self._dual_types, local) is True

    def _name_host_copies(self) -> None:
        """Names of the import-side copies of the named types that mention a resource of an
        interface the world both imports and exports, when they are defined (or `use`d) in such
        an interface: `Imported<Name>` in the same module (followed by `_` while that is taken),
        their variant cases `Imported<Name>_<Case>`. Types of other modules have one side only
        (see `import_side`)."""
        both = {self.modules[u.id] for u in self.walk.interfaces if u.imported and u.exported}
        for type_id in sorted(self.type_names):
            module, py = self.type_names[type_id]
            if module not in both or not self.mentions_dual(m.TypeId(type_id)):
                continue
            td = self.resolve.types[type_id]
            scope = self.scopes[module]
            copy = self._free_name(scope, naming.host_copy(py))
            scope.claim(copy, f"the imported copy of type '{td.name}'")
            self.host_names[type_id] = (module, copy)
            if isinstance(td.kind, m.VariantKind):
                for i, case in enumerate(td.kind.cases):
                    name = self._free_name(scope, naming.case_class(copy, case.name))
                    item = f"case '{case.name}' of the imported copy of variant '{td.name}'"
                    self.host_case_names[(type_id, i)] = scope.claim(name, item)

    @staticmethod
    def _free_name(scope: Scope, name: str) -> str:
        while name in scope.owners or name in scope.reserved:
            name += "_"
        return name

    def _resource_sides(self) -> dict[int, str]:
        """Who defines each resource of the world: the component when its interface is exported,
        else the host (wasmtime, for WASI's, which these bindings cannot carry)."""
        sides: dict[int, str] = {}
        for use in self.walk.interfaces:
            for type_id in use.interface.types.values():
                if isinstance(self.resolve.types[type_id].kind, m.ResourceKind):
                    if use.exported:
                        sides[type_id] = EXPORTED
                    elif use.provided_by_wasi:
                        sides[type_id] = WASI_RESOURCES
                    else:
                        sides[type_id] = IMPORTED
        for type_id in self.walk.types:  # a world's own types are imports
            if isinstance(self.resolve.types[type_id].kind, m.ResourceKind):
                sides[type_id] = IMPORTED
        return sides
