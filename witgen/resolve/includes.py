"""Stage 3, world includes: the items of an included world merged into the including one.

wit-parser's `Resolve::resolve_include` and the checks that follow it: plain names are renamed by
`include ... with { a as b }` and copied (the types a world owns are cloned, `witgen.resolve.clone`)
and must not clash; interfaces are merged by id, their gates reconciled; afterwards every setter
needs its getter, names must still be strongly unique, and setters follow their getters.
"""

from __future__ import annotations

import copy

from witgen.errors import WitError
from witgen.resolve import model as m
from witgen.resolve.clone import Cloner
from witgen.resolve.names import getter_of, name_key, setters_after_getters


def include_world(
    resolve: m.Resolve, wid: m.WorldId, src_id: m.WorldId, inc: m.WorldInclude, pkg: m.PackageId
) -> None:
    """Merge world `src_id`'s items into world `wid` (wit-parser's `resolve_include`)."""
    world = resolve.worlds[wid]
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
        for item in items.values():
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
