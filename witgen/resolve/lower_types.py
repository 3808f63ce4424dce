"""Stage 2, types: an interface's or a world's `use`s and type definitions, and every type written
inside them, to `TypeDef`s in the package's type arena.

Follows wit-parser's `ast/resolve.rs` (`resolve_types`, `resolve_type_def`, `anon_type_def`): named
types are allocated in topological order of what they refer to, after the aliases the `use`s
create; an anonymous type (`list<u8>`, `borrow<r>`, ...) is interned by its structure, so each
distinct one gets one id, allocated where it is first written. `witgen.resolve.lower` drives this
per interface and world; `witgen.resolve.lower_functions` lowers signatures through it.
"""

from __future__ import annotations

from typing import Union, assert_never

from witgen.errors import Span, WitError
from witgen.resolve import model as m
from witgen.resolve.kinds import dealias, kind_refs
from witgen.resolve.lower_attributes import docs_text, external_id, stability
from witgen.resolve.names import NameScope, check_members
from witgen.resolve.toposort import toposort
from witgen.syntax import ast

MAX_FLAGS = 32
MAP_KEY_TYPES = frozenset(
    ("bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string")
)

# A name in an interface's (or world's) type scope: a type id, or a non-type item ("function").
TypeOrItem = Union[m.TypeId, str]

# The kinds a type expression lowers to: those interned as anonymous types (wit-parser's `Key`),
# and an alias for a primitive or a name, which is the type it names.
AnonKind = Union[
    m.HandleKind,
    m.TupleKind,
    m.ListKind,
    m.FixedLengthListKind,
    m.MapKind,
    m.OptionKind,
    m.ResultKind,
    m.FutureKind,
    m.StreamKind,
]
ExprKind = Union[m.AliasKind, AnonKind]


