"""The generated guest packages (`witgen PATH --guest`) as code: their files, header, formatting,
determinism, standard-library-only imports, `mypy --strict` (on every world of the conformance
corpus the guest generator accepts, and the real WASI worlds), the shapes a plugin author sees (the
same names as the host bindings'), the run time's import path (`_rt.call_import` with no carrier
and with a fake one) and the command line that writes them.

Packages imported in this process are written under prefixed names (`gt_<world>_guest`, and
`gth_<world>` for host bindings of the same WIT): the generated code imports its own modules
relatively, and other test modules import packages named `rich_guest` or `plugin` of their own.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import hashlib
import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codegen.support import REPO, WIT_DIR
from codegen.test_codegen_corpus import (
    CORPUS_FEATURES,
    NO_CORPUS,
    UI,
    WASI_VERSION,
    corpus_cases,
    find_wasi_deps,
    qualified,
    slug,
)
from witgen.cli import main
from witgen.codegen import CodegenError
from witgen.codegen.fmt import format_python
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import HEADER, GeneratedPackage, generate_host, runtime_files
from witgen.codegen.writer import write_package
from witgen.resolve import model as m
from witgen.resolve.loader import load, load_package
from witgen.resolve.select_world import select_world

# The rich world: an imported interface with a resource and a `result` function, a world-level
# imported function, an exported interface with records, variants, flags and a resource, and a
# types interface that both use (imported implicitly by the world).
RICH_WIT = """
package demo:rich@0.1.0;

interface types {
  record point { x: s32, y: s32 }
  enum color { red, green, blue }
}

interface host-api {
  use types.{point};
  get-config: func(key: string) -> option<string>;
  checked-div: func(a: s32, b: s32) -> result<s32, string>;
  resource blob {
    constructor(init: list<u8>);
    write: func(data: list<u8>);
    read: func() -> list<u8>;
    merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
  }
}

interface tools {
  use types.{point, color};
  flags perms { read, write, exec }
  record item { name: string, tags: list<string>, color: color, perms: perms, where: option<point> }
  variant shape { circle(f64), rect(tuple<f64, f64>), none }
  variant tool-error { not-found(string), invalid(u32), other }
  area: func(s: shape) -> f64;
  find: func(items: list<item>, name: string) -> result<item, tool-error>;
  nested: func(x: option<option<u8>>) -> option<option<u8>>;
  results: func(x: list<result<u8, string>>) -> list<result<u8, string>>;
  resource counter {
    constructor(start: s64);
    incr: func(by: s64) -> s64;
    get: func() -> s64;
    name: static func() -> string;
  }
  make-counter: func(start: s64) -> counter;
  read-counter: func(c: borrow<counter>) -> s64;
}

world rich {
  import log: func(msg: string);
  import host-api;
  export run: func(param: string) -> string;
  export tools;
}
"""

# Doc comments that could end a docstring literal early or escape its closing quotes.
DOCS_WIT = r'''
package t:docs;

/// Imported: a backslash \ and """triple""" quotes, ending with a quote "
interface api {
  /// A record "quoted", \n literally; ends with a backslash \
  record rec {
    /// A field comment with """ and \
    a: u32,
  }
  /// A host resource ending with "
  resource res {
    /// Constructor """doc"""
    constructor();
    /// Method \ doc "
    m: func();
  }
  /// Function doc ending with a quote "
  f: func(r: rec) -> u32;
}

/// Exported: ends with two backslashes \\
interface tools {
  /// Variant doc """
  variant v {
    /// Case doc ending with "
    c(u32),
    d,
  }
  /// A plugin resource """
  resource thing {
    /// Static ""
    make: static func() -> thing;
  }
  /// Tool doc \"
  g: func() -> v;
}

