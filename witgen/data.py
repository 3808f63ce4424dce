"""The one place that finds witgen's data files (the grammar, the templates).

An installed wheel carries them inside the package as `witgen/_data/...` (pyproject force-includes
the top-level `grammars/` and `templates/` there); a source checkout has them at the top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """The path of a data file, e.g. `data_path("grammars", "wit.lark")`."""
    installed = _PACKAGE.joinpath("_data", *parts)
    if installed.exists():
        return installed
    return _PACKAGE.parent.joinpath(*parts)
