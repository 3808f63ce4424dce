"""Unit tests of `witgen build`'s pre-check (`witgen.build.precheck.check_plugin`): a plugin module
read without running it, every problem asserted exactly (line, column, message).

The guest packages are the ones of the brief's two worlds: `plugin` (package `plugin_guest`, base
class `Plugin` with `run(param)`) and `rich` (package `rich_guest`: world base `Rich`, interface
base `rich_guest.exports.Tools`, resource base `rich_guest.exports.tools.Counter`).
"""

from __future__ import annotations

import textwrap
import warnings

import pytest

from witgen.build.precheck import Expected, Problem, check_plugin, describe_export

PLUGIN = Expected("Plugin", "plugin_guest", "world `plugin`", {"run": 1}, exports={"run": "run"})
RICH = Expected("Rich", "rich_guest", "world `rich`", {"hello": 1})
TOOLS = Expected(
    "Tools",
    "rich_guest.exports",
    "interface `tools`",
    {"make_counter": 1, "ping": 0},
    exports={"make_counter": "make-counter", "ping": "ping"},
)
COUNTER = Expected(
    "Counter",
    "rich_guest.exports.tools",
    "resource `counter` of interface `tools`",
    {"__init__": 1, "get": 0, "inc": 1},
    {"zero": 0},
    {
        "__init__": "[constructor]counter",
        "get": "[method]counter.get",
        "inc": "[method]counter.inc",
        "zero": "[static]counter.zero",
    },
)
ALL = [RICH, TOOLS, COUNTER]

W_RUN = "export `run` of world `plugin`"
T_PING = "export `ping` of interface `tools`"
T_MAKE = "export `make-counter` of interface `tools`"
C_WHAT = "of resource `counter` of interface `tools`"


def check(source: str, *expected: Expected) -> list[Problem]:
    return check_plugin(textwrap.dedent(source), "plugin.py", list(expected or [PLUGIN]))


def P(line: int, col: int, message: str) -> Problem:
    return Problem(line, col, message)


HELLO = """\
from plugin_guest import Plugin
from plugin_guest.imports import host


class Hello(Plugin):
    def run(self, param: str) -> str:
        host.log(f"got {param}")
        return f"Hello, {param}"
"""

RICH_MODULE = """\
import rich_guest
import rich_guest.exports.tools as t
from rich_guest import exports


class P(rich_guest.Rich):
    def hello(self, name: str) -> str:
        return name


class T(exports.Tools):
    def make_counter(self, start: int) -> t.Counter:
        return C(start)

    def ping(self) -> None:
        pass


class C(t.Counter):
    def __init__(self, start: int) -> None:
        self.n = start

    def get(self) -> int:
        return self.n

    def inc(self, by: int) -> None:
        self.n += by

    @staticmethod
    def zero() -> int:
        return 0
"""


# --- Correct modules ----------------------------------------------------------------------------


def test_the_hello_plugin_has_no_problems() -> None:
    assert check(HELLO) == []


def test_a_world_with_an_interface_and_a_resource_has_no_problems() -> None:
    assert check(RICH_MODULE, *ALL) == []


def test_no_expectations_means_no_problems() -> None:
    assert check_plugin("x = 1\n", "plugin.py", []) == []


def test_an_empty_expectation_is_met_by_any_subclass() -> None:
    empty = Expected("Rich", "rich_guest", "world `rich`", {})
    assert check("from rich_guest import Rich\nclass R(Rich):\n    pass\n", empty) == []


# --- How a base is named ------------------------------------------------------------------------

# Each one imports the interface base one way and names it `{base}` in `class T({base})`, whose
# body lacks `ping`: the problem at the class shows the base was recognised.
TOOLS_SHAPES = [
    ("from rich_guest import exports", "exports.Tools"),
    ("from rich_guest.exports import Tools", "Tools"),
    ("from rich_guest.exports import Tools as Base", "Base"),
    ("import rich_guest.exports", "rich_guest.exports.Tools"),
    ("import rich_guest", "rich_guest.exports.Tools"),
    ("import rich_guest.exports as ex", "ex.Tools"),
    ("import rich_guest as r", "r.exports.Tools"),
    ("from rich_guest.exports import *", "Tools"),
    ("from rich_guest import exports; Base = exports.Tools", "Base"),
    ("from rich_guest import exports as e; Base: type = e.Tools", "Base"),
]


@pytest.mark.parametrize(("imports", "base"), TOOLS_SHAPES)
def test_an_interface_base_is_recognised(imports: str, base: str) -> None:
    source = f"{imports}\n\nclass T({base}):\n    def make_counter(self, start):\n        pass\n"
    assert check(source, TOOLS) == [P(3, 1, f"T does not implement ping() ({T_PING})")]


