"""A sample application that loads greeter components through bindings witgen generates.

`sample_app.bindings.greeter` is not in the source tree: `witgen` (or the build hook, while the
wheel is built) writes it from `wit/greeter.wit`, as `[tool.witgen]` in pyproject.toml says.
"""

from __future__ import annotations

import os

from sample_app.bindings.greeter import Greeter, Greeting


def make_greeting(name: str, times: int = 1) -> Greeting:
    """The record a greeter component takes, built from the generated dataclass."""
    return Greeting(name=name, times=times)


class PrintLog:
    """The host side of the world: what `import log` calls (the `GreeterImports` protocol)."""

    def log(self, line: str) -> None:
        print(f"[greeter] {line}")


def greet(component: str | os.PathLike[str], name: str, times: int = 1) -> str:
    """Load the greeter component at `component` and ask it to greet `name`."""
    with Greeter.load(component, PrintLog(), deadline=5.0) as greeter:
        return greeter.greet(make_greeting(name, times))
