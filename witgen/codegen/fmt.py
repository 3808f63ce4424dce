"""Formatting (code generation, last step): rendered Python source in, black-formatted source out.

black runs in process with an explicit, pinned mode, so the output depends only on the black
version, never on a user's configuration files. A failure is a bug in witgen (a template produced
invalid Python): it is raised, never papered over by writing unformatted output.
"""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion

MODE = Mode(
    target_versions={TargetVersion.PY311},
    line_length=100,
    string_normalization=True,
    is_pyi=False,
    magic_trailing_comma=False,
    preview=False,
)


class FormatError(RuntimeError):
    """black rejected generated code: a bug in witgen's templates or views."""


def format_python(source: str, filename: str) -> str:
    try:
        return black.format_str(source, mode=MODE)
    except Exception as err:  # black raises several types (InvalidInput, ASTSafetyError, ...)
        raise FormatError(
            f"internal error: witgen generated invalid Python for {filename}: {err}"
        ) from err
