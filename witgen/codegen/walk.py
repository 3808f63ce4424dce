"""One walk over a world (code generation): imports first, then exports, in WIT order.

In: a `Resolve` and a world id. Out: a `WorldWalk` listing what every generator needs: the world's
own functions and types, and every interface it touches (imported, exported, or both) with the
name the component uses for it (`host`, `wasi:http/types@0.2.0`). wit-parser's elaboration puts
every interface that a world's items depend on into its imports, so walking the imports reaches
every interface whose types the bindings use. Like wit-bindgen's `WorldGenerator::generate`,
this is the only place that iterates over a world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.resolve import model as m


@dataclass
class InterfaceUse:
    """An interface as one world uses it."""

    id: int
    interface: m.Interface
    instance_name: str  # the component-level name: a plain key or `ns:pkg/name@version`
    package: m.PackageName | None
    imported: bool = False
    exported: bool = False

    @property
    def provided_by_wasi(self) -> bool:
        # wasmtime's `add_wasip2` defines every `wasi:*` interface of WASI 0.2; the host does not.
        return self.package is not None and self.package.namespace == "wasi"


@dataclass
class WorldWalk:
    world_id: int
    world: m.World
    import_funcs: list[m.Function] = field(default_factory=list)
    export_funcs: list[m.Function] = field(default_factory=list)
    types: list[m.TypeId] = field(default_factory=list)  # world-level TypeDef ids
    interfaces: list[InterfaceUse] = field(default_factory=list)  # imports first, then exports


def instance_name(resolve: m.Resolve, key: m.WorldKey) -> str:
    """The name a component uses for the world item `key` (wit-parser's `Resolve::name_world_key`)."""
    if isinstance(key, str):
        return key
    iface = resolve.interfaces[key]
    if iface.package is None or iface.name is None:
        raise ValueError(f"interface {key} has an id key but no package or name")
    pkg = resolve.packages[iface.package].name
    version = f"@{pkg.version}" if pkg.version is not None else ""
    return f"{pkg.namespace}:{pkg.name}/{iface.name}{version}"


def walk_world(resolve: m.Resolve, world_id: int) -> WorldWalk:
    world = resolve.worlds[world_id]
    out = WorldWalk(world_id, world)
    uses: dict[int, InterfaceUse] = {}
    for exported, items in ((False, world.imports), (True, world.exports)):
        for key, item in items.items():
            if isinstance(item, m.WorldFunction):
                (out.export_funcs if exported else out.import_funcs).append(item.func)
            elif isinstance(item, m.WorldType):
                out.types.append(item.id)
            else:
                use = uses.get(item.id)
                if use is None:
                    iface = resolve.interfaces[item.id]
                    package = None
                    if isinstance(key, int) and iface.package is not None:
                        package = resolve.packages[iface.package].name
                    use = InterfaceUse(item.id, iface, instance_name(resolve, key), package)
                    uses[item.id] = use
                    out.interfaces.append(use)
                if exported:
                    use.exported = True
                else:
                    use.imported = True
    return out
