"""Every supported WIT type, both ways, through a generated package and a REAL component.

Each world export `echo-x` of `tests/codegen/wit/echo.wit` forwards (in the built component) to the
world import `h-echo-x`: a value goes Python -> lowered by the bindings -> guest -> lifted for the
host function -> returned by it -> lowered -> guest -> lifted for the caller. The tests check the
value (and its Python type) the host saw and the value the caller got back, then the error paths:
bad arguments rejected before wasm (the instance stays usable), bad host results, host exceptions,
traps, function-level `result`s and unsupported features.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Iterator

import pytest


class HostApi:
    """The imported interface `host-api`."""

    def __init__(self, seen: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.seen = seen

    def greet(self, p: Any) -> str:
        self.seen.append(("greet", (p,)))
        return f"hello, {p.name} ({p.age_years})"

    def checked(self, x: int) -> int:
        self.seen.append(("checked", (x,)))
        if x == 0:
            raise self.err_class("zero")  # type: ignore[attr-defined]
        return x + 100


class EchoHost:
    """The world's imports: every `h-echo-*` returns its argument(s); the rest as noted."""

    def __init__(self, pkg: ModuleType) -> None:
        self.pkg = pkg
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        self.host_api = HostApi(self.seen)
        self.host_api.err_class = pkg.Err  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("h_echo_"):
            raise AttributeError(name)

        def echo(*args: Any) -> Any:
            self.seen.append((name, args))
            return args[0] if len(args) == 1 else args

        return echo

    def h_nothing(self) -> None:
        self.seen.append(("h_nothing", ()))

    def h_fallible(self, x: int) -> int:
        if x == 0:
            raise self.pkg.Err("zero")
        return x * 2

    def h_fallible_void(self, x: int) -> None:
        if x:
            raise self.pkg.Err(self.pkg.Color.GREEN)

    def h_maybe_err(self, x: int) -> int | None:
        if x == 0:
            raise self.pkg.Err("no")
        return None if x == 1 else x


@pytest.fixture
def host(echo_pkg: ModuleType) -> EchoHost:
    return EchoHost(echo_pkg)


@pytest.fixture
def echo(echo_pkg: ModuleType, echo_component: Path, host: EchoHost) -> Iterator[Any]:
    with echo_pkg.Echo.load(echo_component, host) as instance:
        yield instance


def cases(pkg: ModuleType) -> list[tuple[str, Any, Any]]:
    """(export, argument, expected value) for the round trips."""
    types = pkg.types
    Person, Color, Perm = pkg.Person, pkg.Color, pkg.Perm
    Ok, Err, Some = pkg.Ok, pkg.Err, pkg.Some
    ann = Person("Ann", 42, ["a", "bé"])
    return [
        ("bool", True, True),
        ("bool", False, False),
        ("u8", 0, 0),
        ("u8", 255, 255),
        ("u16", 65535, 65535),
        ("u32", 4294967295, 4294967295),
        ("u64", 2**64 - 1, 2**64 - 1),
        ("s8", -128, -128),
        ("s8", 127, 127),
        ("s16", -32768, -32768),
        ("s32", -(2**31), -(2**31)),
        ("s64", -(2**63), -(2**63)),
        ("s64", 2**63 - 1, 2**63 - 1),
        ("f32", 1.5, 1.5),
        ("f32", 3, 3.0),  # an int is accepted for a float
        ("f64", 1e300, 1e300),
        ("f64", -0.0, -0.0),
        ("f64", math.inf, math.inf),
        ("char", "a", "a"),
        ("char", "😀", "😀"),
        ("char", "\0", "\0"),
        ("string", "", ""),
        ("string", "héllo wörld 😀\0", "héllo wörld 😀\0"),
        ("bytes", b"", b""),
        ("bytes", bytes(range(256)), bytes(range(256))),
        ("bytes", bytearray(b"ab"), b"ab"),
        ("bytes", memoryview(b"xyz"), b"xyz"),
        ("list", [], []),
        ("list", [0, 1, 4294967295], [0, 1, 4294967295]),
        ("list", (5, 6), [5, 6]),  # a tuple is accepted for a list
        ("strings", ["a", "", "😀"], ["a", "", "😀"]),
        ("tuple", (255, "x", 2.5), (255, "x", 2.5)),
        ("person", ann, ann),
        ("person", Person("", 0, []), Person("", 0, [])),
        ("color", Color.RED, Color.RED),
        ("color", Color.BLUE_GREEN, Color.BLUE_GREEN),
        ("perm", Perm(0), Perm(0)),
        ("perm", Perm.READ | Perm.EXEC, Perm.READ | Perm.EXEC),
        ("shape", types.Shape_Circle(2.5), types.Shape_Circle(2.5)),
        ("shape", types.Shape_Rect((3, 4)), types.Shape_Rect((3, 4))),
        ("shape", types.Shape_Nothing(), types.Shape_Nothing()),
        ("shape", types.Shape_Who(ann), types.Shape_Who(ann)),
        # The stock converters take `True` for `num(1)` here (notes §2.1); ours keep the case.
        ("shape", types.Shape_Flag(True), types.Shape_Flag(True)),
        ("shape", types.Shape_Num(1), types.Shape_Num(1)),
        ("option", None, None),
        ("option", 0, 0),
        ("option2", None, None),
        ("option2", Some(None), Some(None)),
        ("option2", Some(0), Some(0)),
        ("result", [Ok(1), Err("e"), Ok(0)], [Ok(1), Err("e"), Ok(0)]),
        # `result<option<u32>, string>` cannot lower `err` with the stock converters (§2.1).
        ("result_opt", [Ok(None), Ok(3), Err("x")], [Ok(None), Ok(3), Err("x")]),
        ("result_empty", [Ok(None), Err(None)], [Ok(None), Err(None)]),
        ("list_option", [1, None, 3], [1, None, 3]),
    ]


