"""Tests of the test-component builder (`tests/components/builder.py`), through stock `wasmtime.component`.

Each test builds a real component from WIT + WAT (cached by content under the temp dir, so reruns
skip wasm-tools), instantiates it with the stock Engine/Linker/Store API and calls it from Python.
Together they cover every path of the generated core module: custom bodies, forwarding with and
without a return pointer, spilled parameters, interface-to-interface forwarding, traps, exported
resources, WASI imports, the bump allocator's growth and post-return reset, the cache and errors.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pytest
from wasmtime import Engine, Store, WasiConfig, WasmtimeError
from wasmtime.component import Component, Instance, Linker, LinkerInstance

from components import builder
from components.builder import (
    HEAP_BASE,
    ComponentBuildError,
    build_component,
    core_module_wat,
    forward_target,
    parse_dummy,
)

Build = Callable[..., Path]

# The builder calls `subprocess.run`; the cache tests patch it, so keep the real one to restore.
REAL_RUN = subprocess.run


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def instantiate(
    engine: Engine, path: Path, define: Callable[[LinkerInstance], None] | None = None
) -> tuple[Store, Component, Instance]:
    """Compile `path` and instantiate it with the host functions `define` adds to the linker root."""
    component = Component.from_file(engine, str(path))
    linker = Linker(engine)
    # LinkerInstances lock their parent until closed (notes §1), hence the `with`.
    with linker.root() as root:
        if define is not None:
            define(root)
    store = Store(engine)
    return store, component, linker.instantiate(store, component)


def call(store: Store, instance: Instance, name: str, *args: Any) -> Any:
    func = instance.get_func(store, name)
    assert func is not None, f"no export {name!r}"
    return func(store, *args)


# ------------------------------------------------------------------------------------------------
# Pure parts


def test_forwarding_convention() -> None:
    assert forward_target("add") == ("$root", "h-add")
    assert forward_target("test:x/api#greet") == ("test:x/host-api", "greet")
    assert forward_target("test:x/api@1.2.3#greet") == ("test:x/host-api@1.2.3", "greet")
    assert forward_target("foo#f") == ("host-foo", "f")


def test_wasm_tools_is_the_packaged_binary() -> None:
    exe = builder.find_wasm_tools()
    assert exe is not None and exe.is_file()
    assert "1.262" in builder.wasm_tools_version(exe)


# ------------------------------------------------------------------------------------------------
# Custom bodies and world-level forwarding

ADD_WIT = """\
package test:add;

world adder {
  export add: func(a: u32, b: u32) -> u32;
}
"""


def test_custom_body(component_builder: Build, engine: Engine) -> None:
    path = component_builder(ADD_WIT, bodies={"add": "(i32.add (local.get 0) (local.get 1))"})
    store, _, instance = instantiate(engine, path)
    assert call(store, instance, "add", 3, 4) == 7
    assert call(store, instance, "add", 0xFFFF_FFFF, 2) == 1  # u32 wrap-around happens in the guest


ECHO_WIT = """\
package test:echo;

interface types {
  record person { name: string, age: u8, tags: list<string>, score: f64, active: bool, id: u64 }
}

