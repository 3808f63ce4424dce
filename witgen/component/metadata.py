"""Docs and feature gates of a decoded package, from its `package-docs` custom section (stage 3).

In: the bytes of the section and the decoded `Resolve`. Out: the same `Resolve` with the docs and
stability of the main package's items filled in.

The binary format has no place for docs or `@since`/`@unstable` gates, so wit-component writes
them into a custom section named `package-docs`: a version byte (0 or 1), then JSON
(wit-parser's `metadata.rs`, `PackageMetadata`):

    {"docs": ..., "worlds": {name: World}, "interfaces": {name: Interface}}
    World: docs, stability, "interfaces" (inline interfaces imported, or exported when no import
      has the name), "interface_exports" (the other exported ones), "types", "funcs" and
      "func_exports" (the same split for functions), "interface_import_stability",
      "interface_export_stability", "interface_import_docs", "interface_export_docs" (for
      interfaces imported or exported by name, keyed by their name in the world)
    Interface: docs, stability, "funcs" {name: Function}, "types" {name: Type}
    Function: a string (the docs, in version 0) or {docs, stability}
    Type: docs, stability, "items" {field/case/flag name: docs}
    stability: {"stable": {"since": v, "deprecated": v?}} or {"unstable": {"feature": f, ...}}

Every key is optional; an unknown key, or a name the package does not have, is an error.
"""

from __future__ import annotations

import json
from typing import Any

from witgen.component.decode import DecodeError
from witgen.resolve import model as m

SECTION_NAME = "package-docs"


