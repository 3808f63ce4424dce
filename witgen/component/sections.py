"""The syntax of a component's sections, as `section_reader` produces it (stage 1's output).

Section ids, the byte codes of primitive value types and of sorts (Binary.md), and one small tuple
type per item a section holds; `witgen.component.typecheck` reads these.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Union

from witgen.component.preamble import WASM_MAGIC

COMPONENT_HEADER = WASM_MAGIC + b"\x0d\x00\x01\x00"
MODULE_HEADER = WASM_MAGIC + b"\x01\x00\x00\x00"

# Section ids of a component (Binary.md).
CUSTOM = 0
CORE_MODULE = 1
CORE_INSTANCE = 2
CORE_TYPE = 3
COMPONENT = 4
INSTANCE = 5
ALIAS = 6
TYPE = 7
CANON = 8
START = 9
IMPORT = 10
EXPORT = 11
VALUE = 12

PRIMITIVES = {
    0x7F: "bool",
    0x7E: "s8",
    0x7D: "u8",
    0x7C: "s16",
    0x7B: "u16",
    0x7A: "s32",
    0x79: "u32",
    0x78: "s64",
    0x77: "u64",
    0x76: "f32",
    0x75: "f64",
    0x74: "char",
    0x73: "string",
    0x64: "error-context",
}

# `sort` bytes of imports, exports, aliases and instantiation arguments (0x00 0x11 is a core
# module; the other core sorts only appear behind 0x00 in aliases).
SORTS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}


# --- syntax --------------------------------------------------------------------------------
# Type indices are plain ints; a value type is a primitive's WIT name (str) or a type index.

ValType = Union[str, int]


class ExternName(NamedTuple):
    """An import or export name with its options (the `0x02` form: `implements`, ...)."""

    name: str
    implements: str | None = None
    version_suffix: str | None = None
    external_id: str | None = None


class TypeRef(NamedTuple):
    """`externdesc`: what an import or an export is. `kind` is a sort name, or `type-eq` /
    `type-sub-resource` for the two type bounds; `target` is a type index (a core type index for
    a module), or the value type for `value`."""

    kind: str
    target: ValType | None


# Defined value types: (tag, ...) tuples; tags as WIT spells them.
class Defined(NamedTuple):
    tag: str  # prim record variant list map fixed-list tuple flags enum option result own ...
    a: Any = None
    b: Any = None


class FuncType(NamedTuple):
    is_async: bool
    params: tuple[tuple[str, ValType], ...]
    result: ValType | None


class ResourceType(NamedTuple):
    rep: int
    dtor: int | None


class Decl(NamedTuple):
    """One declaration of an instance or component type: `what` is `type`, `alias`, `export`,
    `import` or `core-type` (stepped over); `item` its syntax; `offset` where it starts."""

    what: str
    item: Any
    offset: int


class ComponentTypeDef(NamedTuple):
    decls: tuple[Decl, ...]


class InstanceTypeDef(NamedTuple):
    decls: tuple[Decl, ...]


TypeDef = Union[Defined, FuncType, ComponentTypeDef, InstanceTypeDef, ResourceType]


class InstanceExportAlias(NamedTuple):
    """An alias of an export of a component instance."""

    sort: str
    instance: int
    name: str


class OuterAlias(NamedTuple):
    """An alias of an item of an enclosing component or type: `sort` is `type`, `component`,
    `core-type` or `core-module`."""

    sort: str
    outward: int  # how many enclosing components or types out (0: this one)
    item: int  # its index there


class CoreAlias(NamedTuple):
    """An alias of an export of a core instance: no WIT type can refer to it."""


Alias = Union[InstanceExportAlias, OuterAlias, CoreAlias]


class Export(NamedTuple):
    name: ExternName
    sort: str  # a sort name, `module` for a core module
    item: int  # its index in the sort's index space
    ascribed: TypeRef | None


class Extern(NamedTuple):
    """An import (of the import section or of a component type) or an export declared by an
    instance or component type: a name and what it is."""

    name: ExternName
    ref: TypeRef


class Instantiate(NamedTuple):
    component: int
    args: tuple[tuple[str, str, int], ...]  # (name, sort, index)


class FromExports(NamedTuple):
    exports: tuple[Export, ...]


class Lift(NamedTuple):
    type_index: int


class Section(NamedTuple):
    """One section: `id` (see the constants above), its items, and where it starts. The items
    of a vector section are (offset, item) pairs; a nested component's `items` is its own list
    of sections; a custom section's is its name and the range of its data; a core module's, the
    same for each of its custom sections."""

    id: int
    items: Any
    offset: int
