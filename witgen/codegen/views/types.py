"""Views of named types (code generation): where each WIT kind's Python shape is decided.

In: a named TypeDef, the `ViewState` and the module being generated. Out: one frozen view per
type, of the class its kind decides (STYLE.md's table): `RecordView` (a dataclass), `EnumView`
(an `Enum`, or a `Flag` for flags), `VariantView` (a dataclass per case and a union alias),
`AliasView` (anything else: `T = <annotation>`), `ResourceClassView` (a resource these bindings
carry, exported or imported) and `PlaceholderView` (one they cannot carry yet). `type_view` is
the one dispatch over kinds, one function per kind after it; `shape` names the template macro
that prints the view. Each view carries its converter expression for both flavours:
`converter` for the host bindings, `guest_converter` for the guest wrappers (`converters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union, assert_never

from witgen.codegen import naming
from witgen.codegen.naming import Scope
from witgen.codegen.pytypes import EXPORTED, RESOURCES, ModuleCtx
from witgen.codegen.views import converters
from witgen.codegen.views.docs import docstring
from witgen.codegen.views.resources import ResourceView, guest_resource_usage, resource_usage
from witgen.codegen.views.state import ViewState
from witgen.resolve import model as m


@dataclass(frozen=True)
class FieldView:
    py_name: str
    wit_name: str
    annotation: str
    converter: str
    docstring: str | None  # an attribute docstring, after the field


@dataclass(frozen=True)
class MemberConstView:
    """An enum member or a flag: a SHOUTY member with its `value`."""

    py_name: str
    wit_name: str
    value: int
    docstring: str | None  # an attribute docstring, after the member


@dataclass(frozen=True)
class CaseView:
    """A variant case: a class of its own."""

    py_name: str
    wit_name: str
    annotation: str | None  # the payload's; None when the case has none
    converter: str
    docstring: str | None  # the case class's docstring


@dataclass(frozen=True)
class NamedView:
    """What every named type's view has: its names, docstring and converter expressions."""

    py_name: str
    wit_name: str
    docstring: str | None
    converter: str  # the host bindings' converter expression
    guest_converter: str  # the guest wrappers'

    @property
    def converter_name(self) -> str:
        return naming.converter_name(self.py_name)

    @property
    def defines(self) -> list[str]:
        """The module-level names its definition takes (besides its converter)."""
        return [self.py_name]


@dataclass(frozen=True)
class RecordView(NamedView):
    shape: ClassVar[str] = "record"
    fields: list[FieldView]


@dataclass(frozen=True)
class EnumView(NamedView):
    shape: ClassVar[str] = "enum"
    flags: bool  # a WIT `flags` (an `enum.Flag`), else a WIT `enum` (an `enum.Enum`)
    members: list[MemberConstView]

    @property
    def base(self) -> str:
        return "_enum.Flag" if self.flags else "_enum.Enum"


@dataclass(frozen=True)
class VariantView(NamedView):
    shape: ClassVar[str] = "variant"
    cases: list[CaseView]
    annotation: str  # the union of the case classes

    @property
    def defines(self) -> list[str]:
        return [self.py_name, *(c.py_name for c in self.cases)]


@dataclass(frozen=True)
class AliasView(NamedView):
    """Any other named type (`type x = ...`, a named list, tuple, option, result, handle):
    `Name: TypeAlias = <annotation>`."""

    shape: ClassVar[str] = "alias"
    annotation: str


@dataclass(frozen=True)
class ResourceClassView(NamedView):
    """A resource these bindings carry: `shape` says whose it is."""

    guest_docstring: str | None
    resource: ResourceView

    @property
    def shape(self) -> str:
        return "exported_resource" if self.resource.side == EXPORTED else "imported_resource"


@dataclass(frozen=True)
class PlaceholderView(NamedView):
    """A resource these bindings cannot carry (WASI's, for one): an empty class."""

    shape: ClassVar[str] = "placeholder"


TypeView = Union[RecordView, EnumView, VariantView, AliasView, ResourceClassView, PlaceholderView]


@dataclass(frozen=True)
class _Named:
    """What every kind's view starts from: the type, its Python name, the side it is viewed on."""

    type_id: int
    td: m.TypeDef
    wit_name: str
    py_name: str
    host: bool  # the host's side (an imported module's types, an import-side copy)
    copy_of: str | None  # the Python name of the type this is the import-side copy of
    ctx: ModuleCtx

    @property
    def doc(self) -> str | None:
        # Every type gets a docstring, so a class body is never empty.
        return docstring(self.td.docs or f"WIT type `{self.wit_name}`.", self.copy_note)

    @property
    def copy_note(self) -> str | None:
        if self.copy_of is None:
            return None
        return (
            f"The copy of `{self.copy_of}` that the imported interface uses: its resources are"
            " the ones the host implements."
        )


def type_views(st: ViewState, type_ids: list[m.TypeId], ctx: ModuleCtx) -> list[TypeView]:
    """The views of `type_ids` (of module `ctx.module`), in definition order, each followed by its
    import-side copy when it has one (so each converter still comes after those it uses)."""
    out = []
    imported = ctx.module in st.import_side
    for t in sorted(type_ids):
        out.append(type_view(st, t, ctx, imported))
        if st.host_names[t] != st.type_names[t]:
            out.append(type_view(st, t, ctx, True))
    return out