def inject(data: bytes, resolve: m.Resolve, package: int) -> None:
    if not data or data[0] not in (0, 1):
        version = data[0] if data else None
        raise DecodeError(f"expected package-docs version 1, got {version}")
    try:
        meta = json.loads(data[1:].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise DecodeError(f"the package-docs section is not valid JSON: {err}") from None
    try:
        _package(_obj(meta, ("docs", "worlds", "interfaces")), resolve, package)
    except (TypeError, ValueError) as err:
        raise DecodeError(f"bad package-docs section: {err}") from None


def _obj(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, found {json.dumps(value)}")
    unknown = [k for k in value if k not in keys]
    if unknown:
        raise ValueError(f"unknown field `{unknown[0]}`")
    return value


def _docs(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("docs must be a string")
    return value


def _stability(value: Any) -> m.Stability:
    if value is None or value == "unknown":
        return None
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "stable":
            inner = _obj(inner, ("since", "deprecated"))
            return m.Stable(inner["since"], inner.get("deprecated"))
        if tag == "unstable":
            inner = _obj(inner, ("feature", "deprecated"))
            return m.Unstable(inner["feature"], inner.get("deprecated"))
    raise ValueError(f"bad stability {json.dumps(value)}")


def _package(meta: dict[str, Any], resolve: m.Resolve, package: int) -> None:
    pkg = resolve.packages[package]
    for name, data in meta.get("worlds", {}).items():
        wid = pkg.worlds.get(name)
        if wid is None:
            raise ValueError(f"missing world {json.dumps(name)}")
        _world(data, resolve, wid)
    for name, data in meta.get("interfaces", {}).items():
        iid = pkg.interfaces.get(name)
        if iid is None:
            raise ValueError(f"missing interface {json.dumps(name)}")
        _interface(data, resolve, iid)
    if meta.get("docs") is not None:
        pkg.docs = _docs(meta["docs"])


_WORLD_KEYS = (
    "docs",
    "stability",
    "interfaces",
    "types",
    "funcs",
    "interface_exports",
    "func_exports",
    "interface_import_stability",
    "interface_export_stability",
    "interface_import_docs",
    "interface_export_docs",
)


def _world(data: Any, resolve: m.Resolve, wid: int) -> None:
    meta = _obj(data, _WORLD_KEYS)
    world = resolve.worlds[wid]
    # inline (kebab-named) interfaces: imports, or exports when no import has the name
    for (name, idata), only_export in [
        *((p, False) for p in meta.get("interfaces", {}).items()),
        *((p, True) for p in meta.get("interface_exports", {}).items()),
    ]:
        entry = world.exports.get(name) if only_export else _import_or_export(world, name)
        if not isinstance(entry, m.WorldInterface):
            raise ValueError(f"missing interface {json.dumps(name)}")
        entry.stability = _stability(_obj(idata, _INTERFACE_KEYS).get("stability"))
        _interface(idata, resolve, entry.id)
    for name, tdata in meta.get("types", {}).items():
        entry = world.imports.get(name)
        if not isinstance(entry, m.WorldType):
            raise ValueError(f"missing type {json.dumps(name)}")
        _type(tdata, resolve, entry.id)
    # interfaces imported or exported by their id (`import wasi:io/poll;`), keyed by that id
    keys: dict[tuple[str, bool], m.WorldKey] = {}
    for items, imported in ((world.imports, True), (world.exports, False)):
        for key, entry in items.items():
            if isinstance(entry, m.WorldInterface):
                keys[(_world_key_name(resolve, key), imported)] = key
    for field, imported, attr in (
        ("interface_import_stability", True, "stability"),
        ("interface_export_stability", False, "stability"),
        ("interface_import_docs", True, "docs"),
        ("interface_export_docs", False, "docs"),
    ):
        for name, value in meta.get(field, {}).items():
            found = keys.get((name, imported))
            if found is None:
                raise ValueError(f"missing interface `{name}`")
            entry = (world.imports if imported else world.exports)[found]
            assert isinstance(entry, m.WorldInterface)
            if attr == "stability":
                entry.stability = _stability(value)
            else:
                entry.docs = _docs(value)
    for (name, fdata), only_export in [
        *((p, False) for p in meta.get("funcs", {}).items()),
        *((p, True) for p in meta.get("func_exports", {}).items()),
    ]:
        entry = world.exports.get(name) if only_export else _import_or_export(world, name)
        if not isinstance(entry, m.WorldFunction):
            raise ValueError(f"missing func {json.dumps(name)}")
        _function(fdata, entry.func)
    if meta.get("docs") is not None:
        world.docs = _docs(meta["docs"])
    world.stability = _stability(meta.get("stability"))


def _import_or_export(world: m.World, name: str) -> m.WorldItem | None:
    entry = world.imports.get(name)
    return entry if entry is not None else world.exports.get(name)


def _world_key_name(resolve: m.Resolve, key: m.WorldKey) -> str:
    """wit-parser's `name_world_key`: a plain name, or the interface's `ns:pkg/name@version`."""
    if isinstance(key, str):
        return key
    iface = resolve.interfaces[key]
    assert iface.package is not None and iface.name is not None
    pkg = resolve.packages[iface.package].name
    version = f"@{pkg.version}" if pkg.version is not None else ""
    return f"{pkg.namespace}:{pkg.name}/{iface.name}{version}"


_INTERFACE_KEYS = ("docs", "stability", "funcs", "types")


def _interface(data: Any, resolve: m.Resolve, iid: int) -> None:
    meta = _obj(data, _INTERFACE_KEYS)
    iface = resolve.interfaces[iid]
    for name, tdata in meta.get("types", {}).items():
        ty = iface.types.get(name)
        if ty is None:
            raise ValueError(f"missing type {json.dumps(name)}")
        _type(tdata, resolve, ty)
    for name, fdata in meta.get("funcs", {}).items():
        func = iface.functions.get(name)
        if func is None:
            raise ValueError(f"missing func {json.dumps(name)}")
        _function(fdata, func)
    if meta.get("docs") is not None:
        iface.docs = _docs(meta["docs"])
    iface.stability = _stability(meta.get("stability"))


def _function(data: Any, func: m.Function) -> None:
    if data is None or isinstance(data, str):  # the version-0 form: just the docs
        func.docs = data
        return
    meta = _obj(data, ("docs", "stability"))
    func.docs = _docs(meta.get("docs"))
    func.stability = _stability(meta.get("stability"))


def _type(data: Any, resolve: m.Resolve, tid: int) -> None:
    meta = _obj(data, ("docs", "stability", "items"))
    ty = resolve.types[tid]
    items = meta.get("items", {})
    if items:
        kind = ty.kind
        if isinstance(kind, m.RecordKind):
            kind.fields = _with_docs(kind.fields, items)
        elif isinstance(kind, m.FlagsKind):
            kind.flags = _with_docs(kind.flags, items)
        elif isinstance(kind, m.VariantKind):
            kind.cases = _with_docs(kind.cases, items)
        elif isinstance(kind, m.EnumKind):
            kind.cases = _with_docs(kind.cases, items)
        else:
            raise ValueError(f"got 'items' for a type that has none ({ty.name})")
    if meta.get("docs") is not None:
        ty.docs = _docs(meta["docs"])
    ty.stability = _stability(meta.get("stability"))


def _with_docs(parts: tuple[Any, ...], items: dict[str, Any]) -> tuple[Any, ...]:
    used = 0
    out = []
    for part in parts:
        docs = items.get(part.name)
        if docs is not None:
            used += 1
            part = type(part)(**{**_fields(part), "docs": _docs(docs)})
        out.append(part)
    if used != len(items):
        raise ValueError("not all 'items' match the type's items")
    return tuple(out)


def _fields(part: Any) -> dict[str, Any]:
    return {name: getattr(part, name) for name in part.__slots__}