@pytest.mark.parametrize(("imports", "base"), TOOLS_SHAPES)
def test_an_interface_base_with_its_methods_has_no_problems(imports: str, base: str) -> None:
    source = f"{imports}\nclass T({base}):\n    def make_counter(self, s): ...\n"
    source += "    def ping(self): ...\n"
    assert check(source, TOOLS) == []


COUNTER_SHAPES = [
    ("import rich_guest.exports.tools as t", "t.Counter"),
    ("from rich_guest.exports.tools import Counter as Base", "Base"),
    ("from rich_guest.exports.tools import Counter", "Counter"),
    ("from rich_guest.exports import tools", "tools.Counter"),
    ("from rich_guest import exports", "exports.tools.Counter"),
    ("import rich_guest.exports.tools", "rich_guest.exports.tools.Counter"),
]


@pytest.mark.parametrize(("imports", "base"), COUNTER_SHAPES)
def test_a_resource_base_is_recognised(imports: str, base: str) -> None:
    source = f"""\
{imports}
class C({base}):
    def __init__(self, start): ...
    def get(self): ...
    def inc(self, by): ...
"""
    assert check(source, COUNTER) == [
        P(2, 1, f"C does not implement zero() (static function `zero` {C_WHAT})")
    ]


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("import rich_guest", "rich_guest.Rich"),
        ("from rich_guest import Rich", "Rich"),
        ("from rich_guest import *", "Rich"),
        ("import rich_guest as g", "g.Rich"),
    ],
)
def test_a_world_base_is_recognised(imports: str, base: str) -> None:
    assert check(f"{imports}\nclass W({base}):\n    pass\n", RICH) == [
        P(2, 1, "W does not implement hello() (export `hello` of world `rich`)")
    ]


def test_a_name_from_star_imports_may_be_the_guest_class() -> None:
    source = """\
    from plugin_guest import *
    from other import *

    class Hello(Plugin):
        def run(self, a, b): ...
    """
    # `Plugin` may come from either module: it is taken as the guest's, so it is checked.
    assert check(source) == [
        P(5, 5, f"Hello.run() takes 2 parameters but {W_RUN} passes 1"),
    ]


def test_an_alias_of_the_guest_class_is_recognised_when_listed() -> None:
    tools = Expected(
        "Tools",
        "rich_guest.exports",
        "interface `tools`",
        {"ping": 0},
        aliases=("rich_guest.exports.tools.Exports",),
    )
    source = "from rich_guest.exports.tools import Exports\nclass T(Exports):\n    pass\n"
    assert check(source, tools) == [P(2, 1, f"T does not implement ping() ({T_PING})")]


def test_a_base_bound_in_a_try_with_a_fallback_is_recognised() -> None:
    source = """\
    try:
        from plugin_guest import Plugin
    except ImportError:
        Plugin = object

    class Hello(Plugin):
        pass
    """
    assert check(source) == [P(6, 1, f"Hello does not implement run() ({W_RUN})")]


def test_a_base_with_an_unknown_fallback_is_still_the_guest_class() -> None:
    source = """\
    try:
        from plugin_guest import Plugin
    except ImportError:
        Plugin = None

    class Hello(Plugin):
        pass
    """
    assert check(source) == [P(6, 1, f"Hello does not implement run() ({W_RUN})")]


