"""Semantic-version ordering, as the Rust `semver` crate's `Ord for Version` that wit-parser uses:
for the order packages are resolved in (and so listed in the JSON) and for `@since` gates.

The crate compares major, minor, patch, then the pre-release (a release sorts after all of its
pre-releases), then the build metadata, which, unlike the SemVer spec, it does *not* ignore:
`1.0.0 < 1.0.0+0 < 1.0.0+00 < 1.0.0+1 < 1.0.0+a`. Versions reach here already parsed and checked
(`syntax.semver.parse_semver`).

Numeric identifiers are compared by their digits, never converted with `int()`: Python refuses
to convert more than 4300 digits, and a version may have identifiers that long.
"""

from __future__ import annotations

# A key element: (0, ...) for a numeric identifier, (1, text) for any other, so numeric ones sort
# first, as both the crate and the SemVer spec require.
_Ident = tuple[object, ...]


def _is_numeric(ident: str) -> bool:
    return ident.isascii() and ident.isdigit()


def _pre_ident(ident: str) -> _Ident:
    # pre-release numbers have no leading zeros (the parser refuses them): more digits is larger,
    # and equal lengths compare as text
    return (0, len(ident), ident) if _is_numeric(ident) else (1, ident)


def _build_ident(ident: str) -> _Ident:
    # build numbers may have leading zeros: by value first (significant digits), then the shorter
    # spelling first (`0 < 00 < 1 < 01`), as the crate's `Ord for BuildMetadata` does
    if not _is_numeric(ident):
        return (1, ident)
    significant = ident.lstrip("0")
    return (0, len(significant), significant, len(ident))


def version_key(text: str) -> tuple[object, ...]:
    """A sort key for a valid version: `1.0.0-rc.1 < 1.0.0 < 1.0.0+0 < 1.0.1`."""
    core, _, build = text.partition("+")
    core, _, pre = core.partition("-")
    # at most 20 digits each (the parser refuses more than u64::MAX)
    major, minor, patch = (int(x) for x in core.split("."))
    # A release (no pre-release) sorts after every pre-release of the same version; a longer
    # list of identifiers after an equal prefix is larger, as tuples compare.
    pre_key: tuple[object, ...] = (1,) if not pre else (0, tuple(map(_pre_ident, pre.split("."))))
    # No build metadata sorts before any.
    build_key = tuple(map(_build_ident, build.split("."))) if build else ()
    return (major, minor, patch, pre_key, build_key)


def version_gt(a: str, b: str) -> bool:
    return version_key(a) > version_key(b)
