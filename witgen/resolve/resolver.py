"""Stage 3: lowered packages merged into one `Resolve`, with worlds included and elaborated.

Follows wit-parser's `Resolve::push` / `Remap::append` (resolve/mod.rs): packages are added in
dependency order; each package's placeholders for foreign items are connected to the packages
already added; feature gates drop items (`Remap` maps them to `None`, and a reference to a dropped
item is an error); references to resources become `own<T>` handles; `include`s copy world items
(cloning world-owned types, `resolve/clone.rs`); finally each world is elaborated: the interfaces
its imports and exports depend on are added as imports, in wit-parser's order.
"""

from __future__ import annotations

import copy

from witgen.errors import Span, WitError
from witgen.resolve import model as m
from witgen.resolve.unresolved import Unresolved
from witgen.resolve.names import getter_of, name_key, setters_after_getters
from witgen.records import replace
from witgen.resolve.semver import version_gt


def package_sort_key(name: m.PackageName) -> tuple[object, ...]:
    from witgen.resolve.semver import version_key

    version = (0,) if name.version is None else (1, version_key(name.version))
    return (name.namespace, name.name, version)


def excluded(desc: str, span: Span | None) -> WitError:
    return WitError(
        f"found a reference to a {desc} which is excluded due to its feature not being activated",
        span,
    )


