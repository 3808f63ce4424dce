"""The contract check: a component is compared with the world's types before it runs.

The host bindings write and read wasmtime's C values directly, for the types they were generated
for; a component of another shape must be refused before its first call (shared/notes/
wasmtime-py-50.md §8), or the converters would read the wrong member of a C union (host memory
returned as a string, or a crash). Each case below builds a REAL component of a world that differs
from the bindings' world `BASE` in one place and loads it with `BASE`'s bindings: `load` raises
`ComponentError` naming the file, the function and the first difference in WIT terms. The expected
messages were written by hand from the two worlds. The same check guards `instantiate` and the
world class made from an instance of the caller's own making (`add_to_linker`), and a component
instantiated behind the bindings' back cannot call their host functions.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest
import wasmtime

from codegen.support import generate_and_import

BASE = """
package test:contract;

interface types {
  record stats { words: u32, longest: option<string> }
  variant shape { circle(f32), square(u32), nothing }
  enum color { red, green }
  flags perms { read, write }
}

interface store {
  resource file { size: func() -> u64; }
  resource dir;
  file-size: func(f: borrow<file>) -> u64;
}

interface api {
  use types.{stats, shape, color, perms};
  resource blob { constructor(n: u32); size: func() -> u32; }
  resource other;
  analyze: func(text: string) -> result<stats, string>;
  draw: func(s: shape, c: color, p: perms) -> list<tuple<u8, string>>;
  take: func(b: blob) -> u32;
  peek: func(b: borrow<blob>) -> u32;
}

