"""Stage 3, merging: one lowered package's arenas appended to the `Resolve`, its ids remapped.

wit-parser's `Remap::append` (resolve/mod.rs): the package's placeholders for foreign items are
connected to the packages already merged; its own types, interfaces and worlds are copied into the
`Resolve` unless a feature gate drops them (`Remap` maps a dropped item to `None`, and a reference
to it is an error); references to resources become `own<T>` handles; then each world's includes
are merged (`witgen.resolve.includes`) and the world is elaborated (`witgen.resolve.elaborate`).
"""

from __future__ import annotations

import copy
from typing import Callable, Sequence, TypeVar, assert_never

from witgen.errors import Span, WitError
from witgen.records import replace
from witgen.resolve import model as m
from witgen.resolve.elaborate import Elaborator
from witgen.resolve.includes import (
    check_included_names,
    check_world_accessors,
    include_world,
    setters_follow_getters,
)
from witgen.resolve.kinds import dealias, kind_refs, map_kind
from witgen.resolve.semver import version_gt
from witgen.resolve.unresolved import Unresolved


def excluded(desc: str, span: Span | None) -> WitError:
    return WitError(
        f"found a reference to a {desc} which is excluded due to its feature not being activated",
        span,
    )


OwnerId = TypeVar("OwnerId", m.InterfaceId, m.WorldId)


def kept_owner(new: OwnerId | None, desc: str, span: Span | None) -> OwnerId:
    """The new id of a kept type's owner, which a feature gate must not have dropped."""
    if new is None:
        raise WitError(
            f"{excluded(desc, span)}; this type is not gated by a feature but its {desc} is", span
        )
    return new


