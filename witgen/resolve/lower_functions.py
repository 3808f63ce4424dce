"""Stage 2, functions: a function's signature to an `m.Function`, its types lowered on the way.

Follows wit-parser's `Resolver::resolve_function` and its callers: the stored name and kind of a
freestanding function, a getter or setter (`[get]p`, `[set]p`), and a resource's constructor,
methods and statics (`[constructor]r`, `[method]r.f`, `[static]r.f`); a method's implicit `self:
borrow<r>` first; the shape checks on getters, setters and constructors.
"""

from __future__ import annotations

from witgen.errors import Span, WitError
from witgen.resolve import model as m
from witgen.resolve.lower_attributes import docs_text, external_id, stability
from witgen.resolve.lower_types import TypeLowerer
from witgen.resolve.names import canonical
from witgen.syntax import ast


def resolve_resource_func(types: TypeLowerer, rf: ast.ResourceFunc, resource: ast.Id) -> m.Function:
    found = types.type_lookup[resource.name][0]
    assert isinstance(found, int)
    nf = rf.func
    f = nf.func
    if rf.kind == "constructor":
        name = f"[constructor]{resource.name}"
        kind = m.FunctionKind("constructor", found)
    else:
        accessor = f"[{f.accessor}]" if f.accessor else ""
        name = f"[{rf.kind}]{accessor}{resource.name}.{nf.name.name}"
        if f.accessor:
            tag = f"{rf.kind}-{'getter' if f.accessor == 'get' else 'setter'}"
        else:
            tag = f"async-{rf.kind}" if f.async_ else rf.kind
        kind = m.FunctionKind(tag, found)
    return resolve_function(types, nf.docs, nf.attributes, name, nf.name.span, f, kind)


def resolve_function(
    types: TypeLowerer,
    docs: ast.Docs,
    attrs: tuple[ast.Attribute, ...],
    name: str,
    name_span: Span,
    func: ast.Func,
    kind: m.FunctionKind,
) -> m.Function:
    text = docs_text(docs)
    stab = stability(attrs)
    ext = external_id(attrs)
    check_accessor_shape(func)
    params = resolve_params(types, func, kind)
    result = resolve_result(types, func, kind)
    return m.Function(
        name=name,
        kind=kind,
        params=params,
        result=result,
        docs=text,
        stability=stab,
        span=name_span,
        external_id=ext,
    )


def resolve_params(types: TypeLowerer, func: ast.Func, kind: m.FunctionKind) -> list[m.Param]:
    params: list[m.Param] = []
    seen: set[str] = set()
    if kind.tag in ("method", "async-method", "method-getter", "method-setter"):
        assert kind.resource is not None
        hkind = m.HandleKind("borrow", kind.resource)
        self_ty = types.anon_type_def(hkind, None, func.span)
        params.append(m.Param("self", self_ty, func.span))
        seen.add("self")
    for p in func.params:
        if canonical(p.name.name) in seen:
            raise WitError(f"param `{p.name.name}` is defined more than once", p.name.span)
        seen.add(canonical(p.name.name))
        params.append(m.Param(p.name.name, types.resolve_type(p.ty, None), p.name.span))
    return params


def resolve_result(types: TypeLowerer, func: ast.Func, kind: m.FunctionKind) -> m.TypeRef | None:
    if kind.tag != "constructor":
        return types.resolve_type(func.result, None) if func.result is not None else None
    assert kind.resource is not None
    if func.result is None:
        return kind.resource
    result = types.resolve_type(func.result, None)
    rkind = types.types[result].kind if isinstance(result, int) else None
    if not isinstance(rkind, m.ResultKind):
        raise WitError(
            "if a constructor return type is declared it must be a `result`",
            func.result.span,
        )
    if rkind.ok != kind.resource:
        ok_span = func.result.span
        if isinstance(func.result, ast.Result) and func.result.ok is not None:
            ok_span = func.result.ok.span
        raise WitError("the `ok` type must be the resource being constructed", ok_span)
    return result


def freestanding(name: str, func: ast.Func) -> tuple[str, m.FunctionKind]:
    """The stored name and kind of a function outside resources: `f`, `[get]p`, `[set]p`."""
    if func.accessor is not None:
        kind = "getter" if func.accessor == "get" else "setter"
        return f"[{func.accessor}]{name}", m.FunctionKind(kind)
    return name, m.FunctionKind("async-freestanding" if func.async_ else "freestanding")


def check_accessor_shape(func: ast.Func) -> None:
    """Getters take nothing and return a value; setters take one value, return `result<_, E>`."""
    if func.accessor == "get":
        if func.params:
            raise WitError("getters cannot have parameters", func.params[0].name.span)
        if func.result is None:
            raise WitError("getters must return a value", func.span)
    elif func.accessor == "set":
        if not func.params:
            raise WitError("setters must have exactly one parameter", func.span)
        if len(func.params) > 1:
            raise WitError("setters must have exactly one parameter", func.params[1].name.span)
        res = func.result
        if res is not None and not (isinstance(res, ast.Result) and res.ok is None):
            raise WitError(
                "if a setter return type is declared it must be a `result` with no `ok` type",
                res.span,
            )
