"""`[tool.witgen]` in `pyproject.toml`: the bindings a project generates (configuration).

In: the nearest `pyproject.toml` at or above a folder. Out: `Entry`s, each a WIT path, a world,
host or guest, an output folder and features, for plain `witgen`, `witgen --check` and the
build hook (`witgen.hatch`). Two spellings:

    [tool.witgen]                       # one entry
    wit = "wit/plugin.wit"
    out = "src/app/bindings"

    [[tool.witgen.bindings]]            # any number of entries
    wit = "wit/plugin.wit"              # a .wit file or a package folder (relative to the file)
    out = "src/app/bindings"            # the package is written to OUT/<world>/ (or _guest)
    world = "plugin"                    # needed when the root package has several worlds
    kind = "host"                       # "host" (default) or "guest"
    features = ["fancy"]                # or `all-features = true`

A mistake (an unknown key, a wrong type, a missing `wit`) is a `ConfigError` naming the file and
the entry; nothing is generated then.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from witgen.errors import WitError

KEYS = ("wit", "out", "world", "kind", "features", "all-features")
KINDS = ("host", "guest")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


class ConfigError(WitError):
    """A `[tool.witgen]` table witgen cannot use."""


@dataclass(frozen=True)
class Entry:
    wit: Path
    out: Path
    world: str | None = None
    kind: str = "host"
    features: tuple[str, ...] = ()
    all_features: bool = False
    where: str = (
        "the command line"  # how messages name it: `pyproject.toml [[tool.witgen.bindings]] #1`
    )


def find_pyproject(start: Path) -> Path | None:
    """The nearest `pyproject.toml` in `start` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_entries(pyproject: Path) -> list[Entry]:
    """The entries of `pyproject`'s `[tool.witgen]`; an empty list when it has none."""
    try:
        with open(pyproject, "rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as err:
        at = _TOML_POSITION.search(str(err))  # tomllib's own message ends with the position
        raise ConfigError(
            f"{pyproject}: not valid TOML: {err}",
            path=str(pyproject),
            line=int(at[1]) if at else None,
            column=int(at[2]) if at else None,
        ) from None
    except OSError as err:
        raise ConfigError(f"{pyproject}: {err.strerror or err}", path=str(pyproject)) from None
    table = document.get("tool", {}).get("witgen")
    if table is None:
        return []
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.witgen] must be a table", path=str(pyproject))
    if "bindings" in table:
        extra = sorted(set(table) - {"bindings"})
        if extra:
            raise ConfigError(
                f"{pyproject}: [tool.witgen] has both `bindings` and {', '.join(extra)}: put every"
                " entry in [[tool.witgen.bindings]]",
                path=str(pyproject),
            )
        items = table["bindings"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ConfigError(
                f"{pyproject}: tool.witgen.bindings must be an array of tables",
                path=str(pyproject),
            )
        where = [f"{pyproject} [[tool.witgen.bindings]] #{i + 1}" for i in range(len(items))]
    else:
        items, where = [table], [f"{pyproject} [tool.witgen]"]
    try:
        return [_entry(item, pyproject.parent, w) for item, w in zip(items, where)]
    except ConfigError as err:
        err.path = str(pyproject)  # for `--message-format json`; tomllib keeps no value positions
        raise


def _entry(item: dict[str, Any], root: Path, where: str) -> Entry:
    unknown = sorted(set(item) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {', '.join(repr(k) for k in unknown)}"
            f" (the keys are {', '.join(KEYS)})"
        )
    for key in ("wit", "out"):
        if key not in item:
            raise ConfigError(f"{where}: `{key}` is required")
    for key in ("wit", "out", "world", "kind"):
        if key in item and not isinstance(item[key], str):
            raise ConfigError(f"{where}: `{key}` must be a string")
    kind = item.get("kind", "host")
    if kind not in KINDS:
        raise ConfigError(f'{where}: `kind` must be "host" or "guest", not {kind!r}')
    features = item.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ConfigError(f"{where}: `features` must be a list of strings")
    all_features = item.get("all-features", False)
    if not isinstance(all_features, bool):
        raise ConfigError(f"{where}: `all-features` must be true or false")
    if features and all_features:
        raise ConfigError(f"{where}: `features` and `all-features` exclude each other")
    return Entry(
        wit=root / item["wit"],
        out=root / item["out"],
        world=item.get("world"),
        kind=kind,
        features=tuple(features),
        all_features=all_features,
        where=where,
    )
