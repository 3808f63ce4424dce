"""Fixtures of the runtime tests: generated host packages and the REAL components they drive.

Packages are generated from `tests/codegen/wit/*.wit` (and `wit/plugin.wit`) once per session, into
a session temp folder, and imported from there; components come from `tests/components/builder.py`
(cached by content, so a second run starts no wasm-tools at all).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import pytest

from codegen.support import REPO, WIT_DIR, generate_and_import


@pytest.fixture(scope="session", autouse=True)
def private_component_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`load` caches compiled components under `$XDG_CACHE_HOME/witgen/components`: the tests use
    a folder of their own, never the user's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="session")
def echo_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(WIT_DIR / "echo.wit", tmp_path_factory.mktemp("echo"))


@pytest.fixture(scope="session")
def echo_component(component_builder: Callable[..., Path]) -> Path:
    # Every export forwards to its import (`echo-x` -> `h-echo-x`, `api` -> `host-api`); `trap`
    # has no import to forward to, so its body is `unreachable`.
    return component_builder((WIT_DIR / "echo.wit").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def plugin_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_and_import(REPO / "wit" / "plugin.wit", tmp_path_factory.mktemp("plugin"))


# `run` logs its argument through the host, then returns it: the string's (pointer, length) pair
# written to a return area, as the canonical ABI returns a string.
PLUGIN_RUN = """
(local $rp i32)
(call $"host#log" (local.get 0) (local.get 1))
(local.set $rp (call $alloc (i32.const 8)))
(i32.store (local.get $rp) (local.get 0))
(i32.store offset=4 (local.get $rp) (local.get 1))
(local.get $rp)
"""


@pytest.fixture(scope="session")
def plugin_component(component_builder: Callable[..., Path]) -> Path:
    wit = (REPO / "wit" / "plugin.wit").read_text(encoding="utf-8")
    return component_builder(wit, bodies={"run": PLUGIN_RUN})
