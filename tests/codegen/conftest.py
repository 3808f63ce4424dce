"""Fixtures of the code generation tests: every WIT file of `tests/codegen/wit/` and the example
`wit/plugin.wit`, generated once per session into one folder (so `mypy --strict` runs once, on all
of them together)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.support import REPO, WIT_DIR, generate
from witgen.codegen.host import GeneratedPackage
from witgen.codegen.writer import write_package

INPUTS = sorted(WIT_DIR.glob("*.wit")) + [REPO / "wit" / "plugin.wit"]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GeneratedPackage]:
    """Input file stem -> its generated package (also written under `generated_root`)."""
    root = tmp_path_factory.getbasetemp() / "generated"
    out = {}
    for path in INPUTS:
        package = generate(path, root / "_src")
        write_package(package, root)
        out[path.stem] = package
    return out


@pytest.fixture(scope="session")
def generated_root(
    generated: dict[str, GeneratedPackage], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return tmp_path_factory.getbasetemp() / "generated"
