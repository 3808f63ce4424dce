"""Stage 1, the token vocabulary: wit-parser's token types and how its messages name them.

The lexer (`witgen.syntax.lexer`) produces these types; the grammar (`grammars/wit.lark`) names
them as its terminals; the parser (`witgen.syntax.parser`) turns them back into wit-parser's words
for `expected X, found Y`. Also here: how Rust prints a character in a message, and the value of
an integer token (both needed by the lexer, the parser and the version parser alike).
"""

from __future__ import annotations

import unicodedata

# lex.rs `Tokenizer::next_raw`: every keyword, mapped to its token type (the grammar's terminal).
KEYWORDS: dict[str, str] = {
    word: word.upper().replace("-", "_")
    for word in (
        "as async bool borrow char constructor enum error-context export f32 f64 flags from func "
        "future import include interface list map option own package record resource result "
        "s8 s16 s32 s64 static stream string tuple type u8 u16 u32 u64 use variant with world"
    ).split()
}
KEYWORDS["_"] = "UNDERSCORE"

PUNCTUATION: dict[str, str] = {
    "=": "EQUAL",
    ",": "COMMA",
    ":": "COLON",
    ".": "DOT",
    ";": "SEMICOLON",
    "(": "LPAR",
    ")": "RPAR",
    "{": "LBRACE",
    "}": "RBRACE",
    "<": "LESSTHAN",
    ">": "MORETHAN",
    "->": "ARROW",
    "*": "STAR",
    "@": "AT",
    "/": "SLASH",
    "+": "PLUS",
    "-": "MINUS",
}

# Identifiers that become their own token type right after `@` (Attribute::parse_list).
ATTRIBUTES: dict[str, str] = {
    "since": "ATTR_SINCE",
    "unstable": "ATTR_UNSTABLE",
    "deprecated": "ATTR_DEPRECATED",
    "external-id": "ATTR_EXTERNAL_ID",
}

# lex.rs `Token::describe`, for the token types that are not keywords.
_DESCRIPTIONS: dict[str, str] = {
    "EQUAL": "'='",
    "COMMA": "','",
    "COLON": "':'",
    "DOT": "'.'",
    "SEMICOLON": "';'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LESSTHAN": "'<'",
    "MORETHAN": "'>'",
    "ARROW": "`->`",
    "STAR": "`*`",
    "AT": "`@`",
    "SLASH": "`/`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "ID": "an identifier",
    "INTEGER": "an integer",
    "STRING_LITERAL": "a string literal",
    # contextual types are, for wit-parser, plain identifiers and integers
    "GET": "an identifier",
    "SET": "an identifier",
    "VERSION_KEY": "an identifier",
    "FEATURE_KEY": "an identifier",
    "LIST_SIZE": "an integer",
    **{kind: "an identifier" for kind in ATTRIBUTES.values()},
}
_KEYWORD_TEXT = {kind: word for word, kind in KEYWORDS.items()}


def describe(kind: str, value: str = "") -> str:
    """How wit-parser names a token (of this type and text) in `expected X, found Y` messages."""
    if kind in _KEYWORD_TEXT:
        return f"keyword `{_KEYWORD_TEXT[kind]}`"
    if kind == "ID" and value.startswith("%"):
        return "an '%' identifier"
    return _DESCRIPTIONS.get(kind, kind)


def rust_char_debug(ch: str) -> str:
    """A char as Rust's `{:?}` prints it (`char::escape_debug`), quotes included."""
    simple = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "'": "\\'", "\\": "\\\\"}
    if ch in simple:
        return f"'{simple[ch]}'"
    if not ch.isprintable() or unicodedata.category(ch) in ("Mn", "Me"):
        return f"'\\u{{{ord(ch):x}}}'"
    return f"'{ch}'"


def unsigned(digits: str, bits: int) -> int | None:
    """The value of a decimal number if it fits in `bits` unsigned bits, else None.

    A huge one is never converted: Python refuses to convert more than 4300 digits.
    """
    significant = digits.lstrip("0")
    if len(significant) > 20:
        return None
    value = int(significant or "0")
    return value if value < 1 << bits else None
