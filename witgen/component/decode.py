"""Stage 3 of reading a component: its types to a `Resolve`, as wit-component's decoder builds it.

In: a `typecheck.Typed` component. Out: a `witgen.resolve.model.Resolve` and what it holds: for a
component, the world `root` of the package `root:component` (`Decoded.world`); for a WIT package
encoded as a component (`wasm-tools component wit --wasm`), that package (`Decoded.package`).

The rules are wit-parser's `decoding.rs` (`ComponentInfo::decode_component`,
`WitPackageDecoder`), and the arenas are filled in the same order, so ids and the JSON match
`wasm-tools component wit --json` exactly:
* an import or export named like an interface (`ns:pkg/iface@1.0.0`) becomes that interface of a
  package of its own, filled in with just the types and functions this component uses, and
  keyed by the interface id in the world; a plain name with an instance becomes an inline
  interface (`import host: interface {...}`), and a plain name with `(implements "I")` the
  interface I under that name;
* a type export that is an alias (through `(eq T)` chains) of a type already seen becomes
  `type x = y`, which prints as a `use` when `y` belongs to another interface; any other becomes a
  definition; value types not seen before become anonymous types, one per distinct type id;
* the packages of imported interfaces come first, in dependency order, then the main package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from witgen.component.arena import Arena, Defined, Item, TypeId, ValType
from witgen.component.names import Name, NameError_, parse_name
from witgen.component.typecheck import Typed
from witgen.errors import WitError
from witgen.resolve import model as m


class DecodeError(WitError):
    """The component is well-formed but cannot be read as WIT (say, a type that appears under
    two names, or a package of mismatched names)."""


class Decoded(NamedTuple):
    resolve: m.Resolve
    package: m.PackageId  # the main package: `root:component` or the encoded package
    world: m.WorldId | None  # `root` for a component; None for a WIT package


class _Package:
    """A package being decoded: its name and the interfaces and worlds found for it so far."""

    __slots__ = ("name", "interfaces", "worlds")

    def __init__(self, name: m.PackageName) -> None:
        self.name = name
        self.interfaces: dict[str, m.InterfaceId] = {}
        self.worlds: dict[str, m.WorldId] = {}


# The owner of a named type, as a hashable key (wit-parser's `TypeOwner`).
_Owner = tuple[str, int]

_UNNAMED_KINDS = (m.ResourceKind, m.RecordKind, m.EnumKind, m.VariantKind, m.FlagsKind)
_KIND_NAMES = {
    m.ResourceKind: "resource",
    m.RecordKind: "record",
    m.EnumKind: "enum",
    m.VariantKind: "variant",
    m.FlagsKind: "flags",
}


def decode_typed(typed: Typed) -> Decoded:
    version = _wit_package_version(typed)
    if version == 1:
        return _Decoder(typed.arena).v1_package(typed)
    if version == 2:
        return _Decoder(typed.arena).v2_package(typed)
    return _Decoder(typed.arena).component(typed)


def _wit_package_version(typed: Typed) -> int | None:
    """1 or 2 when the component is a WIT package encoded in that format: it only exports
    component types (at least one); the format is told by the first export's name
    (`ns:pkg/wit` in the first format, the plain name of a world or interface in the second)."""
    if not typed.externs:
        return None
    for direction, _, item in typed.externs:
        created = item.entity.created
        if direction != "export" or item.entity.kind != "type":
            return None
        if not isinstance(created, TypeId) or created.kind != "component":
            return None
    first = typed.externs[0][1]
    try:
        name = parse_name(first)
    except NameError_:
        return None
    if name.kind == "interface" and name.interface == "wit":
        return 1
    return 2 if name.kind == "label" else None


class _Decoder:
    def __init__(self, arena: Arena) -> None:
        self.arena = arena
        self.resolve = m.Resolve()
        self.foreign: dict[str, _Package] = {}  # keyed by the package's name, in first-seen order
        self.iface_package: dict[m.InterfaceId, int] = {}  # interface id -> its index in `foreign`
        self.named_interfaces: dict[str, m.InterfaceId] = (
            {}
        )  # extern name -> interface defined here
        self.resources: dict[_Owner, dict[str, m.TypeId]] = {}  # owner -> resource name -> type id
        self.type_map: dict[TypeId, m.TypeId] = {}  # component type id -> type id in the Resolve

    # --- entry points --------------------------------------------------------------------------

    def component(self, typed: Typed) -> Decoded:
        resolve = self.resolve
        resolve.worlds.append(m.World("root"))
        world = m.WorldId(len(resolve.worlds) - 1)
        package = _Package(m.PackageName("root", "component"))
        package.worlds["root"] = world
        for direction, name, item in typed.externs:
            if direction == "import":
                self._component_import(name, item, world, package)
            else:
                self._component_export(name, item, world, package)
        return Decoded(resolve, self._finish(package), world)

    def v2_package(self, typed: Typed) -> Decoded:
        name: m.PackageName | None = None
        interfaces: dict[str, m.InterfaceId] = {}
        worlds: dict[str, m.WorldId] = {}
        package = _Package(m.PackageName("", ""))
        package.interfaces, package.worlds = interfaces, worlds
        for _, _, item in typed.externs:
            comp = self.arena.component_of(item.entity.made)
            if len(comp.exports) != 1:
                raise DecodeError(
                    f"Expected a single export, but found {len(comp.exports)} instead"
                )
            ((export_name, export),) = comp.exports.items()
            if export.entity.kind == "component":
                found = self._decode_world(export_name, export, package)
            elif export.entity.kind == "instance":
                found = self._decode_interface(export_name, comp.imports, export, package)
            else:
                raise DecodeError(f"`{export_name}` is not a world or an interface")
            if name is None:
                name = found
            elif name != found:
                raise DecodeError("item defined with mismatched package name")
        assert name is not None
        package.name = name
        return Decoded(self.resolve, self._finish(package), None)

    def v1_package(self, typed: Typed) -> Decoded:
        if len(typed.externs) != 1:
            raise DecodeError("more than one top-level exported component type found")
        _, name, item = typed.externs[0]
        comp = self.arena.component_of(item.entity.made)
        for import_name, imported in comp.imports.items():
            self._with_context(
                f"failed to process import `{import_name}`",
                lambda: self._register_import(import_name, imported),  # noqa: B023 (called here)
            )
        parsed = parse_name(name, item.version_suffix)
        package = _Package(_package_name(parsed))
        for export_name, export in comp.exports.items():
            kind = export.entity.kind
            if kind == "instance":
                self._register_interface(export_name, export, package)
            elif kind == "component":
                self._register_world(export_name, export, package)
            else:
                raise DecodeError(
                    f"component export `{export_name}` is not an instance or component"
                )
        return Decoded(self.resolve, self._finish(package), None)

    @staticmethod
    def _with_context(context: str, run: Callable[[], object]) -> None:
        try:
            run()
        except DecodeError as err:
            raise DecodeError(f"{context}: {err.message}") from None

    # --- components ----------------------------------------------------------------------------

    def _component_import(self, name: str, item: Item, world: m.WorldId, package: _Package) -> None:
        kind = item.entity.kind
        owner = ("world", world)
        entry: m.WorldItem
        key: m.WorldKey = name
        if kind == "instance":
            key, entry = self._world_instance(name, item, package)
        elif kind == "func":
            entry = m.WorldFunction(self._function(name, item, owner))
        elif kind == "type":
            entry = m.WorldType(self._register_type_export(name, item, owner))
        else:
            return  # modules and components: not part of a world
        self.resolve.worlds[world].imports[key] = entry

    def _component_export(self, name: str, item: Item, world: m.WorldId, package: _Package) -> None:
        kind = item.entity.kind
        entry: m.WorldItem
        key: m.WorldKey = name
        if kind == "func":
            entry = m.WorldFunction(self._function(name, item, ("world", world)))
        elif kind == "instance":
            key, entry = self._world_instance(name, item, package)
        else:
            raise DecodeError(f"component export `{name}` was not a function or instance")
        self.resolve.worlds[world].exports[key] = entry

    def _world_instance(
        self, name: str, item: Item, package: _Package
    ) -> tuple[m.WorldKey, m.WorldInterface]:
        key: m.WorldKey
        if item.implements is not None:
            iface = self._register_import(item.implements, item)
            key = name
        else:
            parsed = self._parse(name, item)
            if parsed.kind == "interface":
                iface = self._register_import(name, item)
                key = iface
            else:
                key, iface = self._register_interface(name, item, package)
        return key, m.WorldInterface(iface, external_id=item.external_id)

    def _parse(self, name: str, item: Item | None = None) -> Name:
        try:
            return parse_name(name, None if item is None else item.version_suffix)
        except NameError_ as err:
            raise DecodeError(f"cannot extract item name from: {name}: {err}") from None

    # --- interfaces ----------------------------------------------------------------------------

    def _register_import(self, name: str, item: Item) -> m.InterfaceId:
        """The interface `name` names: one of this package's (whose types this instance must
        match) or one of a foreign package (filled in with what this instance has)."""
        if item.entity.kind != "instance":
            raise DecodeError(f"import `{name}` is not an instance")
        exports = self.arena.instance_of(item.entity.ty).exports
        local = self.named_interfaces.get(name)
        iface = local if local is not None else self._foreign_interface(name, item)
        interface = self.resolve.interfaces[iface]
        owner = ("interface", iface)
        for export_name, export in exports.items():
            kind = export.entity.kind
            if kind == "type":
                known = interface.types.get(export_name)
                if known is not None:
                    # Already there: match the structure so that anonymous types inside it map
                    # to the ones already made (wit-parser's `Registrar`).
                    referenced = export.entity.ty
                    if referenced.kind == "defined":
                        self._register_defined(known, self.arena.defined_of(referenced))
                    created = export.entity.made
                    if created in self.type_map:
                        raise _appears_twice(export_name)
                    self.type_map[created] = known
                    continue
                if local is not None:
                    raise DecodeError(
                        f"instance type export `{export_name}` not defined in interface"
                    )
                interface.types[export_name] = self._register_type_export(
                    export_name, export, owner
                )
            elif kind == "func":
                if export_name in interface.functions:
                    continue
                if local is not None:
                    raise DecodeError(
                        f"instance function export `{export_name}` not defined in interface"
                    )
                interface.functions[export_name] = self._function(export_name, export, owner)
            else:
                raise DecodeError(f"instance type export `{export_name}` is not a type")
        return iface

    def _foreign_interface(self, name: str, item: Item) -> m.InterfaceId:
        parsed = self._parse(name, item)
        if parsed.kind != "interface":
            raise DecodeError(f"package name is not a valid id: {name}")
        pkg_name = _package_name(parsed)
        key = str(pkg_name)
        package = self.foreign.get(key)
        if package is None:
            package = self.foreign[key] = _Package(pkg_name)
        iface = package.interfaces.get(parsed.interface)
        if iface is None:
            self.resolve.interfaces.append(m.Interface(parsed.interface))
            iface = m.InterfaceId(len(self.resolve.interfaces) - 1)
            package.interfaces[parsed.interface] = iface
        self.iface_package[iface] = list(self.foreign).index(key)
        return iface

    def _register_interface(
        self, name: str, item: Item, package: _Package
    ) -> tuple[m.WorldKey, m.InterfaceId]:
        """A new interface from an instance type: named (`ns:pkg/iface`, part of `package`) or
        inline (a plain name)."""
        if name in self.named_interfaces:  # both imported and exported
            iface = self._register_import(name, item)
            return iface, iface
        parsed = self._parse(name)
        if parsed.kind not in ("interface", "label"):
            raise DecodeError(f"cannot extract item name from: {name}")
        iface_name = parsed.interface if parsed.kind == "interface" else None
        interface = m.Interface(iface_name)
        owner = ("interface", len(self.resolve.interfaces))
        exports = self.arena.instance_of(item.entity.ty).exports
        for export_name, export in exports.items():
            kind = export.entity.kind
            if kind == "type":
                interface.types[export_name] = self._register_type_export(
                    export_name, export, owner
                )
            elif kind == "func":
                interface.functions[export_name] = self._function(export_name, export, owner)
            else:
                raise DecodeError(f"instance type export `{export_name}` is not a type or function")
        self.resolve.interfaces.append(interface)
        iface = m.InterfaceId(len(self.resolve.interfaces) - 1)
        if iface_name is None:
            return name, iface
        if iface_name in package.interfaces:
            raise DecodeError(f"duplicate interface added for `{name}`")
        package.interfaces[iface_name] = iface
        self.named_interfaces[name] = iface
        return iface, iface

    # --- WIT packages --------------------------------------------------------------------------

    def _decode_interface(
        self, name: str, imports: dict[str, Item], item: Item, package: _Package
    ) -> m.PackageName:
        parsed = self._parse(name, item)
        if parsed.kind != "interface":
            raise DecodeError("expected world name to be fully qualified")
        for import_name, imported in imports.items():
            self._with_context(
                f"failed to process import `{import_name}`",
                lambda: self._register_import(import_name, imported),  # noqa: B023 (called here)
            )
        self._register_interface(name, item, package)
        return _package_name(parsed)

    def _decode_world(self, name: str, item: Item, package: _Package) -> m.PackageName:
        parsed = self._parse(name, item)
        if parsed.kind != "interface":
            raise DecodeError("expected world name to be fully qualified")
        self._register_world(name, item, package)
        return _package_name(parsed)

    def _register_world(self, name: str, item: Item, package: _Package) -> m.WorldId:
        parsed = self._parse(name)
        if parsed.kind != "interface":
            raise DecodeError("expected world name to have an ID form")
        comp = self.arena.component_of(item.entity.ty)
        world = m.World(parsed.interface)
        owner = ("world", len(self.resolve.worlds))
        for import_name, imported in comp.imports.items():
            kind = imported.entity.kind
            key: m.WorldKey = import_name
            entry: m.WorldItem
            if kind == "instance":
                key, entry = self._world_instance(import_name, imported, package)
            elif kind == "type":
                entry = m.WorldType(self._register_type_export(import_name, imported, owner))
            elif kind == "func":
                entry = m.WorldFunction(self._function(import_name, imported, owner))
            else:
                raise DecodeError(
                    f"component import `{import_name}` is not an instance, func, or type"
                )
            world.imports[key] = entry
        for export_name, exported in comp.exports.items():
            kind = exported.entity.kind
            key = export_name
            if kind == "instance":
                key, entry = self._world_instance(export_name, exported, package)
            elif kind == "func":
                entry = m.WorldFunction(self._function(export_name, exported, owner))
            else:
                raise DecodeError(
                    f"component export `{export_name}` is not an instance or function"
                )
            world.exports[key] = entry
        self.resolve.worlds.append(world)
        wid = m.WorldId(len(self.resolve.worlds) - 1)
        package.worlds[parsed.interface] = wid
        return wid

    # --- types ---------------------------------------------------------------------------------

    def _find_alias(self, ty: TypeId) -> m.TypeId | None:
        """The Resolve type `ty` (or a type it is an alias of, through `(eq T)` chains) became."""
        cur: TypeId | None = ty
        while cur is not None:
            found = self.type_map.get(cur)
            if found is not None:
                return found
            cur = self.arena.peel_alias(cur)
        return None

    def _register_type_export(self, name: str, item: Item, owner: _Owner) -> m.TypeId:
        referenced = item.entity.ty
        created = item.entity.made
        kind: m.TypeDefKind
        prev = self._find_alias(referenced)
        if prev is not None:
            kind = m.AliasKind(prev)
        elif referenced.kind == "defined":
            kind = self._defined_kind(self.arena.defined_of(referenced))
        elif referenced.kind == "resource":
            kind = m.ResourceKind()
        else:
            raise DecodeError(f"type `{name}` is not a value type or a resource")
        types = self.resolve.types
        types.append(m.TypeDef(name, kind, _owner(owner), external_id=item.external_id))
        ty = m.TypeId(len(types) - 1)
        if isinstance(kind, m.ResourceKind):
            self.resources.setdefault(owner, {})[name] = ty
        if created in self.type_map:
            raise _appears_twice(name)
        self.type_map[created] = ty
        return ty

    def _val(self, ty: ValType) -> m.TypeRef:
        if isinstance(ty, str):
            return ty
        known = self.type_map.get(ty)
        if known is not None:
            return known
        kind = self._defined_kind(self.arena.defined_of(ty))
        if isinstance(kind, _UNNAMED_KINDS):
            raise DecodeError(f"unexpected unnamed type of kind '{_KIND_NAMES[type(kind)]}'")
        self.resolve.types.append(m.TypeDef(None, kind, None))
        new = m.TypeId(len(self.resolve.types) - 1)
        self.type_map[ty] = new
        return new

    def _opt(self, ty: ValType | None) -> m.TypeRef | None:
        return None if ty is None else self._val(ty)

    def _defined_kind(self, d: Defined) -> m.TypeDefKind:
        tag = d.tag
        if tag == "prim":
            return m.AliasKind(d.a)
        if tag == "list":
            return m.ListKind(self._val(d.a))
        if tag == "map":
            return m.MapKind(self._val(d.a), self._val(d.b))
        if tag == "fixed-list":
            return m.FixedLengthListKind(self._val(d.a), d.b)
        if tag == "tuple":
            return m.TupleKind(tuple(self._val(t) for t in d.a))
        if tag == "option":
            return m.OptionKind(self._val(d.a))
        if tag == "result":
            ok = self._opt(d.a)
            return m.ResultKind(ok, self._opt(d.b))
        if tag == "record":
            return m.RecordKind(tuple(m.Field(n, self._val(t)) for n, t in d.a))
        if tag == "variant":
            return m.VariantKind(tuple(m.Case(n, self._opt(t)) for n, t in d.a))
        if tag == "flags":
            return m.FlagsKind(tuple(m.Flag(n) for n in d.a))
        if tag == "enum":
            return m.EnumKind(tuple(m.EnumCase(n) for n in d.a))
        if tag in ("own", "borrow"):
            resource = self.type_map.get(d.a)
            if resource is None:
                raise DecodeError(f"a `{tag}` handle of a resource with no name")
            return m.HandleKind(tag, resource)
        if tag == "future":
            return m.FutureKind(self._opt(d.a))
        return m.StreamKind(self._opt(d.a))

    def _function(self, name: str, item: Item, owner: _Owner) -> m.Function:
        if item.entity.kind != "func":
            raise DecodeError(f"`{name}` is not a function")
        fty = self.arena.func_of(item.entity.ty)
        params = [m.Param(pname, self._val(t)) for pname, t in fty.params]
        result = self._opt(fty.result)
        parsed = self._parse(name)
        kind: m.FunctionKind
        if parsed.kind == "label":
            kind = m.FunctionKind("async-freestanding" if fty.is_async else "freestanding")
        elif parsed.kind == "function":
            tag = parsed.func_kind
            if fty.is_async and tag in ("method", "static"):
                tag = f"async-{tag}"
            resource = None
            if parsed.resource is not None:
                resource = self.resources.get(owner, {}).get(parsed.resource)
                if resource is None:
                    raise DecodeError(f"`{name}` names no resource `{parsed.resource}` here")
            kind = m.FunctionKind(tag, resource)
        else:
            raise DecodeError(f"`{name}` is not a valid function name")
        return m.Function(name, kind, params, result, external_id=item.external_id)

    def _register_defined(self, known: m.TypeId, d: Defined) -> None:
        """Walk a type that is already in the Resolve alongside its component type, so the
        anonymous types inside map to the ones already made (wit-parser's `Registrar`)."""
        kind = self.resolve.types[known].kind
        if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
            return  # named elsewhere: nothing anonymous to connect
        tag = d.tag
        pairs: list[tuple[ValType | None, m.TypeRef | None]] = []
        if tag in ("prim", "flags", "enum", "own", "borrow"):
            return
        if tag == "list" and isinstance(kind, m.ListKind):
            pairs = [(d.a, kind.ty)]
        elif tag == "map" and isinstance(kind, m.MapKind):
            pairs = [(d.a, kind.key), (d.b, kind.value)]
        elif tag == "fixed-list" and isinstance(kind, m.FixedLengthListKind) and kind.size == d.b:
            pairs = [(d.a, kind.ty)]
        elif tag == "tuple" and isinstance(kind, m.TupleKind):
            if len(kind.types) != len(d.a):
                raise DecodeError("mismatched number of tuple fields")
            pairs = list(zip(d.a, kind.types))
        elif tag == "option" and isinstance(kind, m.OptionKind):
            pairs = [(d.a, kind.ty)]
        elif tag == "result" and isinstance(kind, m.ResultKind):
            pairs = [(d.a, kind.ok), (d.b, kind.err)]
        elif tag == "record" and isinstance(kind, m.RecordKind):
            if len(kind.fields) != len(d.a):
                raise DecodeError("mismatched number of record fields")
            for (name, t), field in zip(d.a, kind.fields):
                if name != field.name:
                    raise DecodeError("mismatched field order")
                pairs.append((t, field.ty))
        elif tag == "variant" and isinstance(kind, m.VariantKind):
            if len(kind.cases) != len(d.a):
                raise DecodeError("mismatched number of variant cases")
            for (name, t), case in zip(d.a, kind.cases):
                if name != case.name:
                    raise DecodeError("mismatched case order")
                pairs.append((t, case.ty))
        elif tag in ("future", "stream") and isinstance(kind, (m.FutureKind, m.StreamKind)):
            pairs = [(d.a, kind.ty)]
        else:
            raise DecodeError(f"expected a {tag}")
        for wasm, wit in pairs:
            if (wasm is None) != (wit is None):
                raise DecodeError(f"disagreement on {tag} structure")
            if wasm is None or isinstance(wasm, str):
                continue
            if not isinstance(wit, int):
                raise DecodeError("expected id-based type")
            prev = self.type_map.get(wasm)
            self.type_map[wasm] = wit  # replaces, as wit-parser's does
            if prev is None:
                self._register_defined(wit, self.arena.defined_of(wasm))

    # --- packages ------------------------------------------------------------------------------

    def _finish(self, main: _Package) -> m.PackageId:
        """Add the foreign packages, dependencies first, then `main`; returns `main`'s id."""
        order: list[int] = []
        packages = list(self.foreign.values())
        for i in range(len(packages)):
            self._visit(i, packages, order)
        for i in order:
            self._insert(packages[i])
        return self._insert(main)

    def _visit(self, i: int, packages: list[_Package], order: list[int]) -> None:
        if i in order:
            return
        package = packages[i]
        ifaces = list(package.interfaces.values())
        for wid in package.worlds.values():
            world = self.resolve.worlds[wid]
            for entry in (*world.imports.values(), *world.exports.values()):
                if isinstance(entry, m.WorldInterface):
                    ifaces.append(entry.id)
        for iface in ifaces:
            for dep in self._direct_deps(iface):
                dep_index = self.iface_package.get(dep)
                if dep_index is not None and dep_index != i:
                    self._visit(dep_index, packages, order)
        order.append(i)

    def _direct_deps(self, iface: m.InterfaceId) -> list[m.InterfaceId]:
        """The interfaces whose types `iface`'s types alias (its `use`s)."""
        types = self.resolve.types
        deps = []
        for ty in self.resolve.interfaces[iface].types.values():
            kind = types[ty].kind
            if isinstance(kind, m.AliasKind) and isinstance(kind.ty, int):
                other = types[kind.ty].owner
                if other != types[ty].owner and isinstance(other, m.OwnerInterface):
                    deps.append(other.id)
        return deps

    def _insert(self, package: _Package) -> m.PackageId:
        resolve = self.resolve
        pid = resolve.package_names.get(package.name)
        if pid is None:
            resolve.packages.append(m.Package(package.name))
            pid = m.PackageId(len(resolve.packages) - 1)
            resolve.package_names[package.name] = pid
        target = resolve.packages[pid]
        for name, iface in package.interfaces.items():
            target.interfaces[name] = iface
            resolve.interfaces[iface].package = pid
        for name, wid in package.worlds.items():
            target.worlds[name] = wid
            world = resolve.worlds[wid]
            world.package = pid
            for key, entry in (*world.imports.items(), *world.exports.items()):
                if isinstance(key, str) and isinstance(entry, m.WorldInterface):
                    inline = resolve.interfaces[entry.id]
                    if inline.name is None:
                        inline.package = pid
        return pid


def _package_name(name: Name) -> m.PackageName:
    return m.PackageName(name.namespace, name.package, name.version)


def _owner(owner: _Owner) -> m.TypeOwner:
    kind, oid = owner
    return m.OwnerWorld(m.WorldId(oid)) if kind == "world" else m.OwnerInterface(m.InterfaceId(oid))


def _appears_twice(name: str) -> DecodeError:
    return DecodeError(
        f"cannot represent this component in WIT: the type `{name}` appears more than once (for"
        " example, when an imported instance is re-exported under a new name)"
    )
