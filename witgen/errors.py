"""The one error type of the front end.

Every failure a user can cause (bad syntax, unknown names, cycles, unreadable files) is raised as a
`WitError`. Stages raise it with a `span` (a pair of global offsets into the `SourceMap`, see
`witgen.syntax.source`); the loader renders it once, in wit-parser's format, before it reaches the
command line. Nothing else is allowed to escape to the user.
"""

from __future__ import annotations

Span = tuple[int, int]


class WitError(Exception):
    """A user-facing error: a one-line message, optionally located by a global span.

    `rendered` is filled in by `SourceMap.render` with the full text (message, `--> path:line:col`,
    the source line and a caret underline); `str()` gives the rendered text when there is one.
    """

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.rendered: str | None = None

    def __str__(self) -> str:
        return self.rendered if self.rendered is not None else self.message
