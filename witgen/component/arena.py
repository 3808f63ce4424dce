"""Stage 2 of reading a component: the type arena, where every component type has an identity.

In: type definitions made by `typecheck`. Out: `TypeId`s and what they stand for.

wit-component's decoder turns a component into WIT by asking, of each type it meets, "have I seen
this very type before?" (its `type_map` is keyed by wasmparser's type ids). So how the WIT looks
(whether a type is a `use` of another interface's, whether two `list<u8>` are one anonymous type
or two) depends on type *identity* as wasmparser's validator assigns it, not on structure. This
arena reproduces those identities (crates/wasmparser/src/validator/component_types.rs):

* a `TypeId` is (kind, index, alias). Each definition gets a fresh index in its kind's list; an
  import or export of a type (`(eq T)`) gets the same index under a fresh alias number, which
  remembers the alias it was made from (`with_unique`, `peel_alias`): the decoder follows such
  chains to find that an exported type is a `use` of an imported one;
* a resource is (`resource`, resource number, alias). `(sub resource)` and `(resource ...)`
  allocate numbers; importing an instance type, exporting one and instantiating a component
  replace the resources they introduce with fresh numbers;
* `remap` substitutes resources (and, after an instantiation, whole types) inside a type: a type
  that changes becomes a new definition, one that does not keeps its id; a `Remapping` remembers
  each type it has handled, so every reference to one type is rewritten to one new type.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Union

NO_ALIAS = -1


class TypeId(NamedTuple):
    kind: str  # "defined", "func", "instance", "component" or "resource"
    slot: int  # the definition's place in its list (for a resource: its number)
    alias: int = NO_ALIAS


# A value type: a primitive's WIT name, or the id of a defined type.
ValType = Union[str, TypeId]


class Defined(NamedTuple):
    """A defined value type: `tag` as `binary.Defined`, with type ids in place of indices.
    record/variant: `a` is a tuple of (name, type) pairs (a case's type may be None); tuple: `a`
    a tuple of types; flags/enum: `a` the names; list/option/future/stream: `a`; map: `a`, `b`;
    fixed-list: `a` the element, `b` the length; result: `a` ok, `b` err; own/borrow: `a` the
    resource's id; prim: `a` the primitive's name."""

    tag: str
    a: Any = None
    b: Any = None


class FuncType(NamedTuple):
    is_async: bool
    params: tuple[tuple[str, ValType], ...]
    result: ValType | None


class Entity(NamedTuple):
    """What an import, export or index-space item is (wasmparser's `ComponentEntityType`).
    `kind`: module, func, value, type, instance, component. For `type`, `id` is the type
    referenced and `created` the type the import or export created (an alias of it, or itself
    for a fresh resource); for the others `id` is the type (a value's: its value type)."""

    kind: str
    id: TypeId | None = None
    created: TypeId | None = None

    @property
    def ty(self) -> TypeId:
        """`id`, for the kinds that have one (all but `module`)."""
        assert self.id is not None, self
        return self.id

    @property
    def made(self) -> TypeId:
        """`created`, for a `type`."""
        assert self.created is not None, self
        return self.created


class Item(NamedTuple):
    """An import or export with the options of its name (wasmparser's `ComponentItem`)."""

    entity: Entity
    implements: str | None = None
    version_suffix: str | None = None
    external_id: str | None = None


class InstanceType(NamedTuple):
    exports: dict[str, Item]
    # resources the type introduces itself (`(export "r" (type (sub resource)))`), fresh again
    # wherever the type is used
    defined_resources: tuple[int, ...]
    # resource number -> its path of export indices
    explicit_resources: dict[int, tuple[int, ...]]


class ComponentType(NamedTuple):
    imports: dict[str, Item]
    exports: dict[str, Item]
    # the resources the imports introduce and the ones instantiation creates, with their paths
    # (import or export indices, then export indices of nested instance types)
    imported_resources: tuple[tuple[int, tuple[int, ...]], ...]
    defined_resources: tuple[tuple[int, tuple[int, ...]], ...]
    explicit_resources: dict[int, tuple[int, ...]]


class Remapping:
    """A substitution: resource numbers to resource numbers, and types already rewritten (or,
    seeded by an instantiation, types to replace outright)."""

    __slots__ = ("resources", "types")

    def __init__(self) -> None:
        self.resources: dict[int, int] = {}
        self.types: dict[TypeId, TypeId] = {}


class Arena:
    __slots__ = ("defined", "funcs", "instances", "components", "alias_of", "next_alias", "next_rn")

    def __init__(self) -> None:
        self.defined: list[Defined] = []
        self.funcs: list[FuncType] = []
        self.instances: list[InstanceType] = []
        self.components: list[ComponentType] = []
        self.alias_of: dict[int, int] = {}  # alias number -> the alias number it was made from
        self.next_alias = 0
        self.next_rn = 0

    # --- making ids ---------------------------------------------------------------------------

    def push_defined(self, ty: Defined) -> TypeId:
        self.defined.append(ty)
        return TypeId("defined", len(self.defined) - 1)

    def push_func(self, ty: FuncType) -> TypeId:
        self.funcs.append(ty)
        return TypeId("func", len(self.funcs) - 1)

    def push_instance(self, ty: InstanceType) -> TypeId:
        self.instances.append(ty)
        return TypeId("instance", len(self.instances) - 1)

    def push_component(self, ty: ComponentType) -> TypeId:
        self.components.append(ty)
        return TypeId("component", len(self.components) - 1)

    def new_resource(self) -> TypeId:
        self.next_rn += 1
        return TypeId("resource", self.next_rn - 1)

    def with_unique(self, ty: TypeId) -> TypeId:
        """The same type under a new alias number, which remembers `ty`'s (`peel_alias`)."""
        alias = self.next_alias
        self.next_alias += 1
        self.alias_of[alias] = ty.alias
        return TypeId(ty.kind, ty.slot, alias)

    def peel_alias(self, ty: TypeId) -> TypeId | None:
        """The id `ty` was made from by `with_unique`, or None when it is no alias."""
        prev = self.alias_of.get(ty.alias)
        return None if prev is None else TypeId(ty.kind, ty.slot, prev)

    # --- reading -----------------------------------------------------------------------------

    def defined_of(self, ty: TypeId) -> Defined:
        return self.defined[ty.slot]

    def func_of(self, ty: TypeId) -> FuncType:
        return self.funcs[ty.slot]

    def instance_of(self, ty: TypeId) -> InstanceType:
        return self.instances[ty.slot]

    def component_of(self, ty: TypeId) -> ComponentType:
        return self.components[ty.slot]

    # --- substitution ------------------------------------------------------------------------

    def remap_id(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        kind = ty.kind
        if kind == "defined":
            return self.remap_defined(ty, m)
        if kind == "resource":
            return self.remap_resource(ty, m)
        if kind == "func":
            return self.remap_func(ty, m)
        if kind == "instance":
            return self.remap_instance(ty, m)
        return self.remap_component(ty, m)

    @staticmethod
    def _cached(ty: TypeId, m: Remapping) -> tuple[bool, TypeId] | None:
        new = m.types.get(ty)
        if new is None:
            return None
        return (new != ty, new)

    @staticmethod
    def _settle(m: Remapping, old: TypeId, new: TypeId) -> tuple[bool, TypeId]:
        """Remember what `old` became (itself when nothing in it changed)."""
        m.types[old] = new
        return (old != new, new)

    def remap_resource(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        cached = self._cached(ty, m)
        if cached is not None:
            return cached
        new = m.resources.get(ty.slot)
        if new is None:
            return (False, ty)
        # the resource changes, its alias number stays (wasmparser's `resource_mut`)
        return (True, TypeId("resource", new, ty.alias))

    def remap_val(self, ty: ValType, m: Remapping) -> tuple[bool, ValType]:
        if isinstance(ty, str):
            return (False, ty)
        return self.remap_defined(ty, m)

    def remap_opt(self, ty: ValType | None, m: Remapping) -> tuple[bool, ValType | None]:
        return (False, None) if ty is None else self.remap_val(ty, m)

    def remap_defined(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        cached = self._cached(ty, m)
        if cached is not None:
            return cached
        d = self.defined[ty.slot]
        tag = d.tag
        new: Defined | None = None
        if tag in ("record", "variant"):
            parts = []
            changed = False
            for name, t in d.a:
                c, t2 = self.remap_opt(t, m)
                changed |= c
                parts.append((name, t2))
            if changed:
                new = Defined(tag, tuple(parts))
        elif tag == "tuple":
            items = []
            changed = False
            for t in d.a:
                c, t2 = self.remap_val(t, m)
                changed |= c
                items.append(t2)
            if changed:
                new = Defined(tag, tuple(items))
        elif tag in ("list", "option", "future", "stream", "fixed-list"):
            c, t2 = self.remap_opt(d.a, m)
            if c:
                new = Defined(tag, t2, d.b)
        elif tag in ("map", "result"):
            c1, a = self.remap_opt(d.a, m)
            c2, b = self.remap_opt(d.b, m)
            if c1 or c2:
                new = Defined(tag, a, b)
        elif tag in ("own", "borrow"):
            c, r = self.remap_resource(d.a, m)
            if c:
                new = Defined(tag, r)
        return self._settle(m, ty, ty if new is None else self.push_defined(new))

    def remap_func(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        cached = self._cached(ty, m)
        if cached is not None:
            return cached
        f = self.funcs[ty.slot]
        changed = False
        params = []
        for name, t in f.params:
            c, t2 = self.remap_val(t, m)
            changed |= c
            params.append((name, t2))
        c, result = self.remap_opt(f.result, m)
        changed |= c
        if not changed:
            return self._settle(m, ty, ty)
        new = FuncType(f.is_async, tuple(params), result)
        return self._settle(m, ty, self.push_func(new))

    def remap_items(self, items: dict[str, Item], m: Remapping) -> tuple[bool, dict[str, Item]]:
        changed = False
        out = {}
        for name, item in items.items():
            c, entity = self.remap_entity(item.entity, m)
            changed |= c
            out[name] = item._replace(entity=entity) if c else item
        return changed, out

    def remap_instance(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        cached = self._cached(ty, m)
        if cached is not None:
            return cached
        inst = self.instances[ty.slot]
        changed, exports = self.remap_items(inst.exports, m)
        defined = []
        for r in inst.defined_resources:
            new_r = m.resources.get(r)
            changed |= new_r is not None
            defined.append(r if new_r is None else new_r)
        c, explicit = _remap_paths(inst.explicit_resources, m)
        if not (changed or c):
            return self._settle(m, ty, ty)
        new = InstanceType(exports, tuple(defined), explicit)
        return self._settle(m, ty, self.push_instance(new))

    def remap_component(self, ty: TypeId, m: Remapping) -> tuple[bool, TypeId]:
        cached = self._cached(ty, m)
        if cached is not None:
            return cached
        comp = self.components[ty.slot]
        c1, imports = self.remap_items(comp.imports, m)
        c2, exports = self.remap_items(comp.exports, m)
        changed = c1 or c2
        lists = []
        for pairs in (comp.imported_resources, comp.defined_resources):
            out = []
            for r, path in pairs:
                new_r = m.resources.get(r)
                changed |= new_r is not None
                out.append((r if new_r is None else new_r, path))
            lists.append(tuple(out))
        c3, explicit = _remap_paths(comp.explicit_resources, m)
        if not (changed or c3):
            return self._settle(m, ty, ty)
        new = ComponentType(imports, exports, lists[0], lists[1], explicit)
        return self._settle(m, ty, self.push_component(new))

    def remap_entity(self, e: Entity, m: Remapping) -> tuple[bool, Entity]:
        kind = e.kind
        if kind == "module":
            return (False, e)
        if kind == "type":
            referenced, created = e.id, e.created
            assert isinstance(referenced, TypeId) and isinstance(created, TypeId)
            changed, referenced = self.remap_id(referenced, m)
            # compared after `referenced` was rewritten, as wasmparser does
            if referenced == created:
                created = referenced
            else:
                c, created = self.remap_id(created, m)
                changed |= c
            return (changed, Entity("type", referenced, created) if changed else e)
        assert isinstance(e.id, TypeId)
        c, new = self.remap_id(e.id, m)
        return (c, Entity(kind, new) if c else e)


def _remap_paths(
    paths: dict[int, tuple[int, ...]], m: Remapping
) -> tuple[bool, dict[int, tuple[int, ...]]]:
    changed = False
    out = {}
    for r, path in paths.items():
        new_r = m.resources.get(r)
        if new_r is not None:
            changed = True
            r = new_r
        out[r] = path
    return changed, out