class Resolver:
    """Owns the `Resolve` being built; `push` adds one lowered package."""

    def __init__(self, features: frozenset[str] = frozenset(), all_features: bool = False):
        self.resolve = m.Resolve(features=features, all_features=all_features)
        # Interface dependencies, memoized: an interface's types never change once it is added,
        # and elaboration asks for the same interfaces many times over.
        self._deps: dict[int, list[int]] = {}

    # --- gates ------------------------------------------------------------------------------

    def include_stability(self, stab: m.Stability, pkg: int, span: Span | None) -> bool:
        """Whether an item with this gate is part of the resolve (wit-parser `include_stability`)."""
        if stab is None:
            return True
        if isinstance(stab, m.Stable):
            name = self.resolve.packages[pkg].name
            if name.version is None:
                raise WitError(
                    f"package [{name}] contains a feature gate with a version specifier, so it "
                    "must have a version",
                    span,
                )
            if version_gt(stab.since, name.version):
                raise WitError(
                    f"feature gate cannot reference unreleased version {stab.since} of package "
                    f"[{name}] (current version {name.version})",
                    span,
                )
            return True
        return self.resolve.all_features or stab.feature in self.resolve.features

    # --- packages ---------------------------------------------------------------------------

    def push(self, unresolved: Unresolved) -> int:
        return Remap(self).append(unresolved)

    def push_all(self, packages: list[Unresolved]) -> None:
        """Add packages in dependency order (wit-parser's `sort_unresolved_packages`)."""
        by_name: dict[m.PackageName, Unresolved] = {}
        for pkg in packages:
            prev = by_name.get(pkg.name)
            if prev is not None:
                raise DuplicatePackage(pkg.name, pkg.name_span, prev.name_span)
            by_name[pkg.name] = pkg
        ordered = sorted(by_name.values(), key=lambda p: package_sort_key(p.name))
        order: list[m.PackageName] = []
        done: set[m.PackageName] = set()
        visiting: set[m.PackageName] = set()

        # wit-parser's recursive `visit`, with an explicit stack: a chain of packages each using
        # the next is as deep as the input is long (988 nested packages took Python's stack).
        # A frame is a package and how many of its dependencies have been entered.
        def visit(root: Unresolved) -> None:
            if root.name in done:
                return
            frames: list[tuple[Unresolved, list[m.PackageName], int]] = [
                (root, list(root.foreign_deps), 0)
            ]
            while frames:
                pkg, deps, i = frames.pop()
                if i > 0:  # back from visiting dependency i - 1
                    visiting.discard(deps[i - 1])
                if i == len(deps):
                    done.add(pkg.name)
                    order.append(pkg.name)
                    continue
                dep = deps[i]
                if dep in visiting:
                    raise WitError(
                        f"package `{dep}` creates a dependency cycle", pkg.foreign_dep_spans[i]
                    )
                visiting.add(dep)
                frames.append((pkg, deps, i + 1))
                dep_pkg = by_name.get(dep)
                if dep_pkg is not None and dep_pkg.name not in done:
                    frames.append((dep_pkg, list(dep_pkg.foreign_deps), 0))

        for pkg in ordered:
            visit(pkg)
        for name in order:
            self.push(by_name[name])

    # --- worlds -----------------------------------------------------------------------------

    def type_interface_dep(self, tid: int) -> int | None:
        ty = self.resolve.types[tid]
        if not (isinstance(ty.kind, m.AliasKind) and isinstance(ty.kind.ty, int)):
            return None
        other = self.resolve.types[ty.kind.ty]
        if ty.owner == other.owner:
            return None
        assert isinstance(other.owner, m.OwnerInterface)
        return other.owner.id

    def interface_direct_deps(self, iid: int) -> list[int]:
        deps = self._deps.get(iid)
        if deps is None:
            deps = self._deps[iid] = []
            for tid in self.resolve.interfaces[iid].types.values():
                dep = self.type_interface_dep(tid)
                if dep is not None:
                    deps.append(dep)
        return deps

    def import_sort_key(self, item: m.WorldItem) -> int:
        if isinstance(item, m.WorldInterface):
            return 0
        if isinstance(item, m.WorldType):
            ty = self.resolve.types[item.id]
            if isinstance(ty.kind, m.AliasKind) and isinstance(ty.kind.ty, int):
                if self.resolve.types[ty.kind.ty].owner != ty.owner:
                    return 1
            return 2
        return 3 if item.func.kind.resource is None else 4

    def elaborate_world(self, wid: int, span: Span | None) -> None:
        """Add every interface the world's items depend on as an import (wit-parser order)."""
        world = self.resolve.worlds[wid]
        new_imports: dict[m.WorldKey, m.WorldItem] = {}
        for key, item in sorted(world.imports.items(), key=lambda kv: self.import_sort_key(kv[1])):
            if isinstance(item, m.WorldInterface):
                self.elaborate_import(
                    new_imports, key, item.id, item.stability, item.docs, item.external_id
                )
            elif isinstance(item, m.WorldFunction):
                new_imports[key] = item
            else:
                dep = self.type_interface_dep(item.id)
                if dep is not None:
                    stab = self.resolve.types[item.id].stability
                    self.elaborate_import(new_imports, dep, dep, stab, None, None)
                new_imports[key] = item

        new_exports: dict[m.WorldKey, m.WorldItem] = {}
        export_ifaces: dict[m.WorldKey, m.WorldInterface] = {}
        for key, item in world.exports.items():
            if isinstance(item, m.WorldInterface):
                export_ifaces[key] = item
            else:
                new_exports[key] = item
        self.elaborate_exports(export_ifaces, new_imports, new_exports, span)
        world.imports = dict(
            sorted(new_imports.items(), key=lambda kv: self.import_sort_key(kv[1]))
        )
        world.exports = new_exports

    def elaborate_import(
        self,
        imports: dict[m.WorldKey, m.WorldItem],
        key: m.WorldKey,
        iid: int,
        stab: m.Stability,
        docs: str | None,
        ext: str | None,
    ) -> None:
        """Import `iid` under `key`, after the interfaces it depends on (depth first, each
        dependency in order, skipping what is imported already). wit-parser recurses; a stack
        keeps a chain of 985 interfaces each using the next from exhausting Python's. An entry
        whose dependencies are done (`expanded`) is inserted when it comes back up."""
        root = m.WorldInterface(iid, stability=stab, docs=docs, external_id=ext)
        stack: list[tuple[m.WorldKey, m.WorldInterface, bool]] = [(key, root, False)]
        while stack:
            key, item, expanded = stack.pop()
            if expanded:
                imports[key] = item
                continue
            if key in imports:
                continue
            stack.append((key, item, True))
            for dep in reversed(self.interface_direct_deps(item.id)):
                stack.append((dep, m.WorldInterface(dep, stability=stab), False))

    def elaborate_exports(
        self,
        export_ifaces: dict[m.WorldKey, m.WorldInterface],
        imports: dict[m.WorldKey, m.WorldItem],
        exports: dict[m.WorldKey, m.WorldItem],
        span: Span | None,
    ) -> None:
        required: set[int] = set()

        def add(key: m.WorldKey, item: m.WorldInterface, add_export: bool) -> bool:
            """wit-parser's recursive `add` (in `elaborate_world_exports`), run on a stack of
            frames (key, item, add_export, dependencies, how many were entered) so that its
            depth is not Python's: a call's answer is `result` once its frame is popped."""
            frames: list[tuple[m.WorldKey, m.WorldInterface, bool, list[int], int]] = []

            def enter(key: m.WorldKey, item: m.WorldInterface, add_export: bool) -> bool | None:
                """The answer at once, or None when a frame was pushed to work it out."""
                if key in exports:
                    return add_export
                if not add_export and item.id in required:
                    return True
                frames.append((key, item, add_export, self.interface_direct_deps(item.id), 0))
                return None

            result = enter(key, item, add_export)
            while frames:
                key, item, add_export, deps, i = frames.pop()
                if result is False:  # a dependency failed: so does every caller
                    continue
                if i < len(deps):
                    dep = deps[i]
                    frames.append((key, item, add_export, deps, i + 1))
                    dep_item = m.WorldInterface(
                        dep, stability=item.stability, external_id=item.external_id
                    )
                    result = enter(dep, dep_item, add_export and dep in export_ifaces)
                    continue
                if add_export:
                    if item.id in required:
                        result = False
                        continue
                    exports[key] = item
                else:
                    required.add(item.id)
                    imports.setdefault(key, item)
                result = True
            assert result is not None
            return result

        for key, item in export_ifaces.items():
            if not add(key, item, True):
                name = self.name_world_key(key)
                raise WitError(
                    f"interface `{name}` transitively depends on an interface in incompatible ways",
                    span,
                )

    def name_world_key(self, key: m.WorldKey) -> str:
        if isinstance(key, str):
            return key
        iface = self.resolve.interfaces[key]
        assert iface.name is not None and iface.package is not None
        return f"{self.resolve.packages[iface.package].name}/{iface.name}"