world echo {
  use types.{person};

  import h-echo-string: func(s: string) -> string;
  import h-echo-person: func(p: person) -> person;
  import h-echo-list: func(l: list<u32>) -> list<u32>;
  import h-pair: func(a: u32, b: u64) -> tuple<u64, u32>;
  // 8 strings + a u32 flatten to 17 values: the parameters are spilled to memory.
  import h-spill-sum: func(a: string, b: string, c: string, d: string,
                           e: string, f: string, g: string, h: string, n: u32) -> u32;
  import h-spill-join: func(a: string, b: string, c: string, d: string,
                            e: string, f: string, g: string, h: string, n: u32) -> string;

  export echo-string: func(s: string) -> string;
  export echo-person: func(p: person) -> person;
  export echo-list: func(l: list<u32>) -> list<u32>;
  export pair: func(a: u32, b: u64) -> tuple<u64, u32>;
  export spill-sum: func(a: string, b: string, c: string, d: string,
                         e: string, f: string, g: string, h: string, n: u32) -> u32;
  export spill-join: func(a: string, b: string, c: string, d: string,
                          e: string, f: string, g: string, h: string, n: u32) -> string;
  // No body and no `h-boom`: `unreachable`.
  export boom: func(n: u32) -> u32;
  // The bump pointer, to see post-return reset it.
  export heap: func() -> u32;
}
"""
ECHO_BODIES = {"heap": "(global.get $heap)"}


def echo_host(seen: list[tuple[str, tuple[Any, ...]]]) -> Callable[[LinkerInstance], None]:
    def record(name: str, result: Callable[..., Any]) -> Callable[..., Any]:
        def host(store: object, *args: Any) -> Any:
            seen.append((name, args))
            return result(*args)

        return host

    def define(root: LinkerInstance) -> None:
        root.add_func("h-echo-string", record("h-echo-string", lambda s: s))
        root.add_func("h-echo-person", record("h-echo-person", lambda p: p))
        root.add_func("h-echo-list", record("h-echo-list", lambda xs: [x * 2 for x in xs]))
        root.add_func("h-pair", record("h-pair", lambda a, b: (b, a)))
        root.add_func("h-spill-sum", record("h-spill-sum", lambda *a: sum(map(len, a[:8])) + a[8]))
        root.add_func(
            "h-spill-join", record("h-spill-join", lambda *a: "|".join(a[:8]) + f"#{a[8]}")
        )

    return define


@pytest.fixture(scope="module")
def echo(
    engine: Engine, component_builder: Build
) -> Iterator[tuple[Store, Instance, list[tuple[str, tuple[Any, ...]]]]]:
    seen: list[tuple[str, tuple[Any, ...]]] = []
    store, _, instance = instantiate(
        engine, component_builder(ECHO_WIT, bodies=ECHO_BODIES), echo_host(seen)
    )
    yield store, instance, seen


def test_forward_string_round_trip(echo: Any) -> None:
    store, instance, seen = echo
    text = "héllo wörld ✓ 😀 ﷽"
    assert call(store, instance, "echo-string", text) == text
    assert seen[-1] == ("h-echo-string", (text,))


def test_forward_record_with_retptr(echo: Any) -> None:
    store, instance, seen = echo
    person = SimpleNamespace(
        name="Zoë", age=42, tags=["a", "ßb", ""], score=-1.5, active=True, id=2**64 - 1
    )
    got = call(store, instance, "echo-person", person)
    assert vars(got) == vars(person)
    assert seen[-1][0] == "h-echo-person"


def test_forward_list_and_tuple(echo: Any) -> None:
    store, instance, _ = echo
    assert call(store, instance, "echo-list", [1, 2, 3, 2**31 - 1]) == [2, 4, 6, 2**32 - 2]
    assert call(store, instance, "echo-list", []) == []
    assert call(store, instance, "pair", 7, 2**40) == (2**40, 7)


def test_spilled_parameters(echo: Any) -> None:
    store, instance, seen = echo
    words = ["a", "bb", "ccc", "", "é", "ffffff", "g", "hh"]
    assert call(store, instance, "spill-sum", *words, 100) == sum(map(len, words)) + 100
    assert seen[-1] == ("h-spill-sum", (*words, 100))
    # Spilled params and a return pointer together.
    assert call(store, instance, "spill-join", *words, 5) == "|".join(words) + "#5"


def test_allocator_grows_memory_and_post_return_resets(echo: Any) -> None:
    store, instance, _ = echo
    big = "x" * 300_000 + "é"  # larger than the one initial page, so cabi_realloc must grow memory
    assert call(store, instance, "echo-string", big) == big
    # Every export's cabi_post_* runs automatically after the call (notes §3.4) and frees its heap.
    assert call(store, instance, "heap") == HEAP_BASE


def test_trap_is_wasmtime_error(component_builder: Build, engine: Engine) -> None:
    path = component_builder(ECHO_WIT, bodies=ECHO_BODIES)
    store, _, instance = instantiate(engine, path, echo_host([]))
    with pytest.raises(WasmtimeError, match="unreachable"):
        call(store, instance, "boom", 1)


# ------------------------------------------------------------------------------------------------
# Interface forwarding: exported `ns:pkg/api@v` -> imported `ns:pkg/host-api@v`

FWD_WIT = """\
package test:fwd@1.0.0;

interface types {
  record point { x: s32, y: s32, label: string }
}

interface host-api {
  use types.{point};
  greet: func(name: string) -> string;
  shift: func(p: point, dx: s32) -> point;
  answer: func() -> u32;
}

interface api {
  use types.{point};
  greet: func(name: string) -> string;
  shift: func(p: point, dx: s32) -> point;
  answer: func() -> u32;
  local: func() -> u32;
}

