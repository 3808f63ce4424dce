"""Stage 1 of reading a component: its bytes to the syntax of the sections that carry types.

In: the bytes of a component (the binary format of the component model's Binary.md, layer 1,
version 0xd). Out: `Section`s in file order, each the syntax of one section as small tuples
(`witgen.component.sections`), with the byte offset of every item for error messages.

What is read, and what is stepped over:
* type, import, export, alias, instance and component sections are read whole (a nested
  component's sections are read by the same function, recursively);
* `canon` sections are read to count `canon lift`s (each one adds a component function with a
  type); every other canonical built-in only adds core functions, which no WIT type mentions;
* core modules, core instances and core type sections are stepped over by their size, never
  parsed, which is what makes an 18 MB componentize-py plugin fast to read; the one thing taken
  from a core module is the names of its custom sections (wit-component reads a `package-docs`
  section wherever it is);
* core types inside instance or component types (`(core type ...)` declarations) are read only far
  enough to step over them (`skip_core_types`).
The binary encodings follow wasmparser's readers (crates/wasmparser/src/readers/component/*.rs).
Anything this reader does not know (a section id, an opcode) is a `BinaryError` at its offset,
never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from witgen.component.byte_reader import Reader
from witgen.component.sections import (
    ALIAS,
    CANON,
    COMPONENT,
    COMPONENT_HEADER,
    CORE_INSTANCE,
    CORE_MODULE,
    CORE_TYPE,
    CUSTOM,
    EXPORT,
    IMPORT,
    INSTANCE,
    MODULE_HEADER,
    PRIMITIVES,
    SORTS,
    START,
    TYPE,
    VALUE,
    Alias,
    ComponentTypeDef,
    CoreAlias,
    Decl,
    Defined,
    Export,
    Extern,
    ExternName,
    FromExports,
    FuncType,
    InstanceExportAlias,
    InstanceTypeDef,
    Instantiate,
    Lift,
    OuterAlias,
    ResourceType,
    Section,
    TypeDef,
    TypeRef,
    ValType,
)
from witgen.component.skip_core_types import skip_core_type

# --- reading -------------------------------------------------------------------------------


def read_component(data: bytes, pos: int = 0, end: int | None = None) -> list[Section]:
    """The sections of the component at `data[pos:end]` (header included)."""
    r = Reader(data, pos, end)
    header = data[pos : pos + 8]
    if len(header) < 8 or r.end - pos < 8:
        raise r.error("unexpected end of the input: no complete component header")
    if header != COMPONENT_HEADER:
        raise r.error("not a component: unknown binary version or layer", pos + 4)
    r.pos = pos + 8
    sections: list[Section] = []
    while not r.eof():
        offset = r.pos
        section_id = r.u8()
        start = _section_start(r, section_id, offset)
        body = Reader(data, start, r.pos)
        sections.append(Section(section_id, _section(section_id, body, offset), offset))
        if not body.eof() and section_id not in (CUSTOM, CORE_MODULE, COMPONENT):
            raise body.error("unexpected content at the end of the section")
    return sections


def _section_start(r: Reader, section_id: int, offset: int) -> int:
    """Read a section's size and step over its body; returns where the body starts."""
    size = r.u32()
    if size > r.end - r.pos:
        raise r.error(
            f"the section (id {section_id}, {size} bytes) runs past the end of the input", offset
        )
    return r.take(size)


def _section(section_id: int, r: Reader, offset: int) -> object:
    if section_id == CUSTOM:
        return _custom(r)
    if section_id == CORE_MODULE:
        return custom_sections_of_module(r.data, r.pos, r.end)
    if section_id in (CORE_INSTANCE, CORE_TYPE):
        r.pos = r.end  # core items: no WIT type refers to them
        return None
    if section_id == COMPONENT:
        return read_component(r.data, r.pos, r.end)
    if section_id == TYPE:
        return _items(r, "type", _type_def)
    if section_id == IMPORT:
        return _items(r, "import", lambda r: Extern(_extern_name(r), _type_ref(r)))
    if section_id == EXPORT:
        return _items(r, "export", _export)
    if section_id == ALIAS:
        return _items(r, "alias", _alias)
    if section_id == INSTANCE:
        return _items(r, "instance", _instance)
    if section_id == CANON:
        return _items(r, "canonical function", _canon)
    if section_id == START:
        raise r.error("component start functions (and component values) are not supported", offset)
    if section_id == VALUE:
        raise r.error("component values are not supported", offset)
    raise r.error(f"unknown section id {section_id}", offset)


