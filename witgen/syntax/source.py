"""Stage 1 support: one source map for every file of a load, and the error renderer.

Each file is appended at a running offset (plus one synthetic `\n`, so an end-of-file span still
points into its own file), so a span, a pair of global character offsets, names both the file and
the position. Rendering follows wit-parser's `SourceMap::highlight_err` (ast.rs): lines and columns
are 1-based and columns count UTF-8 bytes, as wasm-tools prints them.

The map outlives the front end: the `Resolve` a load returns keeps it (`Resolve.source_map`), so
later stages can locate the spans the model carries (`Resolve.location`, `Resolve.error`).
"""

# No `from __future__ import annotations`: with it, NamedTuple (`Location`) compiles each field's
# annotation string when the class is created, a cost paid by every command's start-up.
import bisect
from typing import NamedTuple

from witgen.errors import Span, WitError
from witgen.records import Struct

# wit-parser falls back to `path:line:col: message` when the source line is longer than this
# (counted in bytes), so a minified file does not flood the terminal.
MAX_SNIPPET_BYTES = 500


class Source(Struct):
    __slots__ = ("offset", "path", "text")

    offset: int
    path: str
    text: str  # the file's text plus the synthetic trailing "\n"

    def __init__(self, offset: int, path: str, text: str) -> None:
        self.offset = offset
        self.path = path
        self.text = text


class Location(NamedTuple):
    """Where a span starts, as the `-->` line of an error prints it."""

    path: str
    line: int  # 1-based
    column: int  # 1-based, counted in UTF-8 bytes as wasm-tools counts them


class SourceMap:
    """All the text of one load, addressed by global character offsets."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._starts: list[int] = []
        self.offset = 0

    # A map is a value (the same files with the same text), so that the `Resolve` holding it
    # still compares by value.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceMap):
            return NotImplemented
        return self.sources == other.sources

    def __repr__(self) -> str:
        return f"SourceMap({[src.path for src in self.sources]!r})"

    def push(self, path: str, text: str) -> int:
        """Append one file; return its base offset (add it to file-relative positions)."""
        base = self.offset
        self.sources.append(Source(base, path, text + "\n"))
        self._starts.append(base)
        self.offset = base + len(text) + 1
        return base

    def source_for(self, offset: int) -> Source:
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.sources[max(i, 0)]

    def location(self, offset: int) -> tuple[Source, int, int, str]:
        """(source, 1-based line, 1-based byte column, the line's text) of a global offset."""
        src = self.source_for(offset)
        rel = offset - src.offset
        line_start = src.text.rfind("\n", 0, rel) + 1
        line_no = src.text.count("\n", 0, line_start) + 1
        line_end = src.text.find("\n", rel)
        line_text = src.text[line_start : line_end if line_end >= 0 else len(src.text)]
        col = len(src.text[line_start:rel].encode("utf-8", "surrogatepass")) + 1
        return src, line_no, col, line_text

    def locate(self, span: Span) -> Location:
        """Where `span` starts: its file, line and column."""
        src, line, col, _ = self.location(span[0])
        return Location(src.path, line, col)

    def render_location(self, span: Span) -> str:
        return "{}:{}:{}".format(*self.locate(span))

    def highlight(self, span: Span, message: str) -> str:
        """wit-parser's error block: message, `--> path:line:col`, the line, a caret underline."""
        start, end = span
        src, line, col, text = self.location(start)
        # Rust's `str::lines` drops a trailing "\r" of a CRLF line.
        if text.endswith("\r"):
            text = text[:-1]
        if len(text.encode("utf-8", "surrogatepass")) > MAX_SNIPPET_BYTES:
            return f"{src.path}:{line}:{col}: {message}"
        rel_start, rel_end = start - src.offset, end - src.offset
        dashes = "-" * max(len(src.text[rel_start:rel_end]) - 1, 0)
        return (
            f"{message}\n"
            f"     --> {src.path}:{line}:{col}\n"
            f"      |\n"
            f" {line:4} | {text}\n"
            f"      | {'^':>{col}}{dashes}"
        )

    def render(self, err: WitError) -> WitError:
        """Fill in `err.rendered` (once) and return it, ready to be raised to the user.

        Also records where the span starts (`err.path`, `err.line`, `err.column`, as the `-->`
        line prints them) unless the error is located already.
        """
        if err.span is not None and self.sources and err.path is None:
            src, line, col, _ = self.location(err.span[0])
            err.path, err.line, err.column = src.path, line, col
        if err.rendered is None:
            if err.span is not None and self.sources:
                err.rendered = self.highlight(err.span, err.message)
            else:
                err.rendered = err.message
        return err