world plugin {
  import log: func(msg: string);
  import clock: interface { now: func() -> u64; }
  import store;
  export api;
  export run: func(param: string) -> string;
}
"""

WORLD = "test:contract/plugin"
API = 'export "{}" of interface "test:contract/api"'

# (one change to BASE, the message `load` gives after the component's path)
MISMATCHES = {
    "result type": (
        ("export run: func(param: string) -> string;", "export run: func(param: string) -> u32;"),
        f'export "run" returns u32, but world {WORLD} says string',
    ),
    "parameter type": (
        ("export run: func(param: string) -> string;", "export run: func(param: u32) -> string;"),
        f'export "run", parameter "param": u32, but world {WORLD} says string',
    ),
    "parameter renamed": (
        (
            "export run: func(param: string) -> string;",
            "export run: func(input: string) -> string;",
        ),
        'export "run" has no parameter "param" (the component\'s has input)',
    ),
    "parameter added": (
        (
            "export run: func(param: string) -> string;",
            "export run: func(param: string, extra: u32) -> string;",
        ),
        f'export "run" has a parameter "extra" that world {WORLD} does not have',
    ),
    "result removed": (
        ("export run: func(param: string) -> string;", "export run: func(param: string);"),
        f'export "run" returns nothing, but world {WORLD} says string',
    ),
    "result added": (
        ("import log: func(msg: string);", "import log: func(msg: string) -> u32;"),
        f'import "log" returns u32, but world {WORLD} says nothing',
    ),
    "field added": (
        (
            "record stats { words: u32, longest: option<string> }",
            "record stats { words: u32, longest: option<string>, numbers: u32 }",
        ),
        API.format("analyze")
        + f', result > ok: record "stats" has a field "numbers" that world {WORLD} does not have',
    ),
    "field removed": (
        ("record stats { words: u32, longest: option<string> }", "record stats { words: u32 }"),
        API.format("analyze")
        + ', result > ok: record "stats" has no field "longest" (the component\'s has words)',
    ),
    "field renamed": (
        (
            "record stats { words: u32, longest: option<string> }",
            "record stats { count: u32, longest: option<string> }",
        ),
        API.format("analyze")
        + ', result > ok: record "stats" has no field "words" (the component\'s has count, longest)',
    ),
    "fields reordered": (
        (
            "record stats { words: u32, longest: option<string> }",
            "record stats { longest: option<string>, words: u32 }",
        ),
        API.format("analyze")
        + ', result > ok: record "stats" has its fields in another order (longest, words), but'
        + f" world {WORLD} says (words, longest)",
    ),
    "option payload type": (
        (
            "record stats { words: u32, longest: option<string> }",
            "record stats { words: u32, longest: option<u32> }",
        ),
        API.format("analyze")
        + f', result > ok > field "longest" > some: u32, but world {WORLD} says string',
    ),
    "option dropped": (
        (
            "record stats { words: u32, longest: option<string> }",
            "record stats { words: u32, longest: string }",
        ),
        API.format("analyze")
        + f', result > ok > field "longest": string, but world {WORLD} says option<string>',
    ),
    "result err changed": (
        (
            "analyze: func(text: string) -> result<stats, string>;",
            "analyze: func(text: string) -> result<stats>;",
        ),
        API.format("analyze")
        + " returns result<record { words: u32, longest: option<string> }, _>, but world"
        + f" {WORLD} says result<stats, string>",
    ),
    "cases reordered": (
        (
            "variant shape { circle(f32), square(u32), nothing }",
            "variant shape { square(u32), circle(f32), nothing }",
        ),
        API.format("draw")
        + ', parameter "s": variant "shape" has its cases in another order (square, circle,'
        + f" nothing), but world {WORLD} says (circle, square, nothing)",
    ),
    "case payload dropped": (
        (
            "variant shape { circle(f32), square(u32), nothing }",
            "variant shape { circle(f32), square, nothing }",
        ),
        API.format("draw")
        + f', parameter "s" > case "square": no payload, but world {WORLD} says u32',
    ),
    "enum case renamed": (
        ("enum color { red, green }", "enum color { red, blue }"),
        API.format("draw")
        + ', parameter "c": enum "color" has no case "green" (the component\'s has red, blue)',
    ),
    "flag added": (
        ("flags perms { read, write }", "flags perms { read, write, exec }"),
        API.format("draw")
        + f', parameter "p": flags "perms" has a flag "exec" that world {WORLD} does not have',
    ),
    "list element type": (
        (
            "-> list<tuple<u8, string>>;",
            "-> list<tuple<u16, string>>;",
        ),
        API.format("draw") + f", result > element > item 0: u16, but world {WORLD} says u8",
    ),
    "tuple length": (
        (
            "-> list<tuple<u8, string>>;",
            "-> list<tuple<u8, string, u8>>;",
        ),
        API.format("draw")
        + f", result > element: tuple<u8, string, u8>, but world {WORLD} says tuple<u8, string>",
    ),
    "list dropped": (
        ("-> list<tuple<u8, string>>;", "-> tuple<u8, string>;"),
        API.format("draw")
        + f" returns tuple<u8, string>, but world {WORLD} says list<tuple<u8, string>>",
    ),
    "exported resource swapped": (
        ("take: func(b: blob) -> u32;", "take: func(b: other) -> u32;"),
        API.format("take")
        + f', parameter "b": a handle of another resource, but world {WORLD} says own<blob>'
        + " (of interface test:contract/api)",
    ),
    "borrow instead of own": (
        ("take: func(b: blob) -> u32;", "take: func(b: borrow<blob>) -> u32;"),
        API.format("take")
        + f', parameter "b": borrow<a resource>, but world {WORLD} says own<blob>',
    ),
    "own instead of borrow": (
        ("peek: func(b: borrow<blob>) -> u32;", "peek: func(b: blob) -> u32;"),
        API.format("peek")
        + f', parameter "b": own<a resource>, but world {WORLD} says borrow<blob>',
    ),
    "imported resource swapped": (
        ("file-size: func(f: borrow<file>) -> u64;", "file-size: func(f: borrow<dir>) -> u64;"),
        'import "file-size" of interface "test:contract/store", parameter "f": a handle of'
        + f" another resource, but world {WORLD} says borrow<file> (of interface"
        + " test:contract/store)",
    ),
    "import parameter type": (
        ("import log: func(msg: string);", "import log: func(msg: u32);"),
        f'import "log", parameter "msg": u32, but world {WORLD} says string',
    ),
    "inline interface import": (
        ("now: func() -> u64;", "now: func() -> u32;"),
        f'import "now" of interface "clock" returns u32, but world {WORLD} says u64',
    ),
    "missing export": (
        ("export run: func(param: string) -> string;", ""),
        f'the component has no export "run", which world {WORLD} has',
    ),
    "missing exported interface": (
        ("export api;", ""),
        f'the component does not export interface "test:contract/api", which world {WORLD}'
        + " exports",
    ),
    "missing exported function": (
        ("  peek: func(b: borrow<blob>) -> u32;\n", ""),
        f'the component has no {API.format("peek")}, which world {WORLD} has',
    ),
}

# Components that keep the contract: they load.
CONTROLS = {
    "identical": [],
    # Names of types are not part of a type: only the structure is.
    "types renamed and reordered": [
        (
            "  record stats { words: u32, longest: option<string> }\n",
            "  enum hue { red, green }\n  record statistics { words: u32, longest: option<string> }\n",
        ),
        ("  enum color { red, green }\n", ""),
        (
            "use types.{stats, shape, color, perms};",
            "use types.{statistics as stats, shape, hue as color, perms};",
        ),
    ],
    "an extra export": [
        (
            "export run: func(param: string) -> string;",
            "export run: func(param: string) -> string;\n  export more: func() -> u32;",
        ),
    ],
    # A world import the component does not import is never called.
    "an import the component does not use": [("import log: func(msg: string);", "")],
}


def change(edits: list[tuple[str, str]]) -> str:
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(BASE, tmp_path_factory.mktemp("contract"))


class Host:
    """Enough of a host for the controls (the mismatches are refused before it is looked at)."""

    def __init__(self, pkg: ModuleType) -> None:
        store = __import__(f"{pkg.__name__}.store", fromlist=["store"])

        class File(store.File):  # type: ignore[misc,name-defined]
            def size(self) -> int:
                return 1

        class Dir(store.Dir):  # type: ignore[misc,name-defined]
            pass

        self.store = type(
            "Store", (), {"file": File, "dir": Dir, "file_size": staticmethod(lambda f: f.size())}
        )()
        self.clock = type("Clock", (), {"now": staticmethod(lambda: 5)})()
        self.logged: list[str] = []

    def log(self, msg: str) -> None:
        self.logged.append(msg)


@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_load_refuses_a_component_of_other_types(
    case: str, pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    edit, message = MISMATCHES[case]
    component = component_builder(change([edit]))
    with pytest.raises(pkg.ComponentError) as info:
        pkg.Plugin.load(component, Host(pkg), cache=tmp_path)
    assert str(info.value) == f"{component}: {message}"


@pytest.mark.parametrize("case", sorted(CONTROLS))
def test_load_accepts_a_component_of_the_same_types(
    case: str, pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    component = component_builder(
        change(CONTROLS[case]),
        bodies={"run": "(local.get 0) (local.get 1) drop drop (i32.const 64)"},
    )
    plugin = pkg.Plugin.load(component, Host(pkg), cache=tmp_path)
    plugin.close()


# --------------------------------------------------------------------------------------------
# The same check on every path into an instance


RUN_AS_U32 = change([MISMATCHES["result type"][0]])


def by_hand(pkg: ModuleType, path: Path) -> tuple[wasmtime.Store, Any, Any]:
    """A store, the compiled component and a linker with WASI and the world's imports, made
    with wasmtime's own API as a caller managing them would."""
    engine = wasmtime.Engine()
    component = wasmtime.component.Component.from_file(engine, str(path))
    linker = wasmtime.component.Linker(engine)
    linker.add_wasip2()
    pkg.Plugin.add_to_linker(linker, Host(pkg))
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    return store, component, linker


