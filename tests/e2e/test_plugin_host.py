"""End to end: the plugin host application (`examples/plugins/host.py`) run as a user runs it.

The test builds a plugins folder inside the test run and runs the host on it as a subprocess:
* `hello.wasm` and `words.wasm`: the example plugins `examples/plugins/hello.py` (world `plugin`)
  and `examples/plugins/words.py` (world `words`, a superset of `plugin`), written with witgen's
  guest wrappers and built by `witgen build` (`tests/plugins.py`, cached by content);
* `wat.wasm`: WAT (`tests/components/builder.py`); `run` logs its input through the host's `log`
  and returns `hello from wat, <input>`;
* `python.wasm`: a CPython guest built by componentize-py directly (with componentize-py's own
  bindings), the plugin guest of `tests/runtime/test_runtime_python_guest.py` (its builder and
  source are imported from there, so both tests share one cached build);
* `garbage.wasm`: not WebAssembly at all; `core.wasm`: a core module, not a component;
* `other-world.wasm`: a component that exports `greet`, not `run`;
* `needs-clock.wasm`: a plugin-shaped component that also imports an interface the host lacks;
* `mismatch.wasm`: a plugin whose `run` returns a `u32`, not a `string` (a plugin built against
  another version of the contract): refused before it runs, never read as a string;
* `trap.wasm`: `run` is `unreachable`;
* `loop.wasm`: `run` loops forever, so only the host's deadline stops it.
The host must print the four results and the plugins' logs, report the other seven on stderr
(one line each, with the plugin's name) and exit 0; with only bad plugins it exits 1.

The compiled-component cache of `load` lives beside the guest cache (kept across sessions), so a
rerun neither builds nor compiles the 18 MB guest; the first run compiles it inside the host.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from plugins import build_plugin
from runtime.test_runtime_python_guest import PLUGIN_GUEST, build_guest, guest_cache_dir

REPO = Path(__file__).resolve().parents[2]
HOST = REPO / "examples" / "plugins" / "host.py"
PLUGIN_WIT = (REPO / "wit" / "plugin.wit").read_text(encoding="utf-8")
EXAMPLES = REPO / "examples" / "plugins"

# `run`: log the input, then return "hello from wat, " + input, built in memory from a data segment
# at address 16 (addresses below the builder's heap base are free for fixed data).
PREFIX = "hello from wat, "
HELLO_DATA = f'(data (i32.const 16) "{PREFIX}")'
HELLO_RUN = f"""
(local $buf i32) (local $rp i32)
(call $"host#log" (local.get 0) (local.get 1))
(local.set $buf (call $alloc (i32.add (local.get 1) (i32.const {len(PREFIX)}))))
(memory.copy (local.get $buf) (i32.const 16) (i32.const {len(PREFIX)}))
(memory.copy (i32.add (local.get $buf) (i32.const {len(PREFIX)})) (local.get 0) (local.get 1))
(local.set $rp (call $alloc (i32.const 8)))
(i32.store (local.get $rp) (local.get $buf))
(i32.store offset=4 (local.get $rp) (i32.add (local.get 1) (i32.const {len(PREFIX)})))
(local.get $rp)
"""

LOOP_RUN = "(loop $forever (br $forever))\n(unreachable)"

OTHER_WIT = """
package test:other;

world other {
  export greet: func(name: string) -> string;
}
"""

NEEDS_CLOCK_WIT = """
package test:clocked;