T = TypeVar("T")


def _items(r: Reader, what: str, read: Callable[[Reader], T]) -> list[tuple[int, T]]:
    """A section's vector of items, each with the offset it starts at (for error messages)."""
    out = []
    for _ in range(r.count(what)):
        offset = r.pos
        out.append((offset, read(r)))
    return out


def _custom(r: Reader) -> tuple[str, int, int]:
    name = r.string()
    start = r.pos
    r.pos = r.end
    return (name, start, r.end)


def custom_sections_of_module(data: bytes, pos: int, end: int) -> list[tuple[str, int, int]]:
    """The custom sections (name, data start, data end) of the core module at `data[pos:end]`,
    found by stepping from section header to section header."""
    r = Reader(data, pos, end)
    if data[pos : pos + 8] != MODULE_HEADER:
        raise r.error("not a core module header inside a component", pos)
    r.pos = pos + 8
    found = []
    while not r.eof():
        offset = r.pos
        section_id = r.u8()
        start = _section_start(r, section_id, offset)
        if section_id == CUSTOM:
            found.append(_custom(Reader(data, start, r.pos)))
    return found


def _sort(r: Reader) -> str:
    offset = r.pos
    b = r.u8()
    if b == 0x00:
        b2 = r.u8()
        if b2 == 0x11:
            return "module"
        raise r.invalid(b2, "component external kind", offset + 1)
    sort = SORTS.get(b)
    if sort is None:
        raise r.invalid(b, "component external kind", offset)
    return sort


def _extern_name(r: Reader) -> ExternName:
    b = r.u8()
    if b in (0x00, 0x01):  # 0x01: the old "interface name" discriminant, still accepted
        return ExternName(r.string())
    if b != 0x02:
        raise r.invalid(b, "component name")
    name = r.string()
    options: dict[int, str] = {}
    for _ in range(r.count("name option")):
        offset = r.pos
        opt = r.u8()
        if opt not in (0x00, 0x01, 0x02):
            raise r.invalid(opt, "name option")
        if opt in options:
            what = ("implements", "versionsuffix", "external-id")[opt]
            raise r.error(f"duplicate '{what}' option in name", offset)
        options[opt] = r.string()
    return ExternName(name, options.get(0x00), options.get(0x01), options.get(0x02))


def _val_type(r: Reader) -> ValType:
    b = r.peek()
    prim = PRIMITIVES.get(b)
    if prim is not None:
        r.pos += 1
        return prim
    offset = r.pos
    index = r.s33()
    if index < 0:
        raise r.error("invalid value type", offset)
    return index


def _opt_val_type(r: Reader) -> ValType | None:
    b = r.u8()
    if b == 0x00:
        return None
    if b == 0x01:
        return _val_type(r)
    raise r.invalid(b, "optional component value type")


def _type_ref(r: Reader) -> TypeRef:
    sort = _sort(r)
    if sort == "value":
        return TypeRef("value", _val_type(r))
    if sort == "type":
        b = r.u8()
        if b == 0x00:
            return TypeRef("type-eq", r.u32())
        if b == 0x01:
            return TypeRef("type-sub-resource", None)
        raise r.invalid(b, "type bound")
    return TypeRef(sort, r.u32())


def _export(r: Reader) -> Export:
    name = _extern_name(r)
    sort = _sort(r)
    index = r.u32()
    b = r.u8()
    if b == 0x00:
        return Export(name, sort, index, None)
    if b == 0x01:
        return Export(name, sort, index, _type_ref(r))
    raise r.invalid(b, "optional component export type")