def type_view(st: ViewState, type_id: int, ctx: ModuleCtx, host: bool = False) -> TypeView:
    """The view of type `type_id`, with the host's side of its resources when `host` (its
    import-side copy, when it has one): the one dispatch over kinds."""
    td = st.resolve.types[type_id]
    assert td.name is not None
    is_copy = host and st.host_names[type_id] != st.type_names[type_id]
    py = (st.host_names if host else st.type_names)[type_id][1]
    copy_of = st.type_names[type_id][1] if is_copy else None
    t = _Named(type_id, td, td.name, py, host, copy_of, ctx)
    k = td.kind
    match k:
        case m.RecordKind():
            return record_view(st, t, k)
        case m.EnumKind() | m.FlagsKind():
            return enum_view(t, k)
        case m.VariantKind():
            return variant_view(st, t, k)
        case m.ResourceKind():
            return resource_class_view(st, t)
        case (
            m.AliasKind()
            | m.HandleKind()
            | m.TupleKind()
            | m.OptionKind()
            | m.ResultKind()
            | m.ListKind()
            | m.MapKind()
            | m.FixedLengthListKind()
            | m.FutureKind()
            | m.StreamKind()
        ):
            return alias_view(st, t)
        case m.UnknownKind():
            raise AssertionError(f"type '{td.name}' was never resolved")
        case _:
            assert_never(k)


def record_view(st: ViewState, t: _Named, k: m.RecordKind) -> RecordView:
    """A record: a dataclass, its fields snake_case in WIT order."""
    types = st.mapper(t.host)
    scope = Scope(f"record '{t.wit_name}'", naming.ANNOTATION_BUILTINS)
    fields = [
        FieldView(
            scope.claim(naming.snake(f.name), f"field '{f.name}'"),
            f.name,
            types.annotation(f.ty, t.ctx),
            types.converter(f.ty, t.ctx),
            docstring(f.docs),
        )
        for f in k.fields
    ]
    conv = converters.record(
        t.py_name, t.wit_name, [(f.py_name, f.wit_name, f.converter) for f in fields]
    )
    return RecordView(t.py_name, t.wit_name, t.doc, conv, conv, fields=fields)


def enum_view(t: _Named, k: m.EnumKind | m.FlagsKind) -> EnumView:
    """An enum (members valued 0, 1, ...) or flags (members valued 1, 2, 4, ...): SHOUTY
    members of an `enum.Enum` or `enum.Flag`."""
    flags = isinstance(k, m.FlagsKind)
    scope = Scope(f"{'flags' if flags else 'enum'} '{t.wit_name}'")
    if isinstance(k, m.EnumKind):
        items = [(c.name, c.docs, i) for i, c in enumerate(k.cases)]
    else:
        items = [(f.name, f.docs, 1 << i) for i, f in enumerate(k.flags)]
    members = [
        MemberConstView(scope.claim(naming.shouty(w), f"'{w}'"), w, value, docstring(docs))
        for w, docs, value in items
    ]
    host_conv = converters.enum(flags, t.py_name, t.wit_name, [c.wit_name for c in members])
    guest_conv = converters.enum(flags, t.py_name, t.wit_name, None)
    return EnumView(
        t.py_name, t.wit_name, t.doc, host_conv, guest_conv, flags=flags, members=members
    )


def variant_view(st: ViewState, t: _Named, k: m.VariantKind) -> VariantView:
    """A variant: one dataclass per case (payload in `.value`), the name a union of them."""
    types = st.mapper(t.host)
    names = st.host_case_names if t.host else st.case_names
    cases = [
        CaseView(
            names[(t.type_id, i)],
            c.name,
            None if c.ty is None else types.annotation(c.ty, t.ctx),
            types.converter(c.ty, t.ctx),
            docstring(c.docs, f"The `{c.name}` case of `{t.py_name}`."),
        )
        for i, c in enumerate(k.cases)
    ]
    triples = [(c.py_name, c.wit_name, c.converter) for c in cases]
    return VariantView(
        t.py_name,
        t.wit_name,
        t.doc,
        converters.variant(None, t.wit_name, triples),
        converters.variant(t.py_name, t.wit_name, triples),
        cases=cases,
        annotation=naming.variant_union(c.py_name for c in cases),
    )


def alias_view(st: ViewState, t: _Named) -> AliasView:
    """Any other named type: an alias of the annotation it stands for."""
    types = st.mapper(t.host)
    conv = types.structure_converter(t.type_id, t.ctx)
    return AliasView(
        t.py_name,
        t.wit_name,
        t.doc,
        conv,
        conv,
        annotation=types.structure_annotation(t.type_id, t.ctx),
    )


def resource_class_view(st: ViewState, t: _Named) -> ResourceClassView | PlaceholderView:
    """A resource: its class as `resources.resource_view` viewed it (built with its interface's
    functions), or a placeholder when these bindings cannot carry it."""
    views = st.host_resource_views if t.copy_of is not None else st.resource_views
    res = views.get(t.type_id)
    if res is None:
        problem = st.mapper(t.host).resource_sides.get(t.type_id, RESOURCES)
        # No warning here: the functions that reach it warn, where the user's code can meet it
        # (`func_view`); WASI's, which wasmtime provides, mostly never do.
        doc = f"A placeholder: {problem} are not supported by these bindings yet."
        conv = converters.unsupported(problem)
        return PlaceholderView(t.py_name, t.wit_name, docstring(t.td.docs, doc), conv, conv)
    exported = res.side == EXPORTED
    return ResourceClassView(
        t.py_name,
        t.wit_name,
        docstring(t.td.docs, resource_usage(st, res, t.type_id), t.copy_note),
        converters.resource(exported, t.py_name, t.wit_name, res.instance_literal),
        converters.resource(exported, t.py_name, t.wit_name, None),
        guest_docstring=docstring(t.td.docs, guest_resource_usage(res)),
        resource=res,
    )
