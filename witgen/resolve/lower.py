"""Stage 2: the ASTs of one package's files to one `Unresolved` package, its names resolved.

Follows wit-parser's `ast/resolve.rs` (`Resolver`) step by step, because the ids it allocates, in
the order it allocates them, are what the JSON prints: foreign dependencies first (placeholder
interfaces, worlds and `Unknown` types), then the package's interfaces and worlds in topological
order, each resolving its `use`s, then its types (topologically), then its functions. References
to other packages stay as placeholders; `witgen.resolve.resolver` connects them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

from witgen.errors import Span, WitError
from witgen.records import Struct
from witgen.resolve import model as m
from witgen.resolve.names import (
    NameScope,
    canonical,
    check_members,
    getter_of,
    setters_after_getters,
)
from witgen.resolve.toposort import toposort
from witgen.syntax import ast

MAX_FLAGS = 32
MAP_KEY_TYPES = frozenset(
    ("bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string")
)


class ItemRef(Struct):
    """An interface or a world of the package being lowered (wit-parser's `AstItem`)."""

    __slots__ = ("kind", "id")

    kind: str  # "interface" or "world"
    id: int

    def __init__(self, kind: str, id: int) -> None:
        self.kind = kind
        self.id = id


class ForeignDep(Struct):
    __slots__ = ("item", "stabilities")

    item: ItemRef
    stabilities: list[m.Stability]

    def __init__(self, item: ItemRef, stabilities: list[m.Stability] | None = None) -> None:
        self.item = item
        self.stabilities = [] if stabilities is None else stabilities


class Unresolved(Struct):
    """wit-parser's `UnresolvedPackage`: local arenas, foreign items first, then our own."""

    __slots__ = (
        "name",
        "name_span",
        "docs",
        "worlds",
        "interfaces",
        "types",
        "foreign_deps",
        "foreign_dep_spans",
        "unknown_type_spans",
        "required_resource_types",
    )

    name: m.PackageName
    name_span: Span
    docs: str | None
    worlds: list[m.World]
    interfaces: list[m.Interface]
    types: list[m.TypeDef]
    foreign_deps: dict[m.PackageName, dict[str, ForeignDep]]
    foreign_dep_spans: list[Span]
    unknown_type_spans: list[Span]
    required_resource_types: list[tuple[int, Span]]

    def __init__(
        self,
        name: m.PackageName,
        name_span: Span,
        docs: str | None,
        worlds: list[m.World],
        interfaces: list[m.Interface],
        types: list[m.TypeDef],
        foreign_deps: dict[m.PackageName, dict[str, ForeignDep]],
        foreign_dep_spans: list[Span],
        unknown_type_spans: list[Span],
        required_resource_types: list[tuple[int, Span]],
    ) -> None:
        self.name = name
        self.name_span = name_span
        self.docs = docs
        self.worlds = worlds
        self.interfaces = interfaces
        self.types = types
        self.foreign_deps = foreign_deps
        self.foreign_dep_spans = foreign_dep_spans
        self.unknown_type_spans = unknown_type_spans
        self.required_resource_types = required_resource_types


# A name in an interface's (or world's) type scope: a type id, or a non-type item ("function").
TypeOrItem = Union[int, str]

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


def docs_text(docs: ast.Docs) -> str | None:
    """wit-parser's `Resolver::docs`: comment markers stripped, common indent removed."""
    pieces: list[str] = []
    for comment in docs.comments:
        if comment.startswith("/**"):
            body = comment[3:]
            body = body[:-2] if body.endswith("*/") else body
        else:
            body = comment.lstrip("/")
        pieces.append(body.rstrip())
    if not pieces:
        return None
    indents = [len(p) - len(p.lstrip(" \t\n\r\f")) for p in pieces if p]
    indent = min(indents) if indents else 0
    if indent:
        pad = " " * indent
        pieces = [p[indent:] if p.startswith(pad) else p for p in pieces]
    out: list[str] = []
    for piece in pieces:
        if not piece:
            out.append("\n")
        else:
            # Rust's `str::lines` splits on "\n" and drops one trailing "\r" per line.
            lines = piece.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            out.extend((ln[:-1] if ln.endswith("\r") else ln) + "\n" for ln in lines)
    return "".join(out).rstrip("\n")


def stability(attrs: tuple[ast.Attribute, ...]) -> m.Stability:
    """wit-parser's `Resolver::stability`: the gate written on an item, checked for consistency."""
    since: ast.Since | None = None
    deprecated: ast.Deprecated | None = None
    unstable: ast.Unstable | None = None
    for attr in attrs:
        if isinstance(attr, ast.Since):
            if since is not None:
                raise WitError("cannot specify @since twice", attr.span)
            since = attr
        elif isinstance(attr, ast.Deprecated):
            if deprecated is not None:
                raise WitError("cannot specify @deprecated twice", attr.span)
            deprecated = attr
        elif isinstance(attr, ast.Unstable):
            if unstable is not None:
                raise WitError("cannot specify @unstable twice", attr.span)
            unstable = attr
    dep = deprecated.version.text if deprecated is not None else None
    if since is not None and unstable is not None:
        raise WitError("cannot specify both @since and @unstable", since.span)
    if since is not None:
        return m.Stable(since.version.text, dep)
    if unstable is not None:
        return m.Unstable(unstable.feature.name, dep)
    if deprecated is not None:
        raise WitError(
            "cannot specify both @deprecated without @since or @unstable", deprecated.span
        )
    return None


def external_id(attrs: tuple[ast.Attribute, ...]) -> str | None:
    found: str | None = None
    for attr in attrs:
        if isinstance(attr, ast.ExternalId):
            if found is not None:
                raise WitError("cannot specify @external-id twice", attr.span)
            found = attr.value
    return found


def type_span(ty: ast.Type) -> Span:
    return ty.span


def collect_deps(ty: ast.Type, deps: list[ast.Id]) -> None:
    """The named types `ty` refers to (wit-parser's `collect_deps`), for the type toposort."""
    stack: list[ast.Type] = [ty]
    found: list[ast.Id] = []
    while stack:
        t = stack.pop()
        if isinstance(t, ast.Name):
            found.append(t.id)
        elif isinstance(t, ast.Handle):
            found.append(t.resource)
        elif isinstance(t, ast.Record):
            stack.extend(reversed([f.ty for f in t.fields]))
        elif isinstance(t, ast.Tuple):
            stack.extend(reversed(t.types))
        elif isinstance(t, ast.Variant):
            stack.extend(reversed([c.ty for c in t.cases if c.ty is not None]))
        elif isinstance(t, (ast.Option, ast.List, ast.FixedLengthList)):
            stack.append(t.ty)
        elif isinstance(t, ast.Map):
            stack.extend((t.value, t.key))
        elif isinstance(t, ast.Result):
            stack.extend(x for x in (t.err, t.ok) if x is not None)
        elif isinstance(t, (ast.Future, ast.Stream)):
            if t.ty is not None:
                stack.append(t.ty)
    deps.extend(found)


class Lowerer:
    """Builds one `Unresolved` package from the files (`ast.PackageFile`) pushed into it."""

    def __init__(self) -> None:
        self.package_name: tuple[m.PackageName, Span] | None = None
        self.package_docs: str | None = None
        self.files: list[tuple[ast.AstItem, ...]] = []
        self.types: list[m.TypeDef] = []
        self.interfaces: list[m.Interface] = []
        self.worlds: list[m.World] = []
        self.anon_types: dict[tuple[object, ...], int] = {}
        self.cur_file = 0
        self.file_items: list[dict[str, ItemRef]] = []
        self.package_items: dict[str, ItemRef] = {}
        self.interface_types: list[dict[str, tuple[TypeOrItem, Span]]] = []
        self.foreign_deps: dict[m.PackageName, dict[str, ForeignDep]] = {}
        self.foreign_interfaces: set[int] = set()
        self.type_lookup: dict[str, tuple[TypeOrItem, Span]] = {}
        self.type_scope = NameScope()
        self.unknown_type_spans: list[Span] = []
        self.foreign_dep_spans: list[Span] = []
        self.required_resource_types: list[tuple[int, Span]] = []

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
            types=self.types,
            foreign_deps=self.foreign_deps,
            foreign_dep_spans=self.foreign_dep_spans,
            unknown_type_spans=self.unknown_type_spans,
            required_resource_types=self.required_resource_types,
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
                        ref = ItemRef("interface", self.alloc_interface(path.name.span))
                        self.foreign_interfaces.add(ref.id)
                    dep = deps[path.name.name] = ForeignDep(ref)
                dep.stabilities.append(stab)

    def alloc_interface(self, span: Span) -> int:
        self.interface_types.append({})
        self.interfaces.append(m.Interface(name=None, span=span))
        return len(self.interfaces) - 1

    def alloc_world(self, span: Span) -> int:
        self.worlds.append(m.World(name="", span=span))
        return len(self.worlds) - 1

    def alloc_type(self, ty: m.TypeDef) -> int:
        self.types.append(ty)
        return len(self.types) - 1

    def populate_ast_items(self) -> tuple[list[int], list[int]]:
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
        iface_order: list[int] = []
        world_order: list[int] = []
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
                    tid = self.alloc_type(
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
    def iface_of(ref: ItemRef, name: str, span: Span) -> int:
        if ref.kind != "interface":
            raise WitError(f"name `{name}` is defined as a world, not an interface", span)
        return ref.id

    @staticmethod
    def world_of(ref: ItemRef, name: str, span: Span) -> int:
        if ref.kind != "world":
            raise WitError(f"name `{name}` is defined as an interface, not a world", span)
        return ref.id

    # --- worlds -----------------------------------------------------------------------------

    def resolve_world(self, wid: int, world: ast.World) -> None:
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
        for name, (target, span) in self.type_lookup.items():
            assert isinstance(target, int)
            import_scope.add(name, span)
            w.imports[name] = m.WorldType(target, span)
        export_scope = NameScope()

        imported: set[int] = set()
        exported: set[int] = set()
        for wi in world.items:
            if isinstance(wi, ast.TypeDef) and isinstance(wi.ty, ast.Resource):
                for rf in wi.ty.funcs:
                    func = self.resolve_resource_func(rf, wi.name)
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
        self.type_lookup = {}
        self.type_scope = NameScope()

    def resolve_include(self, wid: int, inc: ast.Include) -> None:
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
            saved = (self.type_lookup, self.type_scope)
            self.type_lookup, self.type_scope = {}, NameScope()
            iid = self.alloc_interface(kind.name.span)
            self.resolve_interface(iid, kind.items, docs, attrs)
            self.type_lookup, self.type_scope = saved
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
            self.resolve_function(docs, attrs, fname, kind.name.span, func, fkind)
        )

    # --- interfaces -------------------------------------------------------------------------

    def resolve_interface(
        self,
        iid: int,
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
        for name, (ty, _span) in self.type_lookup.items():
            assert isinstance(ty, int)
            iface.types[name] = ty

        funcs: list[tuple[m.Function, Span]] = []
        for item in items:
            if isinstance(item, ast.NamedFunc):
                f = item.func
                fname, fkind = freestanding(item.name.name, f)
                self.type_scope.add(fname, item.name.span)
                self.type_lookup.setdefault(item.name.name, ("function", item.name.span))
                func = self.resolve_function(
                    item.docs, item.attributes, fname, item.name.span, f, fkind
                )
                funcs.append((func, item.name.span))
            elif isinstance(item, ast.TypeDef) and isinstance(item.ty, ast.Resource):
                for rf in item.ty.funcs:
                    func = self.resolve_resource_func(rf, item.name)
                    self.type_scope.add(func.name, rf.func.name.span)
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
        self.interface_types[iid] = self.type_lookup
        self.type_lookup = {}
        self.type_scope = NameScope()

    # --- types ------------------------------------------------------------------------------

    def resolve_types(self, owner: m.TypeOwner, items: list[ast.Use | ast.TypeDef]) -> None:
        assert not self.type_lookup
        for item in items:
            if isinstance(item, ast.Use):
                self.resolve_use(owner, item)
        deps: dict[str, list[ast.Id]] = {}
        defs: dict[str, ast.TypeDef | None] = {}
        for item in items:
            if isinstance(item, ast.TypeDef):
                if item.name.name in defs:
                    raise WitError(
                        f"name `{item.name.name}` is defined more than once", item.name.span
                    )
                defs[item.name.name] = item
                found: list[ast.Id] = []
                collect_deps(item.ty, found)
                deps[item.name.name] = found
            else:
                for un in item.names:
                    n = un.as_ if un.as_ is not None else un.name
                    deps[n.name] = []
                    defs[n.name] = None
        for name in toposort("type", deps):
            tdef = defs.pop(name, None)
            if tdef is None:
                continue
            stab = stability(tdef.attributes)
            kind = self.resolve_type_def(tdef.ty, stab)
            tid = self.alloc_type(
                m.TypeDef(
                    name=tdef.name.name,
                    kind=kind,
                    owner=owner,
                    docs=docs_text(tdef.docs),
                    stability=stab,
                    span=tdef.name.span,
                    external_id=external_id(tdef.attributes),
                )
            )
            self.define_name(tdef.name, tid)

    def define_name(self, name: ast.Id, item: TypeOrItem) -> None:
        if name.name in self.type_lookup:
            raise WitError(f"name `{name.name}` is defined more than once", name.span)
        self.type_scope.add(name.name, name.span)
        self.type_lookup[name.name] = (item, name.span)

    def resolve_use(self, owner: m.TypeOwner, use: ast.Use) -> None:
        ref, name, span = self.resolve_path(use.from_)
        use_from = self.iface_of(ref, name, span)
        stab = stability(use.attributes)
        ext = external_id(use.attributes)
        for un in use.names:
            found = self.interface_types[use_from].get(un.name.name)
            if found is None:
                raise WitError(f"name `{un.name.name}` does not exist", un.name.span)
            target, _ = found
            if isinstance(target, str):
                raise WitError(f"cannot import {target} `{un.name.name}`", un.name.span)
            local = un.as_ if un.as_ is not None else un.name
            tid = self.alloc_type(
                m.TypeDef(
                    name=local.name,
                    kind=m.AliasKind(target),
                    owner=owner,
                    stability=stab,
                    span=un.name.span,
                    external_id=ext,
                )
            )
            self.define_name(local, tid)

    def resolve_type_name(self, name: ast.Id) -> int:
        found = self.type_lookup.get(name.name)
        if found is None:
            raise WitError(f"name `{name.name}` does not exist", name.span)
        target, _ = found
        if isinstance(target, str):
            raise WitError(f"cannot use {target} `{name.name}` as a type", name.span)
        return target

    def validate_resource(self, name: ast.Id) -> int:
        tid = self.resolve_type_name(name)
        cur = tid
        while True:
            kind = self.types[cur].kind
            if isinstance(kind, m.ResourceKind):
                return tid
            if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
                cur = kind.ty
                continue
            if isinstance(kind, m.UnknownKind):
                self.required_resource_types.append((cur, name.span))
                return tid
            raise WitError(f"type `{name.name}` used in a handle must be a resource", name.span)

    def resolve_type_def(self, ty: ast.Type, stab: m.Stability) -> m.TypeDefKind:
        if isinstance(ty, ast.Primitive):
            return m.AliasKind(ty.name)
        if isinstance(ty, ast.Name):
            return m.AliasKind(self.resolve_type_name(ty.id))
        if isinstance(ty, ast.List):
            return m.ListKind(self.resolve_type(ty.ty, stab))
        if isinstance(ty, ast.FixedLengthList):
            return m.FixedLengthListKind(self.resolve_type(ty.ty, stab), ty.size)
        if isinstance(ty, ast.Map):
            key = self.resolve_type(ty.key, stab)
            value = self.resolve_type(ty.value, stab)
            if not (isinstance(key, str) and key in MAP_KEY_TYPES):
                raise WitError(
                    "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, "
                    "s32, s64, char, or string",
                    ty.span,
                )
            return m.MapKind(key, value)
        if isinstance(ty, ast.Handle):
            return m.HandleKind(ty.kind, self.validate_resource(ty.resource))
        if isinstance(ty, ast.Resource):
            return m.ResourceKind()
        if isinstance(ty, ast.Record):
            require_members("record", "field", ty.fields, ty.span)
            return m.RecordKind(
                tuple(
                    m.Field(
                        f.name.name,
                        self.resolve_type(f.ty, stab),
                        docs_text(f.docs),
                        f.name.span,
                    )
                    for f in ty.fields
                )
            )
        if isinstance(ty, ast.Flags):
            if len(ty.flags) > MAX_FLAGS:
                raise WitError("cannot have more than 32 flags", ty.flags[MAX_FLAGS].name.span)
            require_members("flags", "flag", ty.flags, ty.span)
            return m.FlagsKind(
                tuple(m.Flag(f.name.name, docs_text(f.docs), f.name.span) for f in ty.flags)
            )
        if isinstance(ty, ast.Tuple):
            if not ty.types:
                raise WitError("empty tuple", ty.span)
            return m.TupleKind(tuple(self.resolve_type(t, stab) for t in ty.types))
        if isinstance(ty, ast.Variant):
            require_members("variant", "case", ty.cases, ty.span)
            return m.VariantKind(
                tuple(
                    m.Case(
                        c.name.name,
                        self.resolve_type(c.ty, stab) if c.ty is not None else None,
                        docs_text(c.docs),
                        c.name.span,
                    )
                    for c in ty.cases
                )
            )
        if isinstance(ty, ast.Enum):
            require_members("enum", "case", ty.cases, ty.span)
            return m.EnumKind(
                tuple(m.EnumCase(c.name.name, docs_text(c.docs), c.name.span) for c in ty.cases)
            )
        if isinstance(ty, ast.Option):
            return m.OptionKind(self.resolve_type(ty.ty, stab))
        if isinstance(ty, ast.Result):
            return m.ResultKind(
                self.resolve_type(ty.ok, stab) if ty.ok is not None else None,
                self.resolve_type(ty.err, stab) if ty.err is not None else None,
            )
        if isinstance(ty, ast.Future):
            return m.FutureKind(self.resolve_type(ty.ty, stab) if ty.ty is not None else None)
        if isinstance(ty, ast.Stream):
            return m.StreamKind(self.resolve_type(ty.ty, stab) if ty.ty is not None else None)
        raise AssertionError(f"unknown AST type {ty!r}")

    def resolve_type(self, ty: ast.Type, stab: m.Stability) -> m.TypeRef:
        kind = self.resolve_type_def(ty, stab)
        return self.anon_type_def(kind, self.find_stability(kind, stab), type_span(ty))

    def find_stability(self, kind: m.TypeDefKind, stab: m.Stability) -> m.Stability:
        """An anonymous type inherits the first known stability of what it refers to."""
        if stab is not None:
            return stab
        for ref in kind_refs(kind):
            if isinstance(ref, int) and self.types[ref].stability is not None:
                return self.types[ref].stability
        return None

    def anon_type_def(self, kind: m.TypeDefKind, stab: m.Stability, span: Span) -> m.TypeRef:
        """Intern an anonymous type by structure (wit-parser's `anon_type_def`)."""
        if isinstance(kind, m.AliasKind):
            return kind.ty
        if isinstance(kind, m.HandleKind) and kind.handle == "own":
            # An anonymous `own<T>` is the same as a reference to `T`.
            return kind.resource
        key = anon_key(kind)
        tid = self.anon_types.get(key)
        if tid is None:
            tid = self.alloc_type(
                m.TypeDef(name=None, kind=kind, owner=None, stability=stab, span=span)
            )
            self.anon_types[key] = tid
        return tid

    # --- functions --------------------------------------------------------------------------

    def resolve_resource_func(self, rf: ast.ResourceFunc, resource: ast.Id) -> m.Function:
        found = self.type_lookup[resource.name][0]
        assert isinstance(found, int)
        nf = rf.func
        f = nf.func
        if rf.kind == "constructor":
            name = f"[constructor]{resource.name}"
            kind = m.FunctionKind("constructor", found)
        else:
            accessor = f"[{f.accessor}]" if f.accessor else ""
            name = f"[{rf.kind}]{accessor}{resource.name}.{nf.name.name}"
            if f.accessor:
                tag = f"{rf.kind}-{'getter' if f.accessor == 'get' else 'setter'}"
            else:
                tag = f"async-{rf.kind}" if f.async_ else rf.kind
            kind = m.FunctionKind(tag, found)
        return self.resolve_function(nf.docs, nf.attributes, name, nf.name.span, f, kind)

    def resolve_function(
        self,
        docs: ast.Docs,
        attrs: tuple[ast.Attribute, ...],
        name: str,
        name_span: Span,
        func: ast.Func,
        kind: m.FunctionKind,
    ) -> m.Function:
        text = docs_text(docs)
        stab = stability(attrs)
        ext = external_id(attrs)
        check_accessor_shape(func)
        params = self.resolve_params(func, kind)
        result = self.resolve_result(func, kind)
        return m.Function(
            name=name,
            kind=kind,
            params=params,
            result=result,
            docs=text,
            stability=stab,
            span=name_span,
            external_id=ext,
        )

    def resolve_params(self, func: ast.Func, kind: m.FunctionKind) -> list[m.Param]:
        params: list[m.Param] = []
        seen: set[str] = set()
        if kind.tag in ("method", "async-method", "method-getter", "method-setter"):
            assert kind.resource is not None
            hkind = m.HandleKind("borrow", kind.resource)
            self_ty = self.anon_type_def(hkind, self.find_stability(hkind, None), func.span)
            params.append(m.Param("self", self_ty, func.span))
            seen.add("self")
        for p in func.params:
            if canonical(p.name.name) in seen:
                raise WitError(f"param `{p.name.name}` is defined more than once", p.name.span)
            seen.add(canonical(p.name.name))
            params.append(m.Param(p.name.name, self.resolve_type(p.ty, None), p.name.span))
        return params

    def resolve_result(self, func: ast.Func, kind: m.FunctionKind) -> m.TypeRef | None:
        if kind.tag != "constructor":
            return self.resolve_type(func.result, None) if func.result is not None else None
        assert kind.resource is not None
        if func.result is None:
            return kind.resource
        result = self.resolve_type(func.result, None)
        rkind = self.types[result].kind if isinstance(result, int) else None
        if not isinstance(rkind, m.ResultKind):
            raise WitError(
                "if a constructor return type is declared it must be a `result`",
                type_span(func.result),
            )
        if rkind.ok != kind.resource:
            ok_span = type_span(func.result)
            if isinstance(func.result, ast.Result) and func.result.ok is not None:
                ok_span = type_span(func.result.ok)
            raise WitError("the `ok` type must be the resource being constructed", ok_span)
        return result


def freestanding(name: str, func: ast.Func) -> tuple[str, m.FunctionKind]:
    """The stored name and kind of a function outside resources: `f`, `[get]p`, `[set]p`."""
    if func.accessor is not None:
        kind = "getter" if func.accessor == "get" else "setter"
        return f"[{func.accessor}]{name}", m.FunctionKind(kind)
    return name, m.FunctionKind("async-freestanding" if func.async_ else "freestanding")


def require_members(
    what: str,
    member: str,
    items: (
        tuple[ast.Field, ...]
        | tuple[ast.Flag, ...]
        | tuple[ast.Case, ...]
        | tuple[ast.EnumCase, ...]
    ),
    span: Span,
) -> None:
    """A record, flags, variant or enum needs members, with strongly-unique names."""
    if not items:
        raise WitError(f"empty {what}", span)
    check_members(member, [(item.name.name, item.name.span) for item in items])


def check_accessor_shape(func: ast.Func) -> None:
    """Getters take nothing and return a value; setters take one value, return `result<_, E>`."""
    if func.accessor == "get":
        if func.params:
            raise WitError("getters cannot have parameters", func.params[0].name.span)
        if func.result is None:
            raise WitError("getters must return a value", func.span)
    elif func.accessor == "set":
        if not func.params:
            raise WitError("setters must have exactly one parameter", func.span)
        if len(func.params) > 1:
            raise WitError("setters must have exactly one parameter", func.params[1].name.span)
        res = func.result
        if res is not None and not (isinstance(res, ast.Result) and res.ok is None):
            raise WitError(
                "if a setter return type is declared it must be a `result` with no `ok` type",
                type_span(res),
            )


def kind_refs(kind: m.TypeDefKind) -> list[m.TypeRef]:
    """The type references of an anonymous kind, in wit-parser's `find_in_kind` order."""
    if isinstance(kind, m.AliasKind):
        return [kind.ty]
    if isinstance(kind, m.HandleKind):
        return [kind.resource]
    if isinstance(kind, m.TupleKind):
        return list(kind.types)
    if isinstance(kind, (m.ListKind, m.FixedLengthListKind, m.OptionKind)):
        return [kind.ty]
    if isinstance(kind, m.MapKind):
        return [kind.key, kind.value]
    if isinstance(kind, (m.FutureKind, m.StreamKind)):
        return [kind.ty] if kind.ty is not None else []
    if isinstance(kind, m.ResultKind):
        return [t for t in (kind.ok, kind.err) if t is not None]
    return []


def anon_key(kind: m.TypeDefKind) -> tuple[object, ...]:
    """The structural identity of an anonymous type (wit-parser's `Key`)."""
    if isinstance(kind, m.VariantKind):
        return ("variant", tuple((c.name, c.ty) for c in kind.cases))
    if isinstance(kind, m.HandleKind):
        return ("borrow", kind.resource)
    if isinstance(kind, m.RecordKind):
        return ("record", tuple((f.name, f.ty) for f in kind.fields))
    if isinstance(kind, m.FlagsKind):
        return ("flags", tuple(f.name for f in kind.flags))
    if isinstance(kind, m.EnumKind):
        return ("enum", tuple(c.name for c in kind.cases))
    if isinstance(kind, m.TupleKind):
        return ("tuple", kind.types)
    if isinstance(kind, m.ListKind):
        return ("list", kind.ty)
    if isinstance(kind, m.MapKind):
        return ("map", kind.key, kind.value)
    if isinstance(kind, m.FixedLengthListKind):
        return ("fixed", kind.ty, kind.size)
    if isinstance(kind, m.OptionKind):
        return ("option", kind.ty)
    if isinstance(kind, m.ResultKind):
        return ("result", kind.ok, kind.err)
    if isinstance(kind, m.FutureKind):
        return ("future", kind.ty)
    if isinstance(kind, m.StreamKind):
        return ("stream", kind.ty)
    raise AssertionError(f"not an anonymous kind: {kind!r}")
