"""Every command that picks a world picks the one wasm-tools picks (issue 10).

The layout of the issue: the package PATH declares has the world `app`; a dependency, resolved
after it, has the world `other`. Before `select_world`, the last resolved package counted as the
root: `witgen app -o OUT` wrote `OUT/other` and `--world app` failed. The host and guest forms, a
`[tool.witgen]` entry (the path the hatch hook runs, `generate.generate`) and `witgen build` are
checked here; the rules themselves are in tests/unit/test_select_world.py and, against the
reference, tests/property/test_world_selection.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.cli import main
from witgen.config import Entry
from witgen.generate import generate


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "deps").mkdir(parents=True)
    (root / "app.wit").write_text("package my:app; world app { export run: func() -> string; }")
    (root / "deps" / "unused.wit").write_text(
        "package other:unused; world other { export f: func(); }"
    )
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def test_host_and_guest_bindings_are_for_the_main_package(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(capsys, str(app), "-o", str(out)) == (0, "")
    assert run(capsys, str(app), "--guest", "-o", str(out)) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == ["app", "app_guest"]
    assert run(capsys, str(app), "-o", str(out), "--world", "app") == (0, "")
    # a dependency's world is named with its package
    assert run(capsys, str(app), "-o", str(out), "--world", "other:unused/other") == (0, "")
    assert sorted(p.name for p in out.iterdir()) == ["app", "app_guest", "other"]
    assert run(capsys, str(app), "-o", str(out), "--world", "other") == (
        1,
        "error: World `other` not found in package `my:app`\n",
    )


def test_a_config_entry_and_the_build_hook_use_the_main_package(app: Path, tmp_path: Path) -> None:
    entry = Entry(wit=app, out=tmp_path / "gen", where="pyproject.toml [tool.witgen]")
    assert generate(entry).name == "app"


def test_build_checks_the_plugin_against_the_main_package(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the pre-check runs before componentize-py: its message names the world it checked
    module = tmp_path / "plugin.py"
    module.write_text("x = 1\n")
    status, err = run(capsys, "build", str(app), str(module), "-o", str(tmp_path / "p.wasm"))
    assert status == 1
    assert err.startswith(f"error: {module}:1:1: no class implements world `app`:"), err


def test_two_versions_of_the_named_package_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "v"
    (root / "deps").mkdir(parents=True)
    (root / "app.wit").write_text("package my:app; world app { include wasi:cli/command@0.2.0; }")
    for version in ("0.2.0", "0.3.0"):
        (root / "deps" / f"cli-{version}.wit").write_text(
            f"package wasi:cli@{version};\nworld command {{ export run: func(); }}\n"
        )
    out = tmp_path / "out"
    assert run(capsys, str(root), "-o", str(out), "--world", "wasi:cli/command") == (
        1,
        "error: package name `wasi:cli` is available at both versions 0.2.0 and 0.3.0 but which"
        " is not specified\n",
    )
    assert not out.exists()
    assert run(capsys, str(root), "-o", str(out), "--world", "wasi:cli/command@0.3.0") == (0, "")
    assert [p.name for p in out.iterdir()] == ["command"]
