"""`[tool.witgen]` (`witgen.config`) and the command line's configured form: `witgen` and
`witgen --check` with no PATH act on every entry; with no configuration, usage and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.cli import main
from witgen.config import ConfigError, Entry, find_pyproject, load_entries
from witgen.runtime import shipped

REPO = Path(__file__).resolve().parents[2]
PLUGIN = (REPO / "wit" / "plugin.wit").as_posix()
WORDS = (REPO / "wit" / "words.wit").as_posix()


def write(folder: Path, text: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_single_table_and_array_forms(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.witgen]\nwit = "wit/a.wit"\nout = "gen"\n')
    assert load_entries(path) == [
        Entry(tmp_path / "wit/a.wit", tmp_path / "gen", where=f"{path} [tool.witgen]")
    ]
    path = write(
        tmp_path,
        '[[tool.witgen.bindings]]\nwit = "a.wit"\nout = "h"\n'
        '[[tool.witgen.bindings]]\nwit = "b"\nout = "g"\nworld = "w"\nkind = "guest"\n'
        'features = ["x", "y"]\n',
    )
    first, second = load_entries(path)
    assert (first.kind, first.world, first.features) == ("host", None, ())
    assert second == Entry(
        tmp_path / "b",
        tmp_path / "g",
        "w",
        "guest",
        ("x", "y"),
        False,
        f"{path} [[tool.witgen.bindings]] #2",
    )
    assert load_entries(write(tmp_path, "[project]\nname = 'x'\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.witgen]\nwit = "a"\nout = "b"\nwrld = "w"\n', "unknown key 'wrld'"),
        ('[tool.witgen]\nwit = "a"\n', "`out` is required"),
        ('[tool.witgen]\nwit = 1\nout = "b"\n', "`wit` must be a string"),
        ('[tool.witgen]\nwit = "a"\nout = "b"\nkind = "both"\n', "`kind` must be"),
        ('[tool.witgen]\nwit = "a"\nout = "b"\nfeatures = "x"\n', "`features` must be a list"),
        (
            '[tool.witgen]\nwit = "a"\nout = "b"\nfeatures = ["x"]\nall-features = true\n',
            "exclude each other",
        ),
        ("[tool.witgen]\nbindings = 3\n", "must be an array of tables"),
        ('[tool.witgen]\nwit = "a"\nout = "b"\n[[tool.witgen.bindings]]\n', "has both"),
        ("[tool.witgen\n", "not valid TOML"),
    ],
)
def test_mistakes_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_entries(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_the_nearest_pyproject_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == path


def test_configured_form_generates_and_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        f'[[tool.witgen.bindings]]\nwit = "{PLUGIN}"\nout = "gen"\n'
        f'[[tool.witgen.bindings]]\nwit = "{WORDS}"\nout = "gen"\nkind = "guest"\n',
    )
    sub = tmp_path / "src"
    sub.mkdir()
    monkeypatch.chdir(sub)  # found from a folder below the project's
    assert main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "gen/plugin: out of date: 21 missing" in err and "gen/words_guest: out of date" in err
    assert err.endswith("2 packages out of date; run witgen again without --check to regenerate\n")
    assert main([]) == 0
    # Paths inside the working folder are shown relative to it, others (here the project's,
    # one folder up) in full.
    gen = tmp_path / "gen"
    guest_rt = len(shipped("guest")) - 1  # its run-time package's files (and `_values.py`)
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {gen / 'plugin'} (21 files changed, 0 unchanged)",
        f"wrote {gen / 'words_guest'} ({6 + guest_rt} files changed, 0 unchanged)",
    ]
    assert main(["--check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{gen / 'plugin'}: up to date",
        f"{gen / 'words_guest'}: up to date",
    ]
    (tmp_path / "gen" / "plugin" / "host.py").write_text("edited\n")
    assert main(["--check"]) == 1
    assert "gen/plugin: out of date: 1 differ (host.py)" in capsys.readouterr().err
    assert main([]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"wrote {gen / 'plugin'} (1 file changed, 20 unchanged)"
    )
    monkeypatch.chdir(tmp_path)  # from the project's own folder: relative
    assert main(["--check"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "gen/plugin: up to date"


def test_no_configuration_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: witgen PATH -o OUT") and "nothing to do" in err
    write(tmp_path, "[project]\nname = 'x'\n")
    assert main(["--check"]) == 2
    assert "has no [tool.witgen]" in capsys.readouterr().err


def test_a_config_mistake_exits_1_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, f'[tool.witgen]\nwit = "{PLUGIN}"\nout = "gen"\nguest = true\n')
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unknown key 'guest'" in err and "Traceback" not in err
    assert not (tmp_path / "gen").exists()


def test_cli_check_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([PLUGIN, "-o", str(out), "--check"]) == 1
    assert not out.exists()
    assert main([PLUGIN, "-o", str(out)]) == 0
    assert main([PLUGIN, "-o", str(out), "--check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{out / 'plugin'}: up to date"


def test_a_config_entry_with_several_worlds_says_which_key_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "two.wit").write_text("package t:two;\nworld alpha {}\nworld beta {}\n")
    write(tmp_path, '[tool.witgen]\nwit = "two.wit"\nout = "gen"\n')
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1
    err = capsys.readouterr().err
    # wit-parser's message (select_world), then how to choose where this entry is written
    assert err.endswith(
        "pyproject.toml [tool.witgen]: There are multiple worlds in `t:two`; one must be"
        " explicitly chosen:\n  t:two/alpha\n  t:two/beta\nchoose one with `world = ...`\n"
    )
    assert "--world" not in err
    assert not (tmp_path / "gen").exists()