CASE_COUNT = 53


def test_case_table_size(echo_pkg: ModuleType) -> None:
    assert len(cases(echo_pkg)) == CASE_COUNT


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_round_trip(echo: Any, host: EchoHost, echo_pkg: ModuleType, index: int) -> None:
    name, arg, expected = cases(echo_pkg)[index]
    out = getattr(echo, f"echo_{name}")(arg)
    assert host.seen == [(f"h_echo_{name}", (expected,))]
    seen = host.seen[0][1][0]
    for value in (out, seen):
        assert value == expected
        assert type(value) is type(expected)
    if isinstance(expected, float):  # -0.0 == 0.0, so compare the sign too
        assert math.copysign(1, out) == math.copysign(1, expected)
    if isinstance(expected, list) and expected:
        assert [type(v) for v in out] == [type(v) for v in expected]


def test_nan_and_f32_rounding(echo: Any) -> None:
    assert math.isnan(echo.echo_f32(math.nan))
    assert echo.echo_f32(1.1) == pytest.approx(1.1, rel=1e-7) and echo.echo_f32(1.1) != 1.1


def test_many_parameters(echo: Any, host: EchoHost) -> None:
    args = (7, -5, "s", 0.5, b"\x01", True)
    assert echo.echo_many(*args) == args
    assert host.seen == [("h_echo_many", args)]


def test_function_without_result(echo: Any, host: EchoHost) -> None:
    assert echo.nothing() is None
    assert host.seen == [("h_nothing", ())]


def test_exported_interface(echo: Any, echo_pkg: ModuleType, host: EchoHost) -> None:
    ann = echo_pkg.Person("Ann", 42, [])
    assert echo.api.greet(ann) == "hello, Ann (42)"
    assert host.seen == [("greet", (ann,))]
    assert echo.api.checked(1) == 101
    with pytest.raises(echo_pkg.Err) as err:
        echo.api.checked(0)
    assert err.value.value == "zero"


# --- function-level results ------------------------------------------------------------------


def test_result_returns_ok_value_or_raises_err(echo: Any, echo_pkg: ModuleType) -> None:
    assert echo.fallible(3) == 6
    with pytest.raises(echo_pkg.Err) as err:
        echo.fallible(0)
    assert err.value == echo_pkg.Err("zero") and err.value.value == "zero"
    assert echo.fallible_void(0) is None
    with pytest.raises(echo_pkg.Err) as err2:
        echo.fallible_void(1)
    assert err2.value.value is echo_pkg.Color.GREEN
    # result<option<u32>, string>: every case crosses, err included (a stock-converter bug).
    assert echo.maybe_err(1) is None
    assert echo.maybe_err(7) == 7
    with pytest.raises(echo_pkg.Err) as err3:
        echo.maybe_err(0)
    assert err3.value.value == "no"
    assert echo.fallible(4) == 8  # an `err` is a value, not a failure: the instance is fine


# --- bad arguments: rejected before wasm, instance still usable ------------------------------


