"""Semantic-version ordering, for `@since` gates (wit-parser compares with the `semver` crate)."""

from __future__ import annotations


def _pre_key(pre: str) -> tuple[tuple[int, int, str], ...]:
    # Numeric identifiers sort before alphanumeric ones, and numerically among themselves.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))


def version_key(text: str) -> tuple[object, ...]:
    """A sort key: `1.0.0-rc.1 < 1.0.0 < 1.0.1`; build metadata ordered last, as `semver` does."""
    core, _, build = text.partition("+")
    core, _, pre = core.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    # A release (no pre-release) sorts after every pre-release of the same version.
    pre_part: tuple[object, ...] = (1,) if not pre else (0, _pre_key(pre))
    return (major, minor, patch, pre_part, _pre_key(build) if build else ())


def version_gt(a: str, b: str) -> bool:
    return version_key(a) > version_key(b)
