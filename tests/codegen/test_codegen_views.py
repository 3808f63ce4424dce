"""Docstring and comment escaping of the view models: any doc text must survive as a literal."""

from __future__ import annotations

import ast

from hypothesis import given
from hypothesis import strategies as st

from witgen.codegen.views import comment_lines, docstring


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


@given(st.text())
def test_comment_lines_never_break_a_line(text: str) -> None:
    for line in comment_lines(text):
        source = f"# {line}\nx = 1\n"
        assert ast.parse(source).body[0].lineno == 2  # the comment is one line
