"""Stage 3, cloning: a world's own types (and inline interfaces) copied into another world.

wit-parser's `resolve/clone.rs`, used when a world includes another (`witgen.resolve.includes`):
the included world's items that are owned by it are copied, with new ids, so that each world owns
its types; types owned by interfaces are shared, not copied.
"""

from __future__ import annotations

import copy
from typing import assert_never

from witgen.records import replace
from witgen.resolve import model as m
from witgen.resolve.kinds import map_kind


class Cloner:
    """Copies world-owned types (and inline interfaces) into another world (`clone.rs`)."""

    def __init__(
        self, resolve: m.Resolve, prev: m.TypeOwner, new: m.TypeOwner, package: m.PackageId | None
    ) -> None:
        self.resolve = resolve
        self.prev = prev
        self.new = new
        self.package = package
        self.types: dict[m.TypeId, m.TypeId] = {}
        self.interfaces: dict[m.InterfaceId, m.InterfaceId] = {}

    def world_item(self, item: m.WorldItem) -> m.WorldItem:
        match item:
            case m.WorldType():
                return replace(item, id=self.type_id(item.id))
            case m.WorldFunction():
                return m.WorldFunction(self.function(item.func))
            case m.WorldInterface():
                if self.resolve.interfaces[item.id].name is not None:
                    return copy.copy(item)  # a named interface is shared, not cloned
                return replace(item, id=self.interface(item.id))
            case _:
                assert_never(item)

    def type_id(self, tid: m.TypeId) -> m.TypeId:
        if tid not in self.types:
            new = copy.copy(self.resolve.types[tid])
            self.type_def(new)
            self.resolve.types.append(new)
            self.types[tid] = m.TypeId(len(self.resolve.types) - 1)
        return self.types[tid]

    def ty(self, ref: m.TypeRef) -> m.TypeRef:
        return self.type_id(ref) if isinstance(ref, int) else ref

    def type_def(self, td: m.TypeDef) -> None:
        """Make `td`, a fresh copy, the new owner's: every type inside it cloned too, except what
        an alias names (`alias_target`)."""
        if td.owner is not None:
            td.owner = self.new
        if isinstance(td.kind, m.AliasKind):
            td.kind = map_kind(td.kind, self.alias_target)
        else:
            td.kind = map_kind(td.kind, self.type_id)

    def alias_target(self, tid: m.TypeId) -> m.TypeId:
        """`type a = b` keeps naming `b` unless the world being cloned owns `b` (then its copy)."""
        if self.resolve.types[tid].owner == self.prev:
            return self.type_id(tid)
        return self.types.get(tid, tid)

    def function(self, func: m.Function) -> m.Function:
        func = copy.copy(func)
        if func.kind.resource is not None:
            func.kind = replace(func.kind, resource=self.type_id(func.kind.resource))
        func.params = [replace(p, ty=self.ty(p.ty)) for p in func.params]
        if func.result is not None:
            func.result = self.ty(func.result)
        return func

    def interface(self, old: m.InterfaceId) -> m.InterfaceId:
        resolve = self.resolve
        new = copy.copy(resolve.interfaces[old])
        next_id = m.InterfaceId(len(resolve.interfaces))
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