class TypeLowerer:
    """The package's type arena, and the name scope of the interface or world being lowered."""

    def __init__(self) -> None:
        self.types: list[m.TypeDef] = []
        self.anon_types: dict[tuple[object, ...], m.TypeId] = {}
        # The current interface's or world's names (types, and functions so that a `use` of one
        # is refused), and the strongly-unique scope they share.
        self.type_lookup: dict[str, tuple[TypeOrItem, Span]] = {}
        self.type_scope = NameScope()
        self.required_resource_types: list[tuple[m.TypeId, Span]] = []

    def new_scope(self) -> tuple[dict[str, tuple[TypeOrItem, Span]], NameScope]:
        """Start an empty name scope; returns the one it replaces (to restore, or to keep)."""
        saved = (self.type_lookup, self.type_scope)
        self.type_lookup, self.type_scope = {}, NameScope()
        return saved

    def alloc_type(self, ty: m.TypeDef) -> m.TypeId:
        self.types.append(ty)
        return m.TypeId(len(self.types) - 1)

    # --- named types ------------------------------------------------------------------------

    def resolve_use(
        self,
        owner: m.TypeOwner,
        use: ast.Use,
        use_from: dict[str, tuple[TypeOrItem, Span]],
    ) -> None:
        """The aliases a `use` of the interface whose names are `use_from` creates."""
        stab = stability(use.attributes)
        ext = external_id(use.attributes)
        for un in use.names:
            found = use_from.get(un.name.name)
            if found is None:
                raise WitError(f"name `{un.name.name}` does not exist", un.name.span)
            target, _ = found
            if isinstance(target, str):
                raise WitError(f"cannot import {target} `{un.name.name}`", un.name.span)
            local = un.as_ if un.as_ is not None else un.name
            tid = self.alloc_type(
                m.TypeDef(
                    name=local.name,
                    kind=m.AliasKind(target),
                    owner=owner,
                    stability=stab,
                    span=un.name.span,
                    external_id=ext,
                )
            )
            self.define_name(local, tid)

    def resolve_type_defs(self, owner: m.TypeOwner, items: list[ast.Use | ast.TypeDef]) -> None:
        """The type definitions among `items`, after the names their `use`s brought in."""
        deps: dict[str, list[ast.Id]] = {}
        defs: dict[str, ast.TypeDef | None] = {}
        for item in items:
            if isinstance(item, ast.TypeDef):
                if item.name.name in defs:
                    raise WitError(
                        f"name `{item.name.name}` is defined more than once", item.name.span
                    )
                defs[item.name.name] = item
                found: list[ast.Id] = []
                collect_deps(item.ty, found)
                deps[item.name.name] = found
            else:
                for un in item.names:
                    n = un.as_ if un.as_ is not None else un.name
                    deps[n.name] = []
                    defs[n.name] = None
        for name in toposort("type", deps):
            tdef = defs.pop(name, None)
            if tdef is None:
                continue
            stab = stability(tdef.attributes)
            kind = self.resolve_type_def(tdef.ty, stab)
            tid = self.alloc_type(
                m.TypeDef(
                    name=tdef.name.name,
                    kind=kind,
                    owner=owner,
                    docs=docs_text(tdef.docs),
                    stability=stab,
                    span=tdef.name.span,
                    external_id=external_id(tdef.attributes),
                )
            )
            self.define_name(tdef.name, tid)

    def define_name(self, name: ast.Id, item: TypeOrItem) -> None:
        if name.name in self.type_lookup:
            raise WitError(f"name `{name.name}` is defined more than once", name.span)
        self.type_scope.add(name.name, name.span)
        self.type_lookup[name.name] = (item, name.span)

    def resolve_type_name(self, name: ast.Id) -> m.TypeId:
        found = self.type_lookup.get(name.name)
        if found is None:
            raise WitError(f"name `{name.name}` does not exist", name.span)
        target, _ = found
        if isinstance(target, str):
            raise WitError(f"cannot use {target} `{name.name}` as a type", name.span)
        return target

    def validate_resource(self, name: ast.Id) -> m.TypeId:
        """The type `own<name>` or `borrow<name>` refers to, which must be a resource; one
        `use`d from another package is checked once the packages are merged."""
        tid = self.resolve_type_name(name)
        target = dealias(self.types, tid)
        kind = self.types[target].kind
        if isinstance(kind, m.ResourceKind):
            return tid
        if isinstance(kind, m.UnknownKind):
            self.required_resource_types.append((target, name.span))
            return tid
        raise WitError(f"type `{name.name}` used in a handle must be a resource", name.span)

    # --- types as written -------------------------------------------------------------------

    def resolve_type_def(self, ty: ast.TypeDefBody, stab: m.Stability) -> m.TypeDefKind:
        """The kind of a named type definition (wit-parser's `resolve_type_def`)."""
        match ty:
            case ast.Record():
                require_members("record", "field", ty.fields, ty.span)
                return m.RecordKind(
                    tuple(
                        m.Field(
                            f.name.name,
                            self.resolve_type(f.ty, stab),
                            docs_text(f.docs),
                            f.name.span,
                        )
                        for f in ty.fields
                    )
                )
            case ast.Flags():
                if len(ty.flags) > MAX_FLAGS:
                    raise WitError("cannot have more than 32 flags", ty.flags[MAX_FLAGS].name.span)
                require_members("flags", "flag", ty.flags, ty.span)
                return m.FlagsKind(
                    tuple(m.Flag(f.name.name, docs_text(f.docs), f.name.span) for f in ty.flags)
                )
            case ast.Variant():
                require_members("variant", "case", ty.cases, ty.span)
                return m.VariantKind(
                    tuple(
                        m.Case(
                            c.name.name,
                            self.resolve_type(c.ty, stab) if c.ty is not None else None,
                            docs_text(c.docs),
                            c.name.span,
                        )
                        for c in ty.cases
                    )
                )
            case ast.Enum():
                require_members("enum", "case", ty.cases, ty.span)
                return m.EnumKind(
                    tuple(m.EnumCase(c.name.name, docs_text(c.docs), c.name.span) for c in ty.cases)
                )
            case ast.Resource():
                return m.ResourceKind()
            case _:
                # `type x = ...`: what is left is a type expression (mypy checks it is)
                return self.resolve_type_expr(ty, stab)

    def resolve_type_expr(self, ty: ast.Type, stab: m.Stability) -> ExprKind:
        """The kind a type expression denotes, before anonymous types are interned."""
        match ty:  # the commonest first
            case ast.Primitive():
                return m.AliasKind(ty.name)
            case ast.Name():
                return m.AliasKind(self.resolve_type_name(ty.id))
            case ast.List():
                return m.ListKind(self.resolve_type(ty.ty, stab))
            case ast.Option():
                return m.OptionKind(self.resolve_type(ty.ty, stab))
            case ast.Result():
                return m.ResultKind(
                    self.resolve_type(ty.ok, stab) if ty.ok is not None else None,
                    self.resolve_type(ty.err, stab) if ty.err is not None else None,
                )
            case ast.Tuple():
                if not ty.types:
                    raise WitError("empty tuple", ty.span)
                return m.TupleKind(tuple(self.resolve_type(t, stab) for t in ty.types))
            case ast.Handle():
                return m.HandleKind(ty.kind, self.validate_resource(ty.resource))
            case ast.Map():
                key = self.resolve_type(ty.key, stab)
                value = self.resolve_type(ty.value, stab)
                if not (isinstance(key, str) and key in MAP_KEY_TYPES):
                    raise WitError(
                        "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, "
                        "s16, s32, s64, char, or string",
                        ty.span,
                    )
                return m.MapKind(key, value)
            case ast.FixedLengthList():
                return m.FixedLengthListKind(self.resolve_type(ty.ty, stab), ty.size)
            case ast.Future():
                return m.FutureKind(self.resolve_type(ty.ty, stab) if ty.ty is not None else None)
            case ast.Stream():
                return m.StreamKind(self.resolve_type(ty.ty, stab) if ty.ty is not None else None)
            case _:
                assert_never(ty)

    def resolve_type(self, ty: ast.Type, stab: m.Stability) -> m.TypeRef:
        return self.anon_type_def(self.resolve_type_expr(ty, stab), stab, ty.span)

    def find_stability(self, kind: m.TypeDefKind, stab: m.Stability) -> m.Stability:
        """An anonymous type inherits the first known stability of what it refers to."""
        if stab is not None:
            return stab
        for ref in kind_refs(kind):
            if isinstance(ref, int) and self.types[ref].stability is not None:
                return self.types[ref].stability
        return None

    def anon_type_def(self, kind: ExprKind, stab: m.Stability, span: Span) -> m.TypeRef:
        """Intern an anonymous type by structure (wit-parser's `anon_type_def`); `stab` is the
        gate written on the item it appears in, if any (see `find_stability`)."""
        if isinstance(kind, m.AliasKind):
            return kind.ty
        if isinstance(kind, m.HandleKind) and kind.handle == "own":
            # An anonymous `own<T>` is the same as a reference to `T`.
            return kind.resource
        key = anon_key(kind)
        tid = self.anon_types.get(key)
        if tid is None:
            stab = self.find_stability(kind, stab)
            tid = self.alloc_type(
                m.TypeDef(name=None, kind=kind, owner=None, stability=stab, span=span)
            )
            self.anon_types[key] = tid
        return tid


