"""A light base for the AST and model records: slotted classes with value semantics.

The AST and model define about a hundred small record types and are imported by every command;
as dataclasses they cost ~25 ms of start-up (each definition compiles several generated methods),
which is most of `witgen check`'s budget. `Struct` gives the same behaviour from `__slots__`:
equality and hashing by value, a readable repr, and `replace` (like `dataclasses.replace`).
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Struct")


class Struct:
    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Struct)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"

    def __copy__(self: R) -> R:
        # `copy.copy`'s generic path (`__reduce_ex__`) costs five times as much; the resolver
        # copies ~50,000 records on a 1 MiB input. Every field is set by the constructors, and
        # no record type adds fields to another's (a unit test checks both).
        new = _new_object(type(self))
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        return new


_new_object = object.__new__


def replace(record: R, **changes: Any) -> R:
    """A copy of `record` with some fields changed (`dataclasses.replace` for records)."""
    new = record.__copy__()
    for name, value in changes.items():
        setattr(new, name, value)
    return new