world plugin {
  import host: interface {
    log: func(param: string);
  }
  import clock: interface {
    now: func() -> u64;
  }
  export run: func(param: string) -> string;
}
"""


@pytest.fixture(scope="module")
def plugins(
    component_builder: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("plugins")
    built = {
        "hello": build_plugin(REPO / "wit" / "plugin.wit", EXAMPLES / "hello.py"),
        "words": build_plugin(REPO / "wit" / "words.wit", EXAMPLES / "words.py"),
        "wat": component_builder(PLUGIN_WIT, bodies={"run": HELLO_RUN}, extra_wat=HELLO_DATA),
        "python": build_guest(PLUGIN_WIT, "plugin", PLUGIN_GUEST),
        "other-world": component_builder(OTHER_WIT),
        "needs-clock": component_builder(
            NEEDS_CLOCK_WIT, bodies={"run": HELLO_RUN}, extra_wat=HELLO_DATA
        ),
        "mismatch": component_builder(
            PLUGIN_WIT.replace("-> string;", "-> u32;"), bodies={"run": "(i32.const 7)"}
        ),
        "trap": component_builder(PLUGIN_WIT),  # no body: `run` is `unreachable`
        "loop": component_builder(PLUGIN_WIT, bodies={"run": LOOP_RUN}),
    }
    for name, path in built.items():
        shutil.copyfile(path, folder / f"{name}.wasm")
    (folder / "garbage.wasm").write_bytes(b"this is not webassembly\n")
    (folder / "core.wasm").write_bytes(b"\0asm\x01\0\0\0")  # an empty core module
    (folder / "notes.txt").write_text("not a .wasm file: ignored\n", encoding="utf-8")
    return folder


def run_host(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        # `load`'s compiled-component cache: beside the guest cache, never the user's own.
        "XDG_CACHE_HOME": str(guest_cache_dir() / "xdg-cache"),
    }
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HOST), str(folder), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return done, time.monotonic() - start


def skipped(stderr: str) -> dict[str, str]:
    """{plugin name: reason} from the host's `name: skipped: reason` lines."""
    out = {}
    for line in stderr.splitlines():
        name, sep, reason = line.partition(": skipped: ")
        if sep:
            out[name] = reason
    return out


def test_host_runs_the_good_plugins_and_skips_the_bad(plugins: Path) -> None:
    done, seconds = run_host(plugins, "héllo 😀")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        # core, garbage: skipped; hello (examples/plugins/hello.py):
        "[hello] got héllo 😀",
        "hello: Hello, héllo 😀",
        # loop, mismatch, needs-clock, other-world: skipped; python:
        "[python] guest got 'héllo 😀'",
        "python: hello, héllo 😀!",
        # trap: skipped; wat:
        "[wat] héllo 😀",
        "wat: hello from wat, héllo 😀",
        # words (examples/plugins/words.py): one word ("héllo"), and "😀" is punctuation to it
        "[words] analysed 7 characters",
        "words: 1 word(s), 0 number(s), longest: héllo",
    ]
    reasons = skipped(done.stderr)
    assert list(reasons) == [
        "core",
        "garbage",
        "loop",
        "mismatch",
        "needs-clock",
        "other-world",
        "trap",
    ]
    assert reasons["core"].startswith("cannot load: ")
    assert reasons["core"].endswith("core.wasm: a core WebAssembly module, not a component")
    assert reasons["garbage"].startswith("cannot load: ")
    assert reasons["garbage"].endswith(
        "garbage.wasm: not a WebAssembly component (no \\0asm header)"
    )
    assert reasons["loop"] == "did not finish within the 1 s deadline"
    assert reasons["mismatch"] == (
        f"cannot load: {plugins / 'mismatch.wasm'}: export \"run\" returns u32, but world"
        " plugin:demo/plugin says string"
    )
    assert reasons["needs-clock"].startswith("cannot load: ") and "clock" in reasons["needs-clock"]
    assert reasons["other-world"].startswith("cannot load: ") and "run" in reasons["other-world"]
    assert reasons["trap"].startswith("trapped: ")
    # Each report is one line: every stderr line is a report (wasmtime's messages are cut).
    assert len(done.stderr.splitlines()) == len(reasons)
    # Without the deadline the loop plugin would never return (`run_host` has a time-out of its
    # own for that case); the run's time is reported by `-s`, not asserted (a shared machine).
    print(f"the host took {seconds:.1f} s for {len(list(plugins.glob('*.wasm')))} files")


def test_host_exits_1_when_no_plugin_runs(plugins: Path, tmp_path: Path) -> None:
    for name in ("garbage", "trap"):
        shutil.copyfile(plugins / f"{name}.wasm", tmp_path / f"{name}.wasm")
    done, _ = run_host(tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert list(skipped(done.stderr)) == ["garbage", "trap"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_host(empty)[0].returncode == 1


def test_host_usage_errors(tmp_path: Path) -> None:
    done, _ = run_host(tmp_path / "missing")
    assert done.returncode == 2 and "not a folder" in done.stderr
    done = subprocess.run([sys.executable, str(HOST)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stderr.startswith("usage:")