def test_a_base_bound_in_both_branches_of_an_if_is_recognised() -> None:
    source = """\
    import sys
    if sys.platform == "wasi":
        from plugin_guest import Plugin as Base
    else:
        from plugin_guest import Plugin as Base

    class Hello(Base):
        def run(self):
            pass
    """
    assert check(source) == [P(8, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


def test_a_rebound_name_is_followed_in_order() -> None:
    source = """\
    from plugin_guest import Plugin
    Plugin = dict

    class Hello(Plugin):
        def run(self, p): ...
    """
    # `Plugin` is `dict` at the class statement, so nothing implements the world.
    assert check(source) == [
        P(
            1,
            1,
            "no class implements world `plugin`: subclass Plugin from plugin_guest (methods: run)",
        )
    ]


# --- Bases that are not the guest class ---------------------------------------------------------


def test_an_unimported_base_of_the_right_name_gets_a_hint() -> None:
    source = "class Hello(Plugin):\n    def run(self, p): ...\n"
    assert check(source) == [
        P(
            1,
            1,
            "no class implements world `plugin`: subclass Plugin from plugin_guest (methods: run)",
        ),
        P(
            1,
            1,
            "Hello subclasses Plugin, which is not Plugin of plugin_guest: import it with"
            " `from plugin_guest import Plugin`",
        ),
    ]


def test_a_base_from_the_wrong_module_gets_a_hint() -> None:
    source = """\
    from plugin_guest.exports import Plugin


    class Hello(Plugin):
        def run(self, p): ...
    """
    assert check(source) == [
        P(
            1,
            1,
            "no class implements world `plugin`: subclass Plugin from plugin_guest (methods: run)",
        ),
        P(
            4,
            1,
            "Hello subclasses Plugin, which is not Plugin of plugin_guest: import it with"
            " `from plugin_guest import Plugin`",
        ),
    ]


def test_import_a_b_binds_only_a() -> None:
    source = "import rich_guest.exports.tools\nclass C(tools.Counter):\n    pass\n"
    assert check(source, COUNTER) == [
        P(
            1,
            1,
            "no class implements resource `counter` of interface `tools`: subclass Counter from"
            " rich_guest.exports.tools (methods: __init__, get, inc; static functions: zero)",
        ),
        P(
            2,
            1,
            "C subclasses tools.Counter, which is not Counter of rich_guest.exports.tools: import"
            " it with `from rich_guest.exports.tools import Counter`",
        ),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from .plugin_guest import Plugin\nclass Hello(Plugin):\n    pass\n",
        "class Plugin:\n    pass\nclass Hello(Plugin):\n    pass\n",
        "from plugin_guest import Plugin\nclass Hello(make(Plugin)):\n    pass\n",
        "from plugin_guest import Plugin\ndef f():\n    class Hello(Plugin):\n        pass\n",
    ],
    ids=["relative-import", "own-class", "computed-base", "class-in-function"],
)
def test_other_classes_implement_nothing(source: str) -> None:
    assert check(source) == [
        P(
            1,
            1,
            "no class implements world `plugin`: subclass Plugin from plugin_guest (methods: run)",
        )
    ]


# --- How many implementations -------------------------------------------------------------------


def test_no_implementation_lists_the_methods_and_static_functions() -> None:
    assert check("import rich_guest\n", *ALL) == [
        P(1, 1, "no class implements world `rich`: subclass Rich from rich_guest (methods: hello)"),
        P(
            1,
            1,
            "no class implements interface `tools`: subclass Tools from rich_guest.exports"
            " (methods: make_counter, ping)",
        ),
        P(
            1,
            1,
            "no class implements resource `counter` of interface `tools`: subclass Counter from"
            " rich_guest.exports.tools (methods: __init__, get, inc; static functions: zero)",
        ),
    ]


def test_no_implementation_of_an_empty_expectation_lists_nothing() -> None:
    empty = Expected("Rich", "rich_guest", "world `rich`", {})
    assert check("", empty) == [
        P(1, 1, "no class implements world `rich`: subclass Rich from rich_guest")
    ]


def test_two_implementations_are_reported_at_the_second() -> None:
    source = """\
    from plugin_guest import Plugin

    class Hello(Plugin):
        def run(self, p): ...

    class Bye(Plugin):
        def run(self, p): ...
    """
    assert check(source) == [
        P(
            6,
            1,
            "two classes implement world `plugin`: Hello (line 3) and Bye; a plugin has one"
            " implementation of each",
        )
    ]


def test_each_extra_implementation_is_reported() -> None:
    source = """\
    from plugin_guest import Plugin
    class A(Plugin):
        def run(self, p): ...
    class B(Plugin):
        def run(self, p): ...
    class C(Plugin):
        def run(self): ...
    """
    assert check(source) == [
        P(
            4,
            1,
            "two classes implement world `plugin`: A (line 2) and B; a plugin has one"
            " implementation of each",
        ),
        P(
            6,
            1,
            "two classes implement world `plugin`: A (line 2) and C; a plugin has one"
            " implementation of each",
        ),
        P(7, 5, f"C.run() takes 0 parameters but {W_RUN} passes 1"),
    ]


def test_a_class_subclassed_in_the_module_is_not_an_implementation() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        def helper(self) -> str:
            return "x"

    class Hello(Base):
        def run(self, param):
            return self.helper() + param
    """
    assert check(source) == []


def test_methods_are_collected_along_the_module_s_classes() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        def run(self, param):
            return param

    class Middle(Base):
        pass

    class Hello(Middle):
        pass
    """
    assert check(source) == []


def test_the_most_derived_definition_wins() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        def run(self, a, b, c):
            pass

    class Hello(Base):
        def run(self):
            pass
    """
    assert check(source) == [P(8, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


def test_an_inherited_definition_is_reported_where_it_is() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        def run(self):
            pass

    class Hello(Base):
        pass
    """
    assert check(source) == [P(4, 5, f"Base.run() takes 0 parameters but {W_RUN} passes 1")]


def test_a_missing_method_is_reported_at_the_most_derived_class() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        pass

    class Hello(Base):
        pass
    """
    assert check(source) == [P(6, 1, f"Hello does not implement run() ({W_RUN})")]


def test_two_leaves_of_one_base_are_two_implementations() -> None:
    source = """\
    from plugin_guest import Plugin

    class Base(Plugin):
        def run(self):
            pass

    class A(Base):
        pass

    class B(Base):
        pass
    """
    assert check(source) == [
        P(4, 5, f"Base.run() takes 0 parameters but {W_RUN} passes 1"),  # once, not twice
        P(
            10,
            1,
            "two classes implement world `plugin`: A (line 7) and B; a plugin has one"
            " implementation of each",
        ),
    ]


def test_a_mixin_of_the_module_provides_methods() -> None:
    source = """\
    from plugin_guest import Plugin

    class Mixin:
        def run(self, param):
            return param

    class Hello(Mixin, Plugin):
        pass
    """
    assert check(source) == []


def test_a_diamond_looks_methods_up_in_python_s_order() -> None:
    source = """\
    from plugin_guest import Plugin

    class Root(Plugin):
        def run(self):
            pass

    class Left(Root):
        pass

    class Right(Root):
        def run(self, param):
            pass

    class Hello(Left, Right):
        pass
    """
    # Hello's MRO is Hello, Left, Right, Root: Right.run is the one called.
    assert check(source) == []


def test_a_class_redefined_in_if_and_else_is_one_implementation() -> None:
    source = """\
    import sys
    from plugin_guest import Plugin

    if sys.platform == "wasi":
        class Hello(Plugin):
            def run(self, param):
                return param
    else:
        class Hello(Plugin):
            def run(self):
                pass
    """
    assert check(source) == [P(10, 9, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


def test_classes_inside_top_level_if_and_try_are_found() -> None:
    source = """\
    from rich_guest import Rich, exports

    if True:
        class P(Rich):
            pass

    try:
        class T(exports.Tools):
            def make_counter(self, start): ...
            def ping(self): ...
    finally:
        pass
    """
    assert check(source, RICH, TOOLS) == [
        P(4, 5, "P does not implement hello() (export `hello` of world `rich`)")
    ]


def test_classes_inside_loops_with_and_match_are_found() -> None:
    source = """\
    from rich_guest import Rich, exports
    import contextlib

    for _ in range(1):
        class P(Rich):
            pass

    with contextlib.nullcontext() as ctx:
        class T(exports.Tools):
            pass

    match 1:
        case 1:
            class Other(Rich):
                pass
    """
    assert check(source, RICH, TOOLS) == [
        P(5, 5, "P does not implement hello() (export `hello` of world `rich`)"),
        P(9, 5, "T does not implement make_counter() (export `make-counter` of interface `tools`)"),
        P(9, 5, "T does not implement ping() (export `ping` of interface `tools`)"),
        P(
            14,
            9,
            "two classes implement world `rich`: P (line 5) and Other; a plugin has one"
            " implementation of each",
        ),
        P(14, 9, "Other does not implement hello() (export `hello` of world `rich`)"),
    ]


def test_one_class_may_implement_two_bases() -> None:
    source = """\
    from rich_guest import Rich
    from rich_guest.exports import Tools

    class Both(Rich, Tools):
        def hello(self, name): ...
        def make_counter(self): ...
        def ping(self): ...
    """
    assert check(source, RICH, TOOLS) == [
        P(6, 5, f"Both.make_counter() takes 0 parameters but {T_MAKE} passes 1")
    ]


# --- Missing methods ----------------------------------------------------------------------------


def test_a_missing_method_is_reported_at_the_class() -> None:
    source = """\
    from plugin_guest import Plugin


    class Hello(Plugin):
        def walk(self, param):
            pass
    """
    assert check(source) == [P(4, 1, f"Hello does not implement run() ({W_RUN})")]


def test_a_missing_method_is_named_by_its_wit_name() -> None:
    source = "from rich_guest import exports\nclass T(exports.Tools):\n    def ping(self): ...\n"
    assert check(source, TOOLS) == [P(2, 1, f"T does not implement make_counter() ({T_MAKE})")]


def test_a_method_without_a_wit_name_is_named_by_its_python_name() -> None:
    assert check("from rich_guest import Rich\n\nclass R(Rich):\n    pass\n", RICH) == [
        P(3, 1, "R does not implement hello() (export `hello` of world `rich`)")
    ]


def test_a_missing_resource_class_member_is_reported_for_each() -> None:
    source = """\
    from rich_guest.exports.tools import Counter

    class C(Counter):
        def get(self):
            return 0
    """
    assert check(source, COUNTER) == [
        P(3, 1, f"C does not implement __init__() (constructor {C_WHAT})"),
        P(3, 1, f"C does not implement inc() (method `inc` {C_WHAT})"),
        P(3, 1, f"C does not implement zero() (static function `zero` {C_WHAT})"),
    ]


def test_a_constructor_without_a_wit_name_is_called_constructor() -> None:
    res = Expected("Counter", "rich_guest.exports.tools", "resource `counter`", {"__init__": 0})
    source = "from rich_guest.exports.tools import Counter\nclass C(Counter):\n    pass\n"
    assert check(source, res) == [
        P(2, 1, "C does not implement __init__() (constructor of resource `counter`)")
    ]


def test_a_static_function_without_a_wit_name_is_still_a_static_function() -> None:
    res = Expected("Counter", "rich_guest.exports.tools", "resource `counter`", {}, {"zero": 0})
    source = "from rich_guest.exports.tools import Counter\nclass C(Counter):\n    pass\n"
    assert check(source, res) == [
        P(2, 1, "C does not implement zero() (static function `zero` of resource `counter`)")
    ]


@pytest.mark.parametrize(
    ("wit_name", "words"),
    [
        ("run", "export `run`"),
        ("make-counter", "export `make-counter`"),
        ("[constructor]counter", "constructor"),
        ("[method]counter.get", "method `get`"),
        ("[method]long-counter.add-one", "method `add-one`"),
        ("[static]counter.zero", "static function `zero`"),
        # A function named like its resource (`counter: static func()` in `resource counter`).
        ("[static]counter.counter", "static function `counter`"),
    ],
)
def test_messages_name_functions_as_the_wit_declares_them(wit_name: str, words: str) -> None:
    assert describe_export(wit_name) == words


def test_an_outside_base_may_provide_missing_methods() -> None:
    source = """\
    from plugin_guest import Plugin
    from mylib import Mixin

    class Hello(Mixin, Plugin):
        pass
    """
    assert check(source) == []


def test_an_outside_base_of_a_module_base_may_provide_missing_methods() -> None:
    source = """\
    from plugin_guest import Plugin
    import mylib

    class Base(mylib.Mixin):
        pass

    class Hello(Base, Plugin):
        pass
    """
    assert check(source) == []


def test_an_outside_base_does_not_hide_a_definition_before_it() -> None:
    source = """\
    from plugin_guest import Plugin
    from mylib import Mixin

    class Hello(Plugin, Mixin):
        def run(self):
            pass
    """
    assert check(source) == [P(5, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


@pytest.mark.parametrize(
    ("imports", "extra"),
    [
        ("", "object"),
        ("import abc", "abc.ABC"),
        ("from abc import ABC", "ABC"),
        ("from typing import Generic, TypeVar\nT = TypeVar('T')", "Generic[T]"),
        ("import typing", "typing.Protocol"),
    ],
)
def test_empty_outside_bases_provide_nothing(imports: str, extra: str) -> None:
    source = (
        f"from plugin_guest import Plugin\n{imports}\nclass Hello(Plugin, {extra}):\n    pass\n"
    )
    line = 3 + imports.count("\n")
    assert check(source) == [P(line, 1, f"Hello does not implement run() ({W_RUN})")]


def test_a_dataclass_provides_only_its_init() -> None:
    source = """\
    from dataclasses import dataclass
    from rich_guest.exports.tools import Counter

    @dataclass
    class C(Counter):
        n: int

        def get(self):
            return self.n

        @staticmethod
        def zero():
            return 0
    """
    assert check(source, COUNTER) == [
        P(5, 1, f"C does not implement inc() (method `inc` {C_WHAT})")
    ]


def test_a_dataclass_with_options_is_a_dataclass() -> None:
    source = """\
    import dataclasses
    from rich_guest.exports.tools import Counter

    @dataclasses.dataclass(frozen=False)
    class C(Counter):
        n: int
        def get(self): ...
        def inc(self, by): ...
        @staticmethod
        def zero(): ...
    """
    assert check(source, COUNTER) == []


def test_another_class_decorator_may_provide_anything() -> None:
    source = """\
    from plugin_guest import Plugin
    from mylib import add_run

    @add_run
    class Hello(Plugin):
        def other(self):
            pass
    """
    assert check(source) == []


def test_a_class_decorator_does_not_hide_a_definition_in_the_body() -> None:
    source = """\
    from plugin_guest import Plugin
    from mylib import register

    @register
    class Hello(Plugin):
        def run(self):
            pass
    """
    assert check(source) == [P(6, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


@pytest.mark.parametrize(
    "body",
    [
        "run = _run",
        "run = staticmethod(_run)",
        "run: object = _run",
        "run = other = _run",
        "from mylib import run",
        "if True:\n    def run(self):\n        pass",
        "try:\n    run = _run\nexcept Exception:\n    pass",
        "for run in [_run]:\n    pass",
        "(run := _run)",
    ],
)
def test_a_member_bound_otherwise_counts_as_defined(body: str) -> None:
    source = "from plugin_guest import Plugin\n\ndef _run(self, param):\n    return param\n\n"
    source += "class Hello(Plugin):\n" + textwrap.indent(body, "    ") + "\n"
    assert check(source) == []


def test_an_annotation_alone_defines_nothing() -> None:
    source = """\
    from typing import Callable
    from plugin_guest import Plugin

    class Hello(Plugin):
        run: Callable[[str], str]
    """
    assert check(source) == [P(4, 1, f"Hello does not implement run() ({W_RUN})")]


def test_the_last_definition_in_a_body_wins() -> None:
    source = """\
    from plugin_guest import Plugin

    class Hello(Plugin):
        def run(self, param):
            pass

        def run(self):
            pass
    """
    assert check(source) == [P(7, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")]


# --- Parameters ---------------------------------------------------------------------------------


def method(signature: str, decorators: str = "") -> str:
    """A plugin whose `run` is `def run{signature}:` under `decorators` (one per line)."""
    lines = "".join(f"    @{d}\n" for d in decorators.split(",") if d)
    return (
        "from plugin_guest import Plugin\n\n"
        f"class Hello(Plugin):\n{lines}    def run{signature}:\n        pass\n"
    )


def at_def(decorators: str = "") -> int:
    return 4 + len([d for d in decorators.split(",") if d])


@pytest.mark.parametrize(
    ("signature", "decorators"),
    [
        ("(self, param)", ""),
        ("(this, param: str) -> str", ""),
        ("(self, param, /)", ""),
        ("(self, /, param)", ""),
        ("(self, param, extra=1)", ""),
        ("(self, param=None)", ""),
        ("(self, a, b=1, c=2)", ""),
        ("(self, *args)", ""),
        ("(*args)", ""),
        ("(self, param, *args, **kwargs)", ""),
        ("(self, param, *, flag=False)", ""),
        ("(self, param, **kwargs)", ""),
        ("(param)", "staticmethod"),
        ("(*args)", "staticmethod"),
        ("(cls, param)", "classmethod"),
        ("(self, param)", "override"),
        ("(self, param)", "typing.override"),
        ("(self, param)", "functools.lru_cache(maxsize=None)"),
        ("(self, param)", "functools.cache,override"),
    ],
)
def test_parameters_that_fit(signature: str, decorators: str) -> None:
    assert check(method(signature, decorators)) == []


@pytest.mark.parametrize(
    ("signature", "decorators", "takes"),
    [
        ("(self)", "", "0 parameters"),
        ("(self, a, b)", "", "2 parameters"),
        ("(self, a, /, b)", "", "2 parameters"),
        ("(self, a, b, c=1)", "", "2 to 3 parameters"),
        ("(self, a, b, *rest)", "", "at least 2 parameters"),
        ("(self, a, b, *rest, **kw)", "", "at least 2 parameters"),
        ("()", "staticmethod", "0 parameters"),
        ("(self, param)", "staticmethod", "2 parameters"),
        ("(cls)", "classmethod", "0 parameters"),
        ("(self, a, b)", "override", "2 parameters"),
        ("(self, a, b)", "functools.cache", "2 parameters"),
    ],
)
def test_parameters_that_do_not_fit(signature: str, decorators: str, takes: str) -> None:
    assert check(method(signature, decorators)) == [
        P(at_def(decorators), 5, f"Hello.run() takes {takes} but {W_RUN} passes 1")
    ]


def test_zero_parameters_expected_with_defaults_reports_the_range() -> None:
    source = """\
    from rich_guest.exports import Tools

    class T(Tools):
        def make_counter(self, start):
            pass

        def ping(self, a, b=1):
            pass
    """
    assert check(source, TOOLS) == [
        P(7, 5, f"T.ping() takes 1 to 2 parameters but {T_PING} passes 0")
    ]


def test_one_parameter_is_singular() -> None:
    source = """\
    from rich_guest.exports import Tools

    class T(Tools):
        def make_counter(self, start):
            pass

        def ping(self, a):
            pass
    """
    assert check(source, TOOLS) == [P(7, 5, f"T.ping() takes 1 parameter but {T_PING} passes 0")]


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("(self, param, *, flag)", "takes keyword-only parameter flag"),
        ("(self, param, *args, a, b=1, c)", "takes keyword-only parameters a, c"),
    ],
)
def test_keyword_only_parameters_without_defaults(signature: str, message: str) -> None:
    assert check(method(signature)) == [
        P(4, 5, f"Hello.run() {message}, which the host cannot pass ({W_RUN})")
    ]


def test_a_method_without_self() -> None:
    assert check(method("()")) == [P(4, 5, f"Hello.run() has no `self` parameter ({W_RUN})")]


def test_a_classmethod_without_cls() -> None:
    assert check(method("()", "classmethod")) == [
        P(5, 5, f"Hello.run() has no `cls` parameter ({W_RUN})")
    ]


def test_an_async_method_is_reported_at_async() -> None:
    source = """\
    from plugin_guest import Plugin

    class Hello(Plugin):
        async def run(self, param):
            return param
    """
    assert check(source) == [P(4, 5, f"Hello.run() must not be async ({W_RUN})")]


@pytest.mark.parametrize("decorator", ["property", "functools.cached_property"])
def test_a_property_is_not_a_method(decorator: str) -> None:
    assert check(method("(self)", decorator)) == [
        P(5, 5, f"Hello.run() must be a function, not a property ({W_RUN})")
    ]


@pytest.mark.parametrize("decorator", ["mylib.traced", "wraps(f)", "cache[0]", "retry(3),override"])
def test_another_method_decorator_may_change_the_signature(decorator: str) -> None:
    assert check(method("(self)", decorator)) == []
    assert check(method("()", decorator)) == []


def test_an_async_method_under_another_decorator_is_not_reported() -> None:
    source = """\
    from plugin_guest import Plugin
    from mylib import run_sync

    class Hello(Plugin):
        @run_sync
        async def run(self, param):
            return param
    """
    assert check(source) == []


def test_a_decorated_def_is_reported_at_its_def_line() -> None:
    source = """\
    from plugin_guest import Plugin
    from typing import override

    class Hello(Plugin):
        @override
        def run(self, a, b):
            pass
    """
    assert check(source) == [P(6, 5, f"Hello.run() takes 2 parameters but {W_RUN} passes 1")]


def test_unexpected_methods_are_not_checked() -> None:
    source = """\
    from plugin_guest import Plugin

    class Hello(Plugin):
        def run(self, param):
            return self.helper(param, 1, 2)

        def helper():
            pass

        async def other(self, *, x):
            pass
    """
    assert check(source) == []


# --- Constructors and static functions ----------------------------------------------------------


def counter(members: str) -> str:
    body = textwrap.indent(textwrap.dedent(members), "    ")
    return f"from rich_guest.exports.tools import Counter\n\nclass C(Counter):\n{body}"


FINE_MEMBERS = """\
def get(self): ...
def inc(self, by): ...
"""


def test_a_constructor_with_the_wrong_number_of_parameters() -> None:
    source = counter(
        "def __init__(self):\n    pass\n" + FINE_MEMBERS + "@staticmethod\ndef zero(): ...\n"
    )
    assert check(source, COUNTER) == [
        P(
            4,
            5,
            "C.__init__() takes 0 parameters but constructor of resource"
            " `counter` of interface `tools` passes 1",
        )
    ]


def test_a_constructor_with_a_default_fits() -> None:
    source = counter(
        "def __init__(self, start=0): ...\n" + FINE_MEMBERS + "@staticmethod\ndef zero(): ...\n"
    )
    assert check(source, COUNTER) == []


def test_a_static_function_as_a_plain_method() -> None:
    source = counter("def __init__(self, start): ...\n" + FINE_MEMBERS + "def zero(self): ...\n")
    assert check(source, COUNTER) == [
        P(
            7,
            5,
            f"C.zero() must be a @staticmethod (static function `zero` {C_WHAT})",
        )
    ]


def test_a_static_function_with_the_wrong_number_of_parameters() -> None:
    source = counter(
        "def __init__(self, start): ...\n" + FINE_MEMBERS + "@staticmethod\ndef zero(x): ...\n"
    )
    assert check(source, COUNTER) == [
        P(
            8,
            5,
            "C.zero() takes 1 parameter but static function `zero` of resource"
            " `counter` of interface `tools` passes 0",
        )
    ]


def test_a_static_function_may_be_a_classmethod() -> None:
    source = counter(
        "def __init__(self, start): ...\n" + FINE_MEMBERS + "@classmethod\ndef zero(cls): ...\n"
    )
    assert check(source, COUNTER) == []


def test_a_classmethod_static_function_counts_after_cls() -> None:
    source = counter(
        "def __init__(self, start): ...\n" + FINE_MEMBERS + "@classmethod\ndef zero(cls, x): ...\n"
    )
    assert check(source, COUNTER) == [
        P(
            8,
            5,
            "C.zero() takes 1 parameter but static function `zero` of resource"
            " `counter` of interface `tools` passes 0",
        )
    ]


def test_an_async_static_function() -> None:
    source = counter(
        "def __init__(self, start): ...\n" + FINE_MEMBERS + "@staticmethod\nasync def zero(): ...\n"
    )
    assert check(source, COUNTER) == [
        P(8, 5, f"C.zero() must not be async (static function `zero` {C_WHAT})")
    ]


def test_a_static_function_bound_by_assignment_counts_as_defined() -> None:
    source = counter(
        "def __init__(self, start): ...\n" + FINE_MEMBERS + "zero = staticmethod(lambda: 0)\n"
    )
    assert check(source, COUNTER) == []


# --- Syntax and locations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "col", "message"),
    [
        (
            "class Hello(Plugin):\n    def run(self, p) -> str\n        return p\n",
            2,
            28,
            "expected ':'",
        ),
        ("x = (1,\n", 1, 5, "'(' was never closed"),
        ('x = "é" +\n', 1, 10, "invalid syntax"),  # columns count characters, not bytes
        (
            "if x:\npass\n",
            2,
            1,
            "expected an indented block after 'if' statement on line 1",
        ),
        ("a\x00b\n", 1, 1, "source code string cannot contain null bytes"),
    ],
)
def test_a_syntax_error_is_the_only_problem(source: str, line: int, col: int, message: str) -> None:
    assert check_plugin(source, "plugin.py", [PLUGIN]) == [
        P(line, col, f"invalid Python syntax: {message}")
    ]


def test_compile_warnings_are_not_printed() -> None:
    source = HELLO + 'PATTERN = "\\d+"\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check(source) == []


def test_crlf_line_endings_keep_line_numbers() -> None:
    source = "from plugin_guest import Plugin\r\n\r\nclass Hello(Plugin):\r\n"
    source += "    def run(self):\r\n        pass\r\n"
    assert check_plugin(source, "plugin.py", [PLUGIN]) == [
        P(4, 5, f"Hello.run() takes 0 parameters but {W_RUN} passes 1")
    ]


def test_non_ascii_text_does_not_shift_columns() -> None:
    source = """\
    from plugin_guest import Plugin
    GRÜSSE = "héllo"

    if GRÜSSE:
        class Hallö(Plugin):
            def run(self): ...
    """
    assert check(source) == [P(6, 9, f"Hallö.run() takes 0 parameters but {W_RUN} passes 1")]


def test_problems_come_in_source_order() -> None:
    source = """\
    from rich_guest import Rich
    from rich_guest.exports import Tools
    from rich_guest.exports.tools import Counter

    class C(Counter):
        def __init__(self, start): ...
        def get(self, extra): ...
        def inc(self, by): ...
        @staticmethod
        def zero(): ...

    class T(Tools):
        def make_counter(self): ...
        def ping(self): ...

    class R(Rich):
        pass
    """
    assert check(source, *ALL) == [
        P(7, 5, f"C.get() takes 1 parameter but method `get` {C_WHAT} passes 0"),
        P(13, 5, f"T.make_counter() takes 0 parameters but {T_MAKE} passes 1"),
        P(16, 1, "R does not implement hello() (export `hello` of world `rich`)"),
    ]


def test_the_filename_is_only_for_the_parser() -> None:
    assert check_plugin(HELLO, "/somewhere/else.py", [PLUGIN]) == []


def test_a_chain_longer_than_the_recursion_limit_is_checked() -> None:
    source = "from plugin_guest import Plugin\nclass C0(Plugin):\n    def run(self): ...\n"
    source += "".join(f"class C{i}(C{i - 1}):\n    pass\n" for i in range(1, 1500))
    assert check(source) == [P(3, 5, f"C0.run() takes 0 parameters but {W_RUN} passes 1")]


def test_a_long_dotted_base_is_checked() -> None:
    dotted = "a." * 2000 + "Plugin"
    problems = check(f"import a\nclass Hello({dotted}):\n    pass\n")
    assert [(p.line, p.col) for p in problems] == [(1, 1), (2, 1)]
    assert problems[0].message.startswith("no class implements world `plugin`")
    assert problems[1].message.startswith("Hello subclasses a.a.a.")
