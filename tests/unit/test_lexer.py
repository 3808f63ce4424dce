"""Unit tests of stage 1's lexer (`witgen.syntax.lexer`): tokens, identifiers, strings, versions.

Expected messages are wit-parser's (ast/lex.rs and the `semver` crate), checked against
wasm-tools 1.262.0. Whole-parser behaviour (which error wins, where) is in `test_syntax.py`.
"""

from __future__ import annotations

import pytest
from lark import Lark

from witgen.data import data_path
from witgen.errors import WitError
from witgen.syntax.identifiers import validate_id
from witgen.syntax.lexer import Source
from witgen.syntax.semver import parse_semver
from witgen.syntax.tokens import KEYWORDS, PUNCTUATION


def raw_tokens(text: str) -> list[tuple[str, str]]:
    """(type, value) of every token, as the scanner produces them (no parser context)."""
    source, pos, out = Source(text, 0), 0, []
    while True:
        kind, _start, end, _comments, value = source.scan(pos)
        if kind is None:
            return out
        out.append((kind, value))
        pos = end


def lex_error(text: str) -> WitError:
    source, pos, kind = Source(text, 0), 0, ""
    with pytest.raises(WitError) as err:
        source.check_input()
        while kind is not None:
            kind, _start, pos, _comments, _value = source.scan(pos)
    return err.value


# --- the token tables agree with the grammar -------------------------------------------------


def test_every_literal_terminal_of_the_grammar_is_a_lexer_token() -> None:
    # lexer-only mode keeps every terminal, used or not (`from` is reserved but unused)
    grammar = Lark(data_path("grammars", "wit.lark").read_text(), parser=None, lexer="basic")
    literals = {t.name: t.pattern.value for t in grammar.terminals if t.pattern.type == "str"}
    lexer_table = {**{v: k for k, v in KEYWORDS.items()}, **{v: k for k, v in PUNCTUATION.items()}}
    assert literals == lexer_table


# --- tokens ----------------------------------------------------------------------------------


def test_keywords_identifiers_and_punctuation() -> None:
    assert raw_tokens("record r-1 { get: list<u8, 4> } -> %record error-context _ _x") == [
        ("RECORD", "record"),
        ("ID", "r-1"),
        ("LBRACE", "{"),
        ("ID", "get"),
        ("COLON", ":"),
        ("LIST", "list"),
        ("LESSTHAN", "<"),
        ("U8", "u8"),
        ("COMMA", ","),
        ("INTEGER", "4"),
        ("MORETHAN", ">"),
        ("RBRACE", "}"),
        ("ARROW", "->"),
        ("ID", "%record"),
        ("ERROR_CONTEXT", "error-context"),
        ("UNDERSCORE", "_"),
        ("ID", "_x"),
    ]


def test_identifiers_run_over_hyphens_and_stop_at_other_characters() -> None:
    # like lex.rs `is_keylike_continue`: `-` continues a word, so `a->` is `a-` then `>`
    assert raw_tokens("a->b 1a %-x") == [
        ("ID", "a-"),
        ("MORETHAN", ">"),
        ("ID", "b"),
        ("INTEGER", "1"),
        ("ID", "a"),
        ("ID", "%-x"),
    ]


def test_non_ascii_identifier_characters_take_the_slow_path_whole() -> None:
    assert raw_tokens("caf\u00e9-x \u00e9t\u00e9") == [
        ("ID", "caf\u00e9-x"),
        ("ID", "\u00e9t\u00e9"),
    ]
    # a word stops before a character that cannot continue it (which is then unexpected)
    assert lex_error("foo\u20ac").message == "unexpected character '\u20ac'"


def test_whitespace_crlf_and_comments_are_skipped_but_recorded() -> None:
    text = "a\r\n// one\r\n/* two /* nested */ */\tb"
    source = Source(text, 10)
    kind, _, end, comments, _ = source.scan(1)
    assert kind == "ID"
    assert [text[s:e] for s, e in comments or []] == ["// one\r\n", "/* two /* nested */ */"]
    assert source.scan(end)[0] is None


def test_lookahead_docs_keep_raw_text_and_span_without_trailing_whitespace() -> None:
    text = "/// a\n/** b */ x"
    source = Source(text, 100)
    source.comments = source.scan(0)[3]
    docs = source.lookahead_docs()
    assert docs.comments == ("/// a\n", "/** b */")
    assert docs.span == (100, 100 + text.index("x") - 1)