world fwd {
  import host-api;
  export api;
}
"""


def test_interface_forwarding(component_builder: Build, engine: Engine) -> None:
    path = component_builder(FWD_WIT, bodies={"test:fwd/api@1.0.0#local": "(i32.const 99)"})

    def define(root: LinkerInstance) -> None:
        with root.add_instance("test:fwd/host-api@1.0.0") as iface:
            iface.add_func("greet", lambda store, name: f"hello, {name}!")
            iface.add_func(
                "shift",
                lambda store, p, dx: SimpleNamespace(x=p.x + dx, y=p.y, label=p.label + "'"),
            )
            iface.add_func("answer", lambda store: 42)

    store, component, instance = instantiate(engine, path, define)
    api = component.get_export_index("test:fwd/api@1.0.0")
    assert api is not None

    def fn(name: str) -> Any:
        index = component.get_export_index(name, api)
        assert index is not None, name
        func = instance.get_func(store, index)
        assert func is not None
        return func

    assert fn("greet")(store, "wörld") == "hello, wörld!"
    moved = fn("shift")(store, SimpleNamespace(x=-3, y=4, label="p"), 10)
    assert vars(moved) == {"x": 7, "y": 4, "label": "p'"}
    assert fn("answer")(store) == 42
    assert fn("local")(store) == 99


# ------------------------------------------------------------------------------------------------
# Exported resources

RES_WIT = """\
package test:res;

interface api {
  resource counter {
    constructor(start: u32);
    get: func() -> u32;
    add: func(by: u32) -> u32;
  }
  resource cell {
    constructor();
  }
}

world res {
  export api;
  export drops: func() -> u32;
}
"""
# The counter's state lives in heap memory that survives post-return; the dtor counts drops in the
# fixed scratch word at address 16 (below HEAP_BASE, never handed out by the allocator).
RES_BODIES = {
    "test:res/api#[constructor]counter": """
        (local $rep i32)
        (local.set $rep (call $alloc_persistent (i32.const 4)))
        (i32.store (local.get $rep) (local.get 0))
        (call $"[export]test:res/api#[resource-new]counter" (local.get $rep))
    """,
    # A borrow of the component's own resource arrives as the rep (notes §3.6).
    "test:res/api#[method]counter.get": "(i32.load (local.get 0))",
    "test:res/api#[method]counter.add": """
        (i32.store (local.get 0) (i32.add (i32.load (local.get 0)) (local.get 1)))
        (i32.load (local.get 0))
    """,
    "test:res/api#[dtor]counter": """
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
    """,
    # `cell` keeps the default (empty) dtor.
    "test:res/api#[constructor]cell": '(call $"[export]test:res/api#[resource-new]cell" (i32.const 0))',
    "drops": "(i32.load (i32.const 16))",
}


def test_exported_resource(component_builder: Build, engine: Engine) -> None:
    store, component, instance = instantiate(engine, component_builder(RES_WIT, bodies=RES_BODIES))
    api = component.get_export_index("test:res/api")

    def fn(name: str) -> Any:
        index = component.get_export_index(name, api)
        assert index is not None, name
        return instance.get_func(store, index)

    first = fn("[constructor]counter")(store, 10)
    second = fn("[constructor]counter")(store, 500)
    assert fn("[method]counter.get")(store, first) == 10
    assert fn("[method]counter.add")(store, first, 5) == 15
    # Other exports in between (each resetting the heap) must not clobber the persistent state.
    assert call(store, instance, "drops") == 0
    assert fn("[method]counter.get")(store, first) == 15
    assert fn("[method]counter.get")(store, second) == 500
    first.drop(store)
    assert call(store, instance, "drops") == 1
    assert fn("[method]counter.get")(store, second) == 500

    cell = fn("[constructor]cell")(store)
    cell.drop(store)  # the default dtor does nothing and does not trap
    assert call(store, instance, "drops") == 1


# ------------------------------------------------------------------------------------------------
# WASI 0.2 imports

# The shape of the official `wasi:random/random@0.2.0` (only the two functions used here).
WASI_RANDOM = """\
package wasi:random@0.2.0;

interface random {
  get-random-bytes: func(len: u64) -> list<u8>;
  get-random-u64: func() -> u64;
}
"""
WASI_MAIN = """\
package test:rng;

