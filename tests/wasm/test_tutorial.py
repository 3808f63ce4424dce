"""Issue 11, the component model book's Python tutorial works with witgen: the book's `adder`
component (`docs:adder@0.1.0`, `add: func(x: u32, y: u32) -> u32`, exported), built here by the
WAT recipe, then exactly the issue's commands, as a user runs them in a fresh folder:

    witgen add.wasm -o add
    python -c 'from add import Root; assert Root.load("add.wasm").add.add(1, 2) == 3'

`witgen add.wasm -o add` writes the package `add/add/` (named after the file; the class is the
world's, `Root`); the folder `add` is put on `sys.path`, as for any witgen output folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins import compiled_cache_dir  # noqa: E402

ADDER = """package docs:adder@0.1.0;

interface add {
  add: func(x: u32, y: u32) -> u32;
}

world adder {
  export add;
}
"""

HOST = """
import sys
sys.path.insert(0, "add")

from add import Root

adder = Root.load("add.wasm", cache=sys.argv[1])
assert adder.add.add(1, 2) == 3
assert adder.add.add(4294967295, 1) == 0  # u32 arithmetic, in the component
print("1 + 2 =", adder.add.add(1, 2))
"""


def test_the_adder_tutorial(component_builder: Callable[..., Path], tmp_path: Path) -> None:
    component = component_builder(
        ADDER, bodies={"docs:adder/add@0.1.0#add": "(i32.add (local.get 0) (local.get 1))"}
    )
    (tmp_path / "add.wasm").write_bytes(component.read_bytes())
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "witgen", "add.wasm", "-o", "add"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote add/add (21 files changed, 0 unchanged)\n"
    (tmp_path / "host.py").write_text(HOST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "host.py", str(compiled_cache_dir())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 + 2 = 3\n"