/// World docs ending with a backslash \
world docs {
  import api;
  export tools;
  /// Exported func doc """x"""
  export run: func() -> string;
  /// Imported func doc ending "
  import log: func(m: string);
}
'''

# A world-level imported function named like an imported interface's module (`imports/foo.py`
# beside `def foo` in `imports/__init__.py`), the shape of the corpus case world-implicit-import2.
CLASH_WIT = """
package foo:foo;
interface foo { type g = char; }
world w {
  use foo.{g};
  import foo: func() -> g;
}
"""

KITCHEN_DUAL = (
    "interface 'test:kitchen/api@1.2.3' is both imported and exported by world 'my-world':"
    " guest wrappers for that are not supported yet"
)

# name -> WIT (text or a file) of the packages this module generates itself; tests/codegen/wit's
# kitchen.wit is refused (it imports and exports interface `api`, see KITCHEN_DUAL).
INPUTS: dict[str, str | Path] = {
    "plugin": REPO / "wit" / "plugin.wit",
    "words": REPO / "wit" / "words.wit",
    "rich": RICH_WIT,
    "docs": DOCS_WIT,
    "clash": CLASH_WIT,
    **{p.stem: p for p in sorted(WIT_DIR.glob("*.wit")) if p.stem != "kitchen"},
}


def load_wit(wit: str | Path, folder: Path) -> tuple[m.Resolve, int]:
    if isinstance(wit, str):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "input.wit"
        path.write_text(wit, encoding="utf-8")
        wit = path
    return load_package(wit)


def guest_of(wit: str | Path, folder: Path, world: str | None = None) -> GeneratedPackage:
    resolve, main = load_wit(wit, folder)
    return generate_guest(resolve, select_world(resolve, main, world))


def host_of(wit: str | Path, folder: Path, world: str | None = None) -> GeneratedPackage:
    resolve, main = load_wit(wit, folder)
    return generate_host(resolve, select_world(resolve, main, world))


def renamed(package: GeneratedPackage, name: str) -> GeneratedPackage:
    return dataclasses.replace(package, name=name)


@dataclasses.dataclass
class Generated:
    guests: dict[str, GeneratedPackage]  # INPUTS name -> its guest package
    hosts: dict[str, GeneratedPackage]  # INPUTS name -> its host bindings
    root: Path  # prefixed copies of both, on sys.path


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    src = tmp_path_factory.mktemp("guest-src")
    root = tmp_path_factory.mktemp("guest-import")
    guests = {name: guest_of(wit, src / name) for name, wit in INPUTS.items()}
    hosts = {name: host_of(wit, src / name) for name, wit in INPUTS.items()}
    for name in INPUTS:
        write_package(renamed(guests[name], f"gt_{guests[name].name}"), root)
        write_package(renamed(hosts[name], f"gth_{hosts[name].name}"), root)
    sys.path.insert(0, str(root))
    try:
        yield Generated(guests, hosts, root)
    finally:
        sys.path.remove(str(root))
        for module in [n for n in sys.modules if n.split(".")[0].startswith(("gt_", "gth_"))]:
            del sys.modules[module]


def guest_module(gen: Generated, name: str, rel: str = "") -> ModuleType:
    """Module `rel` (`exports.tools`; "" the package) of INPUTS `name`'s guest package."""
    package = f"gt_{gen.guests[name].name}"
    return importlib.import_module(f"{package}.{rel}" if rel else package)


def host_module(gen: Generated, name: str, rel: str = "") -> ModuleType:
    package = f"gth_{gen.hosts[name].name}"
    return importlib.import_module(f"{package}.{rel}" if rel else package)


# --- 1. files and layout ------------------------------------------------------------------------

# The run-time package every guest package carries (`_rt/`, from witgen/runtime/guest/).
RT_FILES = sorted(f"_rt/{p.name}" for p in (REPO / "witgen" / "runtime" / "guest").glob("*.py"))


def test_file_sets_and_names(gen: Generated) -> None:
    layout = {name: (p.name, sorted(p.files)) for name, p in gen.guests.items()}
    base = ["__init__.py", *RT_FILES, "_values.py", "exports/__init__.py", "imports/__init__.py"]
    # plugin and words: one inline imported interface (`host`), nothing exported but functions.
    assert layout["plugin"] == ("plugin_guest", [*base, "imports/host.py", "py.typed"])
    assert layout["words"] == ("words_guest", [*base, "imports/host.py", "py.typed"])
    # rich: `types` is imported too (the exported `tools` uses it), so it is under imports/.
    assert layout["rich"] == (
        "rich_guest",
        [
            "__init__.py",
            *RT_FILES,
            "_values.py",
            "exports/__init__.py",
            "exports/tools.py",
            "imports/__init__.py",
            "imports/host_api.py",
            "imports/types.py",
            "py.typed",
        ],
    )
    assert layout["edge"] == ("class_guest", [*base, "imports/only_types.py", "py.typed"])
    assert layout["resources"] == (
        "resources_guest",
        sorted([*base, "exports/store.py", "imports/files.py", "py.typed"]),
    )
    assert layout["echo"] == (
        "echo_guest",
        sorted([*base, "exports/api.py", "imports/host_api.py", "imports/types.py", "py.typed"]),
    )
    for package in gen.guests.values():
        for name, text in runtime_files("guest").items():
            assert package.files[name] == text
        assert package.files["py.typed"] == HEADER + "\n"


def test_init_modules_list_what_they_hold(gen: Generated) -> None:
    files = gen.guests["rich"].files
    exports_init = ast.parse(files["exports/__init__.py"])
    assert [ast.unparse(n) for n in exports_init.body if isinstance(n, ast.ImportFrom)] == [
        "from __future__ import annotations",
        "from .tools import Exports as Tools",
    ]
    assert "(`types`, `host_api`)" in files["imports/__init__.py"]
    rich = guest_module(gen, "rich")
    assert rich.__all__ == ["Err", "Ok", "Rich", "Some"]
    assert rich._WORLD_CLASS == "Rich" and list(rich._EXPORTS) == ["run"]
    tools = guest_module(gen, "rich", "exports.tools")
    assert tools._INSTANCE == "demo:rich/tools@0.1.0"
    assert list(tools._EXPORTS) == [
        "area",
        "find",
        "nested",
        "results",
        "make_counter",
        "read_counter",
    ]
    assert tools._RESOURCES == {tools.Counter: tools._RESOURCES[tools.Counter]}
    assert list(tools._RESOURCES[tools.Counter]) == ["__init__", "incr", "get", "name"]
    assert tools._RESOURCES[tools.Counter]["name"].name == "[static]counter.name"
    assert guest_module(gen, "plugin", "exports").__all__ == []
    words = guest_module(gen, "words")
    assert words.__all__ == sorted(
        {"Words", "Ok", "Err", "Some", "LetterCase", "Token", "Stats", "AnalysisError"}
        | {"Token_Word", "Token_Number", "Token_Punct"}
        | {"AnalysisError_Empty", "AnalysisError_TooLong"}
    )


# --- 2. header, formatting, determinism --------------------------------------------------------


def test_every_file_has_the_header_is_black_formatted_and_compiles(gen: Generated) -> None:
    assert re.fullmatch(r"# Generated by witgen \S+; do not edit\.", HEADER)
    for package in gen.guests.values():
        for name, text in package.files.items():
            assert text.startswith(HEADER + "\n"), (package.name, name)
            if name.endswith(".py"):
                assert format_python(text, name) == text, (package.name, name)
                compile(text, name, "exec")


def digest(package: GeneratedPackage) -> str:
    h = hashlib.sha256(package.name.encode() + b"\0")
    for name, text in package.files.items():
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()


def test_output_is_deterministic(gen: Generated, tmp_path: Path) -> None:
    for name in ("rich", "words", "resources"):
        again = guest_of(INPUTS[name], tmp_path / name)
        assert again.files == gen.guests[name].files, name
    # Another process, another hash seed, another working directory: the same bytes.
    (tmp_path / "rich.wit").write_text(RICH_WIT, encoding="utf-8")
    script = textwrap.dedent(f"""
        import hashlib
        from witgen.codegen.guest import generate_guest
        from witgen.resolve.loader import load_package
        from witgen.resolve.select_world import select_world
        resolve, main = load_package({str(tmp_path / "rich.wit")!r})
        package = generate_guest(resolve, select_world(resolve, main, None))
        h = hashlib.sha256(package.name.encode() + b"\\0")
        for name, text in package.files.items():
            h.update(name.encode() + b"\\0" + text.encode() + b"\\0")
        print(h.hexdigest())
        """)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        cwd=tmp_path,
        check=True,
    )
    assert done.stdout.strip() == digest(gen.guests["rich"])


# --- 3. the standard library only ---------------------------------------------------------------


def test_guest_packages_import_only_the_standard_library(tree: Tree) -> None:
    """Every guest package (this module's, the corpus's and the WASI worlds'); and each of their
    files starts with the header."""
    stdlib = set(sys.stdlib_module_names)
    for package in tree.packages:
        for name, text in package.files.items():
            assert text.startswith(HEADER + "\n"), (package.name, name)
            if not name.endswith(".py"):
                continue
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Import):
                    roots = {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    roots = {(node.module or "").split(".")[0]}
                else:
                    continue  # relative imports: the package's own modules
                assert roots <= stdlib, (package.name, name, roots - stdlib)


def test_guest_package_imports_without_wasmtime_or_witgen(gen: Generated) -> None:
    """What componentize-py's CPython has: the standard library, no site-packages at all."""
    package = f"gt_{gen.guests['rich'].name}"
    script = textwrap.dedent(f"""
        import importlib, sys
        for blocked in ("wasmtime", "witgen", "jinja2", "black"):
            sys.modules[blocked] = None
        sys.path.insert(0, {str(gen.root)!r})
        for rel in ("", ".imports", ".imports.host_api", ".imports.types", ".exports",
                    ".exports.tools"):
            importlib.import_module({package!r} + rel)
        std = set(sys.stdlib_module_names) | {{"__main__", {package!r}}}
        print(sorted({{n.split(".")[0] for n, v in sys.modules.items() if v is not None}} - std))
        """)
    done = subprocess.run(
        [sys.executable, "-S", "-I", "-c", script], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- 4. mypy --strict, and the whole corpus ----------------------------------------------------

USER_OK = """
from __future__ import annotations

from rich_guest import Err, Ok, Rich, Some
from rich_guest.exports import Tools
from rich_guest.exports import tools as t
from rich_guest.imports import host_api, log
from rich_guest.imports.types import Color, Point


class Counter(t.Counter):
    def __init__(self, start: int) -> None:
        self.value = start

    def incr(self, by: int) -> int:
        self.value += by
        return self.value

    def get(self) -> int:
        return self.value

    @staticmethod
    def name() -> str:
        return "c"


class Plugin(Rich):
    def run(self, param: str) -> str:
        log(param)
        try:
            q = host_api.checked_div(1, 0)
        except Err as err:
            reason: str = err.value
            q = len(reason)
        with host_api.Blob(b"ab") as blob:
            blob.write(bytes(q))
            data: bytes = host_api.Blob.merge(blob, blob).read()
        config: str | None = host_api.get_config("k")
        return f"{config}{data!r}{Point(1, 2).x}{Color.RED.name}"


class MyTools(Tools):
    def area(self, s: t.Shape) -> float:
        if isinstance(s, t.Shape_Circle):
            return 3.0 * s.value * s.value
        if isinstance(s, t.Shape_Rect):
            return s.value[0] * s.value[1]
        return 0.0

    def find(self, items: list[t.Item], name: str) -> t.Item:
        for item in items:
            if item.name == name and t.Perms.READ in item.perms:
                return item
        raise Err(t.ToolError_NotFound(name))

    def nested(self, x: Some[int | None] | None) -> Some[int | None] | None:
        return None if x is None else Some(x.value)

    def results(self, x: list[Ok[int] | Err[str]]) -> list[Ok[int] | Err[str]]:
        return [Ok(1), Err("no"), *x]

    def make_counter(self, start: int) -> t.Counter:
        return Counter(start)

    def read_counter(self, c: t.Counter) -> int:
        return c.get()
"""

USER_BAD = """
from rich_guest.exports import Tools
from rich_guest.exports import tools as t
from rich_guest.imports import host_api


class Incomplete(t.Counter):
    def __init__(self, start: int) -> None:
        pass


class WrongTools(Tools):
    def area(self, s: int) -> float:
        return 0.0


Incomplete(1)
host_api.checked_div("1", 2)
host_api.Blob(3)
t.Item("a")
"""


@dataclasses.dataclass
class Tree:
    root: Path
    packages: list[GeneratedPackage]  # every guest package written (by the name written)
    corpus_worlds: int = 0
    corpus_refused: list[str] = dataclasses.field(default_factory=list)  # dual worlds, skipped
    wasi_worlds: int = 0

    @property
    def folders(self) -> list[str]:
        return [p.name for p in self.packages]


def generate_all(resolve: m.Resolve, root: Path, prefix: str, tree: Tree, keep: str = "") -> int:
    """Write the guest package of every world of `resolve` the guest generator accepts."""
    count = 0
    for package in resolve.packages:
        for world, world_id in package.worlds.items():
            name = qualified(package.name, world)
            if keep and not re.fullmatch(keep, name):
                continue
            try:
                generated = generate_guest(resolve, world_id)
            except CodegenError as err:
                assert "is both imported and exported by world" in str(err), (name, str(err))
                tree.corpus_refused.append(name)
                continue
            generated.name = f"{prefix}{count:02d}_{slug(world)}_guest"
            write_package(generated, root)
            tree.packages.append(generated)
            count += 1
    return count


@pytest.fixture(scope="module")
def tree(gen: Generated, tmp_path_factory: pytest.TempPathFactory) -> Tree:
    """Every guest package under one folder: this module's (by their own names), each accepted
    world of the corpus and the released WASI worlds (numbered names)."""
    root = tmp_path_factory.mktemp("guest-mypy")
    result = Tree(root, [])
    for package in gen.guests.values():
        write_package(package, root)
        result.packages.append(package)
    for i, case in enumerate(corpus_cases()):
        resolve = load(case, features=CORPUS_FEATURES)
        result.corpus_worlds += generate_all(resolve, root, f"ui{i:03d}_", result)
    deps = find_wasi_deps()
    if deps is not None:
        wasi_root = tmp_path_factory.mktemp("guest-wasi-root")
        (wasi_root / "root.wit").write_text("package witgen-test:wasi-root;\n", encoding="utf-8")
        (wasi_root / "deps").symlink_to(deps, target_is_directory=True)
        keep = rf"wasi:[a-z-]+/[a-z-]+@{WASI_VERSION.pattern}"
        result.wasi_worlds = generate_all(load(wasi_root), root, "wasi", result, keep=keep)
    return result


def test_a_world_importing_and_exporting_an_interface_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CodegenError) as info:
        guest_of(WIT_DIR / "kitchen.wit", tmp_path)
    assert str(info.value) == KITCHEN_DUAL


@pytest.mark.skipif(not UI.is_dir(), reason=NO_CORPUS)
def test_corpus_worlds_are_generated_or_refused_as_dual(tree: Tree) -> None:
    # About a hundred worlds among the 72 accepting cases; the few that import and export the
    # same interface are refused (and only those: `generate_all` checks the message).
    assert tree.corpus_worlds >= 85
    assert 1 <= len([w for w in tree.corpus_refused if not w.startswith("wasi:")]) <= 10
    assert "foo:maps/maps-world" in tree.corpus_refused


def test_every_guest_package_imports(tree: Tree) -> None:
    """Every module of every guest package imports (the package first, as a plugin does)."""
    mine = set(tree.folders)
    # Another test module may have imported a package of the same name (`rich_guest`): set it
    # aside meanwhile.
    saved = {n: sys.modules.pop(n) for n in list(sys.modules) if n.split(".")[0] in mine}
    sys.path.insert(0, str(tree.root))
    errors = []
    try:
        for package in tree.packages:
            for path in package.files:
                if not path.endswith(".py"):
                    continue
                rel = path.removesuffix(".py").removesuffix("__init__").strip("/")
                name = ".".join([package.name, *rel.split("/")]) if rel else package.name
                try:
                    importlib.import_module(name)
                except Exception as err:
                    errors.append(f"{name}: {type(err).__name__}: {err}")
    finally:
        sys.path.remove(str(tree.root))
        for name in [n for n in sys.modules if n.split(".")[0] in mine]:
            del sys.modules[name]
        sys.modules.update(saved)
    assert errors == []


def mypy(root: Path, cache: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            *targets,
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )


def test_mypy_strict_on_every_guest_package(tree: Tree, tmp_path: Path) -> None:
    """One mypy run over every guest package and a plugin module written against one; then a
    plugin module with mistakes, which must be reported."""
    (tree.root / "user_ok.py").write_text(USER_OK, encoding="utf-8")
    (tree.root / "user_bad.py").write_text(USER_BAD, encoding="utf-8")
    ok = mypy(tree.root, tmp_path / "cache", *sorted(tree.folders), "user_ok.py")
    assert ok.returncode == 0, ok.stdout[-20000:] + ok.stderr[-5000:]
    print(f"mypy --strict: {len(tree.folders)} guest packages")
    # this module's own (kitchen refused), the corpus's accepted worlds, the WASI worlds
    assert len(tree.folders) == len(INPUTS) + tree.corpus_worlds + tree.wasi_worlds
    bad = mypy(tree.root, tmp_path / "cache", "user_bad.py")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert 'Cannot instantiate abstract class "Incomplete"' in bad.stdout
    assert '"get", "incr" and "name"' in bad.stdout  # the methods it lacks, statics included
    assert 'Argument 1 of "area" is incompatible with supertype' in bad.stdout
    assert 'Argument 1 to "checked_div" has incompatible type "str"; expected "int"' in bad.stdout
    assert 'Argument 1 to "Blob" has incompatible type "int"; expected "bytes"' in bad.stdout
    assert 'Missing positional arguments "tags", "color", "perms", "where"' in bad.stdout


# --- 5. importability and shapes ----------------------------------------------------------------


def test_world_base_class_is_abstract(gen: Generated) -> None:
    rich = guest_module(gen, "rich")
    with pytest.raises(TypeError, match="abstract"):
        rich.Rich()
    assert rich.Rich.__abstractmethods__ == {"run"}

    class Plugin(rich.Rich):  # type: ignore[misc,name-defined]
        def run(self, param: str) -> str:
            return param * 2

    assert Plugin().run("ab") == "abab"
    assert rich.Ok is rich._rt.Ok and rich.Some is rich._rt.Some and rich.Err is rich._rt.Err
    words = guest_module(gen, "words").Words
    assert words.__abstractmethods__ == {"run", "tokenize", "analyze"}
    hints = typing.get_type_hints(words.analyze)
    assert hints == {"text": str, "return": guest_module(gen, "words").Stats}  # unwrapped result
    assert "Raises `Err`" in (words.analyze.__doc__ or "")


def test_exported_interface_and_resource_bases(gen: Generated) -> None:
    exports = guest_module(gen, "rich", "exports")
    tools = guest_module(gen, "rich", "exports.tools")
    assert exports.Tools is tools.Exports and exports.__all__ == ["Tools"]
    assert exports.Tools.__abstractmethods__ == {
        "area",
        "find",
        "nested",
        "results",
        "make_counter",
        "read_counter",
    }
    with pytest.raises(TypeError):
        exports.Tools()
    Counter = tools.Counter
    assert Counter.__abstractmethods__ == {"__init__", "incr", "get", "name"}
    assert isinstance(Counter.__dict__["name"], staticmethod)
    assert not isinstance(Counter.__dict__["incr"], (staticmethod, classmethod))
    with pytest.raises(TypeError):
        Counter(1)

    class Partial(tools.Counter):  # type: ignore[misc,name-defined]
        def __init__(self, start: int) -> None:
            self.n = start

        def incr(self, by: int) -> int:
            self.n += by
            return int(self.n)

        def get(self) -> int:
            return int(self.n)

    with pytest.raises(TypeError, match="name"):
        Partial(1)

    class Full(Partial):
        @staticmethod
        def name() -> str:
            return "full"

    c = Full(3)
    assert c.incr(2) == 5 and c.get() == 5 and Full.name() == "full"
    assert inspect.signature(Counter.__init__).parameters.keys() == {"self", "start"}
    # The implementation helper a carrier uses finds the one subclass in a plugin module.
    plugin = types.ModuleType("a_plugin")
    Full.__module__ = "a_plugin"
    plugin.Full = Full  # type: ignore[attr-defined]
    assert tools._rt.implementation(plugin, Counter) is Full


def test_types_shapes(gen: Generated) -> None:
    ty = guest_module(gen, "rich", "imports.types")
    tools = guest_module(gen, "rich", "exports.tools")
    host_api = guest_module(gen, "rich", "imports.host_api")
    # records: dataclasses, snake_case fields in WIT order; a used type is the same class.
    assert [f.name for f in dataclasses.fields(ty.Point)] == ["x", "y"]
    assert [f.name for f in dataclasses.fields(tools.Item)] == [
        "name",
        "tags",
        "color",
        "perms",
        "where",
    ]
    assert tools.Point is ty.Point and host_api.Point is ty.Point and tools.Color is ty.Color
    # enum and flags: SHOUTY members in WIT order.
    assert issubclass(ty.Color, enum.Enum) and not issubclass(ty.Color, enum.Flag)
    assert [c.name for c in ty.Color] == ["RED", "GREEN", "BLUE"]
    assert issubclass(tools.Perms, enum.Flag)
    assert [p.name for p in tools.Perms] == ["READ", "WRITE", "EXEC"]
    assert tools.Perms.READ | tools.Perms.EXEC != tools.Perms.WRITE
    # variants: one dataclass per case, `.value` only with a payload; the alias is their union.
    assert typing.get_args(tools.Shape) == (tools.Shape_Circle, tools.Shape_Rect, tools.Shape_None)
    assert typing.get_args(tools.ToolError) == (
        tools.ToolError_NotFound,
        tools.ToolError_Invalid,
        tools.ToolError_Other,
    )
    assert [f.name for f in dataclasses.fields(tools.Shape_Rect)] == ["value"]
    assert dataclasses.fields(tools.Shape_None) == ()
    assert tools.Shape_Rect((1.0, 2.0)).value == (1.0, 2.0)
    assert tools.ToolError_Other() == tools.ToolError_Other()
    # world-level types (words): in the package's `__init__`, names converted the same way.
    words = guest_module(gen, "words")
    assert [c.name for c in words.LetterCase] == ["LOWER", "UPPER", "TITLE", "MIXED"]
    assert [f.name for f in dataclasses.fields(words.Stats)] == [
        "words",
        "numbers",
        "longest",
        "longest_case",
    ]
    assert [c.__name__ for c in typing.get_args(words.Token)] == [
        "Token_Word",
        "Token_Number",
        "Token_Punct",
    ]
    assert [c.__name__ for c in typing.get_args(words.AnalysisError)] == [
        "AnalysisError_Empty",
        "AnalysisError_TooLong",
    ]
    # Python keywords and builtins are escaped (edge.wit: world `%class`, record `%self`, ...).
    edge = guest_module(gen, "edge")
    only = guest_module(gen, "edge", "imports.only_types")
    assert [f.name for f in dataclasses.fields(edge.Self)] == ["int_", "float_", "object_"]
    assert [f.name for f in dataclasses.fields(only.Value)] == ["value", "type_"]
    assert [c.name for c in only.False_] == ["TRUE", "FALSE"]
    assert edge.Class.__abstractmethods__ == {"self", "deep", "lambda_"}


def shapes(module: ModuleType, skip: set[str]) -> dict[str, tuple[Any, ...]]:
    """The public types of a generated module, by name: what they are and what they hold."""
    package = module.__name__.split(".")[0]
    out: dict[str, tuple[Any, ...]] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or name in skip:
            continue
        if isinstance(value, type):
            if value.__module__ == "builtins":
                out[name] = ("alias", value.__name__)
            elif (
                value.__module__.split(".")[0] != package
                or value.__module__.endswith(("._rt", "._values"))
                or "._rt." in value.__module__
            ):
                continue  # Ok, Err, Some, the host's error classes
            elif dataclasses.is_dataclass(value):
                out[name] = (
                    "dataclass",
                    value.__name__,
                    [f.name for f in dataclasses.fields(value)],
                )
            elif issubclass(value, enum.Enum):
                out[name] = ("enum", value.__name__, [(e.name, e.value) for e in value])
            else:
                out[name] = ("class", value.__name__)
        elif isinstance(value, types.UnionType):
            out[name] = ("union", [a.__name__ for a in typing.get_args(value)])
        elif isinstance(value, types.GenericAlias) or typing.get_origin(value) is not None:
            # e.g. list[list[Value | None]]: compared without the packages' module paths
            out[name] = ("alias", re.sub(r"\b[\w.]+\.(?=\w)", "", repr(value)))
    return out


@pytest.mark.parametrize("name", [n for n in INPUTS])
def test_same_shapes_as_the_host_bindings(gen: Generated, name: str) -> None:
    """The contract both sides rely on (`_rt.Side.peer`): the guest module `imports.x` or
    `exports.x` has the classes of the host bindings' module `x`, by the same names, with the
    same fields, members and cases."""
    guest, host = gen.guests[name], gen.hosts[name]
    world = guest_module(gen, name)
    # guest module -> host module: `__init__` -> `__init__`, `imports/x.py` or `exports/x.py` -> `x`
    strip = {
        "" if path == "__init__.py" else path.removesuffix(".py").replace("/", "."): (
            "" if path == "__init__.py" else path.removesuffix(".py").split("/")[1]
        )
        for path in guest.files
        if path.endswith(".py")
        and not path.startswith("_rt/")
        and not path.endswith(("_values.py", "/__init__.py"))
    }
    assert sorted(strip.values()) == sorted(
        "" if path == "__init__.py" else path.removesuffix(".py")
        for path in host.files
        if path.endswith(".py") and path not in runtime_files("host")
    )
    world_class = getattr(world, world._WORLD_CLASS)
    compared = 0
    for rel, host_rel in strip.items():
        g = guest_module(gen, name, rel)
        h = host_module(gen, name, host_rel)
        g_shapes = shapes(g, {"Exports"})
        h_shapes = shapes(h, {"Exports", "Host", f"{world_class.__name__}Imports"})
        assert g_shapes == h_shapes, rel
        compared += len(g_shapes)
        for type_name, shape in g_shapes.items():
            if shape[0] == "class":  # resources and the world class: every member is the host's
                members = {n for n in vars(getattr(g, type_name)) if not n.startswith("_")}
                assert members <= set(dir(getattr(h, type_name))), (rel, type_name)
        if rel.startswith("exports."):  # the interface's functions, on the host's `Exports`
            assert g.Exports.__abstractmethods__ <= set(dir(h.Exports)), rel
    # Not vacuous: rich has Rich; Point, Color; Point, Blob; and in `tools` Point, Color, Perms,
    # Item, Counter, the 3 + 3 cases and the 2 unions. words: Words, LetterCase, Stats, the 3 + 2
    # cases and the 2 unions.
    assert compared == {"rich": 18, "words": 10}.get(name, compared) and compared >= 1


# --- 6. the run time: no carrier, a fake carrier, the converters' checks -----------------------


def test_imports_outside_a_carrier_raise_runtime_error(gen: Generated) -> None:
    host_api = guest_module(gen, "rich", "imports.host_api")
    imports = guest_module(gen, "rich", "imports")
    calls: list[tuple[str, Callable[[], object]]] = [
        ("host_api.get_config()", lambda: host_api.get_config("k")),
        ("host_api.checked_div()", lambda: host_api.checked_div("not checked", 1)),
        ("host_api.Blob()", lambda: host_api.Blob(b"")),
        ("log()", lambda: imports.log("x")),
    ]
    for label, call in calls:
        with pytest.raises(RuntimeError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"{label}: the plugin is not running"), message
        assert "`witgen build`" in message and "from_python" in message


class Peer:
    """A host object as the fake carrier hands it out."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __repr__(self) -> str:
        return f"Peer({self.tag})"


def fake_backend(gen: Generated, answer: Any) -> Any:
    """A `Backend` over the rich host bindings' classes that records every call; `answer(spec,
    args)` gives the side's result (or raises)."""
    rt = guest_module(gen, "rich", "_rt")
    host = host_module(gen, "rich")

    class HostSide(rt.ModuleSide):  # type: ignore[misc,name-defined]
        ok, err, some = host.Ok, host.Err, host.Some

    class Fake(rt.Backend):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.side = HostSide(host.__name__, strip=True)
            self.calls: list[tuple[str, str, list[Any]]] = []
            self.dropped: list[Any] = []

        def invoke(self, spec: Any, args: list[Any]) -> Any:
            self.calls.append((spec.instance, spec.name, args))
            return answer(spec, args)

        def drop(self, peer: Any) -> None:
            self.dropped.append(peer)

    return Fake()


def test_imports_through_a_fake_carrier(gen: Generated) -> None:
    rt = guest_module(gen, "rich", "_rt")
    host_api = guest_module(gen, "rich", "imports.host_api")
    imports = guest_module(gen, "rich", "imports")
    host = host_module(gen, "rich")
    api = "demo:rich/host-api@0.1.0"
    peers = iter([Peer("a"), Peer("merged"), Peer("b")])

    def answer(spec: Any, args: list[Any]) -> Any:
        if spec.name == "checked-div":
            if args[1] == 0:
                raise host.Err("division by zero")
            return args[0] // args[1]
        if spec.name == "get-config":
            return None if args[0] == "missing" else f"value of {args[0]}"
        if spec.kind in ("constructor", "static"):
            return next(peers)
        if spec.name == "[method]blob.read":
            return b"read"
        return None

    fake = fake_backend(gen, answer)
    restore = rt.use_backend(fake)
    try:
        assert host_api.get_config("k") == "value of k"
        assert host_api.get_config("missing") is None
        assert host_api.checked_div(7, 2) == 3
        with pytest.raises(rt.Err) as raised:  # the side's err, raised as the guest's `Err`
            host_api.checked_div(1, 0)
        assert type(raised.value) is rt.Err and raised.value.value == "division by zero"
        imports.log("hello")
        assert fake.calls == [
            (api, "get-config", ["k"]),
            (api, "get-config", ["missing"]),
            (api, "checked-div", [7, 2]),
            (api, "checked-div", [1, 0]),
            ("", "log", ["hello"]),
        ]
        fake.calls.clear()
        # Arguments are checked before the carrier sees them, naming the argument.
        with pytest.raises(TypeError) as info:
            host_api.checked_div("x", 1)
        assert str(info.value) == (
            "host_api.checked_div(): argument 'a': expected s32 (-2147483648..2147483647),"
            " got 'x' (str)"
        )
        with pytest.raises(ValueError) as overflow:
            host_api.checked_div(1, 2**31)
        assert str(overflow.value) == (
            "host_api.checked_div(): argument 'b': expected s32 (-2147483648..2147483647),"
            " got 2147483648"
        )
        with pytest.raises(TypeError, match="argument 'a'"):
            host_api.checked_div(True, 1)  # a bool is no s32
        with pytest.raises(TypeError, match="argument 'msg': expected string"):
            imports.log(b"bytes")
        assert fake.calls == []
        # The host's resource: a proxy holding the carrier's object.
        blob = host_api.Blob(bytearray(b"init"))
        assert isinstance(blob, host_api.Blob) and isinstance(blob, rt.Resource)
        blob.write(memoryview(b"data"))
        assert blob.read() == b"read"
        merged = host_api.Blob.merge(blob, blob)
        assert type(merged) is host_api.Blob
        peer = blob._peer
        assert repr(peer) == "Peer(a)" and repr(merged._peer) == "Peer(merged)"
        assert fake.calls == [
            (api, "[constructor]blob", [b"init"]),  # a bytearray, converted to bytes
            (api, "[method]blob.write", [peer, b"data"]),  # `self` is the carrier's object
            (api, "[method]blob.read", [peer]),
            (api, "[static]blob.merge", [peer, peer]),
        ]
        blob.close()
        blob.close()  # closing again does nothing
        assert fake.dropped == [peer]
        with pytest.raises(ValueError) as closed:
            blob.read()
        assert str(closed.value) == "host_api.Blob.read(): argument 'self': this Blob is closed"
        with host_api.Blob(b"") as other:
            pass
        assert [repr(p) for p in fake.dropped] == ["Peer(a)", "Peer(b)"]
        assert other._peer is None and merged._peer is not None
    finally:
        restore()
    with pytest.raises(RuntimeError, match="not running"):
        host_api.get_config("k")  # the carrier is gone again


def test_converters_check_values_and_name_the_path(gen: Generated) -> None:
    rt = guest_module(gen, "rich", "_rt")
    tools = guest_module(gen, "rich", "exports.tools")
    ty = guest_module(gen, "rich", "imports.types")
    host_tools = host_module(gen, "rich", "tools")
    host_types = host_module(gen, "rich", "types")
    side = fake_backend(gen, lambda spec, args: None).side
    item = tools.Item(
        "a", ["x", "y"], ty.Color.GREEN, tools.Perms.READ | tools.Perms.EXEC, ty.Point(1, -2)
    )
    # Out: the host bindings' classes, found by module and name (the same shapes on both sides).
    out = tools._C_Item.out(item, side)
    assert type(out) is host_tools.Item and type(out.where) is host_types.Point
    assert (out.name, out.tags, out.where.x, out.where.y) == ("a", ["x", "y"], 1, -2)
    assert out.color is host_types.Color.GREEN
    assert out.perms == host_tools.Perms.READ | host_tools.Perms.EXEC
    assert tools._C_Item.into(out, side) == item  # and back
    shape = tools._C_Shape.out(tools.Shape_Rect((1.0, 2)), side)
    assert type(shape) is host_tools.Shape_Rect and shape.value == (1.0, 2.0)
    assert tools._C_Shape.into(host_tools.Shape_None(), side) == tools.Shape_None()
    nested = tools._X_nested.result
    assert nested.out(rt.Some(None), side) == host_module(gen, "rich").Some(None)
    assert nested.out(None, side) is None
    # Wrong values: `Bad`, with the path from the outside in, then the message.
    wrong = dataclasses.replace(item, tags=["x", 5])
    with pytest.raises(rt.Bad) as bad:
        tools._C_Item.out(wrong, side)
    assert bad.value.kind is TypeError
    error = bad.value.error("here")
    assert type(error) is TypeError
    assert str(error) == "here: field 'tags': element 1: expected string, got 5 (int)"
    with pytest.raises(rt.Bad) as bad:
        rt.List(tools._C_Item).out(
            [item, dataclasses.replace(item, where=ty.Point(2**31, 0))], side
        )
    assert bad.value.kind is ValueError
    assert str(bad.value.error("x")) == (
        "x: element 1: field 'where': some: field 'x': expected s32 (-2147483648..2147483647),"
        " got 2147483648"
    )
    with pytest.raises(rt.Bad) as bad:
        tools._C_Item.out(
            host_tools.Item("a", [], host_types.Color.RED, host_tools.Perms(0), None), side
        )
    assert "expected record item (Item)" in bad.value.message  # the host's Item is not the guest's
    with pytest.raises(rt.Bad) as bad:
        tools._C_Shape.out(tools.ToolError_Other(), side)
    assert "expected variant shape (Shape_Circle | Shape_Rect | Shape_None)" in bad.value.message
    with pytest.raises(rt.Bad) as bad:
        tools._C_Perms.out(ty.Color.RED, side)
    assert bad.value.kind is TypeError and "flags perms (Perms)" in bad.value.message
    with pytest.raises(rt.Bad) as bad:
        nested.out(5, side)  # the outer some of a nested option must be `Some`
    assert "None or Some(...)" in bad.value.message


class _Int(int):
    pass


def test_shared_shapes_cross_unconverted_and_are_still_checked(gen: Generated) -> None:
    """`Side.share_shapes` (what the componentize-py glue does before componentize-py looks up
    its classes): a side whose class of a record, enum, flags or variant has the guest class's
    shape gets the guest class in its module, and values of it then cross as they are; a type
    holding a value the sides spell differently (a `result`, a nested option) is converted."""
    rt = guest_module(gen, "rich", "_rt")
    tools = guest_module(gen, "rich", "exports.tools")
    ty = guest_module(gen, "rich", "imports.types")
    host = host_module(gen, "rich")
    # The side's modules: copies of the host bindings' modules, which this test may change.
    copies = {
        rel: types.SimpleNamespace(**vars(host_module(gen, "rich", rel) if rel else host))
        for rel in ("", "tools", "types")
    }

    class CopySide(rt.ModuleSide):  # type: ignore[misc,name-defined]
        ok, err, some = host.Ok, host.Err, host.Some
        keeps_values = False  # as componentize-py's: the plugin's lists may be given as they are

        def module(self, rel: str) -> Any:
            return copies[rel.split(".", 1)[1] if rel else ""]

    side = CopySide(host.__name__, strip=True)
    side.share_shapes([tools._C_Item, tools._C_Shape, tools._C_ToolError])
    shared = (tools.Item, ty.Point, ty.Color, tools.Perms, tools.Shape_Rect)
    for ours in shared:
        module = copies["tools" if ours.__module__ == tools.__name__ else "types"]
        assert getattr(module, ours.__name__) is ours
    assert copies["tools"].Shape_None is tools.Shape_None
    assert copies["tools"].ToolError_Other is tools.ToolError_Other
    assert side.into_fn(tools._X_results.result) is not None  # results: converted
    assert side.into_fn(tools._X_nested.result) is not None  # the outer some: converted
    item = tools.Item("a", ["x"], ty.Color.GREEN, tools.Perms.READ, ty.Point(1, -2))
    assert tools._C_Item.out(item, side) is item
    assert tools._C_Item.into(item, side) is item
    rect = tools.Shape_Rect((1.0, 2.0))
    assert tools._C_Shape.out(rect, side) is rect
    # An int subclass is still accepted, in a copy holding a plain int.
    copy = tools._C_Item.out(dataclasses.replace(item, where=ty.Point(_Int(1), 2)), side)
    assert copy is not item and type(copy.where.x) is int and copy.where == ty.Point(1, 2)
    with pytest.raises(rt.Bad) as bad:
        tools._C_Item.out(dataclasses.replace(item, where=ty.Point(2**31, 0)), side)
    assert str(bad.value.error("x")) == (
        "x: field 'where': some: field 'x': expected s32 (-2147483648..2147483647), got 2147483648"
    )
    with pytest.raises(rt.Bad) as bad:
        tools._C_Item.out(dataclasses.replace(item, tags=["x", 5]), side)
    assert (
        str(bad.value.error("here"))
        == "here: field 'tags': element 1: expected string, got 5 (int)"
    )


# --- 7. the command line ------------------------------------------------------------------------


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_cli_writes_the_guest_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([str(REPO / "wit" / "plugin.wit"), "--guest", "-o", str(out)]) == 0
    target = out / "plugin_guest"
    assert files_under(target) == [
        "__init__.py",
        *RT_FILES,
        "_values.py",
        "exports/__init__.py",
        "imports/__init__.py",
        "imports/host.py",
        "py.typed",
    ]
    captured = capsys.readouterr()
    n = 6 + len(RT_FILES)
    assert (
        captured.out == f"wrote {target} ({n} files changed, 0 unchanged)\n" and captured.err == ""
    )
    assert sorted(p.name for p in out.iterdir()) == ["plugin_guest"]  # no host package, no staging
    assert (target / "imports" / "host.py").read_text().startswith(HEADER + "\n")


def test_cli_errors_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    bad = tmp_path / "bad.wit"
    bad.write_text("package t:x;\nworld w { export f: func() -> nope; }\n")
    assert main([str(bad), "--guest", "-o", str(out)]) == 1
    assert "bad.wit:2:" in capsys.readouterr().err
    assert main([str(WIT_DIR / "kitchen.wit"), "--guest", "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"error: {KITCHEN_DUAL}\n" and captured.out == ""
    assert not out.exists() or list(out.iterdir()) == []


def test_docstrings_survive_any_text(gen: Generated) -> None:
    files = gen.guests["docs"].files
    for name, text in files.items():
        if name.endswith(".py"):
            compile(text, name, "exec")
    api = guest_module(gen, "docs", "imports.api")
    tools = guest_module(gen, "docs", "exports.tools")
    docs = guest_module(gen, "docs")
    imports = guest_module(gen, "docs", "imports")
    expected = {
        docs: "World docs ending with a backslash \\\n\nGuest wrappers for world `docs`.",
        docs.Docs.run: 'Exported func doc """x"""',
        imports.log: 'Imported func doc ending "',
        api: 'Imported: a backslash \\ and """triple""" quotes, ending with a quote "\n\n'
        "Bindings for interface `t:docs/api`.",
        api.Rec: 'A record "quoted", \\n literally; ends with a backslash \\',
        api.Res.__init__: 'Constructor """doc"""',
        api.Res.m: 'Method \\ doc "',
        api.f: 'Function doc ending with a quote "',
        tools: "Exported: ends with two backslashes \\\\\n\nBindings for interface `t:docs/tools`.",
        tools.V_C: 'Case doc ending with "\n\nThe `c` case of `V`.',
        tools.Thing.make: 'Static ""',
        tools.Exports.g: 'Tool doc \\"',
    }
    for obj, doc in expected.items():
        # (black puts a space between a closing `\"` and the closing quotes)
        assert (inspect.getdoc(obj) or "").rstrip(" ") == doc, obj
    assert (inspect.getdoc(api.Res) or "").startswith('A host resource ending with "\n\n')
    assert (inspect.getdoc(tools.Thing) or "").startswith('A plugin resource """\n\n')

    # A variant alias's docstring is the string statement after it, and so is a field's (never a
    # `#` comment, where tools read directives).
    def after(body: list[ast.stmt]) -> dict[str, object]:
        return {
            ast.unparse(stmt.target): nxt.value.value
            for stmt, nxt in zip(body, body[1:])
            if isinstance(stmt, ast.AnnAssign)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
        }

    assert after(ast.parse(files["exports/tools.py"]).body)["V"] == 'Variant doc """'
    rec = next(
        s
        for s in ast.parse(files["imports/api.py"]).body
        if isinstance(s, ast.ClassDef) and s.name == "Rec"
    )
    assert after(rec.body)["a"] == 'A field comment with """ and \\'


def test_world_function_named_like_an_imported_module(gen: Generated) -> None:
    """`import foo: func()` beside interface `foo`: the module `imports.foo` keeps its name (the
    host bindings' module is `foo`), the function is `imports.foo_` (its spec keeps `foo`)."""
    package = guest_module(gen, "clash")
    imports = guest_module(gen, "clash", "imports")
    foo = guest_module(gen, "clash", "imports.foo")
    assert isinstance(imports.foo, ModuleType) and imports.foo is foo
    assert callable(imports.foo_) and package.G is str
    assert package._I_foo.py_name == "foo" and package._I_foo.name == "foo"
    with pytest.raises(RuntimeError, match=r"^foo\(\): the plugin is not running"):
        imports.foo_()