class DuplicatePackage(WitError):
    """Rendered specially: both locations, no source snippet (wit-parser `DuplicatePackage`)."""

    def __init__(self, name: m.PackageName, span1: Span, span2: Span) -> None:
        super().__init__(f"package `{name}` is defined in two different locations", span1)
        self.span2 = span2


class Remap:
    """Maps one lowered package's local ids to ids in the `Resolve` (`None`: gated out)."""

    def __init__(self, owner: Resolver) -> None:
        self.owner = owner
        self.types: list[int | None] = []
        self.interfaces: list[int | None] = []
        self.worlds: list[int | None] = []
        self.own_handles: dict[int, int] = {}
        self.has_borrow: dict[int, bool] = {}

    @property
    def resolve(self) -> m.Resolve:
        return self.owner.resolve

    def map_type(self, tid: int, span: Span | None) -> int:
        new = self.types[tid]
        if new is None:
            raise excluded("type", span)
        return new

    def map_interface(self, iid: int, span: Span | None) -> int:
        new = self.interfaces[iid]
        if new is None:
            raise excluded("interface", span)
        return new

    def map_world(self, wid: int, span: Span | None) -> int:
        new = self.worlds[wid]
        if new is None:
            raise excluded("world", span)
        return new

    def append(self, unresolved: Unresolved) -> int:
        resolve = self.resolve
        pkg = len(resolve.packages)
        resolve.packages.append(m.Package(unresolved.name, unresolved.docs))
        resolve.package_names[unresolved.name] = pkg
        self.process_foreign_deps(unresolved, pkg)

        n_types, n_ifaces, n_worlds = len(self.types), len(self.interfaces), len(self.worlds)
        for ty in unresolved.types[n_types:]:
            if not self.owner.include_stability(ty.stability, pkg, ty.span):
                self.types.append(None)
                continue
            ty = copy.copy(ty)
            ty.kind = self.update_kind(ty.kind, ty.span)
            resolve.types.append(ty)
            new_id = len(resolve.types) - 1
            if (
                ty.name is None
                and ty.owner is None
                and isinstance(ty.kind, m.HandleKind)
                and ty.kind.handle == "own"
            ):
                new_id = self.own_handles.setdefault(ty.kind.resource, new_id)
            self.types.append(new_id)

        for iface in unresolved.interfaces[n_ifaces:]:
            if not self.owner.include_stability(iface.stability, pkg, iface.span):
                self.interfaces.append(None)
                continue
            iface = copy.copy(iface)
            iface.package = pkg
            self.update_interface(iface, pkg)
            resolve.interfaces.append(iface)
            self.interfaces.append(len(resolve.interfaces) - 1)

        local_types = [t for t in self.types[n_types:] if t is not None]
        for tid in local_types:
            ty = resolve.types[tid]
            if isinstance(ty.owner, m.OwnerInterface):
                new = self.interfaces[ty.owner.id]
                if new is None:
                    raise WitError(
                        str(excluded("interface", ty.span))
                        + "; this type is not gated by a feature but its interface is",
                        ty.span,
                    )
                ty.owner = m.OwnerInterface(new)

        for world in unresolved.worlds[n_worlds:]:
            if not self.owner.include_stability(world.stability, pkg, world.span):
                self.worlds.append(None)
                continue
            world = copy.copy(world)
            self.update_world(world, pkg)
            resolve.worlds.append(world)
            self.worlds.append(len(resolve.worlds) - 1)

        for tid in local_types:
            ty = resolve.types[tid]
            if isinstance(ty.owner, m.OwnerWorld):
                new = self.worlds[ty.owner.id]
                if new is None:
                    raise WitError(
                        str(excluded("world", ty.span))
                        + "; this type is not gated by a feature but its world is",
                        ty.span,
                    )
                ty.owner = m.OwnerWorld(new)

        for wid in self.worlds[n_worlds:]:
            if wid is None:
                continue
            self.process_world_includes(wid, pkg)
            self.owner.elaborate_world(wid, resolve.worlds[wid].span)

        package = resolve.packages[pkg]
        for iid in self.interfaces[n_ifaces:]:
            if iid is None:
                continue
            iface = resolve.interfaces[iid]
            iface.package = pkg
            if iface.name is not None:
                package.interfaces[iface.name] = iid
        for wid in self.worlds[n_worlds:]:
            if wid is None:
                continue
            world = resolve.worlds[wid]
            world.package = pkg
            package.worlds[world.name] = wid
        return pkg

    # --- foreign items ----------------------------------------------------------------------

    def process_foreign_deps(self, unresolved: Unresolved, pkg: int) -> None:
        resolve = self.resolve
        iface_src: dict[int, tuple[m.PackageName, str, Span, list[m.Stability]]] = {}
        world_src: dict[int, tuple[m.PackageName, str, Span, list[m.Stability]]] = {}
        for i, (dep_name, items) in enumerate(unresolved.foreign_deps.items()):
            for item_name, dep in items.items():
                target = iface_src if dep.item.kind == "interface" else world_src
                target[dep.item.id] = (
                    dep_name,
                    item_name,
                    unresolved.foreign_dep_spans[i],
                    dep.stabilities,
                )

        def package_of(dep_name: m.PackageName, span: Span) -> m.Package:
            pid = resolve.package_names.get(dep_name)
            if pid is None:
                known = list(resolve.package_names)
                msg = f"package '{dep_name}' not found"
                if known:
                    msg += ". known packages:" + "".join(f"\n    {k}" for k in known)
                raise WitError(msg, span)
            return resolve.packages[pid]

        def enabled(stabilities: list[m.Stability], span: Span | None) -> bool:
            return any(self.owner.include_stability(s, pkg, span) for s in stabilities)

        for iid, iface in enumerate(unresolved.interfaces):
            src = iface_src.get(iid)
            if src is None:
                break
            dep_name, name, span, stabs = src
            package = package_of(dep_name, span)
            if not enabled(stabs, iface.span):
                self.interfaces.append(None)
                continue
            found = package.interfaces.get(name)
            if found is None:
                raise WitError(
                    f"interface '{name}' not found in package '{package.name}'", iface.span
                )
            self.interfaces.append(found)

        for wid, world in enumerate(unresolved.worlds):
            wsrc = world_src.get(wid)
            if wsrc is None:
                break
            dep_name, name, span, stabs = wsrc
            package = package_of(dep_name, span)
            if not enabled(stabs, world.span):
                self.worlds.append(None)
                continue
            wfound = package.worlds.get(name)
            if wfound is None:
                raise WitError(f"world '{name}' not found in package '{package.name}'", world.span)
            self.worlds.append(wfound)

        for tid, ty in enumerate(unresolved.types):
            if not isinstance(ty.kind, m.UnknownKind):
                break
            if not self.owner.include_stability(ty.stability, pkg, ty.span):
                self.types.append(None)
                continue
            assert isinstance(ty.owner, m.OwnerInterface) and ty.name is not None
            iface_id = self.map_interface(ty.owner.id, None)
            found_ty = resolve.interfaces[iface_id].types.get(ty.name)
            if found_ty is None:
                raise WitError(
                    f"type `{ty.name}` not defined in interface", unresolved.unknown_type_spans[tid]
                )
            self.types.append(found_ty)

        for tid, span in unresolved.required_resource_types:
            try:
                cur = self.map_type(tid, span)
            except WitError:
                continue
            while True:
                kind = resolve.types[cur].kind
                if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
                    cur = kind.ty
                elif isinstance(kind, m.ResourceKind):
                    break
                else:
                    raise WitError("type used in a handle must be a resource", span)

    # --- rewriting ids ----------------------------------------------------------------------

    def update_kind(self, kind: m.TypeDefKind, span: Span | None) -> m.TypeDefKind:
        """wit-parser's `update_typedef`: every id mapped, references to resources made `own`."""
        ty = self.update_ty
        if isinstance(kind, m.HandleKind):
            return replace(kind, resource=self.map_type(kind.resource, span))
        if isinstance(kind, m.RecordKind):
            return m.RecordKind(tuple(replace(f, ty=ty(f.ty, f.span)) for f in kind.fields))
        if isinstance(kind, m.TupleKind):
            return m.TupleKind(tuple(ty(t, span) for t in kind.types))
        if isinstance(kind, m.VariantKind):
            return m.VariantKind(
                tuple(
                    replace(c, ty=ty(c.ty, span) if c.ty is not None else None) for c in kind.cases
                )
            )
        if isinstance(kind, (m.OptionKind, m.ListKind, m.FixedLengthListKind)):
            return replace(kind, ty=ty(kind.ty, span))
        if isinstance(kind, (m.FutureKind, m.StreamKind)):
            return replace(kind, ty=ty(kind.ty, span) if kind.ty is not None else None)
        if isinstance(kind, m.MapKind):
            return m.MapKind(ty(kind.key, span), ty(kind.value, span))
        if isinstance(kind, m.ResultKind):
            return m.ResultKind(
                ty(kind.ok, span) if kind.ok is not None else None,
                ty(kind.err, span) if kind.err is not None else None,
            )
        if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
            return m.AliasKind(self.map_type(kind.ty, span))
        return kind

    def update_ty(self, ref: m.TypeRef, span: Span | None) -> m.TypeRef:
        if isinstance(ref, str):
            return ref
        new = self.map_type(ref, span)
        cur = new
        types = self.resolve.types
        while True:
            kind = types[cur].kind
            if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
                cur = kind.ty
                continue
            break
        if not isinstance(types[cur].kind, m.ResourceKind):
            return new
        handle = self.own_handles.get(new)
        if handle is None:
            types.append(m.TypeDef(name=None, kind=m.HandleKind("own", new), owner=None))
            handle = self.own_handles[new] = len(types) - 1
        return handle

    def update_interface(self, iface: m.Interface, pkg: int) -> None:
        iface.types = {
            name: self.map_type(tid, iface.span)
            for name, tid in iface.types.items()
            if self.types[tid] is not None
        }
        functions: dict[str, m.Function] = {}
        for name, func in iface.functions.items():
            if self.owner.include_stability(func.stability, pkg, func.span):
                functions[name] = self.update_function(func, func.span)
        iface.functions = functions

    def update_function(self, func: m.Function, span: Span | None) -> m.Function:
        func = copy.copy(func)
        if func.kind.resource is not None:
            func.kind = replace(func.kind, resource=self.map_type(func.kind.resource, span))
        func.params = [replace(p, ty=self.update_ty(p.ty, span)) for p in func.params]
        if func.result is not None:
            func.result = self.update_ty(func.result, span)
            if self.type_has_borrow(func.result):
                raise WitError(
                    f"function `{func.name}` returns a type which contains a `borrow<T>` which "
                    "is not supported",
                    span,
                )
        return func

    def type_has_borrow(self, ref: m.TypeRef) -> bool:
        """Whether a `borrow<T>` is anywhere inside the type, memoized per type id.

        A post-order walk on a stack, not recursion: 329 records each holding the next are a
        valid 6 KB input (types are acyclic, so the walk ends)."""
        if isinstance(ref, str):
            return False
        known = self.has_borrow
        stack = [ref]
        while stack:
            tid = stack[-1]
            if tid in known:
                stack.pop()
                continue
            kind = self.resolve.types[tid].kind
            if isinstance(kind, m.HandleKind):
                known[tid] = kind.handle == "borrow"
                continue
            inner = [r for r in kind_children(kind) if isinstance(r, int)]
            pending = [r for r in inner if r not in known]
            if pending:
                stack.extend(pending)
            else:
                known[tid] = any(known[r] for r in inner)
        return known[ref]

    def update_world(self, world: m.World, pkg: int) -> None:
        imports, exports = world.imports, world.exports
        world.imports, world.exports = {}, {}
        for items, dst in ((imports, world.imports), (exports, world.exports)):
            for key, item in items.items():
                span = item.func.span if isinstance(item, m.WorldFunction) else item.span
                if isinstance(item, m.WorldType):
                    item = replace(item, id=self.map_type(item.id, span))
                    stab = self.resolve.types[item.id].stability
                elif isinstance(item, m.WorldFunction):
                    stab = item.func.stability
                else:
                    stab = item.stability
                if not self.owner.include_stability(stab, pkg, span):
                    continue
                if isinstance(key, int):
                    key = self.map_interface(key, span)
                if isinstance(item, m.WorldInterface):
                    item = replace(item, id=self.map_interface(item.id, span))
                elif isinstance(item, m.WorldFunction):
                    item = m.WorldFunction(self.update_function(item.func, span))
                dst[key] = item

    # --- includes ---------------------------------------------------------------------------

    def process_world_includes(self, wid: int, pkg: int) -> None:
        world = self.resolve.worlds[wid]
        includes, world.includes = world.includes, []
        for inc in includes:
            if not self.owner.include_stability(inc.stability, pkg, inc.span):
                continue
            self.resolve_include(wid, inc, pkg)
        check_world_accessors(world)
        if includes:
            check_included_names(world)
        world.imports = setters_follow_getters(world.imports)
        world.exports = setters_follow_getters(world.exports)

    def resolve_include(self, wid: int, inc: m.WorldInclude, pkg: int) -> None:
        resolve = self.resolve
        world = resolve.worlds[wid]
        src_id = self.map_world(inc.id, inc.span)
        src = resolve.worlds[src_id]
        external = world.package != src.package
        unmatched = [
            n
            for n in inc.names
            if not any(
                isinstance(k, str) and rename(k, n) is not None
                for k in list(src.imports) + list(src.exports)
            )
        ]
        if unmatched:
            raise WitError(
                f"no import or export kebab-name `{unmatched[0].name}`. Note that an ID does not "
                "support renaming",
                inc.span,
            )
        cloner = Cloner(resolve, m.OwnerWorld(src_id), m.OwnerWorld(wid), pkg)
        for desc, items, dst in (
            ("import", dict(src.imports), world.imports),
            ("export", dict(src.exports), world.exports),
        ):
            for key, item in items.items():
                if isinstance(key, str):
                    new_name = next(
                        (r for r in (rename(key, n) for n in inc.names) if r is not None), key
                    )
                    new_item = cloner.world_item(item)
                    if isinstance(new_item, m.WorldFunction):
                        new_item.func.name = new_name
                    elif isinstance(new_item, m.WorldType):
                        resolve.types[new_item.id].name = new_name
                    if new_name in dst:
                        raise WitError(
                            f"{desc} of `{new_name}` shadows previously {desc}ed items", inc.span
                        )
                    dst[new_name] = new_item
                else:
                    assert isinstance(item, m.WorldInterface)
                    prev = dst.setdefault(key, copy.copy(item))
                    assert isinstance(prev, m.WorldInterface)
                    merge_include_stability(item, prev, external)


