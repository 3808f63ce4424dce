"""Robustness fuzz of the front end: whatever the input, the parser entry point and the loader
either succeed or raise `WitError`. No other exception may escape (no `IndexError` from a lexer,
no parser-internal exception, no `RecursionError` on deep nesting, no `UnicodeDecodeError` from a
file).

Inputs come from `strategies.fuzz_text` (token soup, random code points including the forbidden
ones, decoded random bytes, deeply nested constructs). The `ci` profile runs a few thousand inputs
in well under a minute; `WITGEN_HYPOTHESIS_PROFILE=long` runs many more, and
`bench/fuzz_front_end.py` runs hundreds of thousands without hypothesis.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ is not a package

from strategies import active_profile, deep_texts, fuzz_text, fuzz_texts  # noqa: E402
from witgen.errors import WitError  # noqa: E402
from witgen.resolve.loader import load  # noqa: E402
from witgen.syntax.parser import parse_source  # noqa: E402

PROFILE = active_profile()


def parse_or_wit_error(text: str) -> None:
    try:
        parse_source(text, 0)
    except WitError:
        pass


def load_or_wit_error(path: Path) -> None:
    try:
        load(str(path), features=("active",))
    except WitError:
        pass


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(PROFILE, max_examples=PROFILE.max_examples * 20)
@given(text=fuzz_texts())
def test_parser_raises_only_wit_error(text: str) -> None:
    parse_or_wit_error(text)


@settings(PROFILE, max_examples=PROFILE.max_examples * 3)
@given(text=fuzz_texts())
def test_loader_raises_only_wit_error(workdir: Path, text: str) -> None:
    path = workdir / "fuzz.wit"
    path.write_text(text, encoding="utf-8", newline="")
    load_or_wit_error(path)


@settings(PROFILE, max_examples=PROFILE.max_examples)
@given(
    data=st.binary(max_size=200)
    | st.text(max_size=50).map(lambda s: b"package a:b;\n" + s.encode("utf-8", "surrogatepass"))
)
def test_loader_rejects_undecodable_files_with_wit_error(workdir: Path, data: bytes) -> None:
    # invalid UTF-8 (and lone surrogates encoded anyway) must be a WitError, not a decode error
    path = workdir / "bytes.wit"
    path.write_bytes(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(WitError):
            load(str(path))
        return
    load_or_wit_error(path)


# Deep nesting: a recursive descent, a recursive transformer or a recursive resolver walk would hit
# Python's recursion limit (1000 frames) long before these depths.
DEPTHS = (1_000, 20_000)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("kind", range(len(deep_texts(1))))
def test_deep_nesting_is_no_crash(workdir: Path, kind: int, depth: int) -> None:
    text = deep_texts(depth)[kind]
    parse_or_wit_error(text)
    path = workdir / f"deep-{kind}.wit"
    path.write_text(text, encoding="utf-8")
    load_or_wit_error(path)


def test_fuzz_inputs_are_varied() -> None:
    # guards the generator itself: the fuzz must not silently degenerate to trivial inputs
    rng = random.Random(0)
    texts = [fuzz_text(rng, max_depth=100) for _ in range(500)]
    assert len(set(texts)) > 400
    assert any("package" in t for t in texts) and any(not t.isascii() for t in texts)
    assert any("\u202e" in t for t in texts), "no forbidden code point was drawn"
