"""Stage 3 output: a `Resolve` as the JSON `wasm-tools component wit --json` prints.

Key order, omitted-when-empty fields and value shapes follow wit-parser's serde derives
(lib.rs, serde_.rs): ids are plain integers, a world key that is an interface prints as
`interface-N`, a primitive type prints as its name, and `docs` / `stability` are left out when
absent. The text is serde_json's pretty form: two-space indent and no trailing newline.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any, assert_never

from witgen.collector import collector_paused
from witgen.resolve import model as m


def to_json(resolve: m.Resolve, retain: list[object] | None = None) -> str:
    """The JSON text; with `retain`, the data it was written from is kept there (see `load`)."""
    with collector_paused():
        data = to_data(resolve)
        if retain is not None:
            retain.append(data)
        return pretty(data)


def pretty(data: Any) -> str:
    """`json.dumps(data, indent=2, ensure_ascii=False)`, about five times faster.

    With `indent`, the standard library falls back to its pure-Python encoder; this writer emits
    the same text (serde_json's pretty form) with one list append per member, writing strings,
    integers and nulls in place rather than through a call (most members are those). A member's
    prefix (separator, indentation, key) is made once per key and depth: the keys are few.
    """
    out: list[str] = []
    write = out.append
    enc = encode_basestring
    # indentation -> ({key: '{' + indentation + key + ': '}, {key: ',' + indentation + ...})
    prefixes: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    def value(v: Any, indent: str) -> None:
        t = type(v)
        if t is dict:
            if not v:
                write("{}")
                return
            inner = indent + "  "
            known = prefixes.get(inner)
            if known is None:
                known = prefixes[inner] = ({}, {})
            first, rest = known
            cache = first
            for key, item in v.items():
                prefix = cache.get(key)
                if prefix is None:
                    opener = "{" if cache is first else ","
                    prefix = cache[key] = opener + inner + enc(key) + ": "
                cache = rest
                kind = type(item)
                if kind is str:
                    write(prefix + enc(item))
                elif kind is int:
                    write(prefix + str(item))
                elif item is None:
                    write(prefix + "null")
                else:
                    write(prefix)
                    value(item, inner)
            write(indent + "}")
        elif t is list:
            if not v:
                write("[]")
                return
            inner = indent + "  "
            sep, rest_sep = "[" + inner, "," + inner
            for item in v:
                kind = type(item)
                if kind is str:
                    write(sep + enc(item))
                elif kind is int:
                    write(sep + str(item))
                elif item is None:
                    write(sep + "null")
                else:
                    write(sep)
                    value(item, inner)
                sep = rest_sep
            write(indent + "]")
        elif t is str:
            write(enc(v))
        elif v is None:
            write("null")
        elif v is True:
            write("true")
        elif v is False:
            write("false")
        else:
            write(str(int(v)))

    value(data, "\n")
    return "".join(out)


def to_data(resolve: m.Resolve) -> dict[str, Any]:
    return {
        "worlds": [world(w) for w in resolve.worlds],
        "interfaces": [interface(i) for i in resolve.interfaces],
        "types": [typedef(t) for t in resolve.types],
        "packages": [package(p) for p in resolve.packages],
    }


def _extras(out: dict[str, Any], docs: str | None, stab: m.Stability) -> dict[str, Any]:
    if docs is not None:
        out["docs"] = {"contents": docs}
    if stab is not None:
        out["stability"] = stability(stab)
    return out


def stability(stab: m.Stable | m.Unstable) -> dict[str, Any]:
    match stab:
        case m.Stable():
            inner: dict[str, Any] = {"since": stab.since}
            outer = "stable"
        case m.Unstable():
            inner = {"feature": stab.feature}
            outer = "unstable"
        case _:
            assert_never(stab)
    if stab.deprecated is not None:
        inner["deprecated"] = stab.deprecated
    return {outer: inner}


def world_key(key: m.WorldKey) -> str:
    return key if isinstance(key, str) else f"interface-{key}"


def world_item(item: m.WorldItem) -> dict[str, Any]:
    match item:
        case m.WorldInterface():
            inner: dict[str, Any] = {"id": item.id}
            if item.stability is not None:
                inner["stability"] = stability(item.stability)
            if item.external_id is not None:
                inner["external_id"] = item.external_id
            if item.docs is not None:
                inner["docs"] = {"contents": item.docs}
            return {"interface": inner}
        case m.WorldFunction():
            return {"function": function(item.func)}
        case m.WorldType():
            return {"type": item.id}
        case _:
            assert_never(item)


def world(w: m.World) -> dict[str, Any]:
    out = {
        "name": w.name,
        "imports": {world_key(k): world_item(v) for k, v in w.imports.items()},
        "exports": {world_key(k): world_item(v) for k, v in w.exports.items()},
        "package": w.package,
    }
    return _extras(out, w.docs, w.stability)


def interface(i: m.Interface) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": i.name,
        "types": dict(i.types),
        "functions": {k: function(f) for k, f in i.functions.items()},
    }
    _extras(out, i.docs, i.stability)
    out["package"] = i.package
    if i.clone_of is not None:
        out["clone_of"] = i.clone_of
    return out


def function(f: m.Function) -> dict[str, Any]:
    kind: Any = f.kind.tag if f.kind.resource is None else {f.kind.tag: f.kind.resource}
    out: dict[str, Any] = {
        "name": f.name,
        "kind": kind,
        "params": [{"name": p.name, "type": p.ty} for p in f.params],
    }
    if f.result is not None:
        out["result"] = f.result
    _extras(out, f.docs, f.stability)
    if f.external_id is not None:
        out["external_id"] = f.external_id
    return out


def owner(o: m.TypeOwner) -> Any:
    match o:
        case m.OwnerWorld():
            return {"world": o.id}
        case m.OwnerInterface():
            return {"interface": o.id}
        case None:
            return None
        case _:
            assert_never(o)


def typedef(t: m.TypeDef) -> dict[str, Any]:
    out: dict[str, Any] = {"name": t.name, "kind": kind(t.kind), "owner": owner(t.owner)}
    _extras(out, t.docs, t.stability)
    if t.external_id is not None:
        out["external_id"] = t.external_id
    return out


def _docs(out: dict[str, Any], docs: str | None) -> dict[str, Any]:
    if docs is not None:
        out["docs"] = {"contents": docs}
    return out


def kind(k: m.TypeDefKind) -> Any:
    """A kind as serde prints wit-parser's `TypeDefKind` (externally tagged, kebab-case)."""
    match k:
        case m.RecordKind():
            fields = [_docs({"name": f.name, "type": f.ty}, f.docs) for f in k.fields]
            return {"record": {"fields": fields}}
        case m.ResourceKind():
            return "resource"
        case m.HandleKind():
            return {"handle": {k.handle: k.resource}}
        case m.FlagsKind():
            return {"flags": {"flags": [_docs({"name": f.name}, f.docs) for f in k.flags]}}
        case m.TupleKind():
            return {"tuple": {"types": list(k.types)}}
        case m.VariantKind():
            cases = [_docs({"name": c.name, "type": c.ty}, c.docs) for c in k.cases]
            return {"variant": {"cases": cases}}
        case m.EnumKind():
            return {"enum": {"cases": [_docs({"name": c.name}, c.docs) for c in k.cases]}}
        case m.OptionKind():
            return {"option": k.ty}
        case m.ResultKind():
            return {"result": {"ok": k.ok, "err": k.err}}
        case m.ListKind():
            return {"list": k.ty}
        case m.MapKind():
            return {"map": [k.key, k.value]}
        case m.FixedLengthListKind():
            return {"fixed-length-list": [k.ty, k.size]}
        case m.FutureKind():
            return {"future": k.ty}
        case m.StreamKind():
            return {"stream": k.ty}
        case m.AliasKind():
            return {"type": k.ty}
        case m.UnknownKind():
            return "unknown"
        case _:
            assert_never(k)


def package(p: m.Package) -> dict[str, Any]:
    out: dict[str, Any] = {"name": str(p.name)}
    _docs(out, p.docs)
    out["interfaces"] = dict(p.interfaces)
    out["worlds"] = dict(p.worlds)
    return out
