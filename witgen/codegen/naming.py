"""The one home for Python names of WIT items (code generation, used by `views`).

In: WIT identifiers (kebab-case words, each all lower- or all upper-case letters and digits; see
WIT.md "Identifiers"). Out: snake_case, UpperCamel and SHOUTY names that are valid Python, plus a
per-scope collision check.

Rules, as wit-bindgen applies them (its `to_snake_case` / `to_upper_camel_case` and a keyword
table), adapted to Python:
* a name that is a Python keyword or soft keyword gets a trailing `_` (`class` -> `class_`,
  `none` as a type -> `None_`). The table is fixed, the union over Python 3.11 to 3.14, so output
  never depends on the interpreter that runs witgen;
* a name that the generated code itself needs in that scope (`load`, `close`, the builtins used in
  annotations, ...) gets a trailing `_` too. Builtins that generated code calls or decorates with
  in a scope holding WIT names (`property`, `staticmethod`, `classmethod`) are never used bare:
  the templates write `_builtins.property`, so a WIT item of that name shadows nothing;
* a package (a world's) is never named like a module of the standard library or of the run
  time's dependencies (`typing`, `json`, `wasmtime`): it would shadow that module for every
  import on a path that starts with the output folder. It gets a trailing `_`;
* any other clash after conversion is a `CodegenError` naming both WIT items. WIT identifiers
  never contain `_`, so an escaped name can never clash with a converted one (only with another
  escaped one, which `Scope` escapes again).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable

from witgen.codegen import CodegenError
from witgen.runtime import RUNTIME

# Hard keywords of Python 3.11-3.14 (they did not change in that range) and the soft keywords
# (`match`, `case`, `_` since 3.10; `type` since 3.12). Only names made from WIT words can reach
# this table, so `_` can never match; it is listed to keep the table the language's.
KEYWORDS = frozenset("""
    False None True and as assert async await break class continue def del elif else except
    finally for from global if import in is lambda nonlocal not or pass raise return try while
    with yield
    _ case match type
    """.split())

# Builtins that generated annotations use unqualified. A field, parameter or method with one of
# these names would shadow the type inside a class body (where mypy resolves annotations first),
# so such names are escaped in every scope. (`type` and `None` are keywords, escaped anyway.)
ANNOTATION_BUILTINS = frozenset(
    ("bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "object")
)

# Names a module that holds functions named from WIT (the guest wrappers' imported functions)
# already binds: `from __future__ import annotations` defines `annotations`.
MODULE_RESERVED = frozenset(("annotations",))

# A parameter named `self` would clash with the method's own first parameter.
PARAM_RESERVED = ANNOTATION_BUILTINS | {"self"}

# --- names the generated code keeps, per scope (see `Scope`): WIT items converted to one of these
# get a trailing `_` there.

# An interface module's classes.
INTERFACE_MODULE_NAMES = ("Host", "Exports")


def _runtime_exports() -> tuple[str, ...]:
    """The host run time's `__all__`, read from its source (not imported: that needs wasmtime)."""
    source = (RUNTIME / "host" / "__init__.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("the host run time has no __all__")


# What the package's `__init__` imports from the run time and re-exports (beside the world class,
# the `<World>Imports` protocol and, in the guest wrappers, only `Ok`, `Err` and `Some`): the run
# time's own list.
RUNTIME_EXPORTS = _runtime_exports()

# The world class's own members.
WORLD_CLASS_NAMES = (
    "load",
    "instantiate",
    "from_python",
    "add_to_linker",
    "close",
    "store",
    "component",
)

# Names the generated resource classes keep: `close` on a class wrapping handles (`_rt.Resource`:
# the host's class of an exported resource, the guest's of an imported one), the `drop` hook on
# the host's base class of an imported one. The same views name a resource's members in both
# packages, where the sides are swapped, so every resource keeps both. A static function's
# parameters cannot be named `cls`.
RESOURCE_NAMES = ("close", "drop")
RESOURCE_PARAM_RESERVED = PARAM_RESERVED | {"cls"}

# Scopes whose names the guest wrappers also define at module level (an imported interface's
# functions, the world's imported functions), beside the builtins of annotations.
MODULE_LEVEL_RESERVED = ANNOTATION_BUILTINS | MODULE_RESERVED

# Public modules of the standard library, the union over Python 3.11-3.14 (3.11's
# `sys.stdlib_module_names`, which still lists the modules 3.12 and 3.13 removed, plus 3.14's
# `annotationlib` and `compression`; names starting with `_` cannot come from WIT), fixed like
# the keyword table, so output never depends on the interpreter that ran witgen.
STDLIB_MODULES = frozenset("""
    abc aifc annotationlib antigravity argparse array ast asynchat asyncio asyncore atexit audioop
    base64 bdb binascii bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs
    codeop collections colorsys compileall compression concurrent configparser contextlib
    contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis
    distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput
    fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp
    gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress
    itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math
    mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath
    nturl2path numbers opcode operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes
    pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile
    pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter
    runpy sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket
    socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string
    stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios
    textwrap this threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc
    tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave
    weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib
    zoneinfo
    """.split())

# What the generated packages import besides the standard library: wasmtime (the host bindings'
# run time), and componentize-py's modules (the guest wrappers' glue inside a built plugin).
RUNTIME_DEPENDENCIES = frozenset(("wasmtime", "componentize_py_runtime", "componentize_py_types"))


def words(name: str) -> list[str]:
    return name.split("-")


def _escape(name: str) -> str:
    return name + "_" if name in KEYWORDS else name


def snake(name: str) -> str:
    """`first-name` -> `first_name`; `HTTP-get` -> `http_get`; `class` -> `class_`."""
    return _escape("_".join(w.lower() for w in words(name)))


def upper_camel(name: str) -> str:
    """`http-request` -> `HttpRequest`; `XML-doc` -> `XmlDoc`; `none` -> `None_`."""
    return _escape("".join(w[:1].upper() + w[1:].lower() for w in words(name)))


def shouty(name: str) -> str:
    """`read-only` -> `READ_ONLY` (enum and flags members; never a keyword)."""
    return "_".join(w.upper() for w in words(name))


class Scope:
    """One Python namespace (a module, a class, a parameter list): hands out unique names.

    `reserved` names belong to the generated code; a WIT item converted to one of them gets a
    trailing `_` instead.
    """

    def __init__(self, where: str, reserved: Iterable[str] = ()) -> None:
        self.where = where
        self.reserved = frozenset(reserved)
        self.owners: dict[str, str] = {}

    def claim(self, py_name: str, item: str) -> str:
        """Give `py_name` (already converted) to `item` (e.g. "type 'point'"), escaped if reserved
        (as often as needed: a reserved name may itself be an escaped one, the world class `Ok_`
        of world `ok` beside a type `ok`)."""
        while py_name in self.reserved:
            py_name += "_"
        other = self.owners.get(py_name)
        if other is not None:
            raise CodegenError(
                f"{other} and {item} both become the Python name '{py_name}' in {self.where};"
                " rename one of them"
            )
        self.owners[py_name] = item
        return py_name


def package_name(world: str) -> str:
    """The host bindings' package of world `world`: `my-world` -> `my_world`, `typing` ->
    `typing_` (see the module docstring)."""
    name = snake(world)
    return name + "_" if name in STDLIB_MODULES | RUNTIME_DEPENDENCIES else name


def bindings_name(world: str, component_file: str | None) -> str:
    """What a world's packages are named after: the world, except for a component's interface
    (`component_file`, the `.wasm` it was read from), whose world `root` is a name wasm-tools
    makes up for every component: its packages are named after the file instead, so
    `witgen add.wasm -o OUT` writes `OUT/add/` (class `Root` still), and the bindings of several
    components can share an output folder. A file name that gives no Python name (`2.wasm`)
    falls back to the world."""
    if component_file is None:
        return world
    stem = os.path.basename(component_file).split(".", 1)[0]
    name = "-".join(w for w in re.split(r"[^a-z0-9]+", stem.lower()) if w)
    return name if name and not name[0].isdigit() else world


def guest_package(world: str) -> str:
    """The guest wrappers' package of world `world` (`plugin` -> `plugin_guest`); the host
    bindings name it too, for `from_python`."""
    return f"{snake(world).rstrip('_')}_guest"


def package_clash(world: str, others: Iterable[str], guest: bool) -> str | None:
    """Why the package of `world` (its guest wrappers when `guest`, else its host bindings)
    cannot be written beside those of the worlds `others` (every world the input defines): the
    guest wrappers of `w` and the host bindings of `w-guest` are both the folder `w_guest`, and
    writing one would replace the other. None when there is no such world."""
    for other in others:
        if other == world:
            continue
        host, wrappers = (other, world) if guest else (world, other)
        name = guest_package(wrappers)
        if package_name(host) == name:
            return (
                f"the guest wrappers of world '{wrappers}' and the host bindings of world"
                f" '{host}' would both be the package '{name}'; rename one of the worlds"
            )
    return None


# --------------------------------------------------------------------------------------------
# Names the generated code gives its own definitions: every formula here, none inline elsewhere.
# WIT names never start with `_`, so the private ones (`_C_...`, `_m_...`, `_X_...`) never clash
# with a name converted from WIT.


def case_class(owner: str, case: str) -> str:
    """The class of case `case` (a WIT name) of the variant whose class is `owner`:
    `FilterError_Empty` (trailing escapes dropped from both parts, so `None_`'s case `class`
    is `None_Class`; the whole is checked in its scope like any name)."""
    return f"{owner.rstrip('_')}_{upper_camel(case).rstrip('_')}"


def variant_union(case_classes: Iterable[str]) -> str:
    """The annotation a variant's name stands for: the union of its case classes."""
    return " | ".join(case_classes)


def host_copy(py_name: str) -> str:
    """The import-side copy of a type of an interface on both sides (`ImportedBoxed`)."""
    return f"Imported{py_name}"


def converter_name(py_name: str) -> str:
    """The module-level converter of a named type (`_C_Point`)."""
    return f"_C_{py_name}"


def module_alias(module: str) -> str:
    """How other modules import generated module `module` (`from . import host as _m_host`)."""
    return f"_m_{module}"


def imports_protocol(world_class: str) -> str:
    """The protocol of what the host provides to a world (`EchoImports`)."""
    return f"{world_class}Imports"


def func_spec(imported: bool, py_name: str) -> str:
    """The module-level `FuncSpec` of a function: `_X_` for what the component exports, `_I_`
    for what it imports (the host implements): one interface may be both."""
    return f"{'_I' if imported else '_X'}_{py_name}"


def accessor_spec(imported: bool, getter: bool, py_name: str) -> str:
    """The `FuncSpec` of an interface's or world's getter (`_XG_x`) or setter (`_XS_x`)."""
    return f"{'_I' if imported else '_X'}{'G' if getter else 'S'}_{py_name}"


def export_attr(py_name: str) -> str:
    """The attribute holding an exported function bound to the instance (`_f_greet`)."""
    return f"_f_{py_name}"


def accessor_attr(getter: bool, py_name: str) -> str:
    """The attribute holding an exported getter (`_g_x`) or setter (`_s_x`)."""
    return f"_{'g' if getter else 's'}_{py_name}"


def member_attr(kind: str, py_name: str) -> str:
    """The class attribute holding a resource member bound to an instance: `_new` (the
    constructor), `_get_x` / `_set_x` (a property's), `_f_name` (methods and statics)."""
    if kind == "constructor":
        return "_new"
    if kind in ("getter", "setter"):
        return f"_{kind[:3]}_{py_name}"
    return export_attr(py_name)


def member_spec(imported: bool, resource: str, attr: str) -> str:
    """The module-level `FuncSpec` of a resource member (`_X_Counter_f_bump`)."""
    return f"{'_I' if imported else '_X'}_{resource}{attr}"


def exports_class(module: str) -> str:
    """The guest wrappers' base class of an exported interface (`exports.Tools`)."""
    return upper_camel(module)


def module_candidates(
    name: str, package: tuple[str, str, str | None] | None, exported: bool
) -> list[str]:
    """The module names an interface may take, least qualified first: snake_case of its name,
    then qualified by package, by namespace, by version. An interface the world names itself
    (`package` None) is qualified by direction instead (`imports_y`, `exports_y`, the way
    wit-bindgen's `exports::` namespace keeps them apart)."""
    base = snake(name)
    if package is None:
        return [base, snake(f"{'exports' if exported else 'imports'}-{name}")]
    namespace, pkg, version = package
    qualified = snake(f"{pkg}-{name}")
    full = snake(f"{namespace}-{pkg}-{name}")
    out = [base, qualified, full]
    if version is not None:
        out.append(f"{full}_{''.join(c if c.isalnum() else '_' for c in version)}")
    return out
