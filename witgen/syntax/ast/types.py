"""Stage 1 AST: types as written: type expressions, function signatures, and the bodies of
records, flags, variants, enums and resources."""

from __future__ import annotations

from typing import Union

from witgen.errors import Span
from witgen.records import Struct
from witgen.syntax.ast.attributes import Attribute, Docs
from witgen.syntax.ast.names import Id


class Primitive(Struct):
    """`u8`, `string`, ...: each primitive is its own keyword (`grammars/wit.lark`)."""

    __slots__ = ("name", "span")

    name: str  # the keyword, which is also how the JSON spells the type
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class Name(Struct):
    """A reference to a named type (`foo`, `%foo`)."""

    __slots__ = ("id",)

    id: Id

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def span(self) -> Span:
        return self.id.span


class List(Struct):
    __slots__ = ("span", "ty")

    span: Span  # the `list` keyword
    ty: Type

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class FixedLengthList(Struct):
    __slots__ = ("span", "ty", "size")

    span: Span
    ty: Type
    size: int

    def __init__(self, span: Span, ty: Type, size: int) -> None:
        self.span = span
        self.ty = ty
        self.size = size


class Map(Struct):
    __slots__ = ("span", "key", "value")

    span: Span
    key: Type
    value: Type

    def __init__(self, span: Span, key: Type, value: Type) -> None:
        self.span = span
        self.key = key
        self.value = value


class Option(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class Result(Struct):
    __slots__ = ("span", "ok", "err")

    span: Span
    ok: Type | None
    err: Type | None

    def __init__(self, span: Span, ok: Type | None, err: Type | None) -> None:
        self.span = span
        self.ok = ok
        self.err = err


class Tuple(Struct):
    __slots__ = ("span", "types")

    span: Span
    types: tuple[Type, ...]

    def __init__(self, span: Span, types: tuple[Type, ...]) -> None:
        self.span = span
        self.types = types


class Future(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type | None

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class Stream(Struct):
    __slots__ = ("span", "ty")

    span: Span
    ty: Type | None

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class Handle(Struct):
    """`own<r>` or `borrow<r>`; the span is the resource name's, as in wit-parser."""

    __slots__ = ("kind", "resource")

    kind: str  # "own" or "borrow"
    resource: Id

    def __init__(self, kind: str, resource: Id) -> None:
        self.kind = kind
        self.resource = resource

    @property
    def span(self) -> Span:
        return self.resource.span


# A type expression, as written wherever a type is expected (wit-parser's anonymous types, plus
# primitives and names).
Type = Union[
    Primitive,
    Name,
    List,
    FixedLengthList,
    Map,
    Option,
    Result,
    Tuple,
    Future,
    Stream,
    Handle,
]


# --- functions -----------------------------------------------------------------------------


class Param(Struct):
    __slots__ = ("name", "ty")

    name: Id
    ty: Type

    def __init__(self, name: Id, ty: Type) -> None:
        self.name = name
        self.ty = ty


class Func(Struct):
    """A function signature.

    `span` is the `func` keyword's (or `constructor`'s, `get`'s, `set`'s).
    `accessor` is None for a plain function, "get" or "set" for a getter or setter.
    """

    __slots__ = ("span", "async_", "params", "result", "accessor")

    span: Span
    async_: bool
    params: tuple[Param, ...]
    result: Type | None
    accessor: str | None

    def __init__(
        self,
        span: Span,
        async_: bool,
        params: tuple[Param, ...],
        result: Type | None,
        accessor: str | None = None,
    ) -> None:
        self.span = span
        self.async_ = async_
        self.params = params
        self.result = result
        self.accessor = accessor


class NamedFunc(Struct):
    __slots__ = ("docs", "attributes", "name", "func")

    docs: Docs
    attributes: tuple[Attribute, ...]
    name: Id  # for a constructor: Id("constructor", span of the keyword)
    func: Func

    def __init__(self, docs: Docs, attributes: tuple[Attribute, ...], name: Id, func: Func) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.func = func


class ResourceFunc(Struct):
    __slots__ = ("kind", "func")

    kind: str  # "method", "static" or "constructor"
    func: NamedFunc

    def __init__(self, kind: str, func: NamedFunc) -> None:
        self.kind = kind
        self.func = func


# --- the bodies of type definitions --------------------------------------------------------


class Field(Struct):
    __slots__ = ("docs", "name", "ty")

    docs: Docs
    name: Id
    ty: Type

    def __init__(self, docs: Docs, name: Id, ty: Type) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class Record(Struct):
    __slots__ = ("span", "fields")

    span: Span  # the record's name
    fields: tuple[Field, ...]

    def __init__(self, span: Span, fields: tuple[Field, ...]) -> None:
        self.span = span
        self.fields = fields


class Flag(Struct):
    __slots__ = ("docs", "name")

    docs: Docs
    name: Id

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class Flags(Struct):
    __slots__ = ("span", "flags")

    span: Span
    flags: tuple[Flag, ...]

    def __init__(self, span: Span, flags: tuple[Flag, ...]) -> None:
        self.span = span
        self.flags = flags


class Case(Struct):
    __slots__ = ("docs", "name", "ty")

    docs: Docs
    name: Id
    ty: Type | None

    def __init__(self, docs: Docs, name: Id, ty: Type | None) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class Variant(Struct):
    __slots__ = ("span", "cases")

    span: Span
    cases: tuple[Case, ...]

    def __init__(self, span: Span, cases: tuple[Case, ...]) -> None:
        self.span = span
        self.cases = cases


class EnumCase(Struct):
    __slots__ = ("docs", "name")

    docs: Docs
    name: Id

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class Enum(Struct):
    __slots__ = ("span", "cases")

    span: Span
    cases: tuple[EnumCase, ...]

    def __init__(self, span: Span, cases: tuple[EnumCase, ...]) -> None:
        self.span = span
        self.cases = cases


class Resource(Struct):
    __slots__ = ("span", "funcs")

    span: Span  # the resource's name
    funcs: tuple[ResourceFunc, ...]

    def __init__(self, span: Span, funcs: tuple[ResourceFunc, ...]) -> None:
        self.span = span
        self.funcs = funcs


# What a definition of a record, flags, variant, enum or resource defines, or a type expression
# for `type x = ...`. Only type definitions hold these; a type expression is never one of the five.
TypeDefBody = Union[Type, Record, Flags, Variant, Enum, Resource]
