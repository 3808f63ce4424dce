"""Stage 1, versions: the text of a version to its parts, as the `semver` crate parses it.

wit-parser hands the version it has scanned (`parse_version`) to `semver::Version::from_str`, so
a malformed one gets that crate's messages, reproduced here. Ordering versions is a later stage's
business (`witgen.resolve.semver`).
"""

from __future__ import annotations

from witgen.syntax.tokens import rust_char_debug, unsigned

_SEMVER_POSITIONS = {
    "major": "major version number",
    "minor": "minor version number",
    "patch": "patch version number",
    "pre": "pre-release identifier",
    "build": "build metadata",
}


def _semver_char(ch: str) -> str:
    # semver's `QuotedChar`
    return "'\\0'" if ch == "\0" else rust_char_debug(ch)


def _semver_number(text: str, pos: str) -> tuple[int, str]:
    """semver's `numeric_identifier`."""
    length = 0
    while length < len(text) and "0" <= text[length] <= "9":
        if length == 1 and text[0] == "0":
            raise ValueError(f"invalid leading zero in {_SEMVER_POSITIONS[pos]}")
        length += 1
    if length == 0:
        if text:
            raise ValueError(
                f"unexpected character {_semver_char(text[0])} while parsing "
                f"{_SEMVER_POSITIONS[pos]}"
            )
        raise ValueError(f"unexpected end of input while parsing {_SEMVER_POSITIONS[pos]}")
    value = unsigned(text[:length], 64)
    if value is None:
        raise ValueError(f"value of {_SEMVER_POSITIONS[pos]} exceeds u64::MAX")
    return value, text[length:]


def _semver_dot(text: str, pos: str) -> str:
    if text.startswith("."):
        return text[1:]
    if text:
        raise ValueError(
            f"unexpected character {_semver_char(text[0])} after {_SEMVER_POSITIONS[pos]}"
        )
    raise ValueError(f"unexpected end of input while parsing {_SEMVER_POSITIONS[pos]}")


def _semver_identifier(text: str, pos: str) -> tuple[str, str]:
    """semver's `identifier`: dot-separated ASCII alphanumerics and `-`; returns (ident, rest)."""
    accumulated = 0
    while True:
        segment = 0
        has_nondigit = False
        while accumulated + segment < len(text):
            ch = text[accumulated + segment]
            if ch.isascii() and (ch.isalpha() or ch == "-"):
                has_nondigit = True
            elif not ("0" <= ch <= "9"):
                break
            segment += 1
        boundary = text[accumulated + segment : accumulated + segment + 1]
        if segment == 0:
            if accumulated == 0 and boundary != ".":
                return "", text
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
        if pos == "pre" and segment > 1 and not has_nondigit and text[accumulated] == "0":
            raise ValueError(f"invalid leading zero in {_SEMVER_POSITIONS[pos]}")
        accumulated += segment
        if boundary != ".":
            return text[:accumulated], text[accumulated:]
        accumulated += 1


def parse_semver(text: str) -> tuple[int, int, int, str, str]:
    """semver's `Version::from_str`, with its error messages (raised as ValueError)."""
    major, rest = _semver_number(text, "major")
    minor, rest = _semver_number(_semver_dot(rest, "major"), "minor")
    patch, rest = _semver_number(_semver_dot(rest, "minor"), "patch")
    pos, pre, build = "patch", "", ""
    if rest.startswith("-"):
        pos = "pre"
        pre, rest = _semver_identifier(rest[1:], pos)
        if not pre:
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
    if rest.startswith("+"):
        pos = "build"
        build, rest = _semver_identifier(rest[1:], pos)
        if not build:
            raise ValueError(f"empty identifier segment in {_SEMVER_POSITIONS[pos]}")
    if rest:
        raise ValueError(
            f"unexpected character {_semver_char(rest[0])} after {_SEMVER_POSITIONS[pos]}"
        )
    return major, minor, patch, pre, build
