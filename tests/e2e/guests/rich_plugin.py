"""The plugin of `tests/e2e/test_guest_roundtrip.py` for world `rich` (`../wit/rich.wit`), written
with witgen's guest wrappers (`rich_guest`, from `witgen wit/rich.wit --guest`).

The same module is built into a component by `witgen build` and run in-process by
`Rich.from_python`. Magic inputs make it misbehave on purpose: `run("boom")` raises `ValueError`,
`count("bad-return")` returns a str where the WIT says u32.
"""

from __future__ import annotations

from rich_guest import Err, Ok, Rich, Some
from rich_guest.exports import Tools
from rich_guest.exports import tools as t
from rich_guest.imports import host_api, log
from rich_guest.imports.types import Color, Point

ALL_PERMS = t.Perms.READ | t.Perms.WRITE | t.Perms.EXEC


class Counter(t.Counter):
    def __init__(self, start: int) -> None:
        self.value = start

    def incr(self, by: int) -> int:
        self.value += by
        return self.value

    def get(self) -> int:
        return self.value

    @staticmethod
    def name() -> str:
        return "py-counter"


class Refused(Err[str]):
    """A plugin's own kind of `Err` (the err arm takes any subclass)."""


class Plugin(Rich):
    def run(self, param: str) -> str:
        if param == "boom":
            raise ValueError("the plugin blew up on purpose")
        log(f"run {param}")
        greeting = host_api.get_config("greeting")
        try:
            failed = str(host_api.checked_div(10, 0))
        except Err as err:
            failed = f"err:{err.value}"
        with host_api.Blob(b"ab") as blob:
            blob.write(b"cd")
            data = blob.read()
        return f"{greeting}|{host_api.checked_div(9, 3)}|{failed}|{data!r}|{param}"


class MyTools(Tools):
    def area(self, s: t.Shape) -> float:
        if isinstance(s, t.Shape_Circle):
            return 3.0 * s.value * s.value
        if isinstance(s, t.Shape_Rect):
            return s.value[0] * s.value[1]
        return 0.0

    def find(self, items: list[t.Item], name: str) -> t.Item:
        for it in items:
            if it.name == name:
                where = Point(it.where.x + 1, it.where.y - 1) if it.where is not None else None
                return t.Item(it.name.upper(), [*it.tags, "found"], Color.BLUE, it.perms, where)
        if name == "":
            raise Err(t.ToolError_Other())
        if name.isdigit():
            raise Err(t.ToolError_Invalid(int(name)))
        raise Err(t.ToolError_NotFound(name))

    def restock(self, inv: t.Inventory) -> t.Inventory:
        items = [
            t.Item(it.name, [*it.tags, "restocked"], it.color, it.perms | t.Perms.READ, it.where)
            for it in inv.items
        ]
        items.append(t.Item("spare", [], Color.GREEN, t.Perms(0), None))
        note = "restocked" if inv.note is None else inv.note + "!"
        scores = sorted(inv.scores, key=lambda s: s[1]) + [("total", sum(s[1] for s in inv.scores))]
        origin = Point(inv.origin.x * 2, -inv.origin.y)
        return t.Inventory(inv.owner.upper(), items, origin, note, scores)

    def next_color(self, c: Color) -> Color:
        order = [Color.RED, Color.GREEN, Color.BLUE]
        return order[(order.index(c) + 1) % 3]

    def toggle(self, p: t.Perms) -> t.Perms:
        out = t.Perms(0)
        for member in (t.Perms.READ, t.Perms.WRITE, t.Perms.EXEC):
            if member not in p:
                out |= member
        return out

    def classify(self, n: int) -> t.Shape:
        if n < 0:
            return t.Shape_None()
        if n == 0:
            return t.Shape_Circle(0.5)
        return t.Shape_Rect((float(n), n * 2.5))

    def nested(self, x: Some[int | None] | None) -> Some[int | None] | None:
        if x is None:
            return Some(None)
        if x.value is None:
            return None
        return Some(x.value + 1)

    def results(self, x: list[Ok[int] | Err[str]]) -> list[Ok[int] | Err[str]]:
        return [Err(f"e{r.value}") if isinstance(r, Ok) else Ok(len(r.value)) for r in x]

    def swap(self, t_: tuple[str, int, bool]) -> tuple[bool, int, str]:
        s, n, b = t_
        return (not b, n + 1, s[::-1])

    def checksum(self, data: bytes) -> tuple[int, bytes]:
        assert isinstance(data, bytes), type(data)
        return (sum(data), bytes(reversed(data)))

    def shout(self, s: str) -> str:
        return s.upper() + " \U0001f389"

    def count(self, s: str) -> int:
        if s == "bad-return":
            return "many"  # type: ignore[return-value]  # on purpose: the WIT says u32
        return len(s)

    def config(self, key: str) -> str | None:
        return host_api.get_config(key)

    def divide(self, a: int, b: int) -> int:
        # b == -1: a payload the run time must take the slow way; b == -2: a subclass of Err;
        # b == -3: a payload of the wrong type (on purpose: the WIT says string).
        if b == -1:
            raise Err(f"négatif: {a}")
        if b == -2:
            raise Refused(f"refused {a}")
        if b == -3:
            raise Err(a)
        try:
            return host_api.checked_div(a, b)
        except Err as err:
            log(f"divide caught {err.value}")
            raise Err(f"plugin caught: {err.value}") from None

    def blob_demo(self, a: bytes, b: bytes) -> bytes:
        with host_api.Blob(a) as first, host_api.Blob(b) as second:
            first.write(b"+")
            merged = host_api.Blob.merge(first, second)  # `second` moves into the host
            try:
                log(f"second after the move: {second.read()!r}")
            except Exception as exc:
                log(f"second after the move: {type(exc).__name__}")
        with merged:
            merged.write(b"!")
            return merged.read()

    def blob_same(self, a: bytes, b: bytes) -> bool:
        with host_api.Blob(a) as first, host_api.Blob(b) as second:
            return host_api.Blob.same(first, second)

    def make_counter(self, start: int) -> t.Counter:
        return Counter(start * 10)

    def read_counter(self, c: t.Counter) -> int:
        return c.get() + 1000

    def consume_counter(self, c: t.Counter) -> int:
        return -c.get()
