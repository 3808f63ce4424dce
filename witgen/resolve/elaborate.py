"""Stage 3, world elaboration: the interfaces a world's items depend on, added as imports.

wit-parser's `Resolve::elaborate_world` (resolve/mod.rs): after a world's includes are merged, every
interface its imports use (through `use`d types) is imported too, inserted before the item that
needs it, and the interfaces its exports depend on are imported unless they are exported too; an
import that depends on an export is an error. The order of the result is the JSON's order.
"""

from __future__ import annotations

from typing import assert_never

from witgen.errors import Span, WitError
from witgen.resolve import model as m


class Elaborator:
    """Elaborates the worlds of one `Resolve` as packages are merged into it."""

    def __init__(self, resolve: m.Resolve) -> None:
        self.resolve = resolve
        # Interface dependencies, memoized: an interface's types never change once it is added,
        # and elaboration asks for the same interfaces many times over.
        self._deps: dict[m.InterfaceId, list[m.InterfaceId]] = {}

    def type_interface_dep(self, tid: m.TypeId) -> m.InterfaceId | None:
        ty = self.resolve.types[tid]
        if not (isinstance(ty.kind, m.AliasKind) and isinstance(ty.kind.ty, int)):
            return None
        other = self.resolve.types[ty.kind.ty]
        if ty.owner == other.owner:
            return None
        assert isinstance(other.owner, m.OwnerInterface)
        return other.owner.id

    def interface_direct_deps(self, iid: m.InterfaceId) -> list[m.InterfaceId]:
        deps = self._deps.get(iid)
        if deps is None:
            deps = self._deps[iid] = []
            for tid in self.resolve.interfaces[iid].types.values():
                dep = self.type_interface_dep(tid)
                if dep is not None:
                    deps.append(dep)
        return deps

    def import_sort_key(self, item: m.WorldItem) -> int:
        """wit-parser's order of a world's imports: interfaces, types `use`d from interfaces,
        the world's own types, freestanding functions, then resources' functions."""
        match item:
            case m.WorldInterface():
                return 0
            case m.WorldType():
                return 1 if self.type_interface_dep(item.id) is not None else 2
            case m.WorldFunction():
                return 3 if item.func.kind.resource is None else 4
            case _:
                assert_never(item)

    def elaborate_world(self, wid: m.WorldId, span: Span | None) -> None:
        """Add every interface the world's items depend on as an import (wit-parser order)."""
        world = self.resolve.worlds[wid]
        new_imports: dict[m.WorldKey, m.WorldItem] = {}
        for key, item in sorted(world.imports.items(), key=lambda kv: self.import_sort_key(kv[1])):
            match item:
                case m.WorldInterface():
                    self.elaborate_import(
                        new_imports, key, item.id, item.stability, item.docs, item.external_id
                    )
                case m.WorldFunction():
                    new_imports[key] = item
                case m.WorldType():
                    dep = self.type_interface_dep(item.id)
                    if dep is not None:
                        stab = self.resolve.types[item.id].stability
                        self.elaborate_import(new_imports, dep, dep, stab, None, None)
                    new_imports[key] = item
                case _:
                    assert_never(item)

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
        iid: m.InterfaceId,
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
                if dep not in imports:  # (what is imported stays imported: skipped when popped)
                    stack.append((dep, m.WorldInterface(dep, stability=stab), False))

    def elaborate_exports(
        self,
        export_ifaces: dict[m.WorldKey, m.WorldInterface],
        imports: dict[m.WorldKey, m.WorldItem],
        exports: dict[m.WorldKey, m.WorldItem],
        span: Span | None,
    ) -> None:
        required: set[m.InterfaceId] = set()

        def add(key: m.WorldKey, item: m.WorldInterface, add_export: bool) -> bool:
            """wit-parser's recursive `add` (in `elaborate_world_exports`), run on a stack of
            frames (key, item, add_export, dependencies, how many were entered) so that its
            depth is not Python's: a call's answer is `result` once its frame is popped."""
            frames: list[tuple[m.WorldKey, m.WorldInterface, bool, list[m.InterfaceId], int]] = []

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
                    dep_export = add_export and dep in export_ifaces
                    # `enter`'s two early answers first, so that no item is made for them
                    if dep in exports:
                        result = dep_export
                    elif not dep_export and dep in required:
                        result = True
                    else:
                        dep_item = m.WorldInterface(
                            dep, stability=item.stability, external_id=item.external_id
                        )
                        result = enter(dep, dep_item, dep_export)
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