class Remap:
    """Maps one lowered package's local ids to ids in the `Resolve` (`None`: gated out)."""

    def __init__(self, resolve: m.Resolve, elaborator: Elaborator) -> None:
        self.resolve = resolve
        self.elaborator = elaborator
        # indexed by the package's local ids
        self.types: list[m.TypeId | None] = []
        self.interfaces: list[m.InterfaceId | None] = []
        self.worlds: list[m.WorldId | None] = []
        self.own_handles: dict[m.TypeId, m.TypeId] = {}
        self.has_borrow: dict[m.TypeId, bool] = {}

    def map_type(self, tid: m.TypeId, span: Span | None) -> m.TypeId:
        new = self.types[tid]
        if new is None:
            raise excluded("type", span)
        return new

    def map_interface(self, iid: m.InterfaceId, span: Span | None) -> m.InterfaceId:
        new = self.interfaces[iid]
        if new is None:
            raise excluded("interface", span)
        return new

    def map_world(self, wid: m.WorldId, span: Span | None) -> m.WorldId:
        new = self.worlds[wid]
        if new is None:
            raise excluded("world", span)
        return new

    # --- gates ------------------------------------------------------------------------------

    def include_stability(self, stab: m.Stability, pkg: m.PackageId, span: Span | None) -> bool:
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

    # --- the package ------------------------------------------------------------------------

    def append(self, unresolved: Unresolved) -> m.PackageId:
        resolve = self.resolve
        pkg = m.PackageId(len(resolve.packages))
        resolve.packages.append(m.Package(unresolved.name, unresolved.docs))
        resolve.package_names[unresolved.name] = pkg
        self.process_foreign_deps(unresolved, pkg)

        n_types, n_ifaces, n_worlds = len(self.types), len(self.interfaces), len(self.worlds)
        for ty in unresolved.types[n_types:]:
            if not self.include_stability(ty.stability, pkg, ty.span):
                self.types.append(None)
                continue
            ty = copy.copy(ty)
            ty.kind = self.update_kind(ty.kind, ty.span)
            resolve.types.append(ty)
            new_id = m.TypeId(len(resolve.types) - 1)
            if (
                ty.name is None
                and ty.owner is None
                and isinstance(ty.kind, m.HandleKind)
                and ty.kind.handle == "own"
            ):
                new_id = self.own_handles.setdefault(ty.kind.resource, new_id)
            self.types.append(new_id)

        for iface in unresolved.interfaces[n_ifaces:]:
            if not self.include_stability(iface.stability, pkg, iface.span):
                self.interfaces.append(None)
                continue
            iface = copy.copy(iface)
            iface.package = pkg
            self.update_interface(iface, pkg)
            resolve.interfaces.append(iface)
            self.interfaces.append(m.InterfaceId(len(resolve.interfaces) - 1))

        local_types = [t for t in self.types[n_types:] if t is not None]
        for tid in local_types:
            ty = resolve.types[tid]
            if isinstance(ty.owner, m.OwnerInterface):
                new_iface = self.interfaces[ty.owner.id]
                ty.owner = m.OwnerInterface(kept_owner(new_iface, "interface", ty.span))

        for world in unresolved.worlds[n_worlds:]:
            if not self.include_stability(world.stability, pkg, world.span):
                self.worlds.append(None)
                continue
            world = copy.copy(world)
            self.update_world(world, pkg)
            resolve.worlds.append(world)
            self.worlds.append(m.WorldId(len(resolve.worlds) - 1))

        for tid in local_types:
            ty = resolve.types[tid]
            if isinstance(ty.owner, m.OwnerWorld):
                new_world = self.worlds[ty.owner.id]
                ty.owner = m.OwnerWorld(kept_owner(new_world, "world", ty.span))

        for wid in self.worlds[n_worlds:]:
            if wid is None:
                continue
            self.process_world_includes(wid, pkg)
            self.elaborator.elaborate_world(wid, resolve.worlds[wid].span)

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

    def process_foreign_deps(self, unresolved: Unresolved, pkg: m.PackageId) -> None:
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
            return any(self.include_stability(s, pkg, span) for s in stabilities)

        def foreign(
            items: Sequence[m.Interface | m.World],
            sources: dict[int, tuple[m.PackageName, str, Span, list[m.Stability]]],
            kind: str,
            table: Callable[[m.Package], dict[str, OwnerId]],
            out: list[OwnerId | None],
        ) -> None:
            # The foreign items come first in their arena, each from a `use` of another package.
            for index, item in enumerate(items):
                src = sources.get(index)
                if src is None:
                    break
                dep_name, name, span, stabs = src
                package = package_of(dep_name, span)
                if not enabled(stabs, item.span):
                    out.append(None)
                    continue
                found = table(package).get(name)
                if found is None:
                    raise WitError(
                        f"{kind} '{name}' not found in package '{package.name}'", item.span
                    )
                out.append(found)

        foreign(
            unresolved.interfaces, iface_src, "interface", lambda p: p.interfaces, self.interfaces
        )
        foreign(unresolved.worlds, world_src, "world", lambda p: p.worlds, self.worlds)

        for tid, ty in enumerate(unresolved.types):
            if not isinstance(ty.kind, m.UnknownKind):
                break
            if not self.include_stability(ty.stability, pkg, ty.span):
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
            if not isinstance(resolve.types[dealias(resolve.types, cur)].kind, m.ResourceKind):
                raise WitError("type used in a handle must be a resource", span)

    # --- rewriting ids ----------------------------------------------------------------------

    def update_kind(self, kind: m.TypeDefKind, span: Span | None) -> m.TypeDefKind:
        """wit-parser's `update_typedef`: every id mapped; a resource used as a value is made
        `own<r>` (`update_id`)."""
        match kind:
            case m.AliasKind() | m.HandleKind():
                # `type a = r` and a handle name the resource itself: mapped, never made `own`
                return map_kind(kind, lambda tid: self.map_type(tid, span))
            case m.RecordKind():
                # a field's type is reported at the field, where wasm-tools reports it
                return m.RecordKind(
                    tuple(replace(f, ty=self.update_ty(f.ty, f.span)) for f in kind.fields)
                )
            case (
                m.VariantKind()
                | m.TupleKind()
                | m.OptionKind()
                | m.ListKind()
                | m.FixedLengthListKind()
                | m.MapKind()
                | m.ResultKind()
                | m.FutureKind()
                | m.StreamKind()
            ):
                return map_kind(kind, lambda tid: self.update_id(tid, span))
            case m.ResourceKind() | m.FlagsKind() | m.EnumKind() | m.UnknownKind():
                return kind
            case _:
                assert_never(kind)

    def update_ty(self, ref: m.TypeRef, span: Span | None) -> m.TypeRef:
        return ref if isinstance(ref, str) else self.update_id(ref, span)

    def update_id(self, tid: m.TypeId, span: Span | None) -> m.TypeId:
        """wit-parser's `update_ty` on an id: mapped, and a reference to a resource (through any
        aliases) replaced by `own<r>`, one handle per resource and package."""
        new = self.map_type(tid, span)
        types = self.resolve.types
        kind = types[new].kind
        if isinstance(kind, m.AliasKind):
            kind = types[dealias(types, new)].kind
        if not isinstance(kind, m.ResourceKind):
            return new
        handle = self.own_handles.get(new)
        if handle is None:
            types.append(m.TypeDef(name=None, kind=m.HandleKind("own", new), owner=None))
            handle = self.own_handles[new] = m.TypeId(len(types) - 1)
        return handle

    def update_interface(self, iface: m.Interface, pkg: m.PackageId) -> None:
        iface.types = {
            name: self.map_type(tid, iface.span)
            for name, tid in iface.types.items()
            if self.types[tid] is not None
        }
        functions: dict[str, m.Function] = {}
        for name, func in iface.functions.items():
            if self.include_stability(func.stability, pkg, func.span):
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
            inner = [r for r in kind_refs(kind) if isinstance(r, int)]
            pending = [r for r in inner if r not in known]
            if pending:
                stack.extend(pending)
            else:
                known[tid] = any(known[r] for r in inner)
        return known[ref]

    def update_world(self, world: m.World, pkg: m.PackageId) -> None:
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
                if not self.include_stability(stab, pkg, span):
                    continue
                if isinstance(key, int):
                    key = self.map_interface(key, span)
                if isinstance(item, m.WorldInterface):
                    item = replace(item, id=self.map_interface(item.id, span))
                elif isinstance(item, m.WorldFunction):
                    item = m.WorldFunction(self.update_function(item.func, span))
                dst[key] = item

    # --- includes ---------------------------------------------------------------------------

    def process_world_includes(self, wid: m.WorldId, pkg: m.PackageId) -> None:
        world = self.resolve.worlds[wid]
        includes, world.includes = world.includes, []
        for inc in includes:
            if not self.include_stability(inc.stability, pkg, inc.span):
                continue
            include_world(self.resolve, wid, self.map_world(inc.id, inc.span), inc, pkg)
        check_world_accessors(world)
        if includes:
            check_included_names(world)
        world.imports = setters_follow_getters(world.imports)
        world.exports = setters_follow_getters(world.exports)
