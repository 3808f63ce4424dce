"""Import and export names of components: what kind of name each one is (stage 2 helper).

In: a name as it appears in a component (`wasi:io/streams@0.2.0`, `run`, `[method]blob.read`,
`[static][get]blob.max-size`). Out: a `Name` saying what it names: an interface (with its
package's namespace, name and version), a plain label, or a function of a resource (its resource
and the WIT function kind).

The grammar is the component model's `importname`/`exportname` (Explainer.md), as wasmparser's
`ComponentName` reads it (crates/wasmparser/src/validator/names.rs), with wasm-tools 1.262's
accessor names (`[get]x`, `[set]x`, `[method][get]r.x`, `[static][set]r.x`) for WIT getters and
setters. Names are not validated beyond telling them apart: the decoder only asks what kind each is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# semver's `Version` (what `@1.2.3-rc.1+build` must be): no leading zeros in numbers
_NUM = r"(?:0|[1-9][0-9]*)"
_IDENT = r"[0-9A-Za-z-]+"
SEMVER = re.compile(
    rf"{_NUM}\.{_NUM}\.{_NUM}(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+{_IDENT}(?:\.{_IDENT})*)?\Z"
)

# The prefixes of resource functions and accessors, and the WIT function kind each gives
# (`FunctionKind`'s JSON names; `async` ones are told by the function type, not the name).
_RESOURCE_PREFIXES = (
    ("[constructor]", "constructor"),
    ("[method][get]", "method-getter"),
    ("[method][set]", "method-setter"),
    ("[static][get]", "static-getter"),
    ("[static][set]", "static-setter"),
    ("[method]", "method"),
    ("[static]", "static"),
)
_WORLD_ACCESSORS = (("[get]", "getter"), ("[set]", "setter"))
# Names of other kinds, which can name imports but never WIT items.
_OTHER_PREFIXES = ("unlocked-dep=", "locked-dep=", "url=", "integrity=")


class Name(NamedTuple):
    """`kind`: `interface`, `label`, `function` (a resource function or an accessor) or `other`.
    For an interface: `namespace`, `package`, `interface` and `version` (None when unversioned).
    For a function: `func_kind` (constructor, method, static, getter, setter, method-getter, ...)
    and `resource` (None for world and interface accessors)."""

    kind: str
    namespace: str = ""
    package: str = ""
    interface: str = ""
    version: str | None = None
    func_kind: str = ""
    resource: str | None = None


class NameError_(ValueError):
    """A name the decoder cannot use (for example an interface name with a bad version)."""


def parse_name(name: str, version_suffix: str | None = None) -> Name:
    for prefix, kind in _RESOURCE_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            resource = rest if kind == "constructor" else rest.partition(".")[0]
            return Name("function", func_kind=kind, resource=resource)
    for prefix, kind in _WORLD_ACCESSORS:
        if name.startswith(prefix):
            return Name("function", func_kind=kind)
    if name.startswith(_OTHER_PREFIXES):
        return Name("other")
    if ":" in name and "/" in name:
        return _interface(name, version_suffix)
    return Name("label")


def _interface(name: str, version_suffix: str | None) -> Name:
    path, at, version = name.partition("@")
    colon = path.rfind(":")
    slash = path.find("/")
    if colon < 0 or slash < colon:
        raise NameError_(f"`{name}` is not a valid interface name")
    projection = path[slash + 1 :]
    parsed: str | None = None
    if at:
        parsed = version + (version_suffix or "")
        if not SEMVER.match(parsed):
            raise NameError_(f"invalid interface version `{parsed}` in `{name}`")
    return Name(
        "interface",
        namespace=path[:colon],
        package=path[colon + 1 : slash],
        interface=projection.partition("/")[0],
        version=parsed,
    )
