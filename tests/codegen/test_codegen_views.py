"""Docstring escaping of the view models: any doc text must survive as a literal, and doc text
never lands in a `#` comment, where tools read directives (`# type: ignore`, `# fmt: off`)."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from codegen.support import generate, load_world
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import runtime_files
from witgen.codegen.views import docstring


@given(st.text())
def test_docstring_literal_round_trips_any_text(text: str) -> None:
    literal = docstring(text)
    if not text.strip():
        assert literal is None
        return
    assert literal is not None
    assert ast.literal_eval(literal) == text.strip()
    compile(f"def f():\n    {literal}\n", "<doc>", "exec")  # also valid as a statement


def test_docstring_tricky_cases() -> None:
    for text in ['ends with a quote "', 'has """ inside', "back\\slash\\", '""""', "nul \0 and \r"]:
        literal = docstring(text)
        assert literal is not None and ast.literal_eval(literal) == text.strip()


DIRECTIVES_WIT = """
package t:docs;

interface i {
  record r {
    /// type: ignore
    x: u32,
    /// fmt: off
    y: u32,
  }
  enum e {
    /// noqa
    a,
    /// mypy: ignore-errors
    b,
  }
  flags fl {
    /// pragma: no cover
    g,
  }
  f: func(v: r, w: e, z: fl);
}

world w {
  import i;
}
"""


DIRECTIVES = ("type: ignore", "fmt: off", "noqa", "mypy: ignore-errors", "pragma: no cover")


def comments(source: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


def test_doc_text_never_lands_in_a_comment(tmp_path: Path) -> None:
    host = generate(DIRECTIVES_WIT, tmp_path)
    resolve, world_id = load_world(tmp_path / "input.wit")
    guest = generate_guest(resolve, world_id)
    for package in (host, guest):
        for name, text in package.files.items():
            if name.endswith(".py") and name not in {
                *runtime_files("host"),
                *runtime_files("guest"),
            }:
                found = [c for c in comments(text) if any(d in c for d in DIRECTIVES)]
                assert found == [], (package.name, name, found)
    source = host.files["i.py"]
    # The docs are attribute docstrings, after their field or member.
    assert '    x: int\n    """type: ignore"""\n' in source
    assert '    A = 0\n    """noqa"""\n' in source
    assert '    G = 1\n    """pragma: no cover"""\n' in source
