"""Unit tests of the resolver's small parts: toposort, name rules, docs, semver, include renames.

Expected values are wit-parser's behaviour, checked by hand against wasm-tools 1.262.0 (the
messages) or against the component-model rules cited in each module.
"""

from __future__ import annotations

import copy
import json

import pytest

from witgen.errors import WitError
from witgen.records import Struct, replace
from witgen.resolve import model as m
from witgen.resolve.includes import rename
from witgen.resolve.jsonout import pretty
from witgen.resolve.lower_attributes import docs_text
from witgen.resolve.names import NameScope, check_members, name_key
from witgen.resolve.semver import version_gt, version_key
from witgen.resolve.toposort import toposort
from witgen.syntax import ast


def ids(*names: str) -> list[ast.Id]:
    return [ast.Id(n, (i, i + len(n))) for i, n in enumerate(names)]


def test_toposort_keeps_source_order_between_independent_items() -> None:
    assert toposort("type", {"b": [], "a": [], "c": []}) == ["b", "a", "c"]


def test_toposort_puts_dependencies_first() -> None:
    assert toposort("type", {"a": ids("c"), "b": [], "c": ids("b")}) == ["b", "c", "a"]


def test_toposort_reports_missing_and_cycles_at_the_reference() -> None:
    with pytest.raises(WitError) as err:
        toposort("type", {"a": ids("zz")})
    assert err.value.message == "type `zz` does not exist"
    with pytest.raises(WitError) as err:
        toposort("interface or world", {"a": ids("b"), "b": ids("a")})
    assert err.value.message == "interface or world `b` depends on itself"


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("foo", "foo", "duplicate name `foo`"),
        ("foo", "FOO", "name `FOO` conflicts with previous name `foo`"),
        ("max-size", "maxsize", "name `maxsize` conflicts with previous name `max-size`"),
        ("prop", "[get]prop", "name `[get]prop` conflicts with previous name `prop`"),
        ("a", "[method]a.a", "name `[method]a.a` conflicts with previous name `a`"),
        (
            "[method][set]r.p",
            "[static][set]r.p",
            "name `[static][set]r.p` conflicts with previous name `[method][set]r.p`",
        ),
    ],
)
def test_strongly_unique_names(first: str, second: str, message: str) -> None:
    scope = NameScope()
    scope.add(first, None)
    with pytest.raises(WitError) as err:
        scope.add(second, None)
    assert err.value.message == message


def test_getter_setter_pair_and_unrelated_methods_coexist() -> None:
    scope = NameScope()
    for name in ("[get]p", "[set]p", "[method]a.f", "[method]b.f", "[constructor]a", "a", "[set]q"):
        scope.add(name, None)
    assert name_key("[method]a.f") != name_key("[method]b.f")


def test_member_messages() -> None:
    with pytest.raises(WitError, match="^duplicate case `a`$"):
        check_members("case", [("a", (0, 1)), ("a", (2, 3))])
    with pytest.raises(WitError, match="^field `ab` conflicts with previous field `a-b`$"):
        check_members("field", [("a-b", (0, 1)), ("ab", (2, 3))])


def test_docs_strip_markers_and_common_indent() -> None:
    docs = ast.Docs(("/// hello", "///   world", "/** block */", "// plain"))
    assert docs_text(docs) == "hello\n  world\nblock\nplain"
    assert docs_text(ast.Docs(("/* x */",))) == "* x */"
    assert docs_text(ast.Docs(("///", "/// a"))) == "\na"
    assert docs_text(ast.Docs()) is None


def test_semver_order() -> None:
    assert version_gt("1.0.1", "1.0.0")
    assert version_gt("1.0.0", "1.0.0-rc.1")
    assert version_gt("1.0.0-rc.10", "1.0.0-rc.9")
    assert not version_gt("0.2.0", "0.10.0")


