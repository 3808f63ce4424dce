"""Warnings at generation say where the user's code can meet a limitation of these bindings, and
nowhere else: a function of the world, of one of its own (non-WASI) interfaces, or of an interface
it exports, whose signature reaches what the run time cannot carry. The WASI interfaces a world
imports are wasmtime's (`add_wasip2`): the host never implements nor calls them, so their resources
and functions are no warning (`wasi:cli/command` gave 29).

The WASI WIT comes from the installed spin-sdk wheel (the test extra), as in the corpus test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.support import NO_WASI, find_wasi_deps, load_world
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import generate_host

UNSUPPORTED = (
    "resources defined by WASI are not supported by these bindings yet; calling it raises"
    " NotImplementedError"
)


@pytest.fixture(scope="module")
def wasi_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package folder whose `deps/` is the shipped WASI WIT, with the world `app` below."""
    deps = find_wasi_deps()
    if deps is None:
        pytest.skip(NO_WASI)
    root = tmp_path_factory.mktemp("wasi-app")
    (root / "deps").symlink_to(deps, target_is_directory=True)
    (root / "app.wit").write_text(
        """package t:app;

interface mine {
  use wasi:io/streams@0.2.0.{input-stream};
  read-all: func(s: borrow<input-stream>) -> list<u8>;
  plain: func() -> u32;
}

interface out {
  use wasi:io/streams@0.2.0.{output-stream};
  sink: func() -> output-stream;
  count: func() -> u32;
}

world app {
  import wasi:cli/stdin@0.2.0;
  import wasi:cli/stdout@0.2.0;
  import mine;
  export out;
  use wasi:io/poll@0.2.0.{pollable};
  export ready: func(p: borrow<pollable>) -> bool;
  export run: func() -> u32;
}
""",
        encoding="utf-8",
    )
    return root


def warnings_of(root: Path, world: str, guest: bool = False) -> list[str]:
    resolve, world_id = load_world(root, world)
    return (generate_guest if guest else generate_host)(resolve, world_id).warnings


@pytest.mark.parametrize("guest", [False, True], ids=["host", "guest"])
def test_wasi_command_world_gives_no_warning(wasi_root: Path, guest: bool) -> None:
    # Every WASI resource and function of `wasi:cli/command` is wasmtime's; the world's own
    # export (`wasi:cli/run`'s `run: func() -> result`) carries none of them.
    assert warnings_of(wasi_root, "wasi:cli/command@0.2.0", guest) == []


@pytest.mark.parametrize("guest", [False, True], ids=["host", "guest"])
def test_warnings_name_only_functions_users_call_or_implement(wasi_root: Path, guest: bool) -> None:
    # By hand: `mine.read-all` (the host implements it; a plugin calls it), `out.sink` and
    # `ready` (exports: the host calls them, a plugin implements them) reach a WASI resource;
    # `plain`, `count`, `run` and everything of `wasi:cli/stdin`, `stdout`, `wasi:io/*` do not
    # count. (The world is named in full: picking the root package's world among deps is the
    # front end's business, issue 10's world-selection item.)
    assert sorted(warnings_of(wasi_root, "t:app/app", guest)) == [
        f"exported function 'ready': {UNSUPPORTED}",
        f"exported function 'sink': {UNSUPPORTED}",
        f"imported function 'read-all': {UNSUPPORTED}",
    ]


def test_an_exported_wasi_interface_still_warns(wasi_root: Path) -> None:
    # `wasi:http/proxy` exports `incoming-handler`: the host calls its `handle` (with WASI
    # resources), so that is a limitation its code meets; its imports are wasmtime's.
    assert warnings_of(wasi_root, "wasi:http/proxy@0.2.0") == [
        f"exported function 'handle': {UNSUPPORTED}"
    ]
