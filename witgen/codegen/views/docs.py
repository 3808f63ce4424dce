"""Docstring literals of the generated code (code generation, used by every view builder).

In: WIT doc text and witgen's own paragraphs. Out: a triple-quoted Python literal, safe for any
text. Doc text only ever lands in string literals, never in `#` comments: tools read directives in
comments (`# type: ignore`, `# noqa`, `# fmt: off`, `# mypy: ...`, `# -*- coding ...`), so a doc
comment holding one would change how the generated file is checked or formatted. Fields and
enum members get attribute docstrings (a string after the member, as Sphinx and editors read).
"""

from __future__ import annotations


def _escape_text(text: str) -> str:
    """`text` as the inside of a non-raw Python string literal: backslashes doubled, characters
    that are not printable (except newline and tab) written as escapes."""
    out = []
    for ch in text.replace("\\", "\\\\"):
        if ch in "\n\t" or ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def docstring(*parts: str | None) -> str | None:
    """A triple-quoted literal holding the non-empty `parts`, one paragraph each; None if none.

    Safe for any text: a `\"\"\"` inside or a `\"` at the end cannot close the literal early.
    """
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    if not text:
        return None
    body = _escape_text(text)
    if body.endswith('"'):  # first, so that it is never the end of an escaped `\"\"\"`
        body = body[:-1] + '\\"'
    body = body.replace('"""', '\\"\\"\\"')
    return f'"""{body}"""'