def test_semver_order_counts_build_metadata() -> None:
    # the `semver` crate's `Ord` (which wit-parser sorts packages and checks gates with) compares
    # build metadata: numbers by value, then the shorter spelling first; none sorts first. The
    # order below is the one wasm-tools 1.262 lists such packages in (tests/ui/semver-build-order)
    order = ["1.0.0", "1.0.0+0", "1.0.0+0.0", "1.0.0+0.a", "1.0.0+00", "1.0.0+1", "1.0.0+01"]
    order += ["1.0.0+9", "1.0.0+10", "1.0.0+A", "1.0.0+a", "1.0.0+a-b", "1.0.1-rc"]
    assert sorted(reversed(order), key=version_key) == order
    assert version_gt("1.0.0+00", "1.0.0+0") and not version_gt("1.0.0+0", "1.0.0+00")


def test_semver_order_of_numbers_too_long_for_int() -> None:
    # Python's int() refuses more than 4300 digits; the order is by length, then digit by digit
    nines, power = "9" * 5000, "1" + "0" * 5000
    assert version_gt(f"1.0.0-{power}", f"1.0.0-{nines}")
    assert version_gt(f"1.0.0-{nines}.1", f"1.0.0-{nines}")
    assert version_gt(f"1.0.0+{power}", f"1.0.0+{nines}")
    assert version_gt(f"1.0.0+0{power}", f"1.0.0+{power}")  # same value, longer spelling


def test_include_rename_of_plain_and_annotated_names() -> None:
    n = m.IncludeName("r", "s")
    assert rename("r", n) == "s"
    assert rename("[method]r.f", n) == "[method]s.f"
    assert rename("[constructor]r", n) == "[constructor]s"
    assert rename("[get]r", n) == "[get]s"
    # accessors of a resource keep both annotations (found by the differential test)
    assert rename("[method][get]r.p", n) == "[method][get]s.p"
    assert rename("[static][set]r.p", n) == "[static][set]s.p"
    assert rename("q", n) is None


def test_setters_move_after_their_getter_only_when_listed_before_it() -> None:
    # Orders checked against wasm-tools 1.262.0 on the same function lists.
    from witgen.resolve.names import setters_after_getters

    assert setters_after_getters(["[set]z", "a", "[get]z"]) == ["a", "[get]z", "[set]z"]
    assert setters_after_getters(["[get]z", "a", "[set]z"]) == ["[get]z", "a", "[set]z"]


# --- records: the copy the resolver makes of every type and interface -------------------------


def _record_types() -> list[type[Struct]]:
    import witgen.resolve.unresolved  # noqa: F401  # defines records too

    found, todo = [], list(Struct.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_record_type_declares_its_own_fields_and_only_those() -> None:
    # `Struct.__copy__` copies `type(self).__slots__`: no record may add fields to another's
    # (they would not be copied) or go without `__slots__` (a `__dict__` would not be copied)
    types = _record_types()
    assert len(types) > 50
    for cls in types:
        assert "__slots__" in cls.__dict__, cls
        assert not any(base.__dict__.get("__slots__") for base in cls.__mro__[1:]), cls


def test_a_copied_record_is_equal_and_separate() -> None:
    field = m.Field("f", "u32", "d", (1, 2))
    twin = copy.copy(field)
    assert twin == field and twin is not field
    twin.name = "g"
    assert field.name == "f"
    changed = replace(field, ty="u8")
    assert (changed.name, changed.ty, changed.docs, changed.span) == ("f", "u8", "d", (1, 2))


# --- the JSON writer -----------------------------------------------------------------------------


def test_pretty_writes_what_json_dumps_writes_with_indent_2() -> None:
    # serde_json's pretty form is the standard library's `indent=2` (checked against wasm-tools by
    # the conformance and differential tests); every value shape, nested and empty, in place
    data = {
        "s": 'a"b\\c\n\u00e9\u2028',
        "i": 7,
        "n": None,
        "t": True,
        "f": False,
        "empty": {},
        "none": [],
        "list": ["x", 3, None, True, {"k": [[], {}, [1, "y"]]}, [{"z": None}]],
        "nested": {"a": {"b": {"c": 0}}},
    }
    assert pretty(data) == json.dumps(data, indent=2, ensure_ascii=False)
    assert pretty([]) == "[]" and pretty("x") == '"x"' and pretty(None) == "null"