def _alias(r: Reader) -> Alias:
    offset = r.pos
    b1 = r.u8()
    b2 = r.u8() if b1 == 0x00 else None
    target = r.u8()
    if target == 0x00:  # an export of a component instance
        if b1 == 0x00:
            if b2 != 0x11:
                raise r.invalid(b2 or 0, "component external kind", offset + 1)
            sort = "module"
        else:
            sort = SORTS.get(b1, "")
            if not sort:
                raise r.invalid(b1, "component external kind", offset)
        return InstanceExportAlias(sort, r.u32(), r.string())
    if target == 0x01:  # an export of a core instance
        if b2 is None:
            raise r.invalid(b1, "core instance export kind", offset)
        r.u32()
        r.string()
        return CoreAlias()
    if target == 0x02:
        if b1 == 0x00:
            kinds = {0x10: "core-type", 0x11: "core-module"}
            sort = kinds.get(b2 or 0, "")
            if not sort:
                raise r.invalid(b2 or 0, "component outer alias kind", offset + 1)
        elif b1 in (0x03, 0x04):
            sort = "type" if b1 == 0x03 else "component"
        else:
            raise r.invalid(b1, "component outer alias kind", offset)
        return OuterAlias(sort, r.u32(), r.u32())
    raise r.invalid(target, "alias")


def _instance(r: Reader) -> Instantiate | FromExports:
    b = r.u8()
    if b == 0x00:
        component = r.u32()
        args = []
        for _ in range(r.count("instantiation argument")):
            name = r.string()
            sort = _sort(r)
            args.append((name, sort, r.u32()))
        return Instantiate(component, tuple(args))
    if b == 0x01:
        exports = []
        for _ in range(r.count("instantiation export")):
            ename = _extern_name(r)
            sort = _sort(r)
            exports.append(Export(ename, sort, r.u32(), None))
        return FromExports(tuple(exports))
    raise r.invalid(b, "instance")


def _canon_opts(r: Reader) -> None:
    for _ in range(r.count("canonical option")):
        b = r.u8()
        if b in (0x03, 0x04, 0x05, 0x07, 0x08):
            r.u32()
        elif b not in (0x00, 0x01, 0x02, 0x06, 0x09):
            raise r.invalid(b, "canonical option")


# Canonical built-ins after their opcode: what to step over. Each adds a core function only.
#   t: a type index, o: options, b: a bool byte, m: a memory index, r: a result list
_CANON_OPERANDS = {
    0x02: "t",  # resource.new
    0x03: "t",  # resource.drop
    0x04: "t",  # resource.rep
    0x05: "",  # task.cancel
    0x06: "b",  # subtask.cancel
    0x09: "ro",  # task.return
    0x0A: "tt",  # context.get (core valtype, slot)
    0x0B: "tt",  # context.set
    0x0C: "b",  # thread.yield
    0x0D: "",  # subtask.drop
    0x0E: "t",  # stream.new
    0x0F: "to",
    0x10: "to",
    0x11: "tb",
    0x12: "tb",
    0x13: "t",
    0x14: "t",
    0x15: "t",  # future.new
    0x16: "to",
    0x17: "to",
    0x18: "tb",
    0x19: "tb",
    0x1A: "t",
    0x1B: "t",
    0x1C: "o",  # error-context.new
    0x1D: "o",
    0x1E: "",
    0x1F: "",  # waitable-set.new
    0x20: "bm",
    0x21: "bm",
    0x22: "",
    0x23: "",
    0x24: "",  # backpressure.inc
    0x25: "",
    0x26: "",  # thread.index
    0x27: "tt",
    0x28: "",
    0x29: "b",
    0x2A: "b",
    0x2B: "b",
    0x2C: "b",
    0x2D: "b",
    0x40: "t",  # thread.spawn-ref
    0x41: "tt",
    0x42: "",
}


