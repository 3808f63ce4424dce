"""Stage 3, cloning: a world's own types (and inline interfaces) copied into another world.

wit-parser's `resolve/clone.rs`, used when a world includes another (`witgen.resolve.includes`):
the included world's items that are owned by it are copied, with new ids, so that each world owns
its types; types owned by interfaces are shared, not copied.
"""

from __future__ import annotations

import copy

from witgen.records import replace
from witgen.resolve import model as m


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
        if isinstance(item, m.WorldType):
            return replace(item, id=self.type_id(item.id))
        if isinstance(item, m.WorldFunction):
            return m.WorldFunction(self.function(item.func))
        if self.resolve.interfaces[item.id].name is not None:
            return copy.copy(item)
        return replace(item, id=self.interface(item.id))

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