world rng {
  import wasi:random/random@0.2.0;
  export rand: func() -> u64;
  export rand-bytes: func(n: u64) -> list<u8>;
}
"""
WASI_BODIES = {
    "rand": '(call $"wasi:random/random@0.2.0#get-random-u64")',
    # A hand-written return-pointer call: list<u8> flattens to two values.
    "rand-bytes": """
        (local $rp i32)
        (local.set $rp (call $alloc (i32.const 8)))
        (call $"wasi:random/random@0.2.0#get-random-bytes" (local.get 0) (local.get $rp))
        (local.get $rp)
    """,
}


@pytest.mark.parametrize(
    "wit",
    [
        pytest.param(
            {"main.wit": WASI_MAIN, "deps/random/random.wit": WASI_RANDOM}, id="deps-folder"
        ),
        pytest.param(
            WASI_MAIN + "\npackage wasi:random@0.2.0 {\n" + WASI_RANDOM.split("\n", 2)[2] + "}\n",
            id="nested-package",
        ),
    ],
)
def test_wasi_import(component_builder: Build, engine: Engine, wit: Any) -> None:
    component = Component.from_file(engine, str(component_builder(wit, bodies=WASI_BODIES)))
    linker = Linker(engine)
    linker.add_wasip2()
    store = Store(engine)
    store.set_wasi(WasiConfig())  # required: a WASI call without it aborts the process (notes §4)
    instance = linker.instantiate(store, component)
    values = {call(store, instance, "rand") for _ in range(4)}
    assert len(values) > 1 and all(0 <= v < 2**64 for v in values)
    data = call(store, instance, "rand-bytes", 16)
    assert isinstance(data, bytes) and len(data) == 16


# ------------------------------------------------------------------------------------------------
# Cache


def count_wasm_tools_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    runs: list[list[str]] = []

    def counting(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        runs.append(cmd)
        return REAL_RUN(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    return runs


def test_cache_hit_runs_no_wasm_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    bodies = {"add": "(i32.mul (local.get 0) (local.get 1))"}
    runs = count_wasm_tools_runs(monkeypatch)
    first = build_component(ADD_WIT, bodies=bodies, cache_dir=tmp_path)
    assert len(runs) == 4  # dummy embed, embed, component new, validate
    assert first == tmp_path / first.parent.name / "component.wasm"
    assert (first.parent / "core.wat").is_file()
    # The private work dir is gone; the WAT stays beside the component for debugging.
    assert {p.name for p in first.parent.iterdir()} == {"component.wasm", "core.wat"}

    def no_wasm_tools(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a cache hit must not run wasm-tools")

    monkeypatch.setattr(subprocess, "run", no_wasm_tools)
    assert build_component(ADD_WIT, bodies=dict(bodies), cache_dir=tmp_path) == first
    # Any input change is a different key.
    monkeypatch.setattr(subprocess, "run", REAL_RUN)
    other = build_component(
        ADD_WIT, bodies={"add": "(i32.sub (local.get 0) (local.get 1))"}, cache_dir=tmp_path
    )
    assert other != first
    store, _, instance = instantiate(engine, first)
    assert call(store, instance, "add", 6, 7) == 42


def test_concurrent_builds_of_one_key(tmp_path: Path, engine: Engine) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(
                build_component(ADD_WIT, bodies={"add": "(local.get 1)"}, cache_dir=tmp_path)
            )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1
    store, _, instance = instantiate(engine, results[0])
    assert call(store, instance, "add", 1, 2) == 2


# ------------------------------------------------------------------------------------------------
# Errors


def test_bad_body_reports_stderr_and_wat_path(tmp_path: Path) -> None:
    with pytest.raises(ComponentBuildError) as info:
        build_component(ADD_WIT, bodies={"add": "(i32.frobnicate)"}, cache_dir=tmp_path)
    message = str(info.value)
    assert "frobnicate" in message  # wasm-tools' own diagnostic
    wat = Path(message.split("generated WAT: ")[1].split("\n")[0])
    assert wat.is_file() and "i32.frobnicate" in wat.read_text()


def test_bad_wit_reports_stderr(tmp_path: Path) -> None:
    with pytest.raises(ComponentBuildError, match="(?s)dummy module.*wasm-tools stderr.*"):
        build_component(
            "package test:bad;\nworld w { export f: func() -> nope; }\n", cache_dir=tmp_path
        )


def test_unknown_body_name_lists_exports(tmp_path: Path) -> None:
    with pytest.raises(
        ComponentBuildError, match=r"not core exports of this world: \['ad'\].*'add'"
    ):
        build_component(ADD_WIT, bodies={"ad": "unreachable"}, cache_dir=tmp_path)


def test_missing_wasm_tools_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(builder, "find_wasm_tools", lambda: None)
    with pytest.raises(ComponentBuildError, match="wasm-tools was not found"):
        build_component(ADD_WIT, cache_dir=tmp_path)


def test_forward_with_mismatched_shape_is_an_error() -> None:
    dummy = parse_dummy(
        '(module\n  (import "$root" "h-f" (func (;0;) (type 0) (param i64)))\n'
        '  (export "f" (func 1))\n  (func (;1;) (type 1) (param i32) (result i32)\n    unreachable\n  )\n)\n'
    )
    with pytest.raises(ComponentBuildError, match="core signatures do not match"):
        core_module_wat(dummy)
    assert "(i32.const 1)" in core_module_wat(dummy, {"f": "(i32.const 1)"})