def merge_include_stability(src: m.WorldInterface, into: m.WorldInterface, external: bool) -> None:
    """wit-parser's `merge_include_stability` / `update_stability`."""
    if external and isinstance(src.stability, m.Stable):
        into.stability = None
        return
    if src.stability == into.stability or src.stability is None:
        return
    if into.stability is None:
        into.stability = src.stability
        return
    raise WitError(f"mismatch in stability from '{src.stability}' to '{into.stability}'", src.span)


def check_world_accessors(world: m.World) -> None:
    """Each setter of a world needs its getter, possibly brought in by an include."""
    for desc, items in (("import", world.imports), ("export", world.exports)):
        names = {k for k in items if isinstance(k, str)}
        for key, item in items.items():
            if isinstance(item, m.WorldFunction) and item.func.kind.tag.endswith("setter"):
                getter = getter_of(item.func.name)
                if getter not in names:
                    raise WitError(
                        f"{desc} `{item.func.name}` in world `{world.name}` has no corresponding "
                        f"getter `{getter}`",
                        item.func.span,
                    )


def check_included_names(world: m.World) -> None:
    """After its includes, a world's import names, and its export names, must still be strongly
    unique (`names.name_key`): `include w with { r as x }` can make `[static]r.x` a
    `[static]x.x`, which names `x` again (found by the differential test)."""
    for what, items in (("import", world.imports), ("export", world.exports)):
        seen: dict[tuple[str, str], str] = {}
        for key in items:
            if not isinstance(key, str):
                continue
            prev = seen.setdefault(name_key(key), key)
            if prev != key:
                raise WitError(
                    f"{what} `{key}` in world `{world.name}` conflicts with {what} `{prev}`"
                    " (names must be strongly unique)"
                )