def test_string_literals_decode_escapes() -> None:
    assert raw_tokens(r'"a\"\t\\\u{1F600}\41\c3\a9"') == [
        ("STRING_LITERAL", 'a"\t\\\U0001f600A\u00e9')
    ]


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("a $", "unexpected character '$'", 2),
        ("a\rb", "unexpected character '\\r'", 1),
        ("/* a /* b */ c", "unterminated block comment", 0),
        (
            "a \u202e",
            "Input contains bidirectional override codepoint "
            "EscapeUnicode(EscapeIterInner('\\u{202e}'))",
            2,
        ),
        ("a \x07", "Control code '\\u{7}'", 2),
        (
            "a \u0149",
            "Codepoint EscapeUnicode(EscapeIterInner('\\u{149}')) is discouraged by " "Unicode",
            2,
        ),
        ('"a\\q"', "invalid string escape 'q'", 3),
        ('"a\tb"', "invalid string character '\\t'", 2),
        ('"\\u{110000}"', "invalid unicode value 0x110000", 2),
        ('"\\u{fffffffff}"', "number is too big to fit in a u32", 12),
        ('"\\u{1_}"', "trailing underscore in number", 4),
        ('"\\u41"', "expected character '{'", 3),
        ('"\\4g"', "invalid hex digit 'g'", 3),
        ('"\\ff"', "invalid UTF-8: invalid utf-8 sequence of 1 bytes from index 0", 0),
        ('"\\e2\\82"', "invalid UTF-8: incomplete utf-8 byte sequence from index 0", 0),
        ('"abc', "unexpected end of file", 4),
    ],
)
def test_lexical_errors(text: str, message: str, at: int) -> None:
    err = lex_error(text)
    assert (err.message, err.span[0] if err.span else None) == (message, at)


def test_huge_inputs_are_scanned_without_backtracking() -> None:
    # each of these once took seconds (or gigabytes) per 50 MiB
    big = 8 << 20
    assert raw_tokens(" " * big) == []
    assert lex_error("/*" * (big // 2)).message == "unterminated block comment"
    assert lex_error('"' + "x" * big).message == "unexpected end of file"


# --- identifiers (lex.rs validate_id) --------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a", "abc", "a-b", "ABC", "ABC-DEF", "a1", "a-1", "a-1b", "is-XML", "a0-00-3d-FF"]
)
def test_valid_identifiers(name: str) -> None:
    validate_id(name, 0)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "identifiers must have characters between '-'s"),
        ("a--b", "identifiers must have characters between '-'s"),
        ("a-", "identifiers must have characters between '-'s"),
        ("-a", "identifiers must have characters between '-'s"),
        ("1a", "invalid character in identifier '1'"),
        ("fooBar", "invalid character in identifier 'B'"),
        ("FOOb", "invalid character in identifier 'b'"),
        ("a-bC", "invalid character in identifier 'C'"),
        ("a_b", "invalid character in identifier '_'"),
        ("_a", "invalid character in identifier '_'"),
        ("caf\u00e9", "invalid character in identifier '\u00e9'"),
    ],
)
def test_invalid_identifiers(name: str, message: str) -> None:
    with pytest.raises(WitError) as err:
        validate_id(name, 7)
    assert (err.value.message, err.value.span) == (message, (7, 8))


# --- versions (the semver crate) -------------------------------------------------------------


def test_semver_parts() -> None:
    assert parse_semver("1.22.333-rc.1+build.05") == (1, 22, 333, "rc.1", "build.05")
    assert parse_semver("0.0.0") == (0, 0, 0, "", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01.0.0", "invalid leading zero in major version number"),
        ("1.0.0-01", "invalid leading zero in pre-release identifier"),
        ("1 .0.0", "unexpected character ' ' after major version number"),
        ("1. 0.0", "unexpected character ' ' while parsing minor version number"),
        ("1.0.0 -a", "unexpected character ' ' after patch version number"),
        ("1.0.0-a_b", "unexpected character '_' after pre-release identifier"),
        ("1.0.0-_a", "empty identifier segment in pre-release identifier"),
        ("1.0.0-a..b", "empty identifier segment in pre-release identifier"),
        ("1.0.0+", "empty identifier segment in build metadata"),
        ("99999999999999999999.0.0", "value of major version number exceeds u64::MAX"),
    ],
)
def test_semver_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_semver(text)
    assert str(err.value) == message
