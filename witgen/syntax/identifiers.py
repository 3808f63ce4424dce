"""Stage 1, identifiers: wit-parser's rules for what an identifier may contain (lex.rs).

The lexer (`witgen.syntax.lexer`) uses the character classes to find where a word ends; the parser
(`witgen.syntax.parser`) validates each identifier as it shifts it, which is when wit-parser does.
"""

from __future__ import annotations

import re

from witgen.errors import Span, WitError
from witgen.syntax.tokens import rust_char_debug

# validate_id's accepted shape: parts separated by "-", each all-lowercase or all-uppercase ASCII
# letters and digits; only the first part must start with a letter.
_VALID_ID = re.compile(r"(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*")


def validate_id(name: str, start: int) -> None:
    """lex.rs `validate_id`: raise wit-parser's error (located at the token's start) if invalid."""
    if _VALID_ID.fullmatch(name):
        return
    span = (start, start + 1)
    empty = WitError("identifiers must have characters between '-'s", span)
    if not name:
        raise empty
    for index, part in enumerate(name.split("-")):
        if not part:
            raise empty
        if index == 0 and not (part[0].isascii() and part[0].isalpha()):
            raise _invalid_char(part[0], span)
        upper: bool | None = None
        for ch in part:
            if "0" <= ch <= "9":
                continue
            if "A" <= ch <= "Z" or "a" <= ch <= "z":
                is_upper = ch <= "Z"
                if upper is None:
                    upper = is_upper
                elif upper != is_upper:
                    raise _invalid_char(ch, span)
            else:
                raise _invalid_char(ch, span)
    raise AssertionError(f"validate_id disagrees with _VALID_ID on {name!r}")  # pragma: no cover


def _invalid_char(ch: str, span: Span) -> WitError:
    return WitError(f"invalid character in identifier {rust_char_debug(ch)}", span)


def is_keylike_start(ch: str) -> bool:
    """lex.rs `is_keylike_start`: XID start, `_` or `-`."""
    return ch.isidentifier() or ch == "-"


def is_keylike_continue(ch: str) -> bool:
    """lex.rs `is_keylike_continue`: XID continue or `-`."""
    return ("a" + ch).isidentifier() or ch == "-"