def _canon(r: Reader) -> Lift | None:
    """A `canon lift` (its type index), or None for any other canonical built-in."""
    b = r.u8()
    if b in (0x00, 0x01):
        b2 = r.u8()
        if b2 != 0x00:
            what = "canonical function lift" if b == 0x00 else "canonical function lower"
            raise r.invalid(b2, what)
        r.u32()  # the core function (lift) or the component function (lower)
        _canon_opts(r)
        return Lift(r.u32()) if b == 0x00 else None
    operands = _CANON_OPERANDS.get(b)
    if operands is None:
        raise r.invalid(b, "canonical function")
    for op in operands:
        if op in "tm":
            r.u32()
        elif op == "b":
            r.u8()
        elif op == "o":
            _canon_opts(r)
        elif op == "r":
            _result_list(r)
    return None


def _result_list(r: Reader) -> ValType | None:
    b = r.u8()
    if b == 0x00:
        return _val_type(r)
    if b == 0x01:
        b2 = r.u8()
        if b2 == 0x00:
            return None
        raise r.invalid(b2, "number of results")
    raise r.invalid(b, "component function results")


def _names(r: Reader, what: str) -> tuple[str, ...]:
    return tuple(r.string() for _ in range(r.count(what)))


def _defined(r: Reader, b: int) -> Defined:
    if b == 0x72:
        fields = tuple((r.string(), _val_type(r)) for _ in range(r.count("record field")))
        return Defined("record", fields)
    if b == 0x71:
        cases = []
        for _ in range(r.count("variant case")):
            name = r.string()
            ty = _opt_val_type(r)
            zero = r.u8()
            if zero != 0x00:
                raise r.invalid(zero, "zero byte required")
            cases.append((name, ty))
        return Defined("variant", tuple(cases))
    if b == 0x70:
        return Defined("list", _val_type(r))
    if b == 0x63:
        return Defined("map", _val_type(r), _val_type(r))
    if b == 0x6F:
        return Defined("tuple", tuple(_val_type(r) for _ in range(r.count("tuple type"))))
    if b == 0x6E:
        return Defined("flags", _names(r, "flag name"))
    if b == 0x6D:
        return Defined("enum", _names(r, "enum case"))
    if b == 0x6B:
        return Defined("option", _val_type(r))
    if b == 0x6A:
        return Defined("result", _opt_val_type(r), _opt_val_type(r))
    if b == 0x69:
        return Defined("own", r.u32())
    if b == 0x68:
        return Defined("borrow", r.u32())
    if b == 0x67:
        return Defined("fixed-list", _val_type(r), r.u32())
    if b == 0x66:
        return Defined("stream", _opt_val_type(r))
    if b == 0x65:
        return Defined("future", _opt_val_type(r))
    raise r.invalid(b, "component defined type")


def _type_def(r: Reader) -> TypeDef:
    b = r.u8()
    if b == 0x3F:
        rep = r.u8()
        d = r.u8()
        if d == 0x00:
            return ResourceType(rep, None)
        if d == 0x01:
            return ResourceType(rep, r.u32())
        raise r.invalid(d, "resource destructor")
    if b in (0x40, 0x43):
        params = tuple((r.string(), _val_type(r)) for _ in range(r.count("parameter")))
        return FuncType(b == 0x43, params, _result_list(r))
    if b == 0x41:
        return ComponentTypeDef(tuple(_decl(r, component=True) for _ in range(r.count("decl"))))
    if b == 0x42:
        return InstanceTypeDef(tuple(_decl(r, component=False) for _ in range(r.count("decl"))))
    prim = PRIMITIVES.get(b)
    if prim is not None:
        return Defined("prim", prim)
    return _defined(r, b)


def _decl(r: Reader, *, component: bool) -> Decl:
    offset = r.pos
    b = r.u8()
    if b == 0x03 and component:
        return Decl("import", Extern(_extern_name(r), _type_ref(r)), offset)
    if b == 0x00:
        skip_core_type(r)
        return Decl("core-type", None, offset)
    if b == 0x01:
        return Decl("type", _type_def(r), offset)
    if b == 0x02:
        return Decl("alias", _alias(r), offset)
    if b == 0x04:
        return Decl("export", Extern(_extern_name(r), _type_ref(r)), offset)
    raise r.invalid(b, "component or instance type declaration")