def bad_arguments(pkg: ModuleType) -> list[tuple[str, Any, type[Exception], str]]:
    types, Person, Ok = pkg.types, pkg.Person, pkg.Ok
    return [
        ("u8", 256, ValueError, "expected u8 (0..255), got 256"),
        ("u8", -1, ValueError, "expected u8 (0..255), got -1"),
        ("s8", 128, ValueError, "expected s8 (-128..127), got 128"),
        ("u32", -1, ValueError, "expected u32 (0..4294967295), got -1"),
        ("u64", 2**64, ValueError, "expected u64"),
        ("s64", -(2**63) - 1, ValueError, "expected s64"),
        ("u32", True, TypeError, "got True (bool)"),
        ("u32", 1.0, TypeError, "got 1.0 (float)"),
        ("bool", 1, TypeError, "expected bool, got 1 (int)"),
        ("f64", "1", TypeError, "expected f64"),
        ("f64", 10**400, ValueError, "too large"),
        ("char", "ab", TypeError, "expected char"),
        ("char", "", TypeError, "expected char"),
        ("char", "\ud800", ValueError, "lone surrogate U+D800"),
        ("string", b"x", TypeError, "expected string, got b'x' (bytes)"),
        ("string", "a\udc80", ValueError, "lone surrogate at index 1"),
        ("bytes", [1, 2], TypeError, "expected list<u8>"),
        ("list", [1, -1], ValueError, "element 1: expected u32"),
        ("list", "ab", TypeError, "expected list<u32>"),
        ("tuple", (1, "x"), TypeError, "(3 items), got a tuple of 2"),
        ("tuple", [1, "x", 1.0], TypeError, "expected tuple<u8, string, f64>"),
        ("tuple", (1, 2, 1.0), TypeError, "item 1: expected string"),
        ("person", SimpleNamespace(name="a", age_years=1, tags=[]), TypeError, "record person"),
        ("person", Person("a", 300, []), ValueError, "field 'age_years': expected u8"),
        ("person", Person("a", 3, ["x", 5]), TypeError, "field 'tags': element 1: expected string"),
        ("color", "red", TypeError, "enum color"),
        ("perm", {"read"}, TypeError, "flags perm"),
        ("shape", types.Shape_Circle("x"), TypeError, "case 'circle': expected f32"),
        ("shape", None, TypeError, "variant shape"),
        ("option2", 3, TypeError, "None or Some(...)"),
        ("option", -1, ValueError, "some: expected u32"),
        ("result", [5], TypeError, "element 0: expected result<u32, string>"),
        ("result", [Ok("x")], TypeError, "element 0: ok: expected u32"),
        ("result_empty", [Ok(1)], TypeError, "ok: expected None"),
    ]


BAD_COUNT = 34


def test_bad_argument_table_size(echo_pkg: ModuleType) -> None:
    assert len(bad_arguments(echo_pkg)) == BAD_COUNT


@pytest.mark.parametrize("index", range(BAD_COUNT))
def test_bad_argument_is_rejected_before_wasm(
    echo: Any, host: EchoHost, echo_pkg: ModuleType, index: int
) -> None:
    name, arg, exc_type, fragment = bad_arguments(echo_pkg)[index]
    with pytest.raises(exc_type) as err:
        getattr(echo, f"echo_{name}")(arg)
    message = str(err.value)
    assert message.startswith(f"echo_{name}(): argument 'v': "), message
    assert fragment in message, message
    assert type(err.value) is exc_type
    assert host.seen == []  # never reached the guest
    assert echo.echo_u32(5) == 5  # and the instance is still usable


def test_wrong_number_of_arguments(echo: Any) -> None:
    with pytest.raises(TypeError):
        echo.echo_u32()
    assert echo.echo_u32(1) == 1


# --- host-side failures ------------------------------------------------------------------------


def load_with(pkg: ModuleType, component: Path, **overrides: Any) -> tuple[Any, EchoHost]:
    host = EchoHost(pkg)
    for name, fn in overrides.items():
        setattr(host, name, fn)
    return pkg.Echo.load(component, host), host


class Boom(Exception):
    pass


def test_host_exception_reaches_the_caller(echo_pkg: ModuleType, echo_component: Path) -> None:
    boom = Boom("from the host")

    def raising(v: int) -> int:
        raise boom

    instance, _ = load_with(echo_pkg, echo_component, h_echo_u32=raising)
    with pytest.raises(Boom) as err:
        instance.echo_u32(1)
    assert err.value is boom
    assert any("load the component again" in note for note in getattr(boom, "__notes__", []))
    # wasmtime refuses to re-enter the instance; the bindings say so without entering wasm.
    with pytest.raises(echo_pkg.InstanceUnusable, match="a host function raised Boom"):
        instance.echo_u8(1)


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_base_exception_in_host_does_not_kill_the_process(
    echo_pkg: ModuleType, echo_component: Path, exc_type: type[BaseException]
) -> None:
    def raising(v: str) -> str:
        raise exc_type()

    instance, _ = load_with(echo_pkg, echo_component, h_echo_string=raising)
    with pytest.raises(exc_type):
        instance.echo_string("x")
    with pytest.raises(echo_pkg.InstanceUnusable):
        instance.echo_string("x")