def anon_key(kind: AnonKind) -> tuple[object, ...]:
    """The structural identity of an anonymous type (wit-parser's `Key`)."""
    match kind:
        case m.HandleKind():
            # always `borrow<r>`: `anon_type_def`, the one caller, returns an `own<r>` as `r`
            return ("borrow", kind.resource)
        case m.TupleKind():
            return ("tuple", kind.types)
        case m.ListKind():
            return ("list", kind.ty)
        case m.MapKind():
            return ("map", kind.key, kind.value)
        case m.FixedLengthListKind():
            return ("fixed", kind.ty, kind.size)
        case m.OptionKind():
            return ("option", kind.ty)
        case m.ResultKind():
            return ("result", kind.ok, kind.err)
        case m.FutureKind():
            return ("future", kind.ty)
        case m.StreamKind():
            return ("stream", kind.ty)
        case _:
            assert_never(kind)


def collect_deps(ty: ast.TypeDefBody, deps: list[ast.Id]) -> None:
    """The named types `ty` refers to (wit-parser's `collect_deps`), for the type toposort."""
    stack: list[ast.TypeDefBody] = [ty]
    found: list[ast.Id] = []
    while stack:
        t = stack.pop()
        match t:
            case ast.Name():
                found.append(t.id)
            case ast.Handle():
                found.append(t.resource)
            case ast.Record():
                stack.extend(reversed([f.ty for f in t.fields]))
            case ast.Tuple():
                stack.extend(reversed(t.types))
            case ast.Variant():
                stack.extend(reversed([c.ty for c in t.cases if c.ty is not None]))
            case ast.Option() | ast.List() | ast.FixedLengthList():
                stack.append(t.ty)
            case ast.Map():
                stack.extend((t.value, t.key))
            case ast.Result():
                stack.extend(x for x in (t.err, t.ok) if x is not None)
            case ast.Future() | ast.Stream():
                if t.ty is not None:
                    stack.append(t.ty)
            case ast.Primitive() | ast.Flags() | ast.Enum() | ast.Resource():
                pass
            case _:
                assert_never(t)
    deps.extend(found)


def require_members(
    what: str,
    member: str,
    items: (
        tuple[ast.Field, ...]
        | tuple[ast.Flag, ...]
        | tuple[ast.Case, ...]
        | tuple[ast.EnumCase, ...]
    ),
    span: Span,
) -> None:
    """A record, flags, variant or enum needs members, with strongly-unique names."""
    if not items:
        raise WitError(f"empty {what}", span)
    check_members(member, [(item.name.name, item.name.span) for item in items])
