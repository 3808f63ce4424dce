"""`select_world`: which world a specifier means, on hand-made layouts.

The expected worlds and messages are what `wasm-tools component embed --dummy --world SPEC PATH`
1.262 does on the same layouts (run by hand; `tests/property/test_world_selection.py` compares
random layouts with it automatically). These run without the reference.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.resolve import model as m
from witgen.resolve.loader import load_package
from witgen.resolve.select_world import WorldSelectionError, select_world, world_spec


def layout(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def world_of(resolve: m.Resolve, main: int, spec: str | None) -> str:
    """The chosen world as `ns:pkg/name@version`, or the error message."""
    try:
        return world_spec(resolve, select_world(resolve, main, spec))
    except WorldSelectionError as err:
        return err.message


@pytest.fixture()
def app_with_unused_dep(tmp_path: Path) -> tuple[m.Resolve, int]:
    # issue 10: the dependency is resolved last, yet the main package is the one PATH declares
    layout(
        tmp_path,
        {
            "app/app.wit": "package my:app; world app { export run: func() -> string; }",
            "app/deps/unused.wit": "package other:unused; world other { export f: func(); }",
        },
    )
    return load_package(tmp_path / "app")


def test_the_main_package_is_the_one_path_declares(
    app_with_unused_dep: tuple[m.Resolve, int],
) -> None:
    resolve, main = app_with_unused_dep
    assert [str(p.name) for p in resolve.packages] == ["my:app", "other:unused"]
    assert world_of(resolve, main, None) == "my:app/app"
    assert world_of(resolve, main, "app") == "my:app/app"
    assert world_of(resolve, main, "my:app/app") == "my:app/app"
    # a bare name is looked up in the main package only; a dependency's world needs its package
    assert world_of(resolve, main, "other") == "World `other` not found in package `my:app`"
    assert world_of(resolve, main, "other:unused/other") == "other:unused/other"
    assert world_of(resolve, main, "other:unused/other@1.0.0") == (
        "unknown package `other:unused@1.0.0`"
    )
    assert world_of(resolve, main, "x:y/z") == "unknown package `x:y`"


def test_nested_packages_are_not_the_main_package(tmp_path: Path) -> None:
    layout(tmp_path, {"n.wit": "package x:y;\npackage a:b { world w {} }\n"})
    resolve, main = load_package(tmp_path / "n.wit")
    assert world_of(resolve, main, None) == "The main package `x:y` contains no worlds"
    assert world_of(resolve, main, "w") == "World `w` not found in package `x:y`"
    assert world_of(resolve, main, "a:b/w") == "a:b/w"


def test_several_worlds_must_be_chosen(tmp_path: Path) -> None:
    layout(tmp_path, {"two.wit": "package a:b@1.0.0;\nworld one {}\nworld two {}\n"})
    resolve, main = load_package(tmp_path / "two.wit")
    assert world_of(resolve, main, None) == (
        "There are multiple worlds in `a:b@1.0.0`; one must be explicitly chosen:\n"
        "  a:b/one@1.0.0\n  a:b/two@1.0.0"
    )
    assert world_of(resolve, main, "two") == "a:b/two@1.0.0"
    # one version of the package: it may be left out
    assert world_of(resolve, main, "a:b/one") == "a:b/one@1.0.0"


def test_two_versions_of_a_package_need_the_version(tmp_path: Path) -> None:
    layout(
        tmp_path,
        {
            "v/app.wit": "package my:app; world app { include wasi:cli/command@0.2.0; }",
            "v/deps/cli2.wit": "package wasi:cli@0.2.0;\nworld command { export run: func(); }\n",
            "v/deps/cli3.wit": "package wasi:cli@0.3.0;\nworld command { export run: func(); }\n",
        },
    )
    resolve, main = load_package(tmp_path / "v")
    assert world_of(resolve, main, "wasi:cli/command") == (
        "package name `wasi:cli` is available at both versions 0.2.0 and 0.3.0 but which is not"
        " specified"
    )
    assert world_of(resolve, main, "wasi:cli/command@0.3.0") == "wasi:cli/command@0.3.0"
    assert world_of(resolve, main, "wasi:cli/command@0.2.0") == "wasi:cli/command@0.2.0"


@pytest.mark.parametrize("spec", [" app ", "app /* x */", "%app", "my:app/%app"])
def test_specifier_is_read_as_a_use_path(
    app_with_unused_dep: tuple[m.Resolve, int], spec: str
) -> None:
    # spaces, comments and `%` escapes are fine, as in a `use` in a file
    resolve, main = app_with_unused_dep
    assert world_of(resolve, main, spec) == "my:app/app"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("", "expected an identifier or string, found eof"),
        ("@", "expected an identifier or string, found `@`"),
        ("1", "expected an identifier or string, found an integer"),
        ("App", "invalid character in identifier 'p'"),
        ("a:b", "expected `/`, found eof"),
        ("my:app/app@", "expected an integer, found eof"),
        ("a:b/c/d", "trailing tokens in path specifier"),
        ("foo@1.0.0", "trailing tokens in path specifier"),
        ("app;", "trailing tokens in path specifier"),
        ("a b", "trailing tokens in path specifier"),
        ("a:b/c@01.0.0", "invalid leading zero in major version number"),
        ("x /* y", "unterminated block comment"),
    ],
)
def test_specifier_syntax_errors(
    app_with_unused_dep: tuple[m.Resolve, int], spec: str, error: str
) -> None:
    resolve, main = app_with_unused_dep
    assert world_of(resolve, main, spec) == f"failed to parse world specifier `{spec}`: {error}"
