"""Python shapes of WIT types (code generation): one dispatch point per type kind.

In: a `TypeRef` (primitive name or TypeDef id) and the module being generated. Out: the Python
annotation (`list[int] | None`) and the run-time converter expression (`_rt.Option(_rt.List(
_rt.U32))`) for it, as STYLE.md's table maps them: record -> dataclass, enum -> Enum, flags ->
Flag, variant -> one class per case, option -> `T | None` (outer some wrapped in `Some` when T is
itself an option), result -> `Ok | Err`, tuple -> tuple, `list<u8>` -> bytes, list -> list,
char/string -> str, `own<R>` / `borrow<R>` -> R's class (converters `_C_R.own` / `_C_R.borrow`, of
the `_rt.ExportedResource` or `_rt.ImportedResource` that `views` decides on). Named types are referred to by their class or alias name, qualified with the
owning module's alias (`_m_types.Point`) when they live in another module, and the module is
recorded so the importing module can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, assert_never

from witgen.codegen.naming import converter_name
from witgen.codegen.naming import module_alias as alias
from witgen.resolve import model as m

T = TypeVar("T")

# primitive -> (annotation, converter)
PRIMITIVES: dict[str, tuple[str, str]] = {
    "bool": ("bool", "_rt.BOOL"),
    "u8": ("int", "_rt.U8"),
    "u16": ("int", "_rt.U16"),
    "u32": ("int", "_rt.U32"),
    "u64": ("int", "_rt.U64"),
    "s8": ("int", "_rt.S8"),
    "s16": ("int", "_rt.S16"),
    "s32": ("int", "_rt.S32"),
    "s64": ("int", "_rt.S64"),
    "f32": ("float", "_rt.F32"),
    "f64": ("float", "_rt.F64"),
    "char": ("str", "_rt.CHAR"),
    "string": ("str", "_rt.STRING"),
    "error-context": ("_t.Any", "_rt.ERROR_CONTEXT"),
}

# Features wasmtime-py 50 cannot carry at run time (shared/notes/wasmtime-py-50.md §2, §7.9); the
# phrase completes "... are not supported by these bindings yet".
FUTURES = "future values"
STREAMS = "stream values"
ERROR_CONTEXTS = "error-context values"
MAPS = "maps"
RESOURCES = "resources"
FIXED_LISTS = "fixed-length lists"
ASYNC = "async functions"
WASI_RESOURCES = "resources defined by WASI"
ACCESSORS = "getters and setters"

# Who defines a resource, as `TypeMapper.resource_sides` records it.
EXPORTED = "exported"  # the component: a `Resource` class wrapping handles
IMPORTED = "imported"  # the host: a class the host implements, kept in a handle table


@dataclass
class ModuleCtx:
    """The module being generated: `module` is its name ("" for the package's `__init__`)."""

    module: str
    uses: set[str] = field(default_factory=set)  # other modules its code refers to

    def ref(self, module: str, name: str) -> str:
        if module == self.module:
            return name
        self.uses.add(module)
        return f"{alias(module)}.{name}"


class TypeMapper:
    def __init__(
        self,
        resolve: m.Resolve,
        names: dict[int, tuple[str, str]],
        resource_sides: dict[int, str] | None = None,
    ) -> None:
        self.resolve = resolve
        self.names = names  # named TypeDef id -> (module, Python name)
        # resource TypeDef id -> EXPORTED, IMPORTED, or the phrase of why it cannot be carried
        self.resource_sides = resource_sides if resource_sides is not None else {}
        # The answers of the walks below, per TypeDef: types share their parts, so an unremembered
        # walk can take time exponential in the nesting (a record of two fields of a record of
        # two fields ...).
        self._handles: dict[int, bool | None] = {}
        self._unsupported: dict[int, str | None] = {}

    def dealias(self, ref: m.TypeRef) -> m.TypeRef:
        while isinstance(ref, int):
            kind = self.resolve.types[ref].kind
            if not isinstance(kind, m.AliasKind):
                break
            ref = kind.ty
        return ref

    def kind(self, ref: m.TypeRef) -> m.TypeDefKind | None:
        ref = self.dealias(ref)
        return self.resolve.types[ref].kind if isinstance(ref, int) else None

    def is_option(self, ref: m.TypeRef) -> bool:
        return isinstance(self.kind(ref), m.OptionKind)

    def result_of(self, ref: m.TypeRef | None) -> m.ResultKind | None:
        """The `result` a function's result type is (through aliases), if it is one."""
        if ref is None:
            return None
        kind = self.kind(ref)
        return kind if isinstance(kind, m.ResultKind) else None

    # --- annotations ---

    def annotation(self, ref: m.TypeRef | None, ctx: ModuleCtx) -> str:
        if ref is None:
            return "None"
        if isinstance(ref, str):
            return PRIMITIVES[ref][0]
        named = self.names.get(ref)
        if named is not None:
            return ctx.ref(*named)
        return self.structure_annotation(ref, ctx)

    def structure_annotation(self, ref: int, ctx: ModuleCtx) -> str:
        """The annotation of TypeDef `ref` itself, ignoring its name (what an alias stands for)."""
        k = self.resolve.types[ref].kind
        ann = self.annotation
        match k:
            case m.AliasKind():
                return ann(k.ty, ctx)
            case m.ListKind():
                return "bytes" if self.dealias(k.ty) == "u8" else f"list[{ann(k.ty, ctx)}]"
            case m.FixedLengthListKind():
                return f"list[{ann(k.ty, ctx)}]"
            case m.TupleKind():
                inner = ", ".join(ann(t, ctx) for t in k.types)
                return f"tuple[{inner or '()'}]"
            case m.OptionKind():
                if self.is_option(k.ty):
                    return f"_rt.Some[{ann(k.ty, ctx)}] | None"
                return f"{ann(k.ty, ctx)} | None"
            case m.ResultKind():
                return f"_rt.Ok[{ann(k.ok, ctx)}] | _rt.Err[{ann(k.err, ctx)}]"
            case m.HandleKind():
                return ann(k.resource, ctx)
            case m.MapKind():
                return f"dict[{ann(k.key, ctx)}, {ann(k.value, ctx)}]"
            case m.FutureKind() | m.StreamKind():
                return "_t.Any"
            case (
                m.RecordKind()
                | m.VariantKind()
                | m.EnumKind()
                | m.FlagsKind()
                | m.ResourceKind()
                | m.UnknownKind()
            ):
                # WIT names every type of these kinds: `annotation` names their class instead.
                raise AssertionError(f"no Python annotation for an anonymous {type(k).__name__}")
            case _:
                assert_never(k)

    # --- converters ---

    def converter(self, ref: m.TypeRef | None, ctx: ModuleCtx) -> str:
        if ref is None:
            return "None"
        if isinstance(ref, str):
            return PRIMITIVES[ref][1]
        named = self.names.get(ref)
        if named is not None:
            return ctx.ref(named[0], converter_name(named[1]))
        return self.structure_converter(ref, ctx)

    def structure_converter(self, ref: int, ctx: ModuleCtx) -> str:
        """The converter of TypeDef `ref` itself, ignoring its name (what an alias stands for)."""
        k = self.resolve.types[ref].kind
        conv = self.converter
        match k:
            case m.AliasKind():
                return conv(k.ty, ctx)
            case m.ListKind():
                if self.dealias(k.ty) == "u8":
                    return "_rt.BYTES"
                return f"_rt.List({conv(k.ty, ctx)})"
            case m.TupleKind():
                return f"_rt.Tuple({', '.join(conv(t, ctx) for t in k.types)})"
            case m.OptionKind():
                nested = ", nested=True" if self.is_option(k.ty) else ""
                return f"_rt.Option({conv(k.ty, ctx)}{nested})"
            case m.ResultKind():
                return f"_rt.Result({conv(k.ok, ctx)}, {conv(k.err, ctx)})"
            case m.HandleKind():
                # `_C_Counter.own` / `.borrow`: the converters an `ExportedResource` or an
                # `ImportedResource` carries.
                problem = self.resource_problem(k.resource)
                if problem is not None:
                    return f'_rt.Unsupported("{problem}")'
                return f"{conv(k.resource, ctx)}.{k.handle}"
            case m.FutureKind():
                # Not carried, but typed: the run time checks a component's type against them.
                return f"_rt.Future({conv(k.ty, ctx)})"
            case m.StreamKind():
                return f"_rt.Stream({conv(k.ty, ctx)})"
            case m.MapKind() | m.FixedLengthListKind():
                return f'_rt.Unsupported("{self.unsupported_kind(k)}")'
            case (
                m.RecordKind()
                | m.VariantKind()
                | m.EnumKind()
                | m.FlagsKind()
                | m.ResourceKind()
                | m.UnknownKind()
            ):
                # WIT names every type of these kinds: `converter` names their converter instead.
                raise AssertionError(f"no converter for an anonymous {type(k).__name__}")
            case _:
                assert_never(k)

    # --- what cannot be carried ---

    def resource_id(self, ref: m.TypeRef) -> int:
        """The resource TypeDef that `ref` (a resource or an alias of one) names."""
        ref = self.dealias(ref)
        assert isinstance(ref, int), ref
        return ref

    def resource_problem(self, ref: m.TypeRef) -> str | None:
        """Why handles of resource `ref` cannot cross, if they cannot.

        An interface that the world both imports and exports has one WIT resource but two at run
        time; `views` gives the imported functions a mapper of their own (`host_types`), in which
        it is the host's (IMPORTED) and the types containing it are their import-side copies.
        """
        side = self.resource_sides.get(self.resource_id(ref), RESOURCES)
        if side in (EXPORTED, IMPORTED):
            return None
        return side

    def has_handles(self, ref: m.TypeRef | None) -> bool:
        """Whether values of type `ref` can contain resource handles."""
        if isinstance(ref, int) and ref in self._handles:  # the common case: known already
            return self._handles[ref] is True

        def local(_: m.TypeId, k: m.TypeDefKind) -> tuple[bool, bool | None]:
            return (True, True) if isinstance(k, (m.HandleKind, m.ResourceKind)) else (False, None)

        return first_found(self.resolve, ref, self._handles, local) is True

    @staticmethod
    def inner_types(k: m.TypeDefKind) -> list[m.TypeRef | None]:
        """The types directly inside a type of kind `k` (those the run time converts: not a
        handle's resource, nor what maps, fixed-length lists, futures and streams hold)."""
        match k:
            case m.AliasKind() | m.ListKind() | m.OptionKind():
                return [k.ty]
            case m.TupleKind():
                return list(k.types)
            case m.ResultKind():
                return [k.ok, k.err]
            case m.RecordKind():
                return [f.ty for f in k.fields]
            case m.VariantKind():
                return [c.ty for c in k.cases]
            case (
                m.EnumKind()
                | m.FlagsKind()
                | m.ResourceKind()
                | m.HandleKind()
                | m.MapKind()
                | m.FixedLengthListKind()
                | m.FutureKind()
                | m.StreamKind()
                | m.UnknownKind()
            ):
                return []
            case _:
                assert_never(k)

    @staticmethod
    def unsupported_kind(k: m.TypeDefKind) -> str | None:
        """The feature a type of kind `k` is, when the run time cannot carry that kind at all."""
        match k:
            case m.FutureKind():
                return FUTURES
            case m.StreamKind():
                return STREAMS
            case m.MapKind():
                return MAPS
            case m.FixedLengthListKind():
                return FIXED_LISTS
            case (
                m.AliasKind()
                | m.ListKind()
                | m.OptionKind()
                | m.TupleKind()
                | m.ResultKind()
                | m.RecordKind()
                | m.VariantKind()
                | m.EnumKind()
                | m.FlagsKind()
                | m.ResourceKind()
                | m.HandleKind()
                | m.UnknownKind()
            ):
                return None
            case _:
                assert_never(k)

    def unsupported(self, ref: m.TypeRef | None) -> str | None:
        """The first feature inside type `ref` that the run time cannot carry, if any."""
        if isinstance(ref, int) and ref in self._unsupported:
            return self._unsupported[ref]

        def local(type_id: m.TypeId, k: m.TypeDefKind) -> tuple[bool, str | None]:
            if isinstance(k, m.HandleKind):
                return True, self.resource_problem(k.resource)
            if isinstance(k, m.ResourceKind):
                return True, self.resource_problem(type_id)
            feature = self.unsupported_kind(k)
            return (True, feature) if feature is not None else (False, None)

        return first_found(self.resolve, ref, self._unsupported, local, _primitive_unsupported)


def _primitive_unsupported(name: str) -> str | None:
    return ERROR_CONTEXTS if name == "error-context" else None


def first_found(
    resolve: m.Resolve,
    ref: m.TypeRef | None,
    memo: dict[int, T | None],
    local: Callable[[m.TypeId, m.TypeDefKind], tuple[bool, T | None]],
    primitive: Callable[[str], T | None] = lambda _: None,
) -> T | None:
    """The first answer found in type `ref` or the types inside it (`TypeMapper.inner_types`, in
    order, depth first): `local(id, kind)` gives `(True, answer)` when a type's own kind decides
    (its insides are then not looked at), `(False, _)` to look inside it; `primitive` answers for
    primitive types. Every TypeDef's answer is kept in `memo`.

    Iterative, with the answers remembered: valid WIT nests named types as deep as it likes (329
    records each holding the next is a world the front end accepts), and shared parts would make
    an unremembered walk exponential (a record of two fields of a record of two fields ...)."""
    if ref is None:
        return None
    if isinstance(ref, str):
        return primitive(ref)
    if ref in memo:
        return memo[ref]
    stack = [ref]  # a type stays on the stack until every type inside it has its answer
    while stack:
        type_id = stack[-1]
        if type_id in memo:
            stack.pop()
            continue
        k = resolve.types[type_id].kind
        decided, answer = local(m.TypeId(type_id), k)
        if decided:
            memo[type_id] = answer
            stack.pop()
            continue
        inner = TypeMapper.inner_types(k)
        pending = [t for t in inner if isinstance(t, int) and t not in memo]
        if pending:  # valid WIT has no cycles, so each type is pushed once per type holding it
            stack.extend(reversed(pending))
            continue
        found: T | None = None
        for t in inner:
            found = memo[t] if isinstance(t, int) else primitive(t) if t is not None else None
            if found is not None:
                break
        memo[type_id] = found
        stack.pop()
    return memo.get(ref)
