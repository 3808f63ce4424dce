"""The project's own Python passes its linters: ruff and black as configured in pyproject.toml,
and mypy (strict, as configured) on `witgen/`. A failure names each finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["witgen", "tests", "bench", "examples"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    done = run("ruff", "check", "--no-cache", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_black_leaves_every_file_as_it_is() -> None:
    done = run("black", "--check", "--quiet", *SOURCES)
    assert done.returncode == 0, done.stderr


def test_mypy_strict_on_witgen(tmp_path: Path) -> None:
    done = run("mypy", "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
