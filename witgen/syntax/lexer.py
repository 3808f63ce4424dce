"""Stage 1, lexing: the text of one WIT file in, lark tokens (with global spans) out.

Mirrors wit-parser's tokenizer (`ast/lex.rs`): the same tokens, the same identifier rules
(`validate_id`), the same forbidden code points, nested block comments and string literals, and
the same error messages at the same positions. One compiled regex does the common cases; nested
comments, string literals and non-ASCII identifiers are scanned by hand.

wit-parser lexes lazily, one token each time its recursive-descent parser asks, so a lexical error
after a syntax error is never reported. `WitLexer` keeps that order by being a generator driven by
lark's LALR loop: a token is produced only when the parser wants it, and the generator resumes only
once the parser has accepted the previous token. That resumption is also where the few things
wit-parser does right after consuming a token happen (assembling a version, checking a list size).

Some tokens depend on their neighbours, as they do in wit-parser's parser: see `_contextual`.
Every comment is recorded with its span so the parser can attach docs (`lookahead_docs`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from lark import Token
from lark.common import LexerConf
from lark.lexer import Lexer, LexerState

from witgen.errors import Span, WitError
from witgen.syntax import ast

# wit-parser's `MAX_TYPE_DEPTH` (Type::parse_at_depth).
MAX_TYPE_DEPTH = 100

# --- token types ----------------------------------------------------------------------------

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


# --- the scanner's regular expressions -------------------------------------------------------

# One token after optional whitespace (lex.rs folds "\r\n" into "\n"; a lone "\r" is an error).
# The word alternatives refuse to stop in front of a non-ASCII character (possessively: no
# backtracking to a shorter word): those identifiers are rare and take the slow path, which
# follows Unicode XID rules as `is_keylike_*` do.
_TOKEN = re.compile(
    r"""(?:[ \t\n]++|\r\n)*+(?:
      (//[^\n]*\n?)                                         # 1 line comment, with its newline
    | (/\*)                                                 # 2 block comment start
    | ([A-Za-z_][A-Za-z0-9_\-]*+)(?![^\x00-\x7f])           # 3 keyword or identifier
    | ([0-9]+)                                              # 4 integer
    | (->|[=,:.;(){}<>*@/+\-])                              # 5 punctuation
    | (%(?:[A-Za-z_\-][A-Za-z0-9_\-]*+)?+)(?![^\x00-\x7f])  # 6 %-escaped identifier
    | (")                                                   # 7 string literal start
    )""",
    re.VERBOSE,
)
_LINE_COMMENT, _BLOCK_COMMENT, _WORD, _INTEGER, _PUNCT, _EXPLICIT, _STRING = range(1, 8)

_WHITESPACE = re.compile(r"(?:[ \t\n]++|\r\n)*+")
# Runs of openers or closers are taken at once (`/*/*` is two openers either way).
_BLOCK_DELIMITERS = re.compile(r"(?:/\*)++|(?:\*/)++")
# Characters a string literal takes as they are (lex.rs `expect_string_literal`).
_STRING_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]++')

# lex.rs `detect_invalid_input`: control characters other than \t \n \r, bidirectional overrides
# and deprecated code points, anywhere in the file (comments included).
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5]"
)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

# validate_id's accepted shape: parts separated by "-", each all-lowercase or all-uppercase ASCII
# letters and digits; only the first part must start with a letter.
_VALID_ID = re.compile(r"(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*")


# --- messages --------------------------------------------------------------------------------


def rust_char_debug(ch: str) -> str:
    """A char as Rust's `{:?}` prints it (`char::escape_debug`), quotes included."""
    simple = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "'": "\\'", "\\": "\\\\"}
    if ch in simple:
        return f"'{simple[ch]}'"
    if not ch.isprintable() or unicodedata.category(ch) in ("Mn", "Me"):
        return f"'\\u{{{ord(ch):x}}}'"
    return f"'{ch}'"


def _escape_unicode(ch: str) -> str:
    return f"\\u{{{ord(ch):x}}}"


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


def _is_keylike_start(ch: str) -> bool:
    """lex.rs `is_keylike_start`: XID start, `_` or `-`."""
    return ch.isidentifier() or ch == "-"


def _is_keylike_continue(ch: str) -> bool:
    """lex.rs `is_keylike_continue`: XID continue or `-`."""
    return ("a" + ch).isidentifier() or ch == "-"


def unsigned(digits: str, bits: int) -> int | None:
    """The value of a decimal number if it fits in `bits` unsigned bits, else None.

    A huge one is never converted: Python refuses to convert more than 4300 digits.
    """
    significant = digits.lstrip("0")
    if len(significant) > 20:
        return None
    value = int(significant or "0")
    return value if value < 1 << bits else None


# --- semver ----------------------------------------------------------------------------------

_SEMVER_POSITIONS = {
    "major": "major version number",
    "minor": "minor version number",
    "patch": "patch version number",
    "pre": "pre-release identifier",
    "build": "build metadata",
}


def _semver_char(ch: str) -> str:
    # semver's `QuotedChar`
    return "'\\0'" if ch == "\0" else rust_char_debug(ch)


def _semver_number(text: str, pos: str) -> tuple[int, str]:
    """semver's `numeric_identifier`."""
    length = 0
    while length < len(text) and "0" <= text[length] <= "9":
        if length == 1 and text[0] == "0":
            raise ValueError(f"invalid leading zero in {_SEMVER_POSITIONS[pos]}")
        length += 1
    if length == 0:
        if text:
            raise ValueError(
                f"unexpected character {_semver_char(text[0])} while parsing "
                f"{_SEMVER_POSITIONS[pos]}"
            )
        raise ValueError(f"unexpected end of input while parsing {_SEMVER_POSITIONS[pos]}")
    value = unsigned(text[:length], 64)
    if value is None:
        raise ValueError(f"value of {_SEMVER_POSITIONS[pos]} exceeds u64::MAX")
    return value, text[length:]


def _semver_dot(text: str, pos: str) -> str:
    if text.startswith("."):
        return text[1:]
    if text:
        raise ValueError(
            f"unexpected character {_semver_char(text[0])} after {_SEMVER_POSITIONS[pos]}"
        )
    raise ValueError(f"unexpected end of input while parsing {_SEMVER_POSITIONS[pos]}")


def _semver_identifier(text: str, pos: str) -> tuple[str, str]:
    """semver's `identifier`: dot-separated ASCII alphanumerics and `-`; returns (ident, rest)."""
    accumulated = 0
    while True:
        segment = 0
        has_nondigit = False
        while accumulated + segment < len(text):
            ch = text[accumulated + segment]
            if ch.isascii() and (ch.isalpha() or ch == "-"):
                has_nondigit = True
            elif not ("0" <= ch <= "9"):
                break
            segment += 1
        boundary = text[accumulated + segment : accumulated + segment + 1]
        if segment == 0:
            if accumulated == 0 and boundary != ".":
                return "", text
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
        if pos == "pre" and segment > 1 and not has_nondigit and text[accumulated] == "0":
            raise ValueError(f"invalid leading zero in {_SEMVER_POSITIONS[pos]}")
        accumulated += segment
        if boundary != ".":
            return text[:accumulated], text[accumulated:]
        accumulated += 1


def parse_semver(text: str) -> tuple[int, int, int, str, str]:
    """semver's `Version::from_str`, with its error messages (raised as ValueError)."""
    major, rest = _semver_number(text, "major")
    minor, rest = _semver_number(_semver_dot(rest, "major"), "minor")
    patch, rest = _semver_number(_semver_dot(rest, "minor"), "patch")
    pos, pre, build = "patch", "", ""
    if rest.startswith("-"):
        pos = "pre"
        pre, rest = _semver_identifier(rest[1:], pos)
        if not pre:
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
    if rest.startswith("+"):
        pos = "build"
        build, rest = _semver_identifier(rest[1:], pos)
        if not build:
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
    if rest:
        raise ValueError(
            f"unexpected character {_semver_char(rest[0])} after {_SEMVER_POSITIONS[pos]}"
        )
    return major, minor, patch, pre, build


# --- the per-file lexer ----------------------------------------------------------------------

_new_str = str.__new__


def _token(kind: str, value: Any, start: int, end: int) -> Token:
    """A lark Token, built directly.

    lark's constructor (which also handles deprecated keyword arguments) costs three times as
    much, and a 1 MiB file has a quarter of a million tokens.
    """
    token: Token = _new_str(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = start
    token.end_pos = end
    token.line = token.column = token.end_line = token.end_column = None
    return token


# (token type, start, end, comments before it, value); positions are indices into the text.
# A `%`-escaped identifier is an "ID" too; its value keeps the `%`.
RawToken = tuple[str | None, int, int, list[Span] | None, Any]

# Token types `_contextual` may change, and the ones with work to do once accepted.
_CONTEXTUAL = frozenset(("ID", "INTEGER"))
_ON_ACCEPT = frozenset(("LESSTHAN", "MORETHAN", "INTEGER", "LIST_SIZE"))

_NO_DOCS = ast.Docs()


class Source:
    """One file being lexed: handed to lark's `parse` as its input, read back by `WitLexer`.

    Also the parser's window on the lexer: the docs before the current lookahead token, the
    end of the input, and a way to re-scan a token.
    """

    def __init__(self, text: str, base: int) -> None:
        self.text = text
        self.base = base
        self.eof = base + len(text)
        # comments before the token most recently handed to the parser (the lookahead)
        self.comments: list[Span] | None = None
        # `<` minus `>` accepted so far: the depth of the next type (own/borrow never hold one)
        self.type_depth = 0

    # -- errors --

    def _error(self, message: str, start: int, end: int | None = None) -> WitError:
        """An error at text indices `start..end` (one character by default, as lex errors are)."""
        return WitError(
            message, (self.base + start, self.base + (start + 1 if end is None else end))
        )

    def _file_relative_error(self, message: str, index: int) -> WitError:
        """An error located as wit-parser locates `detect_invalid_input` and string escapes.

        wit-parser reports these at the character's offset in its file *without* the file's
        offset in the source map (lex.rs uses the raw index), so in any file but the first the
        location points elsewhere. The reference is followed: the span is not shifted by `base`.
        """
        return WitError(message, (index, index + 1))

    def check_input(self) -> None:
        """lex.rs `detect_invalid_input`, over the whole file before any token."""
        found = _FORBIDDEN.search(self.text)
        if found is None:
            return
        ch = found.group()
        if _BIDI.match(ch):
            message = (
                "Input contains bidirectional override codepoint "
                f"EscapeUnicode(EscapeIterInner('{_escape_unicode(ch)}'))"
            )
        elif _CONTROL.match(ch):
            message = f"Control code '{_escape_unicode(ch)}'"
        else:
            message = (
                f"Codepoint EscapeUnicode(EscapeIterInner('{_escape_unicode(ch)}')) "
                "is discouraged by Unicode"
            )
        raise self._file_relative_error(message, found.start())

    # -- scanning --

    def scan(self, pos: int) -> RawToken:
        """The next token at or after text index `pos` (type None at the end), skipping comments."""
        text = self.text
        comments: list[Span] | None = None
        while True:
            m = _TOKEN.match(text, pos)
            if m is None:
                return self._scan_slow(pos, comments)
            group: int = m.lastindex  # type: ignore[assignment]  # one group always matches
            start, end = m.span(group)
            if group == _WORD:
                value = m.group(group)
                return KEYWORDS.get(value, "ID"), start, end, comments, value
            if group == _PUNCT:
                value = m.group(group)
                return PUNCTUATION[value], start, end, comments, value
            if group == _LINE_COMMENT or group == _BLOCK_COMMENT:
                if group == _BLOCK_COMMENT:
                    end = self._block_comment_end(start)
                if comments is None:
                    comments = []
                comments.append((start, end))
                pos = end
                continue
            if group == _INTEGER:
                return "INTEGER", start, end, comments, m.group(group)
            if group == _EXPLICIT:
                return "ID", start, end, comments, m.group(group)
            value, end = self._string_literal(start)
            return "STRING_LITERAL", start, end, comments, value

    def _scan_slow(self, pos: int, comments: list[Span] | None) -> RawToken:
        """End of input, non-ASCII identifiers, and unexpected characters."""
        text = self.text
        start = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
        if start == len(text):
            return None, start, start, comments, None
        ch = text[start]
        if ch == "%":
            end = start + 1
            if end < len(text) and _is_keylike_start(text[end]):
                end = self._keylike_end(end + 1)
            return "ID", start, end, comments, text[start:end]
        if _is_keylike_start(ch) and ch != "-":
            end = self._keylike_end(start + 1)
            value = text[start:end]
            return KEYWORDS.get(value, "ID"), start, end, comments, value
        raise self._error(f"unexpected character {rust_char_debug(ch)}", start)

    def _keylike_end(self, pos: int) -> int:
        text = self.text
        while pos < len(text) and _is_keylike_continue(text[pos]):
            pos += 1
        return pos

    def _block_comment_end(self, start: int) -> int:
        """Scan a nested `/* ... */` by hand: regexes cannot count nesting."""
        depth, pos = 1, start + 2
        while True:
            run = _BLOCK_DELIMITERS.search(self.text, pos)
            if run is None:
                raise self._error("unterminated block comment", start)
            count = (run.end() - run.start()) // 2
            if run.group().startswith("/*"):
                depth += count
            elif count >= depth:
                return run.start() + 2 * depth
            else:
                depth -= count
            pos = run.end()

    # -- string literals (lex.rs `expect_string_literal`) --

    def _char(self, pos: int) -> tuple[str, int]:
        """The character at `pos` and the index after it, with "\\r\\n" read as one "\\n"."""
        text = self.text
        if pos >= len(text):
            raise WitError("unexpected end of file", (self.eof, self.eof + 1))
        if text.startswith("\r\n", pos):
            return "\n", pos + 2
        return text[pos], pos + 1

    def _string_literal(self, start: int) -> tuple[str, int]:
        """Decode the literal opening at `start`; return its value and its end."""
        out = bytearray()
        pos = start + 1
        while True:
            plain = _STRING_PLAIN.match(self.text, pos)
            if plain is not None:
                out += plain.group().encode("utf-8", "surrogatepass")
                pos = plain.end()
            at = pos
            ch, pos = self._char(pos)
            if ch == '"':
                break
            if ch == "\\":
                pos = self._string_escape(pos, out)
            elif ch < " " or ch == "\x7f":
                raise self._file_relative_error(
                    f"invalid string character {rust_char_debug(ch)}", at
                )
            else:
                out += ch.encode("utf-8", "surrogatepass")
        try:
            return out.decode("utf-8"), pos
        except UnicodeDecodeError as err:
            # Rust's `Utf8Error` display
            if err.reason == "unexpected end of data":
                detail = f"incomplete utf-8 byte sequence from index {err.start}"
            else:
                detail = (
                    f"invalid utf-8 sequence of {err.end - err.start} bytes from index {err.start}"
                )
            raise self._error(f"invalid UTF-8: {detail}", start) from None

    def _string_escape(self, pos: int, out: bytearray) -> int:
        at = pos
        ch, pos = self._char(pos)
        simple = {'"': '"', "'": "'", "t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
        if ch in simple:
            out += simple[ch].encode()
        elif ch == "u":
            pos = self._expect_char(pos, "{")
            value, pos = self._hex_number(pos)
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise self._file_relative_error(f"invalid unicode value {value:#x}", at)
            out += chr(value).encode()
            pos = self._expect_char(pos, "}")
        elif ch in "0123456789abcdefABCDEF":
            low, pos = self._hex_digit(pos)
            out.append(int(ch, 16) * 16 + low)
        else:
            raise self._file_relative_error(f"invalid string escape {rust_char_debug(ch)}", at)
        return pos

    def _expect_char(self, pos: int, wanted: str) -> int:
        ch, after = self._char(pos)
        if ch != wanted:
            raise self._file_relative_error(f"expected character {rust_char_debug(wanted)}", pos)
        return after

    def _hex_digit(self, pos: int) -> tuple[int, int]:
        ch, after = self._char(pos)
        if ch not in "0123456789abcdefABCDEF":
            raise self._file_relative_error(f"invalid hex digit {rust_char_debug(ch)}", pos)
        return int(ch, 16), after

    def _hex_number(self, pos: int) -> tuple[int, int]:
        """lex.rs `eat_hexnum`: hex digits with `_` separators, fitting a u32."""
        first = pos
        value, pos = self._hex_digit(pos)
        trailing_underscore = False
        while True:
            ch, after = self._char(pos)
            if ch == "_":
                trailing_underscore, pos = True, after
                continue
            if ch not in "0123456789abcdefABCDEF":
                break
            trailing_underscore = False
            value = value * 16 + int(ch, 16)
            if value > 0xFFFFFFFF:
                raise self._file_relative_error("number is too big to fit in a u32", pos)
            pos = after
        if trailing_underscore:
            raise self._file_relative_error("trailing underscore in number", first)
        return value, pos

    # -- tokens that depend on context --

    def _contextual(
        self, kind: str, value: str, end: int, prev: str, prev2: str, parser_state: Any
    ) -> str:
        """Give an identifier or integer the type its position calls for.

        wit-parser tells these apart inside its parser functions; here the lexer does it from the
        previous tokens (for `get`/`set`, from the parser's state) so that the LALR tables, and
        so the error messages, tell them apart too.
        """
        if kind == "INTEGER":
            # only `list<T, N>` has an integer after a comma
            return "LIST_SIZE" if prev == "COMMA" else kind
        name = value[1:] if value.startswith("%") else value
        if prev == "AT":
            return ATTRIBUTES.get(name, kind)
        if prev == "LPAR":
            if prev2 in ("ATTR_SINCE", "ATTR_DEPRECATED") and name == "version":
                return "VERSION_KEY"
            if prev2 == "ATTR_UNSTABLE" and name == "feature":
                return "FEATURE_KEY"
        if (
            value in ("get", "set")
            and "GET" in parser_state.parse_conf.states[parser_state.position]
        ):
            # where a function type may start, `get (` and `set (` declare a getter or setter
            # (Func::parse). Peek without failing: an error comes back when the next token is
            # scanned (and `_identifier_error` reports it where wit-parser does).
            try:
                following = self.scan(end)[0]
            except WitError:
                following = None
            if following == "LPAR":
                return value.upper()
        return kind

    def _version_rest(self, major_start: int, pos: int) -> tuple[Token, int]:
        """wit-parser's `parse_version` after the major number: the rest of the version.

        `.minor.patch` are required; then `-pre` and `+build` parts made of identifiers,
        integers, `-` and `.` are taken greedily, except a `.` not followed by one of those (in
        `use a:b/c@1.0.0-x.{...}` it belongs to the `use`). The text is then checked as semver.
        """
        for wanted in ("DOT", "INTEGER", "DOT", "INTEGER"):
            kind, start, end, _, value = self.scan(pos)
            if kind != wanted:
                found = "eof" if kind is None else describe(kind, value)
                raise self._error(f"expected {describe(wanted)}, found {found}", start, end)
            pos = end
        version_end = pos
        for prefix in ("MINUS", "PLUS"):
            pos, version_end = self._version_part(prefix, pos, version_end)
        text = self.text[major_start:version_end]
        span = (self.base + major_start, self.base + version_end)
        try:
            major, minor, patch, pre, build = parse_semver(text)
        except ValueError as err:
            raise WitError(str(err), span) from None
        version = ast.Version(text, span, major, minor, patch, pre, build)
        token = _token("VERSION_REST", version, span[0], span[1])
        return token, pos

    def _version_part(self, prefix: str, pos: int, version_end: int) -> tuple[int, int]:
        """wit-parser's `eat_ids`: returns the position after the part and the version's end."""
        kind, _, end, _, _ = self.scan(pos)
        if kind != prefix:
            return pos, version_end
        pos = end
        part = ("ID", "INTEGER", "MINUS")
        while True:
            kind, _, end, _, value = self.scan(pos)
            if kind == "DOT":
                kind, _, end, _, value = self.scan(end)
            if kind not in part or value.startswith("%"):
                return pos, version_end
            pos = version_end = end

    def _check_type_depth(self, kind: str | None, start: int, end: int, parser_state: Any) -> None:
        """wit-parser's `type nesting too deep`, raised where Type::parse_at_depth raises it.

        That is on the token that would start a type at depth 100, whatever it is. `u8` only
        ever starts a type, so a state accepting it is a place where wit-parser parses one,
        except for the tokens it looks for first there (`>` ending a tuple, `_` in `result<_`).
        """
        actions = parser_state.parse_conf.states[parser_state.position]
        if "U8" in actions and not (kind in ("MORETHAN", "UNDERSCORE") and kind in actions):
            raise self._error("type nesting too deep", start, end)

    def tokens(self, parser_state: Any) -> Iterator[Token]:
        """The token stream for lark; see the module docstring for the protocol."""
        self.check_input()
        base, scan = self.base, self.scan
        pos = 1 if self.text.startswith("\ufeff") else 0  # lex.rs eats a UTF-8 BOM
        prev = prev2 = ""
        while True:
            kind, start, end, self.comments, value = scan(pos)
            if self.type_depth >= MAX_TYPE_DEPTH:
                self._check_type_depth(kind, start, end, parser_state)
            if kind is None:
                return
            if kind in _CONTEXTUAL:
                kind = self._contextual(kind, value, end, prev, prev2, parser_state)
            pos = end
            yield _token(kind, value, base + start, base + end)
            # The parser accepted the token.
            if kind in _ON_ACCEPT:
                if kind == "LESSTHAN":
                    self.type_depth += 1
                elif kind == "MORETHAN":
                    self.type_depth -= 1
                elif kind == "LIST_SIZE":
                    if unsigned(value, 32) is None:
                        raise self._error(
                            "invalid list size: number too large to fit in target type",
                            start,
                            end,
                        )
                elif prev in ("AT", "EQUAL"):  # an INTEGER there starts a version
                    token, pos = self._version_rest(start, pos)
                    yield token
                    kind = "VERSION_REST"
            prev2, prev = prev, kind

    # -- docs --

    def lookahead_docs(self) -> ast.Docs:
        """wit-parser's `parse_docs`: every comment between the previous token and the lookahead.

        Each comment's text is kept as written (a line comment with its newline); the span runs
        from the first comment to the last one without its trailing whitespace.
        """
        if not self.comments:
            return _NO_DOCS
        texts = tuple(self.text[start:end] for start, end in self.comments)
        first, last = self.comments[0][0], self.comments[-1][1]
        last -= len(texts[-1]) - len(texts[-1].rstrip(" \t\n\r\x0c"))  # Rust's ASCII whitespace
        return ast.Docs(texts, (self.base + first, self.base + last))


class WitLexer(Lexer):
    """The lark side of the lexer: lark passes a `Source` as the text to parse."""

    __future_interface__ = 2  # lex() receives the lexer state and the parser state

    def __init__(self, conf: LexerConf) -> None:
        pass

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        source = lexer_state.text
        assert isinstance(source, Source)
        return source.tokens(parser_state)