def setters_follow_getters(items: dict[m.WorldKey, m.WorldItem]) -> dict[m.WorldKey, m.WorldItem]:
    """Items reordered so a setter listed before its getter moves to just after it; everything
    else keeps its order (interface keys included: found by the differential test)."""
    by_name: dict[str, m.WorldKey] = {}
    for key in items:
        by_name[key if isinstance(key, str) else f"\0{key}"] = key
    return {by_name[n]: items[by_name[n]] for n in setters_after_getters(list(by_name))}


def rename(original: str, inc: m.IncludeName) -> str | None:
    """The new name of `original` under `include ... with { name as as_ }` (or None).

    Annotated names keep their annotations: `[method]r.f` -> `[method]s.f`, and accessors too,
    `[method][get]r.p` -> `[method][get]s.p` (checked against wasm-tools 1.262.0).
    """
    if original == inc.name:
        return inc.as_
    end = 0
    while original.startswith("[", end):
        close = original.find("]", end)
        if close < 0:
            return None
        end = close + 1
    if end == 0:
        return None
    kind, rest = original[:end], original[end:]
    name, dot, tail = rest.partition(".")
    if dot and name == inc.name:
        return f"{kind}{inc.as_}.{tail}"
    if rest == inc.name:
        return f"{kind}{inc.as_}"
    return None


