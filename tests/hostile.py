"""Test support: WIT worlds whose every name and doc text is hostile to generated Python.

A WIT name becomes a Python name in some scope of the generated package (a module, a class body, a
parameter list); a doc comment becomes a docstring. Generated code must stay valid, importable and
`mypy --strict --warn-unused-ignores` clean whatever they are (issue 10). This module writes such
worlds, for `tests/codegen/test_codegen_hostile.py`:

* `VOCABULARY`: every Python keyword and soft keyword, every builtin (functions, types, exception
  classes, as the kebab-case WIT name that converts to them: `type-error` -> `TypeError`), the names
  of the generated API and of the run time (`load`, `close`, `drop`, `ok`, `component-error`,
  `from-python`, `annotations`, ...), and names close to the generated code's own identifiers;
* `WORLD_NAMES`: the above plus every public module of the standard library (the union over Python
  3.11-3.14) and the run time's dependencies, as world (package) names;
* `DOC_TEXTS`: doc comments holding tool directives (`# type: ignore`, `# noqa`, `# fmt: off`, ...)
  and characters that end or escape string literals;
* `coverage_worlds()`: a few worlds that together put every name of `VOCABULARY` in every position
  (interface, type, field, case, enum and flags member, resource, method, static, getter,
  constructor and function parameter, interface and world function, on the imported and on the
  exported side) with a hostile doc comment on each item;
* `named_worlds()`: small worlds named like what the package's `__init__` defines (`ok` -> `Ok`);
* `hostile_worlds()`: a hypothesis strategy drawing smaller random worlds from the same material,
  so names also meet in combinations the coverage worlds do not have (a world function named like
  an interface, a case class named like a type, ...).

Everything here is test input only; nothing in `witgen` imports it.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
from dataclasses import dataclass, field

from hypothesis import strategies as st

from strategies import KEYWORDS as WIT_KEYWORDS
from strategies import norm

_WIT_WORD = re.compile(r"[a-z][a-z0-9]*")


def kebab(python_name: str) -> str | None:
    """The WIT name that converts to `python_name` (`add_to_linker` -> `add-to-linker`,
    `TypeError` -> `type-error`), or None when no WIT name does (`cProfile`, `_thread`)."""
    if "_" in python_name:
        words = python_name.split("_")
    else:
        words = re.findall(r"[A-Z]+(?![a-z0-9])|[A-Z]?[a-z0-9]+", python_name)
        if "".join(words) != python_name or (
            python_name[0].islower() and python_name != python_name.lower()
        ):
            return None
    words = [w.lower() for w in words]
    if not words or not all(_WIT_WORD.fullmatch(w) for w in words):
        return None
    return "-".join(words)


def _kebabs(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        wit = kebab(name)
        if wit is not None and norm(wit) not in seen:
            seen.add(norm(wit))
            out.append(wit)
    return out


# Names of the generated packages' own API and of their run time, and of the generated code's
# private identifiers without their underscore (`_t`, `_rt`, `_state`, `_setup`, ...).
GENERATED_API = """
    load instantiate from_python add_to_linker close store component instance drop host exports
    imports state value self cls ok err some component_error wasm_trap instance_unusable
    deadline_exceeded out_of_fuel cache_warning resource annotations rt values py typed t m c x
    setup adopt handle gone label specs spec linker root register world guest main init
    new post_init dataclass_fields match_args fields field dataclass enum abc dc os types wasmtime
    protocol typing type_alias class_var callable any cast type_checking sys
    Ok Err Some ComponentError WasmTrap InstanceUnusable DeadlineExceeded OutOfFuel CacheWarning
    Resource Host Exports Imports Record Enum Flag Variant ABC Protocol TypeAlias ClassVar Callable
    Any Optional Union Exception
    """.split()

VOCABULARY: list[str] = _kebabs(
    sorted(set(keyword.kwlist) | set(keyword.softkwlist) | {"type", "match", "case"})
    + sorted(n for n in dir(builtins) if not n.startswith("_"))
    + GENERATED_API
)

# Public modules of the standard library (this interpreter's, and 3.14's new `annotationlib` and
# `compression`), and the run time's dependencies.
STDLIB_AND_RUNTIME: list[str] = sorted(
    {n for n in sys.stdlib_module_names if not n.startswith("_")} | {"annotationlib", "compression"}
) + ["wasmtime", "componentize_py_runtime", "componentize_py_types"]

WORLD_NAMES: list[str] = _kebabs(STDLIB_AND_RUNTIME + VOCABULARY)

# Doc comments that a tool could read as a directive if they landed in a `#` comment, and text
# that ends or escapes a string literal.
DOC_TEXTS = [
    "# type: ignore",
    "type: ignore",
    "type: ignore[misc]",
    "# type: int",
    "type: list[int]",
    "# noqa",
    "noqa: E501",
    "# fmt: off",
    "fmt: off",
    "fmt: skip",
    "# pragma: no cover",
    "pragma: no cover",
    "# mypy: ignore-errors",
    "mypy: disallow-any-expr",
    "# pyright: ignore",
    "pylint: disable=all",
    "isort: skip_file",
    "# -*- coding: latin-1 -*-",
    'ends with a quote "',
    "three \"\"\" quotes and ''' these",
    "a backslash \\ and \\n and \\",
    "{{ jinja }} {% raw %} {# comment #}",
    "tab\tand nbsp\u00a0and 日本語 🦀",
    "",
]


# --------------------------------------------------------------------------------------------
# Writing WIT


def ident(name: str) -> str:
    """`name` as written in WIT: `%` before a WIT keyword."""
    return f"%{name}" if name in WIT_KEYWORDS else name


def docs(text: str, indent: str) -> str:
    """`text` as `///` lines (each line of it one), or nothing."""
    if not text:
        return ""
    return "".join(f"{indent}/// {line}\n" for line in text.split("\n"))


@dataclass
class Iface:
    name: str
    direction: str  # "import" or "export"
    types: list[str] = field(default_factory=list)  # WIT type definitions, already written
    funcs: list[str] = field(default_factory=list)  # WIT function items, already written
    usable: list[str] = field(default_factory=list)  # type names worlds may `use` (no resource)


@dataclass
class World:
    package: str
    name: str
    doc: str
    interfaces: list[Iface]
    items: list[str]  # world items, already written (uses, types, functions)

    def text(self) -> str:
        out = [f"package {self.package};\n"]
        for iface in self.interfaces:
            out.append(f"\n{docs(self.doc, '')}interface {ident(iface.name)} {{\n")
            out.extend(iface.types)
            out.extend(iface.funcs)
            out.append("}\n")
        out.append(f"\n{docs(self.doc, '')}world {ident(self.name)} {{\n")
        for iface in self.interfaces:
            out.append(f"  {iface.direction} {ident(iface.name)};\n")
        out.extend(self.items)
        out.append("}\n")
        return "".join(out)


def line_doc(i: int) -> str:
    """The doc of the `i`-th member of something: each of `DOC_TEXTS` once, then none (every doc
    text in every position is enough; more would only make the files longer to format)."""
    return DOC_TEXTS[i] if i < len(DOC_TEXTS) else ""


# Member types in turn, so that the annotations use every builtin the generated code writes bare
# (`int`, `dict`, `bytes`, `tuple`, `bool`, `float`, `list`, `str`) beside members named like them.
MEMBER_TYPES = (
    "u32",
    "map<string, u32>",
    "list<u8>",
    "tuple<bool, f64>",
    "list<string>",
    "option<char>",
)


def member_type(i: int) -> str:
    return MEMBER_TYPES[i % len(MEMBER_TYPES)]


def _record(name: str, fields: list[str], doc: str) -> str:
    body = "".join(
        f"{docs(line_doc(i), '    ')}    {ident(f)}: {member_type(i)},\n"
        for i, f in enumerate(fields)
    )
    return f"{docs(doc, '  ')}  record {ident(name)} {{\n{body}  }}\n"


def _cases(kind: str, name: str, cases: list[str], doc: str, payload: str = "") -> str:
    body = "".join(
        f"{docs(line_doc(i), '    ')}    {ident(c)}{payload if i % 2 else ''},\n"
        for i, c in enumerate(cases)
    )
    return f"{docs(doc, '  ')}  {kind} {ident(name)} {{\n{body}  }}\n"


def _params(names: list[str], ty: str | None = None) -> str:
    """`name: type` for each of `names`: all `ty`, or each type of `MEMBER_TYPES` in turn."""
    return ", ".join(f"{ident(p)}: {ty or member_type(i)}" for i, p in enumerate(names))


def interface(
    name: str, direction: str, names: list[str], doc: str, shift: int, types: bool = True
) -> Iface:
    """An interface putting every one of `names` in every position inside it: type names and
    function names share the interface's namespace, so each position takes the names from a
    different starting point (`shift`), leaving out the ones already taken. Without `types`,
    only a resource and the functions (the types' class bodies are the same in every module)."""
    iface = Iface(name, direction)
    taken: set[str] = set()

    def claim(name: str) -> bool:
        if norm(name) in taken:
            return False
        taken.add(norm(name))
        return True

    n = len(names)
    rotated = names[shift % n :] + names[: shift % n]
    # One type of each kind, named by the first free names; their members are all the names.
    kinds = ["resource", "record", "enum", "flags", "variant", "alias"][: 6 if types else 1]
    type_names: dict[str, str] = {}
    for candidate in rotated:
        if len(type_names) == len(kinds):
            break
        if claim(candidate):
            type_names[kinds[len(type_names)]] = candidate
    res = type_names["resource"]
    rich = "u32"  # what the functions take and return besides the resource
    if types:
        rec, enum, flags, variant, alias = (type_names[k] for k in kinds[1:])
        iface.types.append(_record(rec, names, doc))
        iface.types.append(_cases("enum", enum, names, doc))
        iface.types.append(_cases("flags", flags, names[:32], doc))  # at most 32 flags
        iface.types.append(_cases("variant", variant, names, doc, f"({ident(rec)})"))
        iface.types.append(f"{docs(doc, '  ')}  type {ident(alias)} = list<{ident(variant)}>;\n")
        iface.usable = [rec, enum, flags, variant, alias]
        rich = ident(variant)
    # A resource: each name a method or (every third) a static function or (every fifth) a
    # getter with its setter; the constructor and a method take every name as a parameter.
    members = [f"{docs(doc, '    ')}    constructor({_params(names, 'u32')});\n"]
    resource_taken = {norm(res)}  # a getter may not share the resource's name
    for i, m in enumerate(names):
        if norm(m) in resource_taken:
            continue
        resource_taken.add(norm(m))
        d = docs(line_doc(i), "    ")
        if i % 5 == 4:
            members.append(f"{d}    {ident(m)}: get() -> u32;\n")
            members.append(f"    {ident(m)}: set(value: u32);\n")
        elif i % 3 == 2:
            members.append(f"{d}    {ident(m)}: static func(a: u32) -> {ident(res)};\n")
        else:
            members.append(f"{d}    {ident(m)}: func(b: u32) -> u32;\n")
    every = [p for p in names if p != "self"]
    members.append(f"    every-param-{shift}: func({_params(every, 'u8')});\n")
    iface.types.append(f"{docs(doc, '  ')}  resource {ident(res)} {{\n{''.join(members)}  }}\n")
    # Functions: every free name, every fourth taking and giving the types and the resource, the
    # others a number; one taking every name as a parameter; every seventh a getter instead.
    for i, f in enumerate(rotated):
        if not claim(f):
            continue
        d = docs(line_doc(i), "  ")
        if i % 7 == 6:
            iface.funcs.append(f"{d}  {ident(f)}: get() -> {rich};\n")
        elif i % 4 == 0:
            iface.funcs.append(
                f"{d}  {ident(f)}: func(a: {rich}, b: borrow<{ident(res)}>)"
                f" -> result<{rich}, {ident(res)}>;\n"
            )
        else:
            iface.funcs.append(f"{d}  {ident(f)}: func(a: u32) -> u32;\n")
    if claim(f"all-params-{shift}"):
        iface.funcs.append(f"  all-params-{shift}: func({_params(names)}) -> {rich};\n")
    return iface


def coverage_worlds(chunk: int = 60) -> list[World]:
    """Worlds that together put every name of `VOCABULARY` in every position, `chunk` names per
    world: an imported and an exported interface holding them everywhere, world-level `use`s,
    types and functions of each direction named by them, and a hostile doc on every item."""
    out = []
    for n, start in enumerate(range(0, len(VOCABULARY), chunk)):
        names = VOCABULARY[start : start + chunk]
        doc = DOC_TEXTS[n % len(DOC_TEXTS)] + "\n" + "\n".join(DOC_TEXTS)
        imported = interface(f"in-{n}", "import", names, doc, 0)
        exported = interface(f"out-{n}", "export", names, doc, len(names) // 2, types=False)
        items = [
            f"  use {ident(imported.name)}.{{{', '.join(ident(t) for t in imported.usable)}}};\n"
        ]
        world_taken = {norm(t) for t in imported.usable} | {norm(imported.name)}
        exports_taken = {norm(exported.name)}
        world_rec = next(x for x in names if norm(x) not in world_taken)
        world_taken.add(norm(world_rec))
        items.append(_record(world_rec, names[:6], doc))  # its fields are the record's above
        # World functions: every fourth taking and giving the world's types, the others a number.
        rec, flags, variant = (ident(imported.usable[i]) for i in (0, 2, 3))
        for i, f in enumerate(names):
            d = docs(line_doc(i), "  ")
            rich = i % 4 == 0
            if norm(f) not in world_taken:
                world_taken.add(norm(f))
                sig = f"func(a: {ident(world_rec)}) -> {variant}" if rich else "func(a: u32)"
                items.append(f"{d}  import {ident(f)}: {sig};\n")
            if norm(f) not in exports_taken:
                exports_taken.add(norm(f))
                sig = f"func(a: {rec}) -> result<{flags}, {variant}>" if rich else "func() -> u32"
                items.append(f"{d}  export {ident(f)}: {sig};\n")
        out.append(World(f"hostile:cover{n}", f"cover{n}", doc, [imported, exported], items))
    return out


# World names that become a class name the package's `__init__` already has (the run time's
# names), and a few of each other kind; the package name of every world name is checked apart.
WORLD_CLASS_NAMES = [
    "ok", "err", "some", "component-error", "wasm-trap", "instance-unusable", "deadline-exceeded",
    "out-of-fuel", "cache-warning", "resource", "none", "class", "type", "object", "property",
    "typing", "wasmtime", "imports", "exports", "host",
]  # fmt: skip


def named_worlds() -> list[World]:
    """One small world per name of `WORLD_CLASS_NAMES`: a type named like the world, and
    functions each way."""
    out = []
    for n, name in enumerate(WORLD_CLASS_NAMES):
        items = [
            f"  /// {DOC_TEXTS[n % len(DOC_TEXTS)]}\n  record {ident(name)} {{ x: u32 }}\n",
            f"  import f: func(a: {ident(name)}) -> {ident(name)};\n",
            f"  export g: func(a: {ident(name)}) -> {ident(name)};\n",
        ]
        out.append(World(f"hostile:named{n}", name, DOC_TEXTS[n % len(DOC_TEXTS)], [], items))
    return out


@st.composite
def hostile_worlds(draw: st.DrawFn) -> World:
    """A smaller random world: a hostile world name (the standard library's modules included),
    one or two interfaces with a few hostile names each, world-level uses, types and functions
    whose names may meet the interfaces' (a clash is then a `CodegenError` naming both)."""
    vocab = st.sampled_from(VOCABULARY)
    doc = draw(st.sampled_from(DOC_TEXTS))
    world = draw(st.sampled_from(WORLD_NAMES))
    count = draw(st.integers(1, 2))
    iface_names = draw(
        st.lists(vocab, min_size=count, max_size=count, unique_by=norm).filter(
            lambda xs: norm(world) not in {norm(x) for x in xs}
        )
    )
    interfaces = []
    for name in iface_names:
        names = draw(st.lists(vocab, min_size=6, max_size=10, unique_by=norm))
        direction = draw(st.sampled_from(["import", "export"]))
        interfaces.append(interface(name, direction, names, doc, draw(st.integers(0, 9))))
    items = []
    world_taken: set[str] = set()  # the world's imported names: its types and functions
    exports_taken: set[str] = set()
    imported = [i for i in interfaces if i.direction == "import"]
    if imported:
        used = imported[0].usable[:2]
        world_taken |= {norm(t) for t in used}
        items.append(f"  use {ident(imported[0].name)}.{{{', '.join(ident(t) for t in used)}}};\n")
    # World functions, sometimes named like an interface: WIT allows it (an interface's key is
    # its path), and in the same direction both become attributes of one Python class (a clash;
    # weighted so that about one world in six has one).
    names = st.sampled_from(VOCABULARY + iface_names * 10)
    for f in draw(st.lists(names, max_size=6, unique_by=norm)):
        direction = draw(st.sampled_from(["import", "export"]))
        taken = world_taken if direction == "import" else exports_taken
        if norm(f) in taken:
            continue
        taken.add(norm(f))
        params = draw(st.lists(vocab, max_size=4, unique_by=norm))
        items.append(
            f"{docs(doc, '  ')}  {direction} {ident(f)}: func({_params(params, 's32')});\n"
        )
    return World("hostile:rand", world, doc, interfaces, items)


def clash_world() -> World:
    """A world whose exported function and exported interface are both `api`: one Python name in
    the world class, so generation refuses it, naming both."""
    api = interface("api", "export", list("abcdefgh"), "", 0)
    return World("hostile:clash", "clash", "", [api], ["  export api: func();\n"])
