"""The per-call cases of `bench_plugins.py`: one world exporting a function per kind of value, the
same plugin written twice (with witgen's guest wrappers, and on componentize-py's own bindings),
and the calls the host makes.

Both plugins do the same small work on the same values, so the difference between them is what
the guest wrappers cost a call: converting the arguments from componentize-py's classes into the
guest package's, and checking and converting the answer back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WIT = """
package bench:calls;

interface api {
  record point { x: s32, y: s32, label: string }
  variant shape { circle(f64), rect(point), none }
  resource counter {
    constructor(start: u32);
    get: func() -> u32;
  }
  inc: func(x: u32) -> u32;
  echo: func(s: string) -> string;
  move-point: func(p: point) -> point;
  reshape: func(s: shape) -> shape;
  shift-all: func(ps: list<point>) -> list<point>;
  checked: func(x: u32) -> result<u32, string>;
  maybe: func(x: option<u32>) -> option<u32>;
  read-counter: func(c: borrow<counter>) -> u32;
}

world calls {
  export api;
}
"""

# Written against the guest package `calls_guest` (`witgen calls.wit --guest`), built by
# `witgen build`.
WITGEN_PLUGIN = """
from calls_guest import Calls, Err
from calls_guest.exports import Api
from calls_guest.exports import api as t


class World(Calls):  # the world exports no function of its own
    pass


class Counter(t.Counter):
    def __init__(self, start: int) -> None:
        self.value = start

    def get(self) -> int:
        return self.value


class Plugin(Api):
    def inc(self, x: int) -> int:
        return x + 1

    def echo(self, s: str) -> str:
        return s

    def move_point(self, p: t.Point) -> t.Point:
        return t.Point(p.x + 1, p.y, p.label)

    def reshape(self, s: t.Shape) -> t.Shape:
        if isinstance(s, t.Shape_Rect):
            p = s.value
            return t.Shape_Rect(t.Point(p.x + 1, p.y, p.label))
        if isinstance(s, t.Shape_Circle):
            return t.Shape_Circle(s.value * 2)
        return s

    def shift_all(self, ps: list[t.Point]) -> list[t.Point]:
        return [t.Point(p.x + 1, p.y, p.label) for p in ps]

    def checked(self, x: int) -> int:
        if x == 0:
            raise Err("zero")
        return x

    def maybe(self, x: int | None) -> int | None:
        return None if x is None else x + 1

    def read_counter(self, c: t.Counter) -> int:
        return c.get()
"""

# The same plugin on componentize-py's bindings (`wit_world`): the app module, and the module
# componentize-py looks up the resource class in (named after the interface).
REFERENCE_APP = """
from componentize_py_types import Err
import wit_world.exports
from wit_world.exports import api as t
import api


class Api(wit_world.exports.Api):
    def inc(self, x: int) -> int:
        return x + 1

    def echo(self, s: str) -> str:
        return s

    def move_point(self, p: t.Point) -> t.Point:
        return t.Point(p.x + 1, p.y, p.label)

    def reshape(self, s: t.Shape) -> t.Shape:
        if isinstance(s, t.Shape_Rect):
            p = s.value
            return t.Shape_Rect(t.Point(p.x + 1, p.y, p.label))
        if isinstance(s, t.Shape_Circle):
            return t.Shape_Circle(s.value * 2)
        return s

    def shift_all(self, ps: list[t.Point]) -> list[t.Point]:
        return [t.Point(p.x + 1, p.y, p.label) for p in ps]

    def checked(self, x: int) -> int:
        if x == 0:
            raise Err("zero")
        return x

    def maybe(self, x: int | None) -> int | None:
        return None if x is None else x + 1

    def read_counter(self, c: t.Counter) -> int:
        return c.get()
"""

REFERENCE_RESOURCES = """
from wit_world.exports import api as t


class Counter(t.Counter):
    def __init__(self, start: int) -> None:
        self.value = start

    def get(self) -> int:
        return self.value
"""

# (app module name, {file name: source}) of the reference plugin.
REFERENCE_FILES = {"ref_calls.py": REFERENCE_APP, "api.py": REFERENCE_RESOURCES}


def cases(calls: Any, plugin: Any) -> dict[str, Callable[[], object]]:
    """Each case's call on a loaded plugin (`calls`: the host bindings' package), by the name the
    report gives it. Every call is checked once here, so a plugin that answers wrongly fails the
    benchmark instead of being timed."""
    api = plugin.api
    point = calls.api.Point(3, -4, "origin")
    points = [calls.api.Point(i, -i, f"p{i}") for i in range(10)]
    rect = calls.api.Shape_Rect(point)
    short = "abcdefghij"
    long = "x" * 10240
    counter = api.Counter(42)
    err_type = calls.Err

    def err_arm() -> object:
        try:
            api.checked(0)
        except err_type as err:
            return err.value
        raise AssertionError("checked(0) returned")

    table: dict[str, tuple[Callable[[], object], object]] = {
        "u32": (lambda: api.inc(41), 42),
        "string (10 chars)": (lambda: api.echo(short), short),
        "string (10 KiB)": (lambda: api.echo(long), long),
        "record": (lambda: api.move_point(point), calls.api.Point(4, -4, "origin")),
        "variant": (
            lambda: api.reshape(rect),
            calls.api.Shape_Rect(calls.api.Point(4, -4, "origin")),
        ),
        "list of 10 records": (
            lambda: api.shift_all(points),
            [calls.api.Point(i + 1, -i, f"p{i}") for i in range(10)],
        ),
        "result (ok)": (lambda: api.checked(7), 7),
        "result (err)": (err_arm, "zero"),
        "option (some)": (lambda: api.maybe(1), 2),
        "option (none)": (lambda: api.maybe(None), None),
        "resource method": (counter.get, 42),
        "resource borrow": (lambda: api.read_counter(counter), 42),
    }
    out = {}
    for name, (call, expected) in table.items():
        got = call()
        if got != expected:
            raise AssertionError(f"{name}: expected {expected!r}, got {got!r}")
        out[name] = call
    return out
