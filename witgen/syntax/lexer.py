"""Stage 1, lexing: the text of one WIT file in, tokens (`Lexeme`s, with global spans) out.

Mirrors wit-parser's tokenizer (`ast/lex.rs`): the same tokens, the same identifier rules
(`validate_id`), the same forbidden code points, nested block comments and string literals, and
the same error messages at the same positions. One compiled regex does the common cases; nested
comments, string literals and non-ASCII identifiers are scanned by hand.

wit-parser lexes lazily, one token each time its recursive-descent parser asks, so a lexical error
after a syntax error is never reported. `Source.tokens` keeps that order by being a generator driven
by the LALR loop (`witgen.syntax.lalr`): a token is produced only when the parser wants it, and the
generator resumes only
once the parser has accepted the previous token. That resumption is also where the few things
wit-parser does right after consuming a token happen (assembling a version, checking a list size).

Some tokens depend on their neighbours, as they do in wit-parser's parser: see `_contextual`.
Every comment is recorded with its span so the parser can attach docs (`lookahead_docs`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from witgen.errors import Span, WitError
from witgen.syntax import ast
from witgen.syntax.identifiers import is_keylike_continue, is_keylike_start
from witgen.syntax.lalr import Lexeme
from witgen.syntax.semver import parse_semver
from witgen.syntax.tokens import (
    ATTRIBUTES,
    KEYWORDS,
    PUNCTUATION,
    describe,
    rust_char_debug,
    unsigned,
)

# wit-parser's `MAX_TYPE_DEPTH` (Type::parse_at_depth).
MAX_TYPE_DEPTH = 100

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


def _escape_unicode(ch: str) -> str:
    # Rust's `char::escape_unicode`, as `detect_invalid_input`'s messages print it
    return f"\\u{{{ord(ch):x}}}"


# --- the per-file lexer ----------------------------------------------------------------------


# (token type, start, end, comments before it, value); positions are indices into the text.
# A `%`-escaped identifier is an "ID" too; its value keeps the `%`.
RawToken = tuple[str | None, int, int, list[Span] | None, Any]

# Token types `_contextual` may change, and the ones with work to do once accepted.
_CONTEXTUAL = frozenset(("ID", "INTEGER"))
# The previous tokens after which `_contextual` may change one (besides `get` and `set` anywhere).
_CONTEXT_BEFORE = frozenset(("AT", "LPAR", "COMMA"))
_ON_ACCEPT = frozenset(("LESSTHAN", "MORETHAN", "INTEGER", "LIST_SIZE"))

_NO_DOCS = ast.Docs()


class Source:
    """One file being lexed: its token stream (`tokens`) feeds the LALR parser.

    Also the parser's window on the lexer: the docs before the current lookahead token, the
    end of the input, and a way to re-scan a token. `states` are the parser's tables (per state,
    the symbols it accepts), read to tell context-dependent tokens apart.
    """

    def __init__(self, text: str, base: int, states: list[dict[str, int]] | None = None) -> None:
        self.text = text
        self.base = base
        self.states: list[dict[str, int]] = states if states is not None else []
        self.eof = base + len(text)
        # comments before the token most recently handed to the parser (the lookahead)
        self.comments: list[Span] | None = None

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
            if end < len(text) and is_keylike_start(text[end]):
                end = self._keylike_end(end + 1)
            return "ID", start, end, comments, text[start:end]
        if is_keylike_start(ch) and ch != "-":
            end = self._keylike_end(start + 1)
            value = text[start:end]
            return KEYWORDS.get(value, "ID"), start, end, comments, value
        raise self._error(f"unexpected character {rust_char_debug(ch)}", start)

    def _keylike_end(self, pos: int) -> int:
        text = self.text
        while pos < len(text) and is_keylike_continue(text[pos]):
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
        self, kind: str, value: str, end: int, prev: str, prev2: str, state_stack: list[int]
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
        if value in ("get", "set") and "GET" in self.states[state_stack[-1]]:
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

    def _version_rest(self, major_start: int, pos: int) -> tuple[Lexeme, int]:
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
        token = ("VERSION_REST", version, span[0], span[1])
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

    def _check_type_depth(
        self, kind: str | None, start: int, end: int, state_stack: list[int]
    ) -> None:
        """wit-parser's `type nesting too deep`, raised where Type::parse_at_depth raises it.

        That is on the token that would start a type at depth 100, whatever it is. `u8` only
        ever starts a type, so a state accepting it is a place where wit-parser parses one,
        except for the tokens it looks for first there (`>` ending a tuple, `_` in `result<_`).
        """
        actions = self.states[state_stack[-1]]
        if "U8" in actions and not (kind in ("MORETHAN", "UNDERSCORE") and kind in actions):
            raise self._error("type nesting too deep", start, end)

    def tokens(self, state_stack: list[int]) -> Iterator[Lexeme]:
        """The token stream for the parser whose stack this is; see the module docstring."""
        self.check_input()
        base, scan, text = self.base, self.scan, self.text
        pos = 1 if text.startswith("\ufeff") else 0  # lex.rs eats a UTF-8 BOM
        prev = prev2 = ""
        depth = 0  # `<` minus `>` accepted so far: the depth of the next type
        match, keyword, punctuation = _TOKEN.match, KEYWORDS.get, PUNCTUATION
        while True:
            # `scan`'s two commonest cases inline (a word or punctuation after whitespace, no
            # comment): a call less for most of a file's tokens
            m = match(text, pos)
            group = m.lastindex if m is not None else None
            kind: str | None
            if m is not None and group == _WORD:
                value = m.group(_WORD)
                kind = keyword(value, "ID")
                start, end = m.span(_WORD)
                self.comments = None
            elif m is not None and group == _PUNCT:
                value = m.group(_PUNCT)
                kind = punctuation[value]
                start, end = m.span(_PUNCT)
                self.comments = None
            else:
                kind, start, end, self.comments, value = scan(pos)
            if depth >= MAX_TYPE_DEPTH:
                self._check_type_depth(kind, start, end, state_stack)
            if kind is None:
                return
            # (`_contextual` changes nothing unless one of these holds: most identifiers skip it)
            if kind in _CONTEXTUAL and (
                prev in _CONTEXT_BEFORE or value == "get" or value == "set"
            ):
                kind = self._contextual(kind, value, end, prev, prev2, state_stack)
            pos = end
            yield kind, value, base + start, base + end
            # The parser accepted the token.
            if kind in _ON_ACCEPT:
                if kind == "LESSTHAN":
                    depth += 1
                elif kind == "MORETHAN":
                    depth -= 1
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
