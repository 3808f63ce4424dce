"""Unit tests of the source map a `Resolve` keeps (`Resolve.source_map`, `.location`, `.error`).

The spans in the model are global offsets into the text of every file of the load; the resolve
keeps that text so that later stages (the code generator) can say where a WIT item is, in the
same `path:line:column` form as the front end's own errors.
"""

from __future__ import annotations

from pathlib import Path

from witgen.errors import WitError
from witgen.resolve import model as m
from witgen.resolve.loader import load
from witgen.syntax.source import Location


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def type_named(resolve: m.Resolve, name: str) -> m.TypeDef:
    (found,) = [t for t in resolve.types if t.name == name]
    return found


def test_spans_of_every_file_of_a_load_are_located(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    write(root / "a.wit", "package a:b;\n\ninterface i {\n  record first { x: u8 }\n}\n")
    b = write(root / "b.wit", "interface j {\n  use i.{first as alias};\n  enum second { x }\n}\n")
    dep = write(
        root / "deps" / "c.wit", "package c:d;\n\ninterface k {\n    flags third { f }\n}\n"
    )
    resolve = load(root)
    assert resolve.location(type_named(resolve, "first").span) == Location(
        str(root / "a.wit"), 4, 10
    )
    assert resolve.location(type_named(resolve, "second").span) == (str(b), 3, 8)
    assert resolve.location(type_named(resolve, "third").span) == (str(dep), 4, 11)
    assert resolve.location(type_named(resolve, "alias").span) == (str(b), 2, 10)
    j = resolve.interfaces[
        resolve.packages[resolve.package_names[m.PackageName("a", "b")]].interfaces["j"]
    ]
    assert resolve.location(j.span) == (str(b), 1, 11)


def test_columns_count_utf8_bytes_as_errors_do(tmp_path: Path) -> None:
    path = write(tmp_path / "x.wit", "package a:b;\ninterface i { /* ñé */ type t = u8; }\n")
    resolve = load(path)
    # `t` is the 29th character of its line and starts at its 31st byte (wasm-tools agrees)
    assert resolve.location(type_named(resolve, "t").span) == (str(path), 2, 31)


def test_error_renders_like_the_front_ends_own_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "x.wit", "package a:b;\n\ninterface i {\n  resource r;\n}\n")
    resolve = load(path)
    err = resolve.error("resource `r` cannot be used here", type_named(resolve, "r").span)
    assert isinstance(err, WitError)
    assert str(err) == (
        "resource `r` cannot be used here\n"
        f"     --> {path}:4:12\n"
        "      |\n"
        "    4 |   resource r;\n"
        "      |            ^"
    )
    assert (err.path, err.line, err.column) == (str(path), 4, 12)


def test_a_resolve_without_text_locates_nothing() -> None:
    resolve = m.Resolve()  # built in memory (or, later, decoded from a binary)
    assert resolve.location((0, 1)) is None
    assert str(resolve.error("no text", (0, 1))) == "no text"


def test_no_span_has_no_location(tmp_path: Path) -> None:
    resolve = load(write(tmp_path / "x.wit", "package a:b;\ninterface i { f: func(); }\n"))
    assert resolve.location(None) is None
    assert str(resolve.error("plain", None)) == "plain"


def test_two_loads_of_the_same_text_are_equal(tmp_path: Path) -> None:
    path = write(tmp_path / "x.wit", "package a:b;\ninterface i { type t = u8; }\n")
    assert load(path) == load(path)
    other = write(tmp_path / "y.wit", "package a:b;\ninterface i { type t = u8; }\n")
    assert load(path) != load(other)  # the same model, from another file