def test_instantiate_checks_before_instantiating(
    pkg: ModuleType, component_builder: Callable[..., Path]
) -> None:
    store, component, linker = by_hand(pkg, component_builder(RUN_AS_U32))
    with pytest.raises(pkg.ComponentError, match='^the component: export "run" returns u32'):
        pkg.Plugin.instantiate(store, component, linker)


def test_an_instance_of_the_callers_making_is_checked_before_its_first_call(
    pkg: ModuleType, component_builder: Callable[..., Path]
) -> None:
    store, component, linker = by_hand(pkg, component_builder(RUN_AS_U32))
    instance = linker.instantiate(store, component)
    with pytest.raises(pkg.ComponentError, match='^the component: export "run" returns u32'):
        pkg.Plugin(store, component, instance)


# `run` calls `log` with a string at address 0 of the component's memory, 5 bytes long ("hello"),
# and returns the same string (its pointer and length at address 64).
CALL_LOG = {"run": '(call $"log" (i32.const 0) (i32.const 5)) (i32.const 64)'}
HELLO = '(data (i32.const 0) "hello") (data (i32.const 64) "\\00\\00\\00\\00\\05\\00\\00\\00")'


def test_an_unchecked_component_cannot_call_the_host_functions(
    pkg: ModuleType, component_builder: Callable[..., Path]
) -> None:
    """`add_to_linker`, then the caller's own `linker.instantiate` and a call through wasmtime's own
    API: nothing checked the component, so the bindings' host functions refuse to run. Once the
    world class wraps an instance of the store (which checks the component), they run."""
    engine = wasmtime.Engine()
    path = component_builder(BASE, bodies=CALL_LOG, extra_wat=HELLO)
    component = wasmtime.component.Component.from_file(engine, str(path))
    linker = wasmtime.component.Linker(engine)
    linker.add_wasip2()
    host = Host(pkg)
    pkg.Plugin.add_to_linker(linker, host)

    def new_instance() -> tuple[wasmtime.Store, Any]:
        store = wasmtime.Store(engine)
        store.set_wasi(wasmtime.WasiConfig())
        return store, linker.instantiate(store, component)

    store, instance = new_instance()
    run = instance.get_func(store, "run")
    with pytest.raises(wasmtime.WasmtimeError, match="were not checked against the world"):
        run(store, "x")
    assert host.logged == []
    store, instance = new_instance()
    plugin = pkg.Plugin(store, component, instance)
    assert plugin.run("x") == "hello"
    assert host.logged == ["hello"]


