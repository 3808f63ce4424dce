"""Stage 2 of reading a component: its section syntax to types, as wasmparser's validator types it.

In: the `sections.Section`s of a component (from `section_reader`). Out: a `Typed` component: the
arena, and the component's imports and exports (`arena.Item`s) in file order, plus the custom
sections found on the way.

One `State` per component, instance type or component type being read, holding its index spaces
(types, functions, instances, components) and its imports and exports; a stack of states makes
outer aliases work. Each section item updates the state the way wasmparser's `ComponentState`
does (crates/wasmparser/src/validator/component.rs), in particular:
* importing an instance type freshens the resources it defines (`prepare_instance_import`), and
  so does exporting one (`prepare_instance_export`);
* exporting or importing a type `(eq T)` creates an alias of T (`with_unique`);
* instantiating a component maps its imported resources and types to the arguments and freshens
  the resources it defines, then rewrites its export types with that substitution
  (`instantiate_component`, `SubtypeCx::open_instance_type`).

This is not a validator: what only validation needs (subtype checks of arguments, name rules,
core code) is not done, so an invalid component may be read without complaint. What the typing
itself needs (an index that exists, an item of the right sort) is checked, with the offset.
"""

from __future__ import annotations

from witgen.component import sections as b
from witgen.component.arena import (
    Arena,
    ComponentType,
    Defined,
    Entity,
    FuncType,
    InstanceType,
    Item,
    Remapping,
    TypeId,
    ValType,
)
from witgen.component.byte_reader import BinaryError

# Nesting of instance/component types and components beyond this is refused (wasmparser's own
# limit on type nesting is 100); it also keeps Python's recursion far from its limit.
MAX_DEPTH = 100


class State:
    """The index spaces and imports/exports of one component or type being read."""

    __slots__ = (
        "kind",
        "types",
        "funcs",
        "instances",
        "components",
        "imports",
        "exports",
        "imported_resources",
        "defined_resources",
        "explicit_resources",
    )

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "component", "instance-type" or "component-type"
        self.types: list[TypeId] = []
        self.funcs: list[TypeId] = []
        self.instances: list[TypeId] = []
        self.components: list[TypeId] = []
        self.imports: dict[str, Item] = {}
        self.exports: dict[str, Item] = {}
        self.imported_resources: dict[int, tuple[int, ...]] = {}
        self.defined_resources: dict[int, None] = {}
        self.explicit_resources: dict[int, tuple[int, ...]] = {}


class Typed:
    """A component read: its top-level imports and exports in file order, and the custom sections
    (name, start, end) found anywhere in it (nested components and core modules included)."""

    def __init__(self, arena: Arena, state: State, externs: list[tuple[str, str, Item]]) -> None:
        self.arena = arena
        self.imports = state.imports
        self.exports = state.exports
        self.externs = externs  # ("import" | "export", name, item), in file order
        self.custom: list[tuple[str, int, int]] = []


def typecheck(sections: list[b.Section]) -> Typed:
    checker = Checker()
    state = State("component")
    checker.stack.append(state)
    externs: list[tuple[str, str, Item]] = []
    checker.component(sections, externs)
    typed = Typed(checker.arena, state, externs)
    typed.custom = checker.custom
    return typed