@pytest.mark.parametrize(
    ("name", "value", "exc_type", "fragment"),
    [
        ("u8", 300, ValueError, "h_echo_u8(): return value: expected u8 (0..255), got 300"),
        ("string", None, TypeError, "h_echo_string(): return value: expected string"),
        ("char", "\ud800", ValueError, "lone surrogate"),
        ("color", "red", TypeError, "enum color"),
        ("list", [1, 2**40], ValueError, "element 1"),
    ],
)
def test_bad_host_return_value(
    echo_pkg: ModuleType,
    echo_component: Path,
    name: str,
    value: Any,
    exc_type: type[Exception],
    fragment: str,
) -> None:
    instance, _ = load_with(echo_pkg, echo_component, **{f"h_echo_{name}": lambda v: value})
    sample = {"u8": 1, "string": "s", "char": "c", "color": echo_pkg.Color.RED, "list": [1]}[name]
    with pytest.raises(exc_type) as err:
        getattr(instance, f"echo_{name}")(sample)
    assert fragment in str(err.value)
    with pytest.raises(echo_pkg.InstanceUnusable):
        instance.echo_u32(1)


def test_host_returning_a_value_for_a_function_without_result(
    echo_pkg: ModuleType, echo_component: Path
) -> None:
    instance, _ = load_with(echo_pkg, echo_component, h_nothing=lambda: 5)
    with pytest.raises(
        TypeError, match=r"h_nothing\(\) returned 5, but the WIT function has no result"
    ):
        instance.nothing()


def test_trap_reports_that_the_instance_must_be_reloaded(
    echo: Any, echo_pkg: ModuleType, echo_component: Path, host: EchoHost
) -> None:
    with pytest.raises(echo_pkg.WasmTrap) as err:
        echo.trap()
    message = str(err.value)
    assert message.startswith("trap() trapped: wasm trap: wasm `unreachable` instruction executed")
    assert "load the component again" in message
    assert err.value.__cause__ is not None  # wasmtime's own error, with its backtrace
    with pytest.raises(echo_pkg.InstanceUnusable, match=r"echo_u32\(\): .*trap\(\) trapped"):
        echo.echo_u32(1)
    assert host.seen == []
    # A fresh load is a fresh instance.
    assert echo_pkg.Echo.load(echo_component, host).echo_u32(2) == 2


def test_close_and_with(echo_pkg: ModuleType, echo_component: Path, host: EchoHost) -> None:
    with echo_pkg.Echo.load(echo_component, host) as instance:
        assert instance.echo_u8(1) == 1
    with pytest.raises(echo_pkg.InstanceUnusable, match="it was closed"):
        instance.echo_u8(1)


def test_unsupported_feature_raises_before_entering_wasm(echo: Any, echo_pkg: ModuleType) -> None:
    rt = echo_pkg._rt
    spec = rt.FuncSpec(
        None, "echo-u32", "streamy()", (("v", "v", rt.List(rt.Stream(rt.U8))),), rt.U32
    )
    func = rt.ExportFunc(echo._state, spec)
    with pytest.raises(NotImplementedError, match=r"streamy\(\): stream values are not supported"):
        func([1])
    assert echo.echo_u32(3) == 3


def test_generated_types_are_plain_python(echo_pkg: ModuleType) -> None:
    ann = echo_pkg.Person("Ann", 1, [])
    assert ann == echo_pkg.Person("Ann", 1, []) and ann != echo_pkg.Person("Ann", 2, [])
    assert echo_pkg.Person is echo_pkg.types.Person
    assert [m.name for m in echo_pkg.Color] == ["RED", "GREEN", "BLUE_GREEN"]
    assert echo_pkg.Ok(1) == echo_pkg.Ok(1) and echo_pkg.Ok(1) != echo_pkg.Err(1)
    assert repr(echo_pkg.Some(None)) == "Some(None)" and repr(echo_pkg.Err("x")) == "Err('x')"
    assert hash(echo_pkg.Err([1])) == hash(echo_pkg.Err([1]))


def test_host_function_may_reenter_the_same_export(
    echo_pkg: ModuleType, echo_component: Path
) -> None:
    # The inner call finds the export's preallocated buffers in use and takes fresh ones.
    depth = []

    def reenter(v: int) -> int:
        depth.append(v)
        if len(depth) == 1:
            return v + instance.echo_u32(v + 1)
        return v

    instance, _ = load_with(echo_pkg, echo_component, h_echo_u32=reenter)
    assert instance.echo_u32(5) == 11
    assert depth == [5, 6]
    depth.clear()
    assert instance.echo_u32(1) == 1 + 2  # the buffers are free again afterwards
