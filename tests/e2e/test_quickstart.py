"""README's quick start, run as written: its commands, then the output it shows.

The first command block under "## Quick start" is split at ` && `; the `pip install` step is
what the test run itself stands on, so it is left out, and the rest runs in a scratch folder that
links to the repository's `wit/` and `examples/` (the commands use those relative paths). Each
`witgen build` must print the `built ...` line README describes, the host's output must be the
block README shows, and nothing else may be left behind (README says the host writes its bindings
into a temporary folder). This keeps README's two commands true: a changed example, command or
output fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def quick_start() -> tuple[list[str], list[str]]:
    """(the commands of the first shell block, the lines of the first output block) of the
    Quick start section."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    commands = next(body for lang, body in blocks if lang == "sh").strip().split(" && ")
    output = next(body for lang, body in blocks if lang == "").strip().splitlines()
    return commands, output


def test_readme_quick_start_runs_as_written(tmp_path: Path) -> None:
    commands, expected = quick_start()
    assert commands[0] == "python -m pip install -e '.[test]'"
    (tmp_path / "wit").symlink_to(REPO / "wit")
    (tmp_path / "examples").symlink_to(REPO / "examples")
    # `load`'s compiled-component cache in the scratch folder, never the user's own.
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    components = tmp_path / "cache" / "witgen" / "components"
    last = None
    for command in commands[1:]:
        argv = shlex.split(command)
        if argv[0] == "witgen":
            argv = [sys.executable, "-m", "witgen", *argv[1:]]
        elif argv[0] == "python":
            argv = [sys.executable, *argv[1:]]
        last = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert last.returncode == 0, f"{command}\n{last.stdout}\n{last.stderr}"
        if argv[3:4] == ["build"]:
            out = argv[argv.index("-o") + 1]
            built, compiled = last.stdout.splitlines()  # no timings: stdout is no terminal here
            assert re.fullmatch(BUILT.format(re.escape(out), ""), built), last.stdout
            assert compiled == f"compiled {out} for load(), into {components}", last.stdout
    assert last is not None
    assert last.stdout.splitlines() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "examples", "plugins", "wit"]


# What `witgen build` prints when the component is built, for the output file `{}`; on a terminal,
# with the time it took (`{}`: `, 5.2 s`).
BUILT = r"built {} \(\d+\.\d MB{}\)"


def test_readme_quotes_a_build_line_as_witgen_prints_it_on_a_terminal() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    quoted = re.findall(r"`(built [^`]*)`", section)
    terminal = r", \d+\.\d s"
    assert quoted and all(
        re.fullmatch(BUILT.format(r"plugins/\w+\.wasm", terminal), q) for q in quoted
    )