class Checker:
    def __init__(self) -> None:
        self.arena = Arena()
        self.stack: list[State] = []
        self.custom: list[tuple[str, int, int]] = []
        self.offset = 0  # of the item being read, for errors

    def error(self, message: str) -> BinaryError:
        return BinaryError(message, self.offset)

    @property
    def cur(self) -> State:
        return self.stack[-1]

    # --- sections ------------------------------------------------------------------------------

    def component(
        self, sections: list[b.Section], externs: list[tuple[str, str, Item]] | None = None
    ) -> None:
        """Read the sections of the component on top of the stack; `externs` collects its
        imports and exports in order (the top-level component's)."""
        for section in sections:
            self.offset = section.offset
            sid = section.id
            items = section.items
            if sid == b.CUSTOM:
                self.custom.append(items)
            elif sid == b.CORE_MODULE:
                self.custom.extend(items)
            elif sid == b.COMPONENT:
                if len(self.stack) > MAX_DEPTH:
                    raise self.error("components are nested too deeply")
                self.stack.append(State("component"))
                self.component(items)
                inner = self.stack.pop()
                self.cur.components.append(self.arena.push_component(self.finish(inner)))
            elif sid == b.TYPE:
                for self.offset, ty in items:
                    self.add_type(ty)
            elif sid == b.IMPORT:
                for self.offset, imp in items:
                    item = self.add_import(imp)
                    if externs is not None:
                        externs.append(("import", imp.name.name, item))
            elif sid == b.EXPORT:
                for self.offset, exp in items:
                    item = self.add_export(exp.name, self.export_entity(exp))
                    if externs is not None:
                        externs.append(("export", exp.name.name, item))
            elif sid == b.ALIAS:
                for self.offset, alias in items:
                    self.add_alias(alias)
            elif sid == b.INSTANCE:
                for self.offset, inst in items:
                    self.add_instance(inst)
            elif sid == b.CANON:
                for self.offset, canon in items:
                    if canon is not None:
                        self.cur.funcs.append(self.func_type_at(canon.type_index))
            # core instances and core types: nothing of them reaches a WIT type

    # --- index spaces --------------------------------------------------------------------------

    def type_at(self, index: int) -> TypeId:
        types = self.cur.types
        if index >= len(types):
            raise self.error(f"unknown type {index}: type index out of bounds")
        return types[index]

    def type_of_kind(self, index: int, kind: str, what: str) -> TypeId:
        ty = self.type_at(index)
        if ty.kind != kind:
            raise self.error(f"type index {index} is not {what}")
        return ty

    def func_type_at(self, index: int) -> TypeId:
        return self.type_of_kind(index, "func", "a function type")

    def val_type(self, vt: b.ValType) -> ValType:
        if isinstance(vt, str):
            return vt
        return self.type_of_kind(vt, "defined", "a defined type")

    def opt_val_type(self, vt: b.ValType | None) -> ValType | None:
        return None if vt is None else self.val_type(vt)

    def space(self, sort: str) -> list[TypeId]:
        cur = self.cur
        if sort == "func":
            return cur.funcs
        if sort == "instance":
            return cur.instances
        if sort == "component":
            return cur.components
        if sort == "type":
            return cur.types
        raise self.error(f"{sort}s are not supported here")

    def item_at(self, sort: str, index: int) -> TypeId:
        space = self.space(sort)
        if index >= len(space):
            raise self.error(f"unknown {sort} {index}: {sort} index out of bounds")
        return space[index]

    # --- types ---------------------------------------------------------------------------------

    def add_type(self, ty: b.TypeDef) -> None:
        arena = self.arena
        if isinstance(ty, b.Defined):
            self.cur.types.append(arena.push_defined(self.defined(ty)))
        elif isinstance(ty, b.FuncType):
            params = tuple((name, self.val_type(t)) for name, t in ty.params)
            result = self.opt_val_type(ty.result)
            self.cur.types.append(arena.push_func(FuncType(ty.is_async, params, result)))
        elif isinstance(ty, b.InstanceTypeDef):
            self.cur.types.append(arena.push_instance(self.instance_type(ty)))
        elif isinstance(ty, b.ComponentTypeDef):
            self.cur.types.append(arena.push_component(self.component_type(ty)))
        else:  # a resource definition
            if self.cur.kind != "component":
                raise self.error("resources can only be defined within a concrete component")
            resource = arena.new_resource()
            self.cur.defined_resources[resource.slot] = None
            self.cur.types.append(resource)

    def defined(self, d: b.Defined) -> Defined:
        tag = d.tag
        if tag == "prim":
            return Defined("prim", d.a)
        if tag in ("record", "variant"):
            pairs = tuple((name, self.opt_val_type(t)) for name, t in d.a)
            return Defined(tag, pairs)
        if tag == "tuple":
            return Defined(tag, tuple(self.val_type(t) for t in d.a))
        if tag in ("flags", "enum"):
            return Defined(tag, d.a)
        if tag in ("list", "option"):
            return Defined(tag, self.val_type(d.a))
        if tag == "fixed-list":
            return Defined(tag, self.val_type(d.a), d.b)
        if tag == "map":
            return Defined(tag, self.val_type(d.a), self.val_type(d.b))
        if tag == "result":
            return Defined(tag, self.opt_val_type(d.a), self.opt_val_type(d.b))
        if tag in ("own", "borrow"):
            return Defined(tag, self.type_of_kind(d.a, "resource", "a resource"))
        # future, stream
        return Defined(tag, self.opt_val_type(d.a))

    def _push(self, kind: str) -> None:
        if len(self.stack) > MAX_DEPTH:
            raise self.error("types are nested too deeply")
        self.stack.append(State(kind))

    def _decls(self, decls: tuple[b.Decl, ...]) -> None:
        for decl in decls:
            self.offset = decl.offset
            what = decl.what
            if what == "type":
                self.add_type(decl.item)
            elif what == "export":
                ext: b.Extern = decl.item
                self.add_export(ext.name, self.type_ref(ext.ref))
            elif what == "import":
                self.add_import(decl.item)
            elif what == "alias":
                alias: b.Alias = decl.item
                if isinstance(alias, b.InstanceExportAlias) and alias.sort not in (
                    "type",
                    "instance",
                ):
                    raise self.error(
                        "aliases in a component or instance type may only refer to types or"
                        " instances"
                    )
                self.add_alias(alias)

    def instance_type(self, ty: b.InstanceTypeDef) -> InstanceType:
        self._push("instance-type")
        self._decls(ty.decls)
        state = self.stack.pop()
        return InstanceType(state.exports, tuple(state.defined_resources), state.explicit_resources)

    def component_type(self, ty: b.ComponentTypeDef) -> ComponentType:
        self._push("component-type")
        self._decls(ty.decls)
        return self.finish(self.stack.pop())

    def finish(self, state: State) -> ComponentType:
        """The type of a component (or component type) once read (wasmparser's `finish`).

        Its defined resources are those it exports (explicitly, at a path): instantiating it
        makes fresh ones. wasmparser keeps only the ones free in the exports' types; the others
        never appear in an export's type, so freshening them or not changes nothing."""
        defined = tuple(
            (r, state.explicit_resources[r])
            for r in state.defined_resources
            if r in state.explicit_resources
        )
        return ComponentType(
            state.imports,
            state.exports,
            tuple(state.imported_resources.items()),
            defined,
            state.explicit_resources,
        )

    # --- imports and exports -------------------------------------------------------------------

    def type_ref(self, ref: b.TypeRef) -> Entity:
        """What an import or export declares (wasmparser's `check_type_ref`)."""
        kind, target = ref.kind, ref.target
        if kind == "type-sub-resource":
            resource = self.arena.new_resource()
            return Entity("type", resource, resource)
        if kind == "module":
            return Entity("module")
        if not isinstance(target, int):
            raise self.error("component values are not supported")
        if kind == "type-eq":
            referenced = self.type_at(target)
            return Entity("type", referenced, self.arena.with_unique(referenced))
        if kind == "func":
            return Entity("func", self.func_type_at(target))
        if kind == "instance":
            return Entity("instance", self.type_of_kind(target, "instance", "an instance type"))
        return Entity("component", self.type_of_kind(target, "component", "a component type"))

    def add_import(self, imp: b.Extern) -> Item:
        entity = self.add_entity(self.type_ref(imp.ref), "import")
        return self._register(self.cur.imports, imp.name, entity)

    def add_export(self, name: b.ExternName, entity: Entity) -> Item:
        entity = self.add_entity(entity, "export")
        return self._register(self.cur.exports, name, entity)

    def _register(self, items: dict[str, Item], name: b.ExternName, entity: Entity) -> Item:
        if name.name in items:
            raise self.error(f"name `{name.name}` conflicts with previous name `{name.name}`")
        item = Item(entity, name.implements, name.version_suffix, name.external_id)
        items[name.name] = item
        return item

    def export_entity(self, exp: b.Export) -> Entity:
        """What an export section item exports (wasmparser's `export_to_entity_type`)."""
        sort = exp.sort
        if sort == "module":
            actual = Entity("module")
        elif sort == "type":
            referenced = self.type_at(exp.item)
            actual = Entity("type", referenced, self.arena.with_unique(referenced))
        elif sort == "value":
            raise self.error("component values are not supported")
        else:
            actual = Entity(sort, self.item_at(sort, exp.item))
        if exp.ascribed is None:
            return actual
        # An ascribed type replaces the item's own (wasmparser checks it is a supertype).
        return self.type_ref(exp.ascribed)

    def add_entity(self, e: Entity, direction: str | None) -> Entity:
        """Put `e` in its index space (an import's or export's, or an alias's when
        `direction` is None); returns the entity as recorded (an instance type may be replaced
        by one with fresh resources)."""
        cur = self.cur
        kind = e.kind
        if kind == "instance":
            ty = e.ty
            if direction == "import":
                ty = self.prepare_instance_import(ty)
            elif direction == "export":
                ty = self.prepare_instance_export(ty)
            e = Entity("instance", ty)
            cur.instances.append(ty)
        elif kind == "func":
            cur.funcs.append(e.ty)
        elif kind == "component":
            cur.components.append(e.ty)
        elif kind == "type":
            created = e.made
            cur.types.append(created)
            if created.kind == "resource":
                fresh = created == e.id
                if direction == "import" and fresh:
                    cur.imported_resources[created.slot] = (len(cur.imports),)
                elif direction == "export":
                    if fresh:
                        cur.defined_resources[created.slot] = None
                    cur.explicit_resources[created.slot] = (len(cur.exports),)
        return e

    def prepare_instance_import(self, ty: TypeId) -> TypeId:
        inst = self.arena.instance_of(ty)
        if not inst.defined_resources:
            return ty
        cur = self.cur
        m = Remapping()
        for old in inst.defined_resources:
            new = self.arena.new_resource().slot
            m.resources[old] = new
            cur.imported_resources[new] = (len(cur.imports), *inst.explicit_resources[old])
        return self._rebuild(inst, m)

    def prepare_instance_export(self, ty: TypeId) -> TypeId:
        inst = self.arena.instance_of(ty)
        cur = self.cur
        if inst.defined_resources:
            m = Remapping()
            for old in inst.defined_resources:
                new = self.arena.new_resource().slot
                m.resources[old] = new
                cur.defined_resources[new] = None
            ty = self._rebuild(inst, m)
            inst = self.arena.instance_of(ty)
        for r, path in inst.explicit_resources.items():
            cur.explicit_resources[r] = (len(cur.exports), *path)
        return ty

    def _rebuild(self, inst: InstanceType, m: Remapping) -> TypeId:
        """`inst` with its defined resources substituted, as a new instance type that defines
        none (they now belong to the enclosing component)."""
        _, exports = self.arena.remap_items(inst.exports, m)
        explicit = {m.resources.get(r, r): path for r, path in inst.explicit_resources.items()}
        return self.arena.push_instance(InstanceType(exports, (), explicit))

    # --- aliases and instances -----------------------------------------------------------------

    def add_alias(self, alias: b.Alias) -> None:
        if isinstance(alias, b.InstanceExportAlias):
            sort = alias.sort
            if sort == "module":
                return
            instance = self.item_at("instance", alias.instance)
            item = self.arena.instance_of(instance).exports.get(alias.name)
            if item is None:
                raise self.error(f"instance {alias.instance} has no export named `{alias.name}`")
            if item.entity.kind != sort:
                raise self.error(
                    f"export `{alias.name}` for instance {alias.instance} is not a {sort}"
                )
            self.add_entity(item.entity, None)
        elif isinstance(alias, b.OuterAlias):
            sort, count, index = alias.sort, alias.outward, alias.item
            if sort in ("core-type", "core-module"):
                return
            if count >= len(self.stack):
                raise self.error(f"invalid outer alias count of {count}")
            outer = self.stack[-1 - count]
            space = outer.types if sort == "type" else outer.components
            if index >= len(space):
                raise self.error(f"unknown {sort} {index}: {sort} index out of bounds")
            (self.cur.types if sort == "type" else self.cur.components).append(space[index])
        # an alias of a core instance's export: nothing of it reaches a WIT type

    def add_instance(self, inst: b.Instantiate | b.FromExports) -> None:
        if isinstance(inst, b.Instantiate):
            ty = self.instantiate(inst)
        else:
            ty = self.instance_from_exports(inst)
        self.cur.instances.append(ty)

    def arg_entity(self, sort: str, index: int) -> Entity:
        if sort == "module":
            return Entity("module")
        if sort == "value":
            raise self.error("component values are not supported")
        ty = self.item_at(sort, index)
        if sort == "type":
            return Entity("type", ty, ty)
        return Entity(sort, ty)

    def instantiate(self, inst: b.Instantiate) -> TypeId:
        """The instance type of instantiating a component with arguments (wasmparser's
        `instantiate_component`)."""
        arena = self.arena
        comp = arena.component_of(self.item_at("component", inst.component))
        args: dict[str, Entity] = {}
        for name, sort, index in inst.args:
            if name in args:
                raise self.error(f"instantiation argument `{name}` conflicts with a previous one")
            args[name] = self.arg_entity(sort, index)
        m = self.open_component(comp, args)
        fresh = []
        for old, _path in comp.defined_resources:
            new = arena.new_resource().slot
            m.resources[old] = new
            fresh.append(new)
        _, exports = arena.remap_items(comp.exports, m)
        explicit = {m.resources.get(r, r): path for r, path in comp.explicit_resources.items()}
        for r in fresh:
            self.cur.defined_resources[r] = None
        return arena.push_instance(InstanceType(exports, (), explicit))

    def open_component(self, comp: ComponentType, args: dict[str, Entity]) -> Remapping:
        """The substitution instantiating `comp` with `args` implies: its imported resources
        to the resources given, and the types its imports create to the types given."""
        arena = self.arena
        m = Remapping()
        imports = list(comp.imports.items())
        for resource, path in comp.imported_resources:
            name, item = imports[path[0]]
            entity = item.entity
            arg = args.get(name)
            for i in path[1:]:
                export_name, next_item = list(arena.instance_of(entity.ty).exports.items())[i]
                entity = next_item.entity
                if arg is None or arg.kind != "instance":
                    arg = None
                    break
                found = arena.instance_of(arg.ty).exports.get(export_name)
                arg = None if found is None else found.entity
            if arg is not None and arg.kind == "type":
                created = arg.made
                if created.kind == "resource":
                    m.resources[resource] = created.slot
        renamings: dict[TypeId, TypeId] = {}
        for name, expected in comp.imports.items():
            actual = args.get(name)
            if actual is None:
                raise self.error(f"missing import named `{name}`")
            self.register_renamings(actual, expected.entity, renamings, name)
        m.types = renamings
        return m

    def register_renamings(
        self, actual: Entity, expected: Entity, out: dict[TypeId, TypeId], name: str
    ) -> None:
        if expected.kind != actual.kind:
            raise self.error(f"type mismatch for import `{name}`")
        if expected.kind == "type":
            out[expected.made] = actual.made
        elif expected.kind == "instance":
            have = self.arena.instance_of(actual.ty).exports
            for export, item in self.arena.instance_of(expected.ty).exports.items():
                got = have.get(export)
                if got is None:
                    raise self.error(f"type mismatch for import `{name}`: missing `{export}`")
                self.register_renamings(got.entity, item.entity, out, name)

    def instance_from_exports(self, inst: b.FromExports) -> TypeId:
        exports: dict[str, Item] = {}
        explicit: dict[int, tuple[int, ...]] = {}
        for exp in inst.exports:
            e = self.arg_entity(exp.sort, exp.item)
            if e.kind == "instance":
                for r, path in self.arena.instance_of(e.ty).explicit_resources.items():
                    explicit[r] = (len(exports), *path)
            elif e.kind == "type" and e.ty.kind == "resource":
                explicit[e.ty.slot] = (len(exports),)
            self._register(exports, exp.name, e)
        return self.arena.push_instance(InstanceType(exports, (), explicit))
