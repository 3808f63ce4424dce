"""`load` for untrusted components, through a generated package and REAL components.

A deadline per call stops a component that loops forever (`(loop br 0)`) with `DeadlineExceeded`;
a memory limit makes `memory.grow` fail; fuel stops a long loop with `OutOfFuel`. The compiled-
component cache is used on a second load (checked by making compilation fail), recovers from a
damaged entry, is not used in a folder others can write, and survives two processes loading at
once. WASI gives an untrusted component no environment and no arguments, and wasi:http only when
asked.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest
import wasmtime

from codegen.support import generate_and_import

LIMITS_WIT = """
package test:limits;

world limits {
  /// Never returns.
  export spin: func();
  export add: func(a: u32, b: u32) -> u32;
  /// `memory.grow(pages)`: the old size in pages, or -1 when memory cannot grow.
  export grow: func(pages: u32) -> s32;
  /// Grows memory or traps, like a guest allocator that runs out of memory (Rust's calls
  /// `handle_alloc_error`, which aborts: the name is in the trap's backtrace).
  export grow-or-trap: func(pages: u32);
  /// Traps (`unreachable`), for no reason that has to do with memory.
  export fail: func();
  /// Counts to n: about 5 wasm instructions per step.
  export burn: func(n: u32) -> u32;
}
"""

BODIES = {
    "spin": "(loop br 0)",
    "add": "(i32.add (local.get 0) (local.get 1))",
    "grow": "(memory.grow (local.get 0))",
    "grow-or-trap": (
        "(if (i32.eq (memory.grow (local.get 0)) (i32.const -1)) (then (call $handle_alloc_error)))"
    ),
    "burn": """
