"""How errors and warnings reach stderr: human text, coloured on a terminal, or JSON lines.

In: `WitError`s and warning messages. Out: text on stderr, in one of two `--message-format`s:

* `human` (the default): `error: ...` / `warning: ...` exactly as before; on a terminal the
  `error:` prefix is bold red, `warning:` bold yellow and the `--> path:line:col` line blue (as
  rustc and wasm-tools colour them). Colour follows https://no-color.org: `NO_COLOR` set to
  anything non-empty turns it off; `FORCE_COLOR` or `CLICOLOR_FORCE` (non-empty, not `0`) turn it
  on when stderr is no terminal; `TERM=dumb` turns it off on a terminal.
* `json`: one JSON object per line, for editors and CI annotations, with the keys `severity`
  (`"error"` or `"warning"`), `message` (one line, without the source excerpt), `file`, `line`,
  `column` (1-based; null when unknown) and `rendered` (the human text, never coloured). An error
  with several located problems (`witgen build`'s pre-check) is one object per problem.

Usage errors are not diagnostics: they stay argparse's text (exit status 2) in both formats.
Only the standard library is imported here: the command line loads this module at start-up.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

from witgen.errors import Diagnostic, WitError

FORMATS = ("human", "json")

BOLD_RED = "\x1b[1;31m"
BOLD_YELLOW = "\x1b[1;33m"
BLUE = "\x1b[34m"
RESET = "\x1b[0m"
_PREFIX_COLOURS = {"error": BOLD_RED, "warning": BOLD_YELLOW}
# wit-parser's location line, `     --> path:line:col` (the source lines start with a number or `|`).
# A string, not compiled at import: `re` compiles (and caches) it on the first coloured message.
_LOCATION_LINE = r"(?m)^( *)(--> .*)$"


def _set(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "") not in ("", "0")


def colour_wanted(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether text written to `stream` should be coloured (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if _set(env, "FORCE_COLOR") or _set(env, "CLICOLOR_FORCE"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError, OSError):  # a replaced or closed stream
        return False
    if sys.platform == "win32":
        # The classic console shows escape codes as text; Windows Terminal and ANSICON do not.
        return any(name in env for name in ("WT_SESSION", "ANSICON", "TERM"))
    return True


def colourize(text: str, severity: str) -> str:
    """`text` (starting `error: ` or `warning: `) with its prefix and `-->` lines coloured."""
    prefix = f"{severity}:"
    if text.startswith(prefix):
        text = f"{_PREFIX_COLOURS[severity]}{prefix}{RESET}{text[len(prefix):]}"
    return re.sub(_LOCATION_LINE, lambda m: f"{m[1]}{BLUE}{m[2]}{RESET}", text)


def to_json(diagnostic: Diagnostic) -> str:
    """One diagnostic as a line of JSON (ASCII only, so any stderr encoding can carry it)."""
    import json  # only in this format

    text = diagnostic.message if diagnostic.text is None else diagnostic.text
    return json.dumps(
        {
            "severity": diagnostic.severity,
            "message": diagnostic.message,
            "file": diagnostic.file,
            "line": diagnostic.line,
            "column": diagnostic.column,
            "rendered": f"{diagnostic.severity}: {text}",
        }
    )


class Reporter:
    """Prints errors and warnings on stderr (looked up at each print) in one `--message-format`."""

    def __init__(self, message_format: str = "human", stream: TextIO | None = None) -> None:
        if message_format not in FORMATS:
            raise ValueError(f"unknown message format {message_format!r}")
        self.json = message_format == "json"
        self._stream = stream

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def error(self, err: WitError) -> None:
        """A `WitError`: its whole text, or in JSON each of its `diagnostics()`."""
        if self.json:
            for diagnostic in err.diagnostics():
                self.emit(diagnostic)
        else:
            self._print_human("error", str(err))

    def error_message(self, message: str, file: str | None = None) -> None:
        """An error that is no `WitError` (the command line's last line of defence)."""
        self.emit(Diagnostic("error", message, file))

    def warning(self, message: str, file: str | None = None) -> None:
        self.emit(Diagnostic("warning", message, file))

    def emit(self, diagnostic: Diagnostic) -> None:
        if self.json:
            print(to_json(diagnostic), file=self.stream)
        else:
            text = diagnostic.message if diagnostic.text is None else diagnostic.text
            self._print_human(diagnostic.severity, text)

    def _print_human(self, severity: str, text: str) -> None:
        line = f"{severity}: {text}"
        stream = self.stream
        print(colourize(line, severity) if colour_wanted(stream) else line, file=stream)
