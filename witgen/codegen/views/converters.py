"""Converter expressions of named types (code generation): the one home of their formulas.

In: a named type's Python and WIT names and its parts' converters. Out: the Python expression
building its run-time converter, for the host bindings' run time (`_rt/`) or the guest wrappers'
(its `_rt/` too). The two run times take the same arguments except where noted.
"""

from __future__ import annotations


def record(py: str, wit: str, fields: list[tuple[str, str, str]]) -> str:
    """(Python attribute, WIT field name, converter) per field."""
    parts = "".join(f'("{p}", "{w}", {c}), ' for p, w, c in fields)
    return f'_rt.Record({py}, "{wit}", ({parts}))'


def enum(flags: bool, py: str, wit: str, names: list[str] | None) -> str:
    """The host's run time also takes the WIT names of the members (`names`), which wasmtime's
    values carry; the guest's does not (`names` None): componentize-py passes members by value."""
    cls = "Flags" if flags else "Enum"
    if names is None:
        return f'_rt.{cls}({py}, "{wit}")'
    parts = "".join(f'"{n}", ' for n in names)
    return f'_rt.{cls}({py}, "{wit}", ({parts}))'


def variant(py: str | None, wit: str, cases: list[tuple[str, str, str]]) -> str:
    """(case class, WIT case name, payload converter or "None") per case. The guest's run time
    takes the variant's Python name first (`py`); the host's does not (`py` None)."""
    parts = "".join(f'({p}, "{w}", {c}), ' for p, w, c in cases)
    named = "" if py is None else f'"{py}", '
    return f'_rt.Variant({named}"{wit}", ({parts}))'


def resource(exported: bool, py: str, wit: str, instance: str | None) -> str:
    """The host's run time also takes the instance the component has it in (`instance`, a
    Python expression); the guest's does not (`instance` None)."""
    cls = "ExportedResource" if exported else "ImportedResource"
    where = "" if instance is None else f", {instance}"
    return f'_rt.{cls}({py}, "{wit}"{where})'


def unsupported(problem: str) -> str:
    """A type the run time cannot carry: it raises, naming `problem`, when a value crosses."""
    return f'_rt.Unsupported("{problem}")'