def kind_children(kind: m.TypeDefKind) -> list[m.TypeRef]:
    """Every type reference directly inside a kind."""
    if isinstance(kind, m.AliasKind):
        return [kind.ty]
    if isinstance(kind, m.RecordKind):
        return [f.ty for f in kind.fields]
    if isinstance(kind, m.VariantKind):
        return [c.ty for c in kind.cases if c.ty is not None]
    if isinstance(kind, m.TupleKind):
        return list(kind.types)
    if isinstance(kind, (m.ListKind, m.FixedLengthListKind, m.OptionKind)):
        return [kind.ty]
    if isinstance(kind, (m.FutureKind, m.StreamKind)):
        return [kind.ty] if kind.ty is not None else []
    if isinstance(kind, m.MapKind):
        return [kind.key, kind.value]
    if isinstance(kind, m.ResultKind):
        return [t for t in (kind.ok, kind.err) if t is not None]
    if isinstance(kind, m.HandleKind):
        return [kind.resource]
    return []


class Cloner:
    """Copies world-owned types (and inline interfaces) into another world (`clone.rs`)."""

    def __init__(
        self, resolve: m.Resolve, prev: m.TypeOwner, new: m.TypeOwner, package: int | None
    ) -> None:
        self.resolve = resolve
        self.prev = prev
        self.new = new
        self.package = package
        self.types: dict[int, int] = {}
        self.interfaces: dict[int, int] = {}

    def world_item(self, item: m.WorldItem) -> m.WorldItem:
        if isinstance(item, m.WorldType):
            return replace(item, id=self.type_id(item.id))
        if isinstance(item, m.WorldFunction):
            return m.WorldFunction(self.function(item.func))
        if self.resolve.interfaces[item.id].name is not None:
            return copy.copy(item)
        return replace(item, id=self.interface(item.id))

    def type_id(self, tid: int) -> int:
        if tid not in self.types:
            new = copy.copy(self.resolve.types[tid])
            self.type_def(new)
            self.resolve.types.append(new)
            self.types[tid] = len(self.resolve.types) - 1
        return self.types[tid]

    def ty(self, ref: m.TypeRef) -> m.TypeRef:
        return self.type_id(ref) if isinstance(ref, int) else ref

    def type_def(self, td: m.TypeDef) -> None:
        if td.owner is not None:
            td.owner = self.new
        kind = td.kind
        ty = self.ty
        if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
            if self.resolve.types[kind.ty].owner == self.prev:
                td.kind = m.AliasKind(self.type_id(kind.ty))
            elif kind.ty in self.types:
                td.kind = m.AliasKind(self.types[kind.ty])
        elif isinstance(kind, m.HandleKind):
            td.kind = replace(kind, resource=self.type_id(kind.resource))
        elif isinstance(kind, (m.OptionKind, m.ListKind, m.FixedLengthListKind)):
            td.kind = replace(kind, ty=ty(kind.ty))
        elif isinstance(kind, m.MapKind):
            td.kind = m.MapKind(ty(kind.key), ty(kind.value))
        elif isinstance(kind, m.TupleKind):
            td.kind = m.TupleKind(tuple(ty(t) for t in kind.types))
        elif isinstance(kind, m.RecordKind):
            td.kind = m.RecordKind(tuple(replace(f, ty=ty(f.ty)) for f in kind.fields))
        elif isinstance(kind, m.VariantKind):
            td.kind = m.VariantKind(
                tuple(replace(c, ty=ty(c.ty) if c.ty is not None else None) for c in kind.cases)
            )
        elif isinstance(kind, m.ResultKind):
            td.kind = m.ResultKind(
                ty(kind.ok) if kind.ok is not None else None,
                ty(kind.err) if kind.err is not None else None,
            )
        elif isinstance(kind, (m.FutureKind, m.StreamKind)):
            td.kind = replace(kind, ty=ty(kind.ty) if kind.ty is not None else None)

    def function(self, func: m.Function) -> m.Function:
        func = copy.copy(func)
        if func.kind.resource is not None:
            func.kind = replace(func.kind, resource=self.type_id(func.kind.resource))
        func.params = [replace(p, ty=self.ty(p.ty)) for p in func.params]
        if func.result is not None:
            func.result = self.ty(func.result)
        return func

    def interface(self, old: int) -> int:
        resolve = self.resolve
        new = copy.copy(resolve.interfaces[old])
        next_id = len(resolve.interfaces)
        inner = Cloner(resolve, m.OwnerInterface(old), m.OwnerInterface(next_id), self.package)
        inner.types = self.types
        inner.interfaces = self.interfaces
        new.types = {name: inner.type_id(tid) for name, tid in new.types.items()}
        new.functions = {name: inner.function(f) for name, f in new.functions.items()}
        if self.package is not None:
            new.package = self.package
        new.clone_of = old
        resolve.interfaces.append(new)
        self.interfaces[old] = next_id
        return next_id
