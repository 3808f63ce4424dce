"""The one error type of the front end.

Every failure a user can cause (bad syntax, unknown names, cycles, unreadable files) is raised as a
`WitError`. Stages raise it with a `span` (a pair of global offsets into the `SourceMap`, see
`witgen.syntax.source`); the loader renders it once, in wit-parser's format, before it reaches the
command line. Nothing else is allowed to escape to the user.

Rendering also records where the error is (`path`, `line`, `column`), and `diagnostics()` gives
the error as `Diagnostic`s, which `witgen --message-format json` prints one per line.
"""

# No `from __future__ import annotations`: with it, NamedTuple compiles each field's annotation
# string when the class is created, about 1 ms of every command's start-up.
from typing import NamedTuple

Span = tuple[int, int]


class Diagnostic(NamedTuple):
    """One error or warning, structured for `--message-format json` (see `witgen.diagnostics`).

    `text` is the human text after the `error: ` (or `warning: `) prefix, the source excerpt
    included; `message` is the one-line message alone. `line` and `column` are 1-based (columns as
    the rendered `-->` line counts them); None when unknown.
    """

    severity: str  # "error" or "warning"
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    text: str | None = None  # None: the message is the whole text


class WitError(Exception):
    """A user-facing error: a one-line message, optionally located by a global span.

    `rendered` is filled in by `SourceMap.render` with the full text (message, `--> path:line:col`,
    the source line and a caret underline); `str()` gives the rendered text when there is one.
    """

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.rendered: str | None = None
        # Where the error is: set by the raiser, or from `span` when `SourceMap.render` renders it.
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.rendered if self.rendered is not None else self.message

    def locate_like(self, other: "WitError") -> None:
        """Take `other`'s location (an error wrapping `other` in more context)."""
        self.path, self.line, self.column = other.path, other.line, other.column

    def diagnostics(self) -> list[Diagnostic]:
        """The error as structured diagnostics: one, unless a subclass reports several problems."""
        return [Diagnostic("error", self.message, self.path, self.line, self.column, str(self))]