def test_the_verdict_is_kept_beside_the_cache_entry(
    pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    good = component_builder(BASE)
    pkg.Plugin.load(good, Host(pkg), cache=tmp_path).close()
    (entry,) = tmp_path.glob("*.cwasm")
    assert re.fullmatch(r"[0-9a-f]{64}\.cwasm", entry.name)
    verdicts = [p.name for p in tmp_path.glob("*.kept")]
    assert verdicts == [entry.name.replace(".cwasm", f".{pkg._CONTRACT.digest}.kept")]
    # A component that does not keep the contract gets no verdict, and is refused every time.
    bad = component_builder(RUN_AS_U32)
    for _ in range(2):
        with pytest.raises(pkg.ComponentError):
            pkg.Plugin.load(bad, Host(pkg), cache=tmp_path)
    assert len([p for p in tmp_path.iterdir() if p.name.endswith(".kept")]) == 1


def test_a_verdict_that_is_not_the_users_own_file_is_not_trusted(
    pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    """A verdict file others could have written (group- or world-writable) does not spare a
    component the check."""
    bad = component_builder(RUN_AS_U32)
    with pytest.raises(pkg.ComponentError):
        pkg.Plugin.load(bad, Host(pkg), cache=tmp_path)
    (entry,) = tmp_path.glob("*.cwasm")
    forged = entry.with_name(entry.name.replace(".cwasm", f".{pkg._CONTRACT.digest}.kept"))
    forged.write_text("")
    os.chmod(forged, 0o666)
    pkg._rt.typecheck._VERDICTS.clear()  # what this process remembers is not the point here
    with pytest.raises(pkg.ComponentError, match='export "run" returns u32'):
        pkg.Plugin.load(bad, Host(pkg), cache=tmp_path)


# --------------------------------------------------------------------------------------------
# The host object is checked too


class Partial:
    """A host object that forgot things: `log`, `clock.now`, and `size` of its file class."""

    def __init__(self, pkg: ModuleType) -> None:
        store = __import__(f"{pkg.__name__}.store", fromlist=["store"])
        self.clock = object()
        self.store = type(
            "Store",
            (),
            {
                "file": type("HalfFile", (store.File,), {}),
                "dir": type("Dir", (store.Dir,), {}),
                "file_size": staticmethod(lambda f: 0),
            },
        )()


def test_load_names_everything_the_host_object_lacks(
    pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    """Before the component runs (not as an `AttributeError` in the middle of a call)."""
    with pytest.raises(TypeError) as caught:
        pkg.Plugin.load(component_builder(BASE), Partial(pkg), cache=tmp_path)
    assert str(caught.value) == (
        f"the host object does not provide what world {WORLD} imports:"
        " host.clock.now() is missing (a function);"
        " host.store.file (HalfFile) does not implement size;"
        " host.log() is missing (a function)"
    )


# --------------------------------------------------------------------------------------------
# Versions: wasmtime links an import of `@1.0.1` to a definition of `@1.0.0`, and finds an export
# of `@1.0.1` for `@1.0.0` (semver-compatible versions), so the check compares those too.

VERSIONED = """
package test:ver@{version};

interface host {{ f: func(a: {ty}) -> u32; }}
interface api {{ g: func(a: u32) -> u32; }}

world w {{
  import host;
  export api;
}}
"""

# `g` calls `f` with its argument (a u32 at the core level either way) and returns its result.
G_CALLS_F = {"test:ver/api@1.0.1#g": '(call $"test:ver/host@1.0.1#f" (local.get 0))'}


@pytest.fixture(scope="module")
def ver_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(
        VERSIONED.format(version="1.0.0", ty="u32"), tmp_path_factory.mktemp("ver")
    )


def ver_host(ver_pkg: ModuleType) -> Any:
    return type("Root", (), {"host": type("H", (), {"f": staticmethod(lambda a: a + 1)})()})()


def test_a_compatible_version_of_the_same_types_loads(
    ver_pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    component = component_builder(VERSIONED.format(version="1.0.1", ty="u32"), bodies=G_CALLS_F)
    plugin = ver_pkg.W.load(component, ver_host(ver_pkg), cache=tmp_path)
    assert plugin.api.g(41) == 42


def test_a_compatible_version_of_other_types_is_refused(
    ver_pkg: ModuleType, component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    """The component imports `test:ver/host@1.0.1`, whose `f` takes a string: wasmtime would link
    the bindings' `f` (generated for `@1.0.0`, taking a u32) to it, so it must be refused, on
    every path into an instance."""
    component = component_builder(
        VERSIONED.format(version="1.0.1", ty="string"),
        bodies={"test:ver/api@1.0.1#g": "(i32.const 0)"},
    )
    message = (
        'import "f" of interface "test:ver/host@1.0.0", parameter "a": string, but world'
        " test:ver/w@1.0.0 says u32"
    )
    with pytest.raises(ver_pkg.ComponentError) as caught:
        ver_pkg.W.load(component, ver_host(ver_pkg), cache=tmp_path)
    assert str(caught.value) == f"{component}: {message}"
    engine = wasmtime.Engine()
    compiled = wasmtime.component.Component.from_file(engine, str(component))
    linker = wasmtime.component.Linker(engine)
    ver_pkg.W.add_to_linker(linker, ver_host(ver_pkg))
    with pytest.raises(ver_pkg.ComponentError) as caught:
        ver_pkg.W.instantiate(wasmtime.Store(engine), compiled, linker)
    assert str(caught.value) == f"the component: {message}"
