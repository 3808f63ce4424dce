"""Stage 2: the ASTs of one package's files to one `Unresolved` package, its names resolved.

Follows wit-parser's `ast/resolve.rs` (`Resolver`) step by step, because the ids it allocates, in
the order it allocates them, are what the JSON prints: foreign dependencies first (placeholder
interfaces, worlds and `Unknown` types), then the package's interfaces and worlds in topological
order, each resolving its `use`s, then its types (topologically), then its functions. References
to other packages stay as placeholders; `witgen.resolve.resolver` connects them.

This module walks the package: its files, the foreign items they name, its interfaces and worlds
and what they contain. The parts have their own modules: types (`lower_types`), functions
(`lower_functions`), docs and attributes (`lower_attributes`); the result is `unresolved`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

from witgen.errors import Span, WitError
from witgen.resolve import model as m
from witgen.resolve.lower_attributes import docs_text, external_id, stability
from witgen.resolve.lower_functions import freestanding, resolve_function, resolve_resource_func
from witgen.resolve.lower_types import TypeLowerer, TypeOrItem
from witgen.resolve.names import NameScope, getter_of, setters_after_getters
from witgen.resolve.toposort import toposort
from witgen.resolve.unresolved import ForeignDep, ItemRef, Unresolved
from witgen.syntax import ast

# `for_each_path` visits: (owner name or None, attributes, path, use names or None, kind).
PathVisit = tuple[
    Union[ast.Id, None],
    tuple[ast.Attribute, ...],
    ast.UsePath,
    Union[tuple[ast.UseName, ...], None],
    str,
]


def package_name(name: ast.PackageName) -> m.PackageName:
    version = name.version.text if name.version is not None else None
    return m.PackageName(name.namespace.name, name.name.name, version)


def for_each_path(items: tuple[ast.AstItem, ...]) -> Iterator[PathVisit]:
    """Every use-path of a file, in wit-parser's `DeclList::for_each_path` order.

    A world's imports are visited before its exports (whatever their textual order), after its
    `use`s and `include`s; `kind` says what the path must name: "interface", "world" or "unknown".
    """
    for item in items:
        if isinstance(item, ast.World):
            imports: list[tuple[ast.ExternKind, tuple[ast.Attribute, ...]]] = []
            exports: list[tuple[ast.ExternKind, tuple[ast.Attribute, ...]]] = []
            for wi in item.items:
                if isinstance(wi, ast.Use):
                    yield (None, wi.attributes, wi.from_, wi.names, "interface")
                elif isinstance(wi, ast.Include):
                    yield (item.name, wi.attributes, wi.from_, None, "world")
                elif isinstance(wi, ast.Import):
                    imports.append((wi.kind, wi.attributes))
                elif isinstance(wi, ast.Export):
                    exports.append((wi.kind, wi.attributes))
            for kind, attrs in imports + exports:
                if isinstance(kind, ast.ExternInterface):
                    for ii in kind.items:
                        if isinstance(ii, ast.Use):
                            yield (None, ii.attributes, ii.from_, ii.names, "interface")
                elif isinstance(kind, (ast.ExternPath, ast.ExternNamedPath)):
                    yield (None, attrs, kind.path, None, "interface")
        elif isinstance(item, ast.Interface):
            for ii in item.items:
                if isinstance(ii, ast.Use):
                    yield (item.name, ii.attributes, ii.from_, ii.names, "interface")
        elif isinstance(item, ast.ToplevelUse):
            yield (None, item.attributes, item.item, None, "unknown")


class Lowerer:
    """Builds one `Unresolved` package from the files (`ast.PackageFile`) pushed into it."""

    def __init__(self) -> None:
        self.package_name: tuple[m.PackageName, Span] | None = None
        self.package_docs: str | None = None
        self.files: list[tuple[ast.AstItem, ...]] = []
        # the type arena, and the names of the interface or world being lowered
        self.types = TypeLowerer()
        self.interfaces: list[m.Interface] = []
        self.worlds: list[m.World] = []
        self.cur_file = 0
        self.file_items: list[dict[str, ItemRef]] = []
        self.package_items: dict[str, ItemRef] = {}
        self.interface_types: list[dict[str, tuple[TypeOrItem, Span]]] = []
        self.foreign_deps: dict[m.PackageName, dict[str, ForeignDep]] = {}
        self.foreign_interfaces: set[m.InterfaceId] = set()
        self.unknown_type_spans: list[Span] = []
        self.foreign_dep_spans: list[Span] = []

    # --- input ------------------------------------------------------------------------------

    def push(self, file: ast.PackageFile) -> None:
        """Add one file (or one nested package block); see wit-parser's `Resolver::push`."""
        if file.package_id is not None:
            cur = package_name(file.package_id)
            if self.package_name is not None and cur != self.package_name[0]:
                raise WitError(
                    f"package identifier `{cur}` does not match previous package name of "
                    f"`{self.package_name[0]}`",
                    file.package_id.span,
                )
            self.package_name = (cur, file.package_id.span)
            docs = docs_text(file.package_id.docs)
            if docs is not None:
                if self.package_docs is not None:
                    raise WitError(
                        "found doc comments on multiple 'package' items",
                        file.package_id.docs.span,
                    )
                self.package_docs = docs
        for item in file.items:
            if isinstance(item, ast.NestedPackage):
                pkg_id = item.package.package_id
                span = pkg_id.span if pkg_id is not None else item.span
                raise WitError("nested packages must be placed at the top-level", span)
        self.files.append(file.items)

    # --- the steps of `resolve` -------------------------------------------------------------

    def resolve(self) -> Unresolved:
        if self.package_name is None:
            raise WitError("no `package` header was found in any WIT file for this package")
        name, name_span = self.package_name
        self.populate_foreign_deps()
        iface_order, world_order = self.populate_ast_items()
        self.populate_foreign_types()

        # keyed by the `ItemRef` ids `populate_ast_items` gave them
        iface_ast: dict[int, tuple[ast.Interface, int]] = {}
        world_ast: dict[int, tuple[ast.World, int]] = {}
        for i, items in enumerate(self.files):
            for item in items:
                if isinstance(item, ast.Interface):
                    iface_ast[self.file_items[i][item.name.name].id] = (item, i)
                elif isinstance(item, ast.World):
                    world_ast[self.file_items[i][item.name.name].id] = (item, i)
        for iid in iface_order:
            iface, i = iface_ast[iid]
            self.cur_file = i
            self.resolve_interface(iid, iface.items, iface.docs, iface.attributes)
        for wid in world_order:
            world, i = world_ast[wid]
            self.cur_file = i
            self.resolve_world(wid, world)
        return Unresolved(
            name=name,
            name_span=name_span,
            docs=self.package_docs,
            worlds=self.worlds,
            interfaces=self.interfaces,
            types=self.types.types,
            foreign_deps=self.foreign_deps,
            foreign_dep_spans=self.foreign_dep_spans,
            unknown_type_spans=self.unknown_type_spans,
            required_resource_types=self.types.required_resource_types,
        )

    def populate_foreign_deps(self) -> None:
        for items in self.files:
            for _owner, attrs, path, _names, kind in for_each_path(items):
                if not isinstance(path, ast.PackagePath):
                    continue
                try:
                    stab = stability(attrs)
                except WitError:
                    stab = None  # reported later, where wit-parser reports it
                pkg = package_name(path.package)
                deps = self.foreign_deps.get(pkg)
                if deps is None:
                    deps = self.foreign_deps[pkg] = {}
                    self.foreign_dep_spans.append(path.package.span)
                dep = deps.get(path.name.name)
                if dep is None:
                    if kind == "world":
                        ref = ItemRef("world", self.alloc_world(path.name.span))
                    else:
                        iid = self.alloc_interface(path.name.span)
                        ref = ItemRef("interface", iid)
                        self.foreign_interfaces.add(iid)
                    dep = deps[path.name.name] = ForeignDep(ref)
                dep.stabilities.append(stab)

    def alloc_interface(self, span: Span) -> m.InterfaceId:
        self.interface_types.append({})
        self.interfaces.append(m.Interface(name=None, span=span))
        return m.InterfaceId(len(self.interfaces) - 1)

    def alloc_world(self, span: Span) -> m.WorldId:
        self.worlds.append(m.World(name="", span=span))
        return m.WorldId(len(self.worlds) - 1)

    def populate_ast_items(self) -> tuple[list[m.InterfaceId], list[m.WorldId]]:
        """Name every interface and world, order them by their `use`s and `include`s."""
        package_spans: dict[str, Span] = {}
        kinds: dict[str, str] = {}
        order: dict[str, list[ast.Id]] = {}
        for items in self.files:
            for item in items:
                if isinstance(item, (ast.Interface, ast.World)):
                    n = item.name
                    if n.name in package_spans:
                        raise WitError(f"duplicate item named `{n.name}`", n.span)
                    package_spans[n.name] = n.span
                    order[n.name] = []
                    kinds[n.name] = "interface" if isinstance(item, ast.Interface) else "world"

        for items in self.files:
            # This file's top-level names: local items, and `use`d ones (local or foreign).
            file_ns: dict[str, ast.Id | None] = {}
            for item in items:
                if isinstance(item, ast.ToplevelUse):
                    nid = item.as_ if item.as_ is not None else item.item.name
                    src: ast.Id | None = (
                        item.item.id if isinstance(item.item, ast.LocalPath) else None
                    )
                elif isinstance(item, (ast.Interface, ast.World)):
                    nid, src = item.name, item.name
                else:
                    continue
                if nid.name in file_ns:
                    raise WitError(f"duplicate name `{nid.name}` in this file", nid.span)
                file_ns[nid.name] = src
            for owner, _attrs, path, _names, _kind in for_each_path(items):
                if owner is None or not isinstance(path, ast.LocalPath):
                    continue
                used = path.id
                if used.name in file_ns:
                    local = file_ns[used.name]
                    if local is not None:
                        order[owner.name].append(local)
                elif used.name in package_spans:
                    order[owner.name].append(used)
                else:
                    raise WitError(f"interface or world `{used.name}` does not exist", used.span)

        ids: dict[str, ItemRef] = {}
        iface_order: list[m.InterfaceId] = []
        world_order: list[m.WorldId] = []
        for name in toposort("interface or world", order):
            if kinds[name] == "interface":
                iid = self.alloc_interface(package_spans[name])
                self.interfaces[iid].name = name
                ids[name] = ItemRef("interface", iid)
                iface_order.append(iid)
            else:
                wid = self.alloc_world(package_spans[name])
                self.worlds[wid].name = name
                ids[name] = ItemRef("world", wid)
                world_order.append(wid)

        for items in self.files:
            scope: dict[str, ItemRef] = {}
            for item in items:
                if isinstance(item, ast.ToplevelUse):
                    if item.attributes:
                        raise WitError("attributes not allowed on top-level use", item.span)
                    nid = item.as_ if item.as_ is not None else item.item.name
                    if isinstance(item.item, ast.LocalPath):
                        ref = ids.get(item.item.id.name)
                        if ref is None:
                            raise WitError(
                                f"interface or world `{item.item.id.name}` does not exist",
                                item.item.id.span,
                            )
                    else:
                        pkg = package_name(item.item.package)
                        ref = self.foreign_deps[pkg][item.item.name.name].item
                    scope[nid.name] = ref
                elif isinstance(item, (ast.Interface, ast.World)):
                    scope[item.name.name] = ids[item.name.name]
                    self.package_items[item.name.name] = ids[item.name.name]
            self.file_items.append(scope)
        return iface_order, world_order

    def populate_foreign_types(self) -> None:
        """An `Unknown` placeholder type for each name `use`d from another package."""
        for i, items in enumerate(self.files):
            self.cur_file = i
            for _owner, attrs, path, names, _kind in for_each_path(items):
                if names is None:
                    continue
                stab = stability(attrs)
                ext = external_id(attrs)
                ref, name, span = self.resolve_path(path)
                iid = self.iface_of(ref, name, span)
                if iid not in self.foreign_interfaces:
                    continue
                lookup = self.interface_types[iid]
                for use_name in names:
                    n = use_name.name
                    if n.name in lookup:
                        continue
                    tid = self.types.alloc_type(
                        m.TypeDef(
                            name=n.name,
                            kind=m.UnknownKind(),
                            owner=m.OwnerInterface(iid),
                            stability=stab,
                            span=n.span,
                            external_id=ext,
                        )
                    )
                    self.unknown_type_spans.append(n.span)
                    lookup[n.name] = (tid, n.span)
                    self.interfaces[iid].types[n.name] = tid

    # --- paths ------------------------------------------------------------------------------

    def resolve_path(self, path: ast.UsePath) -> tuple[ItemRef, str, Span]:
        if isinstance(path, ast.LocalPath):
            ref = self.file_items[self.cur_file].get(path.id.name) or self.package_items.get(
                path.id.name
            )
            if ref is None:
                raise WitError(f"interface or world `{path.id.name}` does not exist", path.id.span)
            return ref, path.id.name, path.id.span
        dep = self.foreign_deps[package_name(path.package)][path.name.name]
        return dep.item, path.name.name, path.name.span

    @staticmethod
    def iface_of(ref: ItemRef, name: str, span: Span) -> m.InterfaceId:
        if ref.kind != "interface":
            raise WitError(f"name `{name}` is defined as a world, not an interface", span)
        return m.InterfaceId(ref.id)

    @staticmethod
    def world_of(ref: ItemRef, name: str, span: Span) -> m.WorldId:
        if ref.kind != "world":
            raise WitError(f"name `{name}` is defined as an interface, not a world", span)
        return m.WorldId(ref.id)

    # --- worlds -----------------------------------------------------------------------------

    def resolve_world(self, wid: m.WorldId, world: ast.World) -> None:
        w = self.worlds[wid]
        w.docs = docs_text(world.docs)
        w.stability = stability(world.attributes)
        self.resolve_types(
            m.OwnerWorld(wid),
            [i for i in world.items if isinstance(i, (ast.Use, ast.TypeDef))],
        )
        for inc in world.items:
            if isinstance(inc, ast.Include):
                self.resolve_include(wid, inc)

        import_scope = NameScope()
        for name, (target, span) in self.types.type_lookup.items():
            assert isinstance(target, int)
            import_scope.add(name, span)
            w.imports[name] = m.WorldType(target, span)
        export_scope = NameScope()

        imported: set[m.WorldKey] = set()
        exported: set[m.WorldKey] = set()
        for wi in world.items:
            if isinstance(wi, ast.TypeDef) and isinstance(wi.ty, ast.Resource):
                for rf in wi.ty.funcs:
                    func = resolve_resource_func(self.types, rf, wi.name)
                    import_scope.add(func.name, rf.func.name.span)
                    w.imports[func.name] = m.WorldFunction(func)
                continue
            if isinstance(wi, ast.Import):
                desc, dst, seen, scope = "import", w.imports, imported, import_scope
            elif isinstance(wi, ast.Export):
                desc, dst, seen, scope = "export", w.exports, exported, export_scope
            else:
                continue
            kind = wi.kind
            item = self.resolve_world_item(wi.docs, wi.attributes, kind)
            key: m.WorldKey
            if isinstance(kind, (ast.ExternInterface, ast.ExternNamedPath)):
                key, kspan = kind.name.name, kind.name.span
            elif isinstance(kind, ast.ExternFunc):
                assert isinstance(item, m.WorldFunction)
                key, kspan = item.func.name, kind.name.span
            else:
                ref, n, span = self.resolve_path(kind.path)
                key, kspan = self.iface_of(ref, n, span), kind.path.name.span
                if key in seen:
                    raise WitError(f"interface cannot be {desc}ed more than once", kspan)
                seen.add(key)
            prev = dst.get(key)
            if prev is not None:
                what = {
                    m.WorldInterface: "interface",
                    m.WorldFunction: "func",
                    m.WorldType: "type",
                }[type(prev)]
                raise WitError(f"{desc} `{key}` conflicts with prior {what} of same name", kspan)
            if isinstance(key, str):
                scope.add(key, kspan)
            dst[key] = item
        self.types.new_scope()

    def resolve_include(self, wid: m.WorldId, inc: ast.Include) -> None:
        stab = stability(inc.attributes)
        ref, name, span = self.resolve_path(inc.from_)
        self.worlds[wid].includes.append(
            m.WorldInclude(
                id=self.world_of(ref, name, span),
                names=[m.IncludeName(n.name.name, n.as_.name) for n in inc.names],
                stability=stab,
                span=span,
            )
        )

    def resolve_world_item(
        self, docs: ast.Docs, attrs: tuple[ast.Attribute, ...], kind: ast.ExternKind
    ) -> m.WorldItem:
        if isinstance(kind, ast.ExternInterface):
            saved = self.types.new_scope()
            iid = self.alloc_interface(kind.name.span)
            self.resolve_interface(iid, kind.items, docs, attrs)
            self.types.type_lookup, self.types.type_scope = saved
            return m.WorldInterface(
                iid,
                stability=self.interfaces[iid].stability,
                external_id=external_id(attrs),
                span=kind.name.span,
            )
        if isinstance(kind, (ast.ExternPath, ast.ExternNamedPath)):
            stab = stability(attrs)
            ext = external_id(attrs)
            text = docs_text(docs)
            ref, name, span = self.resolve_path(kind.path)
            iid = self.iface_of(ref, name, span)
            item_span = kind.name.span if isinstance(kind, ast.ExternNamedPath) else span
            return m.WorldInterface(iid, stability=stab, external_id=ext, docs=text, span=item_span)
        func = kind.func
        fname, fkind = freestanding(kind.name.name, func)
        return m.WorldFunction(
            resolve_function(self.types, docs, attrs, fname, kind.name.span, func, fkind)
        )

    # --- interfaces -------------------------------------------------------------------------

    def resolve_interface(
        self,
        iid: m.InterfaceId,
        items: tuple[ast.InterfaceItem, ...],
        docs: ast.Docs,
        attrs: tuple[ast.Attribute, ...],
    ) -> None:
        iface = self.interfaces[iid]
        iface.docs = docs_text(docs)
        iface.stability = stability(attrs)
        self.resolve_types(
            m.OwnerInterface(iid), [i for i in items if isinstance(i, (ast.Use, ast.TypeDef))]
        )
        types = self.types
        for name, (ty, _span) in types.type_lookup.items():
            assert isinstance(ty, int)
            iface.types[name] = ty

        funcs: list[tuple[m.Function, Span]] = []
        for item in items:
            if isinstance(item, ast.NamedFunc):
                f = item.func
                fname, fkind = freestanding(item.name.name, f)
                types.type_scope.add(fname, item.name.span)
                types.type_lookup.setdefault(item.name.name, ("function", item.name.span))
                func = resolve_function(
                    types, item.docs, item.attributes, fname, item.name.span, f, fkind
                )
                funcs.append((func, item.name.span))
            elif isinstance(item, ast.TypeDef) and isinstance(item.ty, ast.Resource):
                for rf in item.ty.funcs:
                    func = resolve_resource_func(types, rf, item.name)
                    types.type_scope.add(func.name, rf.func.name.span)
                    funcs.append((func, rf.func.name.span))
        names = {func.name for func, _ in funcs}
        for func, span in funcs:
            if func.kind.tag.endswith("setter") and getter_of(func.name) not in names:
                raise WitError(
                    f"setter `{func.name}` has no corresponding getter `{getter_of(func.name)}`",
                    span,
                )
        by_name = {func.name: func for func, _ in funcs}
        for name in setters_after_getters([func.name for func, _ in funcs]):
            iface.functions[name] = by_name[name]
        self.interface_types[iid] = types.new_scope()[0]

    # --- types ------------------------------------------------------------------------------

    def resolve_types(self, owner: m.TypeOwner, items: list[ast.Use | ast.TypeDef]) -> None:
        """An interface's or world's `use`s (their paths resolved here), then its typedefs."""
        assert not self.types.type_lookup
        for item in items:
            if isinstance(item, ast.Use):
                ref, name, span = self.resolve_path(item.from_)
                use_from = self.iface_of(ref, name, span)
                self.types.resolve_use(owner, item, self.interface_types[use_from])
        self.types.resolve_type_defs(owner, items)