(local $i i32)
(block $done
  (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get 0)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
(local.get $i)
""",
}


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(LIMITS_WIT, tmp_path_factory.mktemp("limits"))


@pytest.fixture(scope="module")
def component(component_builder: Callable[..., Path]) -> Path:
    return component_builder(
        LIMITS_WIT, bodies=BODIES, extra_wat="(func $handle_alloc_error unreachable)"
    )


def tickers(pkg: ModuleType) -> set[int]:
    """The thread ids of the epoch tickers running now (they register themselves)."""
    return set(pkg._rt.limits.TICKING)


# --------------------------------------------------------------------------------------------
# Deadline, memory limit, fuel


def test_deadline_stops_a_component_that_loops_forever(pkg: ModuleType, component: Path) -> None:
    plugin = pkg.Limits.load(component, deadline=0.2)
    assert plugin.add(2, 3) == 5
    start = time.perf_counter()
    with pytest.raises(
        pkg.DeadlineExceeded, match=r"spin\(\) exceeded its deadline of 0.2 s"
    ) as info:
        plugin.spin()
    elapsed = time.perf_counter() - start
    assert 0.2 <= elapsed < 5, elapsed
    assert isinstance(info.value, pkg.WasmTrap)  # a trap like any other ...
    assert "load the component again" in str(info.value)
    with pytest.raises(pkg.InstanceUnusable, match="exceeded its deadline"):  # ... so reload
        plugin.add(1, 1)
    assert pkg.Limits.load(component, deadline=0.2).add(1, 1) == 2


def test_deadline_is_per_call(pkg: ModuleType, component: Path) -> None:
    plugin = pkg.Limits.load(component, deadline=0.1)
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < 0.4:  # four deadlines' worth of short calls
        assert plugin.burn(10_000) == 10_000
        calls += 1
    assert calls > 10
    # One ticker thread per engine, however many components use it.
    before = tickers(pkg)
    others = [pkg.Limits.load(component, deadline=1.0) for _ in range(3)]
    assert [p.add(1, 2) for p in others] == [3, 3, 3]
    assert tickers(pkg) == before
    assert len(before) >= 1
    assert before <= set(sys._current_frames())  # each a thread running now


def test_deadline_needs_an_engine_with_epoch_interruption(pkg: ModuleType, component: Path) -> None:
    with pytest.raises(ValueError, match="epoch interruption"):
        pkg.Limits.load(component, deadline=1, engine=wasmtime.Engine())
    config = wasmtime.Config()
    config.epoch_interruption = True
    engine = wasmtime.Engine(config)
    # Without a deadline, a store of such an engine would stop at once: load gives it none.
    assert pkg.Limits.load(component, engine=engine).add(4, 5) == 9
    plugin = pkg.Limits.load(component, engine=engine, deadline=0.05)
    with pytest.raises(pkg.DeadlineExceeded):
        plugin.spin()
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="deadline"):
            pkg.Limits.load(component, deadline=bad)
    with pytest.raises(TypeError, match="deadline"):
        pkg.Limits.load(component, deadline="1")


def test_the_defaults_limit_an_untrusted_component(pkg: ModuleType, component: Path) -> None:
    """`load` without options: a 10 s deadline per call and 256 MiB per linear memory (and caps
    on instances, tables and memories), each lifted by passing None."""
    load = inspect.signature(pkg.Limits.load).parameters
    assert load["deadline"].default == 10.0 and load["memory_limit"].default == 256 * 2**20
    plugin = pkg.Limits.load(component)
    limits = plugin._state.limits
    assert (limits.deadline, limits.memory_limit, limits.fuel) == (10.0, 256 * 2**20, None)
    assert plugin.grow(4095 - 1) == 1  # to 4095 pages: just under 256 MiB
    assert plugin.grow(2) == -1  # past it: refused
    free = pkg.Limits.load(component, deadline=None, memory_limit=None)
    assert free._state.limits.deadline is None and free._state.arm is None
    assert free.grow(5000) == 1  # 5001 pages, more than 256 MiB
    with pytest.raises(ValueError, match=r"deadline=10.0 needs .*pass deadline=None"):
        pkg.Limits.load(component, engine=wasmtime.Engine())


def test_memory_limit(pkg: ModuleType, component: Path) -> None:
    page = 65536
    plugin = pkg.Limits.load(component, memory_limit=4 * page)
    assert plugin.grow(1) == 1  # from 1 page to 2
    assert plugin.grow(10) == -1  # 12 pages > 4: refused, the component goes on
    assert plugin.grow(2) == 2  # to 4 pages, the limit
    with pytest.raises(pkg.WasmTrap, match=r"memory is limited to 262144 bytes by memory_limit"):
        plugin.grow_or_trap(1)
    # A trap with no sign of a failed allocation says nothing about the limit.
    limited = pkg.Limits.load(component, memory_limit=4 * page)
    with pytest.raises(pkg.WasmTrap) as caught:
        limited.fail()
    assert "memory_limit" not in str(caught.value) and "unreachable" in str(caught.value)
    unlimited = pkg.Limits.load(component)
    assert unlimited.grow(10) == 1
    # Less than the component's initial memory: it cannot even be instantiated.
    with pytest.raises(pkg.ComponentError, match="more memory than memory_limit=1000"):
        pkg.Limits.load(component, memory_limit=1000)


def test_fuel(pkg: ModuleType, component: Path) -> None:
    plugin = pkg.Limits.load(component, fuel=20_000)
    for _ in range(20):  # fuel is refilled before each call: 20 calls use more than 20_000
        assert plugin.burn(1_000) == 1_000
    with pytest.raises(pkg.OutOfFuel, match=r"burn\(\) ran out of fuel \(fuel=20000 per call\)"):
        plugin.burn(10**7)
    with pytest.raises(pkg.InstanceUnusable):
        plugin.add(1, 1)
    both = pkg.Limits.load(component, fuel=10**9, deadline=0.1)  # fuel enough, time not
    with pytest.raises(pkg.DeadlineExceeded):
        both.spin()
    with pytest.raises(ValueError, match="fuel"):
        pkg.Limits.load(component, fuel=10, engine=wasmtime.Engine(), deadline=None)
    with pytest.raises(TypeError, match="fuel"):
        pkg.Limits.load(component, fuel=True)


# --------------------------------------------------------------------------------------------
# The compiled-component cache


def test_exports_are_looked_up_per_instance_at_their_first_call(
    pkg: ModuleType, component: Path
) -> None:
    """`load` does not look each export up (a component of thousands loads in milliseconds):
    an instance finds a function when it first calls it. Instances stay independent, and a
    function never called before its instance became unusable is refused like the others."""
    first = pkg.Limits.load(component, deadline=0.2)
    second = pkg.Limits.load(component)
    assert second.add(2, 3) == 5  # found in the second instance first
    assert first.add(40, 2) == 42 and first.add(1, 1) == 2  # then in the first, and again
    with pytest.raises(pkg.DeadlineExceeded):
        first.spin()
    with pytest.raises(pkg.InstanceUnusable, match="exceeded its deadline"):
        first.burn(3)  # never called: refused without being looked up
    assert second.burn(3) == 3
    second.close()
    with pytest.raises(pkg.InstanceUnusable, match="closed"):
        second.grow(0)


def entries(folder: Path) -> list[Path]:
    """The compiled components in cache `folder` (beside them: `.path` memos of file hashes)."""
    return sorted(folder.glob("*.cwasm"))


def no_compiling(pkg: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(engine: Any, wasm: bytes) -> Any:
        raise AssertionError("compiled although the cache holds the component")

    monkeypatch.setattr(pkg._rt.cache, "_compile", refuse)


def counting_compiles(pkg: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = pkg._rt.cache._compile

    def compile_(engine: Any, wasm: bytes) -> Any:
        calls.append(len(wasm))
        return real(engine, wasm)

    monkeypatch.setattr(pkg._rt.cache, "_compile", compile_)
    return calls


def test_second_load_comes_from_the_cache(
    pkg: ModuleType, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "made" / "cache"
    compiles = counting_compiles(pkg, monkeypatch)
    assert (
        pkg.Limits.load(component, cache=folder, engine=wasmtime.Engine(), deadline=None).add(1, 2)
        == 3
    )
    assert compiles == [component.stat().st_size]
    (entry,) = entries(folder)
    assert entry.suffix == ".cwasm"
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert (entry.stat().st_mode & 0o077) == 0
    no_compiling(pkg, monkeypatch)
    # Another engine with the same configuration: nothing in memory, so this is the disk.
    assert (
        pkg.Limits.load(component, cache=folder, engine=wasmtime.Engine(), deadline=None).add(2, 3)
        == 5
    )
    # The same engine again: the component still in use is shared.
    engine = wasmtime.Engine()
    first = pkg.Limits.load(component, cache=folder, engine=engine, deadline=None)
    assert pkg.Limits.load(
        component, cache=folder, engine=engine, deadline=None
    )._state.component is (first._state.component)
    # A different engine configuration is a different entry (deserializing would fail).
    monkeypatch.undo()
    fuel_engine = pkg._rt.limits.new_engine(consume_fuel=True)
    assert (
        pkg.Limits.load(
            component, cache=folder, fuel=10**6, engine=fuel_engine, deadline=None
        ).add(3, 4)
        == 7
    )
    assert len(entries(folder)) == 2
    no_compiling(pkg, monkeypatch)
    fuel_engine = pkg._rt.limits.new_engine(consume_fuel=True)
    assert (
        pkg.Limits.load(
            component, cache=folder, fuel=10**6, engine=fuel_engine, deadline=None
        ).add(3, 4)
        == 7
    )


def test_the_folder_remembers_the_fingerprint_of_loads_own_engines(
    pkg: ModuleType, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine `load` makes is probed (a small compile) once per cache folder, not once per
    process; a remembered fingerprint that names nothing this engine can run is corrected."""
    limits, folder = pkg._rt.limits, tmp_path / "cache"
    first = limits.new_engine(epoch_interruption=True)
    assert pkg.Limits.load(component, cache=folder, engine=first).add(1, 2) == 3
    (memo,) = folder.glob("*.engine")
    fingerprint = limits.engine_info(first).fingerprint
    assert memo.read_text() == fingerprint
    no_compiling(pkg, monkeypatch)
    second = limits.new_engine(epoch_interruption=True)
    assert pkg.Limits.load(component, cache=folder, engine=second).add(2, 3) == 5
    assert limits.probed(second) is None  # the remembered fingerprint named its entry
    # Another machine's fingerprint (or a damaged memo): probed, put right, still no compile.
    for wrong in ["0" * 64, "not a fingerprint"]:
        memo.write_text(wrong)
        third = limits.new_engine(epoch_interruption=True)
        assert pkg.Limits.load(component, cache=folder, engine=third).add(3, 4) == 7
        assert limits.probed(third) is not None
        assert memo.read_text() == fingerprint
    # Other switches, another memo; an engine made elsewhere is always probed and has none.
    monkeypatch.undo()
    fuel = limits.new_engine(consume_fuel=True)
    pkg.Limits.load(component, cache=folder, engine=fuel, deadline=None, fuel=10**6)
    assert len(list(folder.glob("*.engine"))) == 2
    pkg.Limits.load(component, cache=folder, engine=wasmtime.Engine(), deadline=None)
    assert len(list(folder.glob("*.engine"))) == 2
    assert len(pkg._rt.cache.cache_contents(folder).memos) == 3  # with the component's `.path`


def test_a_component_shared_in_memory_is_stored_in_each_folder(
    pkg: ModuleType, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = wasmtime.Engine()
    first = pkg.Limits.load(component, cache=tmp_path / "a", engine=engine, deadline=None)
    no_compiling(pkg, monkeypatch)
    # The same engine: the component comes from memory, and goes into the other folder too.
    again = pkg.Limits.load(component, cache=tmp_path / "b", engine=engine, deadline=None)
    assert again._state.component is first._state.component
    (entry,) = entries(tmp_path / "b")
    assert entry.name == entries(tmp_path / "a")[0].name
    entry.unlink()  # evicted by another process while this one holds the component
    pkg.Limits.load(component, cache=tmp_path / "b", engine=engine, deadline=None)
    assert entries(tmp_path / "b") == [entry]


def test_default_cache_folder(
    pkg: ModuleType, component: Path, private_component_cache: Path
) -> None:
    # The session's XDG_CACHE_HOME (tests/runtime/conftest.py) stands for the user's.
    pkg.Limits.load(component, engine=wasmtime.Engine(), deadline=None)
    folder = private_component_cache / "witgen" / "components"
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert any(entry.suffix == ".cwasm" for entry in folder.iterdir())
    with pytest.raises(TypeError, match="cache"):
        pkg.Limits.load(component, cache=1)


def test_cache_false_always_compiles(
    pkg: ModuleType, component: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiles = counting_compiles(pkg, monkeypatch)
    engine = wasmtime.Engine()
    pkg.Limits.load(component, cache=False, engine=engine, deadline=None)
    pkg.Limits.load(component, cache=False, engine=engine, deadline=None)
    assert len(compiles) == 2


@pytest.mark.parametrize("damage", ["flip", "truncate", "rehashed-garbage"])
def test_damaged_entry_is_recompiled_and_replaced(
    pkg: ModuleType, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    import hashlib

    pkg.Limits.load(component, cache=tmp_path, engine=wasmtime.Engine(), deadline=None)
    (entry,) = entries(tmp_path)
    data = bytearray(entry.read_bytes())
    magic = pkg._rt.cache._CACHE_MAGIC
    if damage == "flip":
        data[-100] ^= 0xFF  # the native code itself: the hash catches it
    elif damage == "truncate":
        del data[len(data) // 2 :]
    else:  # a well-formed entry whose payload wasmtime rejects
        payload = b"\x7fELF not really"
        data = bytearray(magic + hashlib.sha256(payload).digest() + payload)
    entry.write_bytes(bytes(data))
    compiles = counting_compiles(pkg, monkeypatch)
    assert (
        pkg.Limits.load(component, cache=tmp_path, engine=wasmtime.Engine(), deadline=None).add(
            5, 6
        )
        == 11
    )
    assert len(compiles) == 1
    assert entries(tmp_path) == [entry]  # replaced, no temporary files left
    no_compiling(pkg, monkeypatch)
    assert (
        pkg.Limits.load(component, cache=tmp_path, engine=wasmtime.Engine(), deadline=None).add(
            5, 6
        )
        == 11
    )


def test_unsafe_cache_folders_are_not_used(
    pkg: ModuleType, component: Path, tmp_path: Path
) -> None:
    def load_warns(folder: Path, match: str) -> None:
        with pytest.warns(pkg._rt.CacheWarning, match=match):
            assert (
                pkg.Limits.load(
                    component, cache=folder, engine=wasmtime.Engine(), deadline=None
                ).add(1, 1)
                == 2
            )
        assert not list(folder.iterdir())

    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    load_warns(open_to_all, "can be written by others")
    group = tmp_path / "group"
    group.mkdir()
    group.chmod(0o770)
    load_warns(group, "can be written by others")
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(0o777)  # not sticky: anyone could rename the cache folder inside it
    (parent / "cache").mkdir(mode=0o700)
    load_warns(parent / "cache", "above .* can be written by others")
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pkg.Limits.load(component, cache=sticky / "cache", engine=wasmtime.Engine(), deadline=None)
    assert len(entries(sticky / "cache")) == 1
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.warns(pkg._rt.CacheWarning):
        assert pkg.Limits.load(component, cache=not_a_folder).add(1, 1) == 2
    if os.geteuid() == 0:  # only root can give a folder away
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, 65534, 65534)
        load_warns(theirs, "owned by user id 65534")


CONCURRENT_LOAD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import limits
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
plugin = limits.Limits.load(sys.argv[2], cache=sys.argv[4])
print(plugin.add(20, 22))
"""


def test_two_processes_load_at_once(pkg: ModuleType, component: Path, tmp_path: Path) -> None:
    package_root = str(Path(pkg.__file__).parent.parent)
    folder = tmp_path / "cache"
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CONCURRENT_LOAD,
                package_root,
                str(component),
                str(go),
                str(folder),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.3)  # both started and waiting
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, out.strip()) == (0, "42"), err
    (entry,) = entries(folder)  # one entry, no temporary files
    assert entry.suffix == ".cwasm"
    assert pkg._rt.cache._read_entry(entry) is not None


# --------------------------------------------------------------------------------------------
# The cache's size cap (least recently used first), and what `load` logs


@pytest.fixture(scope="module")
def variants(component_builder: Callable[..., Path]) -> list[Path]:
    """Four components of the world that differ only in what `add` adds (`a + b + n`)."""
    return [
        component_builder(
            LIMITS_WIT,
            bodies={
                **BODIES,
                "add": f"(i32.add (i32.add (local.get 0) (local.get 1)) (i32.const {n}))",
            },
            extra_wat="(func $handle_alloc_error unreachable)",
        )
        for n in range(4)
    ]


def load_add(pkg: ModuleType, component: Path, folder: Path) -> int:
    """`add(1, 2)` of `component` loaded with a new engine: nothing shared in memory, so the
    component comes from the cache folder or is compiled."""
    plugin = pkg.Limits.load(component, cache=folder, engine=wasmtime.Engine(), deadline=None)
    return int(plugin.add(1, 2))


def entry_of(pkg: ModuleType, component: Path, folder: Path) -> Path:
    digest = pkg._rt.cache._remembered_digest(folder, component)
    assert digest is not None
    fingerprint = pkg._rt.limits.engine_info(wasmtime.Engine()).fingerprint
    return folder / f"{pkg._rt.cache._cache_key(digest, fingerprint)}.cwasm"


def age(path: Path, hours: float) -> None:
    """Make `path` look last used `hours` ago."""
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_cache_is_capped_least_recently_used_first(
    pkg: ModuleType, variants: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    assert [load_add(pkg, c, folder) for c in variants[:3]] == [3, 4, 5]
    first, second, third = (entry_of(pkg, c, folder) for c in variants[:3])
    verdicts = {e: sorted(folder.glob(f"{e.stem}.*.kept")) for e in (first, second, third)}
    assert all(len(kept) == 1 for kept in verdicts.values())  # the contract check's verdicts
    age(first, 3)
    age(second, 2)
    age(third, 1)
    no_compiling(pkg, monkeypatch)
    assert load_add(pkg, variants[0], folder) == 3  # from the cache: `first` is used again
    assert time.time() - first.stat().st_mtime < 60
    monkeypatch.undo()
    # Room for the three entries there are and half of another: the fourth evicts one, the
    # least recently used (`second`; `first` was oldest until it was used).
    contents = pkg._rt.cache.cache_contents(folder)
    cap = contents.total + first.stat().st_size // 2
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", str(cap))
    assert load_add(pkg, variants[3], folder) == 6
    fourth = entry_of(pkg, variants[3], folder)
    assert entries(folder) == sorted([first, third, fourth])
    assert not list(folder.glob(f"{second.stem}.*"))  # its verdict went with it
    assert all(v.exists() for v in verdicts[first] + verdicts[third])
    assert pkg._rt.cache.cache_contents(folder).total <= cap
    # The evicted component's `.path` memo stays (it names the file's digest, not the entry):
    # loading the component again just compiles it, once, without a warning.
    assert pkg._rt.cache._memo_path(folder, variants[1]).exists()
    compiles = counting_compiles(pkg, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_add(pkg, variants[1], folder) == 4
    assert len(compiles) == 1
    assert second.exists()


def test_eviction_spares_recent_entries_and_the_new_one(
    pkg: ModuleType, variants: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "1")  # smaller than any entry
    # Entries written or used in the last minute stay (another process may have just made them).
    assert [load_add(pkg, c, folder) for c in variants[:2]] == [3, 4]
    assert len(entries(folder)) == 2
    for entry in entries(folder):
        age(entry, 1)
    # Old ones go; the new entry stays, though it alone is over the cap.
    assert load_add(pkg, variants[2], folder) == 5
    assert entries(folder) == [entry_of(pkg, variants[2], folder)]
    # A temporary file of a writer that died long ago goes too; a fresh one may be in use.
    dead, busy = folder / ".tmp-dead0001.cwasm", folder / ".tmp-busy0001.cwasm"
    dead.write_bytes(b"x" * 10)
    busy.write_bytes(b"x" * 10)
    age(dead, 2)
    age(entry_of(pkg, variants[2], folder), 1)
    assert load_add(pkg, variants[3], folder) == 6
    assert not dead.exists() and busy.exists()
    busy.unlink()
    assert entries(folder) == [entry_of(pkg, variants[3], folder)]
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "0")  # no cap: nothing is evicted
    age(entry_of(pkg, variants[3], folder), 1)
    assert load_add(pkg, variants[0], folder) == 3
    assert len(entries(folder)) == 2


def test_cache_files_of_other_names_are_left_alone(
    pkg: ModuleType, variants: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    assert load_add(pkg, variants[0], folder) == 3
    (folder / "notes.txt").write_text("mine")
    (folder / ("f" * 64 + ".cwasm")).symlink_to(folder / "notes.txt")
    (folder / "sub").mkdir()
    contents = pkg._rt.cache.cache_contents(folder)
    assert len(contents.entries) == 1 and len(contents.memos) == 1
    assert sum(len(v) for v in contents.verdicts.values()) == 1
    for entry in entries(folder):
        age(entry, 1)
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", "1")
    assert load_add(pkg, variants[1], folder) == 4
    removed = pkg._rt.cache.clear_cache(folder)
    assert len(removed.entries) == 1 and len(removed.memos) == 2
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["notes.txt", "sub", "f" * 64 + ".cwasm"]
    )


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot remove a file that is open or mapped")
def test_an_entry_being_read_survives_its_eviction(
    pkg: ModuleType, variants: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    assert load_add(pkg, variants[0], folder) == 3
    entry = entry_of(pkg, variants[0], folder)
    payload = pkg._rt.cache._read_entry(
        entry
    )  # opened and mapped, as a load in another process has
    assert payload is not None
    age(entry, 1)
    assert pkg._rt.cache.evict(folder, 1) == 1
    assert not entry.exists()
    engine = wasmtime.Engine()
    component = pkg._rt.cache._deserialize(engine, payload)  # POSIX: the file lives on while mapped
    linker = pkg._rt.loading.new_linker(engine)
    pkg.Limits.add_to_linker(linker, None)
    plugin = pkg.Limits.instantiate(pkg._rt.loading.new_store(engine, None), component, linker)
    assert plugin.add(1, 2) == 3


CONCURRENT_EVICTING = """
import sys
sys.path.insert(0, sys.argv[1])
import limits
limits._rt.cache._EVICT_GRACE = 0.0  # every entry but the one just written is evicted at once
import wasmtime
results = []
for _ in range(8):
    for path in sys.argv[3:]:
        plugin = limits.Limits.load(path, cache=sys.argv[2], engine=wasmtime.Engine(), deadline=None)
        results.append(plugin.add(1, 2))
print(results)
"""


def test_processes_evicting_while_others_load(
    pkg: ModuleType, variants: list[Path], tmp_path: Path
) -> None:
    """Three processes load four components in turn from one folder capped below one entry, so
    each write evicts what the others are reading or have just written: every load succeeds."""
    package_root = str(Path(pkg.__file__).parent.parent)
    folder = tmp_path / "cache"
    env = {**os.environ, "WITGEN_CACHE_MAX_BYTES": "1"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-W",
                "error",
                "-c",
                CONCURRENT_EVICTING,
                package_root,
                str(folder),
                *map(str, variants[i:] + variants[:i]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(3)
    ]
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == str(8 * ([3, 4, 5, 6][i:] + [3, 4, 5, 6][:i]))
    # Each write evicted all the others there were: what is left is at most each process's last.
    assert 1 <= len(entries(folder)) <= 3
    assert not list(folder.glob(".tmp-*"))


@pytest.mark.parametrize(
    "setting, cap",
    [
        (None, 1 << 30),
        ("", 1 << 30),
        ("1073741824", 1 << 30),
        ("500M", 500 << 20),
        ("2G", 2 << 30),
        ("2 GiB", 2 << 30),
        ("64kb", 64 << 10),
        ("0", None),
    ],
)
def test_cache_cap_setting(
    pkg: ModuleType, monkeypatch: pytest.MonkeyPatch, setting: str | None, cap: int | None
) -> None:
    if setting is None:
        monkeypatch.delenv("WITGEN_CACHE_MAX_BYTES", raising=False)
    else:
        monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", setting)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pkg._rt.cache.cache_max_bytes() == cap


@pytest.mark.parametrize("setting", ["lots", "-5", "1.5G", "5X", "9" * 40])
def test_cache_cap_setting_that_is_no_size(
    pkg: ModuleType, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("WITGEN_CACHE_MAX_BYTES", setting)
    monkeypatch.setattr(pkg._rt.cache, "_WARNED_SIZES", set())
    with pytest.warns(pkg._rt.CacheWarning, match="WITGEN_CACHE_MAX_BYTES: .* is not a size"):
        assert pkg._rt.cache.cache_max_bytes() == 1 << 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        assert pkg._rt.cache.cache_max_bytes() == 1 << 30


def test_load_logs_what_it_compiles(
    pkg: ModuleType, variants: list[Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "cache"
    size = variants[0].stat().st_size / 1e6
    with caplog.at_level(logging.INFO, logger="witgen"):
        assert load_add(pkg, variants[0], folder) == 3
        assert load_add(pkg, variants[0], folder) == 3  # from the cache: nothing to say
        pkg.Limits.load(variants[0], cache=False, engine=wasmtime.Engine(), deadline=None)
    messages = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert [m[:2] for m in messages] == [("witgen", logging.INFO)] * 4
    assert messages[0][2] == (
        f"compiling {variants[0]} ({size:.1f} MB; not in the compiled-component cache {folder})"
    )
    assert re.fullmatch(rf"compiled {re.escape(str(variants[0]))} in \d+\.\d s", messages[1][2])
    assert messages[2][2] == f"compiling {variants[0]} ({size:.1f} MB; cache=False)"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="witgen"):  # the host silences it
        pkg.Limits.load(variants[1], cache=folder, engine=wasmtime.Engine(), deadline=None)
    assert caplog.records == []


def test_precompile_makes_the_first_default_load_a_cache_hit(
    pkg: ModuleType,
    variants: list[Path],
    private_component_cache: Path,
) -> None:
    compiled, entry = pkg._rt.cache.precompile(variants[2])
    assert compiled and entry.is_file()
    assert entry.parent == private_component_cache / "witgen" / "components"
    script = PRECOMPILED_LOAD.format(root=str(Path(pkg.__file__).parent.parent))
    done = subprocess.run(
        [sys.executable, "-c", script, str(variants[2])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "5\n"), done.stderr
    assert pkg._rt.cache.precompile(variants[2])[0] is False  # already there


# `load` with every default, in a fresh process (nothing in memory): compiling fails the script.
PRECOMPILED_LOAD = """
import sys
sys.path.insert(0, {root!r})
import limits
def refuse(engine, wasm):
    raise AssertionError("compiled although precompiled")
limits._rt.cache._compile = refuse
print(limits.Limits.load(sys.argv[1]).add(1, 2))
"""


# --------------------------------------------------------------------------------------------
# WASI


WASI_WIT = """
package test:wasi-env;

world wasi-env {
  import wasi:cli/environment@0.2.0;
  export env-count: func() -> u32;
  export arg-count: func() -> u32;
}

package wasi:cli@0.2.0 {
  interface environment {
    get-environment: func() -> list<tuple<string, string>>;
    get-arguments: func() -> list<string>;
  }
}
"""

# Each returns the length of the list the import wrote to a return area (pointer, length).
WASI_BODIES = {
    "env-count": """
(local $rp i32)
(local.set $rp (call $alloc (i32.const 8)))
(call $"wasi:cli/environment@0.2.0#get-environment" (local.get $rp))
(i32.load offset=4 (local.get $rp))
""",
    "arg-count": """
(local $rp i32)
(local.set $rp (call $alloc (i32.const 8)))
(call $"wasi:cli/environment@0.2.0#get-arguments" (local.get $rp))
(i32.load offset=4 (local.get $rp))
""",
}


def test_wasi_default_gives_no_environment_or_arguments(
    component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    component = component_builder(WASI_WIT, bodies=WASI_BODIES)
    wasi_pkg = generate_and_import(WASI_WIT, tmp_path)
    assert os.environ and sys.argv  # the process has both ...
    plugin = wasi_pkg.WasiEnv.load(component)
    assert (plugin.env_count(), plugin.arg_count()) == (0, 0)  # ... the component sees neither
    config = wasmtime.WasiConfig()
    config.env = [("A", "1"), ("B", "2")]
    config.argv = ["prog"]
    given = wasi_pkg.WasiEnv.load(component, wasi=config)
    assert (given.env_count(), given.arg_count()) == (2, 1)


HTTP_WIT = """
package test:http-user;

world http-user {
  import wasi:http/types@0.2.0;
  export make-fields: func() -> u32;
}

package wasi:http@0.2.0 {
  interface types {
    resource fields {
      constructor();
    }
  }
}
"""

MAKE_FIELDS = """
(call $"wasi:http/types@0.2.0#[resource-drop]fields"
  (call $"wasi:http/types@0.2.0#[constructor]fields"))
(i32.const 1)
"""


def test_wasi_http_only_when_allowed(
    component_builder: Callable[..., Path], tmp_path: Path
) -> None:
    component = component_builder(HTTP_WIT, bodies={"make-fields": MAKE_FIELDS})
    http_pkg = generate_and_import(HTTP_WIT, tmp_path)
    # Without allow_http the component loads (componentize-js plugins all import wasi:http) and
    # a call that reaches wasi:http traps, saying how to allow it.
    denied = http_pkg.HttpUser.load(component)
    with pytest.raises(http_pkg.WasmTrap) as caught:
        denied.make_fields()
    assert str(caught.value) == (
        "make_fields() trapped: the component called wasi:http/types@0.2.0 ([constructor]fields),"
        " which load() does not allow: pass allow_http=True to give it wasmtime's outgoing HTTP,"
        " which can reach any host; this component instance can no longer be used: load the"
        " component again"
    )
    assert http_pkg.HttpUser.load(component, allow_http=True).make_fields() == 1


EXIT_WIT = """
package test:exiting;

world exiting {
  import wasi:cli/exit@0.2.0;
  export quit: func(ok: bool);
}

package wasi:cli@0.2.0 {
  interface exit {
    exit: func(status: result);
  }
}
"""

# `result` with no payloads is one i32 discriminant: 0 for ok, 1 for err.
QUIT = '(call $"wasi:cli/exit@0.2.0#exit" (i32.eqz (local.get 0)))'


@pytest.mark.parametrize("ok, code", [(True, 0), (False, 1)])
def test_wasi_exit_is_a_component_exit(
    component_builder: Callable[..., Path], tmp_path: Path, ok: bool, code: int
) -> None:
    component = component_builder(EXIT_WIT, bodies={"quit": QUIT})
    exit_pkg = generate_and_import(EXIT_WIT, tmp_path)
    plugin = exit_pkg.Exiting.load(component)
    with pytest.raises(exit_pkg.ComponentExit) as caught:
        plugin.quit(ok)
    assert caught.value.code == code and isinstance(caught.value, exit_pkg.WasmTrap)
    assert str(caught.value) == (
        f"quit(): the component exited with code {code}; this component instance can no longer"
        " be used: load the component again"
    )
    with pytest.raises(exit_pkg.InstanceUnusable, match=f"exited with code {code} during quit"):
        plugin.quit(ok)


EXIT_CHILD = """
import sys
sys.path.insert(0, {packages!r})
import limits

import wasmtime

# Alive until the interpreter exits, held by a module imported before the bindings' runtime: their
# stores are deleted while the interpreter tears the modules down, after the runtime's, and
# wasmtime calls the runtime's callbacks (finalizers) one last time then.
wasmtime._kept_by_test = [limits.Limits.load({component!r}) for _ in range(3)]
assert wasmtime._kept_by_test[0].add(1, 2) == 3
"""


def test_the_process_exits_cleanly_with_components_loaded(pkg: ModuleType, component: Path) -> None:
    packages = Path(pkg.__file__ or "").parents[1]
    script = EXIT_CHILD.format(packages=str(packages), component=str(component))
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
