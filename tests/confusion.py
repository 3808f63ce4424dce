"""Type confusion: a component of world A loaded with the host bindings of world B.

`random_world(rng)` makes a world A (named types in interface `types`, world-level exports `fN`
that forward to imports `h-fN` of the same signature, and an exported interface `api` whose
functions forward to the imported interface `host-api`); `mutate(A, rng)` makes B, a copy with one
change somewhere: a primitive swapped, a field added, removed or renamed, cases reordered, an
option dropped, a list's element changed, a resource swapped, own for borrow, a parameter added,
a result removed... (`MUTATIONS`), or a change that keeps every function's type (a type renamed,
an unused type changed: the controls). `same_contract(A, B)` says, from the model alone, whether
every function B names has the same type in A: that is when a component of A must load with B's
bindings and work, and otherwise it must be refused with `ComponentError`, never crash, hang or
return a wrong value.

`run_pairs` builds each A into a real component (WAT recipe, `components.builder`), generates B's
package, and loads the pairs in child processes (`python tests/confusion.py JOB`), so a crash is
counted, not fatal: a child that dies is replaced, and the pair it was loading is tried again
alone to confirm. Calls run with random values made from B's converters; every import is an echo
(returns its first argument, or records the arguments), so a working pair returns what it sent.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

PRIMS = [
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "string",
]


# --------------------------------------------------------------------------------------------
# The model


@dataclass
class Ty:
    kind: str  # "prim", "ref", "list", "option", "result", "tuple", "own", "borrow"
    name: str = ""  # prim: its name; ref, own, borrow: the named type's name
    args: list[Optional[Ty]] = field(default_factory=list)  # result: [ok or None, err or None]


@dataclass
class Named:
    kind: str  # "record", "variant", "enum", "flags", "resource"
    name: str
    members: list[tuple[str, Optional[Ty]]] = field(default_factory=list)  # fields, cases, names


@dataclass
class Func:
    name: str
    params: list[tuple[str, Ty]]
    result: Optional[Ty]


@dataclass
class World:
    name: str
    types: list[Named]
    funcs: list[Func]  # world-level: `export fN` and `import h-fN`
    api: list[Func]  # exported `api`, imported `host-api`


def render_ty(t: Optional[Ty]) -> str:
    assert t is not None
    if t.kind in ("prim", "ref"):
        return t.name
    if t.kind == "own":
        return t.name
    if t.kind == "borrow":
        return f"borrow<{t.name}>"
    if t.kind == "result":
        ok, err = t.args
        if ok is None and err is None:
            return "result"
        if err is None:
            return f"result<{render_ty(ok)}>"
        return f"result<{render_ty(ok) if ok is not None else '_'}, {render_ty(err)}>"
    inner = ", ".join(render_ty(a) for a in t.args)
    return f"{t.kind}<{inner}>"


def render_func(f: Func, prefix: str = "") -> str:
    params = ", ".join(f"{n}: {render_ty(t)}" for n, t in f.params)
    result = f" -> {render_ty(f.result)}" if f.result is not None else ""
    return f"{prefix}{f.name}: func({params}){result};"


def render_named(n: Named) -> str:
    if n.kind == "record":
        body = ", ".join(f"{m}: {render_ty(t)}" for m, t in n.members)
    elif n.kind == "variant":
        body = ", ".join(m if t is None else f"{m}({render_ty(t)})" for m, t in n.members)
    elif n.kind == "resource":
        return f"resource {n.name};"
    else:
        body = ", ".join(m for m, _ in n.members)
    return f"{n.kind} {n.name} {{ {body} }}"


def render(w: World) -> str:
    names = ", ".join(n.name for n in w.types)
    uses = f"  use types.{{{names}}};\n" if names else ""
    lines = ["package test:confusion;", "", "interface types {"]
    lines += [f"  {render_named(n)}" for n in w.types]
    lines += ["}", ""]
    for iface in ("api", "host-api"):
        lines += [f"interface {iface} {{", uses.rstrip("\n")] if uses else [f"interface {iface} {{"]
        lines += [f"  {render_func(f)}" for f in w.api]
        lines += ["}", ""]
    lines += [f"world {w.name} {{"]
    if uses:
        lines.append(uses.rstrip("\n"))
    lines += ["  import host-api;", "  export api;"]
    for f in w.funcs:
        lines.append(f"  {render_func(f, 'import h-')}")
        lines.append(f"  {render_func(f, 'export ')}")
    lines += ["}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Random worlds


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.types: list[Named] = []
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def ty(self, depth: int = 0, handles: bool = True) -> Ty:
        rng = self.rng
        choices = ["prim"] * 4 + ["ref"] * 2
        if depth < 3:
            choices += ["list", "option", "result", "tuple"]
        resources = [n for n in self.types if n.kind == "resource"]
        if handles and resources:
            choices += ["own", "borrow"] if depth == 0 else ["own"]
        kind = rng.choice(choices)
        values = [n for n in self.types if n.kind != "resource"]
        if kind == "ref" and not values:
            kind = "prim"
        if kind == "prim":
            return Ty("prim", rng.choice(PRIMS))
        if kind == "ref":
            return Ty("ref", rng.choice(values).name)
        if kind in ("own", "borrow"):
            return Ty(kind, rng.choice(resources).name)
        if kind in ("list", "option"):
            return Ty(kind, args=[self.ty(depth + 1, handles=False)])
        if kind == "tuple":
            return Ty(kind, args=[self.ty(depth + 1, False) for _ in range(rng.randint(1, 3))])
        ok = self.ty(depth + 1, False) if rng.random() < 0.8 else None
        err = self.ty(depth + 1, False) if rng.random() < 0.7 else None
        return Ty("result", args=[ok, err])

    def named(self) -> Named:
        rng = self.rng
        kind = rng.choice(["record", "record", "variant", "variant", "enum", "flags", "resource"])
        name = self.fresh(
            {"record": "rec", "variant": "var", "enum": "en", "flags": "fl"}.get(kind, "res")
        )
        n = rng.randint(1, 4)
        if kind == "record":
            return Named(kind, name, [(f"f{i}", self.ty(1, False)) for i in range(n)])
        if kind == "variant":
            return Named(
                kind,
                name,
                [(f"c{i}", self.ty(1, False) if rng.random() < 0.7 else None) for i in range(n)],
            )
        if kind in ("enum", "flags"):
            return Named(kind, name, [(f"k{i}", None) for i in range(n)])
        return Named(kind, name)

    def func(self, name: str) -> Func:
        rng = self.rng
        first = self.ty()
        params = [("p0", first)] + [(f"p{i}", self.ty()) for i in range(1, rng.randint(1, 3))]
        # The result, when there is one, is the first parameter's type: an echo returns it (own
        # for a borrow: a result cannot borrow).
        result = copy.deepcopy(first)
        if result.kind == "borrow":
            result.kind = "own"
        return Func(name, params, result if rng.random() < 0.75 else None)


def random_world(rng: random.Random, name: str) -> World:
    gen = Gen(rng)
    for _ in range(rng.randint(2, 6)):
        gen.types.append(gen.named())
    funcs = [gen.func(f"f{i}") for i in range(rng.randint(1, 4))]
    api = [gen.func(f"g{i}") for i in range(rng.randint(0, 3))]
    return World(name, gen.types, funcs, api)


# --------------------------------------------------------------------------------------------
# Mutations: B = A with one change


def _places(w: World) -> list[tuple[Any, int, str]]:
    """Every place a type expression sits: (container, index or key, what)."""
    out: list[tuple[Any, int, str]] = []

    def walk(t: Optional[Ty], holder: Any, key: Any) -> None:
        if t is None:
            return
        out.append((holder, key, t.kind))
        for i, a in enumerate(t.args):
            walk(a, t.args, i)

    for n in w.types:
        for i, (_, t) in enumerate(n.members):
            if t is not None:
                walk(t, ("member", n), i)
    for f in [*w.funcs, *w.api]:
        for i, (_, t) in enumerate(f.params):
            walk(t, ("param", f), i)
        if f.result is not None:
            walk(f.result, ("result", f), 0)
    return out


def _get(holder: Any, key: int) -> Ty:
    if isinstance(holder, list):
        return holder[key]  # type: ignore[no-any-return]
    where, owner = holder
    if where == "member":
        return owner.members[key][1]  # type: ignore[no-any-return]
    if where == "param":
        return owner.params[key][1]  # type: ignore[no-any-return]
    return owner.result  # type: ignore[no-any-return]


def _set(holder: Any, key: int, t: Ty) -> None:
    if isinstance(holder, list):
        holder[key] = t
        return
    where, owner = holder
    if where == "member":
        owner.members[key] = (owner.members[key][0], t)
    elif where == "param":
        owner.params[key] = (owner.params[key][0], t)
        if key == 0 and owner.result is not None and t.kind != "borrow":
            # The result follows the first parameter, so calls stay echoes (`_result_type`
            # changes the result alone).
            owner.result = copy.deepcopy(t)
    else:
        owner.result = t


def _swap_prim(w: World, rng: random.Random) -> bool:
    places = [(h, k) for h, k, kind in _places(w) if kind == "prim"]
    if not places:
        return False
    h, k = rng.choice(places)
    old = _get(h, k)
    _set(h, k, Ty("prim", rng.choice([p for p in PRIMS if p != old.name])))
    return True


def _records(w: World, kind: str) -> list[Named]:
    return [n for n in w.types if n.kind == kind]


def _field_added(w: World, rng: random.Random) -> bool:
    recs = _records(w, "record")
    if not recs:
        return False
    n = rng.choice(recs)
    n.members.insert(rng.randint(0, len(n.members)), ("added", Ty("prim", rng.choice(PRIMS))))
    return True


def _field_removed(w: World, rng: random.Random) -> bool:
    recs = [n for n in _records(w, "record") if len(n.members) > 1]
    if not recs:
        return False
    n = rng.choice(recs)
    del n.members[rng.randrange(len(n.members))]
    return True


def _member_renamed(w: World, rng: random.Random) -> bool:
    named = [n for n in w.types if n.members]
    if not named:
        return False
    n = rng.choice(named)
    i = rng.randrange(len(n.members))
    n.members[i] = ("renamed", n.members[i][1])
    return True


def _members_reordered(w: World, rng: random.Random) -> bool:
    named = [n for n in w.types if len(n.members) > 1]
    if not named:
        return False
    n = rng.choice(named)
    i = rng.randrange(len(n.members) - 1)
    n.members[i], n.members[i + 1] = n.members[i + 1], n.members[i]
    return True


def _case_added(w: World, rng: random.Random) -> bool:
    named = [n for n in w.types if n.kind in ("variant", "enum", "flags")]
    if not named:
        return False
    n = rng.choice(named)
    payload = Ty("prim", rng.choice(PRIMS)) if n.kind == "variant" and rng.random() < 0.5 else None
    n.members.append(("added", payload))
    return True


def _payload_changed(w: World, rng: random.Random) -> bool:
    variants = _records(w, "variant")
    if not variants:
        return False
    n = rng.choice(variants)
    i = rng.randrange(len(n.members))
    name, t = n.members[i]
    n.members[i] = (name, None if t is not None else Ty("prim", rng.choice(PRIMS)))
    return True


def _wrap_or_unwrap(kind: str) -> Any:
    def mutate(w: World, rng: random.Random) -> bool:
        places = [(h, k) for h, k, _ in _places(w) if _get(h, k).kind not in ("own", "borrow")]
        wrapped = [(h, k) for h, k in places if _get(h, k).kind == kind]
        if wrapped and rng.random() < 0.5:
            h, k = rng.choice(wrapped)
            inner = _get(h, k).args[0]
            assert inner is not None
            _set(h, k, inner)  # dropped
            return True
        if not places:
            return False
        h, k = rng.choice(places)
        _set(h, k, Ty(kind, args=[_get(h, k)]))  # added
        return True

    return mutate


def _element_changed(w: World, rng: random.Random) -> bool:
    places = [(h, k) for h, k, kind in _places(w) if kind in ("list", "option", "tuple")]
    if not places:
        return False
    h, k = rng.choice(places)
    t = copy.deepcopy(_get(h, k))
    i = rng.randrange(len(t.args))
    old = t.args[i]
    new = Ty("prim", rng.choice([p for p in PRIMS if old is None or p != old.name]))
    if t.kind == "tuple" and rng.random() < 0.3:
        t.args.append(new)  # an element added
    else:
        t.args[i] = new
    _set(h, k, t)
    return True


def _result_arm(w: World, rng: random.Random) -> bool:
    places = [(h, k) for h, k, kind in _places(w) if kind == "result"]
    if not places:
        return False
    h, k = rng.choice(places)
    t = copy.deepcopy(_get(h, k))
    i = rng.randrange(2)
    t.args[i] = None if t.args[i] is not None else Ty("prim", rng.choice(PRIMS))
    _set(h, k, t)
    return True


def _resource_swapped(w: World, rng: random.Random) -> bool:
    resources = [n.name for n in w.types if n.kind == "resource"]
    places = [(h, k) for h, k, kind in _places(w) if kind in ("own", "borrow")]
    if len(resources) < 2 or not places:
        return False
    h, k = rng.choice(places)
    t = _get(h, k)
    _set(h, k, Ty(t.kind, rng.choice([r for r in resources if r != t.name])))
    return True


def _handle_flipped(w: World, rng: random.Random) -> bool:
    # `borrow` only in parameters of functions: the others can only be `own`.
    places = [
        (h, k)
        for h, k, kind in _places(w)
        if kind in ("own", "borrow") and not isinstance(h, list) and h[0] == "param"
    ]
    if not places:
        return False
    h, k = rng.choice(places)
    t = _get(h, k)
    f = h[1]
    f.params[k] = (f.params[k][0], Ty("borrow" if t.kind == "own" else "own", t.name))
    return True


def _funcs(w: World) -> list[Func]:
    return [*w.funcs, *w.api]


def _param_added(w: World, rng: random.Random) -> bool:
    f = rng.choice(_funcs(w))
    f.params.insert(rng.randint(1, len(f.params)), ("added", Ty("prim", rng.choice(PRIMS))))
    return True


def _param_removed(w: World, rng: random.Random) -> bool:
    funcs = [f for f in _funcs(w) if len(f.params) > 1]
    if not funcs:
        return False
    f = rng.choice(funcs)
    del f.params[rng.randrange(1, len(f.params))]
    return True


def _param_renamed(w: World, rng: random.Random) -> bool:
    f = rng.choice(_funcs(w))
    i = rng.randrange(len(f.params))
    f.params[i] = ("renamed", f.params[i][1])
    return True


def _result_removed_or_added(w: World, rng: random.Random) -> bool:
    f = rng.choice(_funcs(w))
    f.result = None if f.result is not None else copy.deepcopy(f.params[0][1])
    return True


def _result_type(w: World, rng: random.Random) -> bool:
    funcs = [f for f in _funcs(w) if f.result is not None]
    if not funcs:
        return False
    f = rng.choice(funcs)
    f.result = Ty("prim", rng.choice([p for p in PRIMS if p != getattr(f.result, "name", "")]))
    return True


def _type_renamed(w: World, rng: random.Random) -> bool:
    """A control: names of types are not part of a type (resources aside: their name is where
    the world has them)."""
    named = [n for n in w.types if n.kind != "resource"]
    if not named:
        return False
    n = rng.choice(named)
    old, new = n.name, f"{n.name}renamed"
    n.name = new
    for h, k, kind in _places(w):
        t = _get(h, k)
        if kind == "ref" and t.name == old:
            t.name = new
    return True


MUTATIONS = {
    "primitive swapped": _swap_prim,
    "field added": _field_added,
    "field removed": _field_removed,
    "member renamed": _member_renamed,
    "members reordered": _members_reordered,
    "case added": _case_added,
    "case payload changed": _payload_changed,
    "option dropped or added": _wrap_or_unwrap("option"),
    "list dropped or added": _wrap_or_unwrap("list"),
    "element changed": _element_changed,
    "result arm changed": _result_arm,
    "resource swapped": _resource_swapped,
    "own and borrow swapped": _handle_flipped,
    "parameter added": _param_added,
    "parameter removed": _param_removed,
    "parameter renamed": _param_renamed,
    "result removed or added": _result_removed_or_added,
    "result type changed": _result_type,
    "type renamed (control)": _type_renamed,
    "identical (control)": lambda w, rng: True,
}


def mutate(w: World, rng: random.Random, name: str) -> tuple[World, str]:
    """A copy of `w` named `name` with one change (which, as the second item)."""
    kinds = list(MUTATIONS)
    rng.shuffle(kinds)
    for kind in kinds:
        b = copy.deepcopy(w)
        b.name = name
        if MUTATIONS[kind](b, rng):
            return b, kind
    raise AssertionError("no mutation applies")


# --------------------------------------------------------------------------------------------
# The oracle: the component model's type equality, from the model


def canon(t: Optional[Ty], w: World) -> str:
    if t is None:
        return "_"
    if t.kind == "ref":
        n = next(x for x in w.types if x.name == t.name)
        members = ",".join(f"{m}:{canon(mt, w)}" for m, mt in n.members)
        return f"{n.kind}{{{members}}}"
    if t.kind in ("own", "borrow"):
        return f"{t.kind}<{t.name}>"
    if t.kind == "prim":
        return t.name
    return f"{t.kind}<{','.join(canon(a, w) for a in t.args)}>"


def signature(f: Func, w: World) -> str:
    params = ",".join(f"{n}:{canon(t, w)}" for n, t in f.params)
    return f"({params})->{canon(f.result, w)}"


def same_contract(a: World, b: World) -> bool:
    """Whether every function of `b` has the same type in `a` (both have the same functions)."""
    for fa, fb in zip([*a.funcs, *a.api], [*b.funcs, *b.api]):
        if signature(fa, a) != signature(fb, b):
            return False
    resources_a = {n.name for n in a.types if n.kind == "resource"}
    resources_b = {n.name for n in b.types if n.kind == "resource"}
    return resources_a == resources_b


def valid(w: World) -> bool:
    """Whether the world is valid WIT that the recipe builds: names unique in their scope."""
    for n in w.types:
        names = [m for m, _ in n.members]
        if len(names) != len(set(names)):
            return False
    for f in _funcs(w):
        names = [p for p, _ in f.params]
        if len(names) != len(set(names)):
            return False
    return True


def has_handles(t: Optional[Ty], w: World) -> bool:
    if t is None:
        return False
    if t.kind in ("own", "borrow"):
        return True
    if t.kind == "ref":
        n = next(x for x in w.types if x.name == t.name)
        return any(has_handles(mt, w) for _, mt in n.members)
    return any(has_handles(a, w) for a in t.args)


# --------------------------------------------------------------------------------------------
# Running pairs


@dataclass
class Pair:
    component: str
    package: str  # the generated package's name (B's world, snake_case)
    mutation: str
    expect: str  # "refuse" or "work"
    funcs: list[dict[str, Any]]  # B's functions: {"attr", "imp", "result", "call", "where"}
    resources: list[str]  # B's resources (in `types`)
    wit_a: str = ""
    wit_b: str = ""


def plan(w: World) -> tuple[list[dict[str, Any]], list[str]]:
    funcs = []
    for where, fs in (("world", w.funcs), ("api", w.api)):
        for f in fs:
            funcs.append(
                {
                    "name": f.name,
                    "where": where,
                    "result": f.result is not None,
                    "call": not any(has_handles(t, w) for _, t in f.params),
                }
            )
    return funcs, [n.name for n in w.types if n.kind == "resource"]


def make_pairs(
    seed: int, worlds: int, mutants: int, out: Path, builder: Any, generate_into: Any
) -> list[Pair]:
    """`worlds` random worlds A, each built, with `mutants` B's each (generated into `out`)."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    out.mkdir(parents=True, exist_ok=True)
    for i in range(worlds):
        a = random_world(rng, f"w{seed}x{i}")
        wit_a = render(a)
        component = builder(wit_a)
        for j in range(mutants):
            b, kind = mutate(a, rng, f"w{seed}x{i}m{j}")
            if not valid(b):
                continue
            wit_b = render(b)
            package = generate_into(wit_b, out)
            funcs, resources = plan(b)
            expect = "work" if same_contract(a, b) else "refuse"
            pairs.append(
                Pair(str(component), package, kind, expect, funcs, resources, wit_a, wit_b)
            )
    return pairs


def run_pairs(pairs: list[Pair], packages: Path, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Run `pairs` in child processes; one result per pair: {"outcome": "refused" | "worked" |
    "crashed" | "hung" | "wrong" | "error", "detail": ...}."""
    job = packages / "job.json"
    job.write_text(json.dumps([dataclasses.asdict(p) for p in pairs]), encoding="utf-8")
    results: dict[int, dict[str, Any]] = {}
    start = 0
    while start < len(pairs):
        done = _child(job, packages, start, len(pairs), timeout)
        results.update(done)
        if len(done) == len(pairs) - start:
            break
        failed = start + len(done)  # the child died (or hung) on this pair: confirm it alone
        again = _child(job, packages, failed, failed + 1, timeout)
        if failed in again:
            results[failed] = again[failed]
        else:
            status = "hung" if _child.last_status == "timeout" else "crashed"  # type: ignore[attr-defined]
            results[failed] = {"outcome": status, "detail": _child.last_status}  # type: ignore[attr-defined]
        start = failed + 1
    return [results[i] for i in range(len(pairs))]


def _child(job: Path, packages: Path, start: int, stop: int, timeout: float) -> dict[int, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(packages), str(Path(__file__).parent)]))
    out: dict[int, Any] = {}
    try:
        proc = subprocess.run(
            [sys.executable, __file__, str(job), str(start), str(stop)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        _child.last_status = f"exit {proc.returncode}: {proc.stderr[-2000:]}"  # type: ignore[attr-defined]
        stdout = proc.stdout
    except subprocess.TimeoutExpired as err:
        _child.last_status = "timeout"  # type: ignore[attr-defined]
        raw = err.stdout or b""
        stdout = raw.decode() if isinstance(raw, bytes) else raw
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            index, result = json.loads(line[7:])
            out[index] = result
    return out


# --------------------------------------------------------------------------------------------
# The child: loads pairs and calls them


def value_of(conv: Any, rt: Any, rng: random.Random, depth: int = 0) -> Any:
    """A random Python value for converter `conv` of runtime module `rt`."""
    name = type(conv).__name__
    if name == "_Bool":
        return rng.random() < 0.5
    if name in ("_Int", "_U32"):
        return rng.choice(
            [conv.lo, conv.hi, 0 if conv.lo <= 0 else conv.lo, rng.randint(conv.lo, conv.hi)]
        )
    if name == "_Float":
        return rng.choice([0.0, -1.5, 2.25, 1024.0, rng.randint(-1000, 1000) / 4])
    if name == "_Char":
        return rng.choice(["a", "é", "😀", "\x00", chr(rng.randint(0x20, 0xD7FF))])
    if name == "_String":
        return rng.choice(["", "hello", "ünïcode 😀", "x" * rng.randint(0, 300)])
    if name == "_Bytes":
        return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 40)))
    if name == "List":
        n = rng.randint(0, 4 if depth < 2 else 1)
        return [value_of(conv.elem, rt, rng, depth + 1) for _ in range(n)]
    if name == "Tuple":
        return tuple(value_of(e, rt, rng, depth + 1) for e in conv.elems)
    if name == "Record":
        return conv.cls(*[value_of(c, rt, rng, depth + 1) for _, _, c in conv.fields])
    if name == "Enum":
        return rng.choice(list(conv.cls))
    if name == "Flags":
        value = conv.cls(0)
        for member in conv.cls:
            if rng.random() < 0.5:
                value |= member
        return value
    if name == "Variant":
        cls, payload = rng.choice(list(conv.by_name.values()))
        return cls() if payload is None else cls(value_of(payload, rt, rng, depth + 1))
    if name == "Option":
        if rng.random() < 0.3:
            return None
        inner = value_of(conv.payload, rt, rng, depth + 1)
        return rt.Some(inner) if conv.nested else inner
    if name == "Result":
        if rng.random() < 0.5:
            return rt.Ok(value_of(conv.ok, rt, rng, depth + 1) if conv.ok is not None else None)
        return rt.Err(value_of(conv.err, rt, rng, depth + 1) if conv.err is not None else None)
    raise AssertionError(f"no values for {name}")


def _child_main(job: Path, start: int, stop: int) -> None:
    import importlib

    pairs = json.loads(job.read_text(encoding="utf-8"))
    for index in range(start, stop):
        pair = pairs[index]
        print(f"LOADING {index}", flush=True)
        try:
            result = _run_pair(pair, importlib.import_module(pair["package"]), index)
        except BaseException as err:  # anything but a crash is reported as a result
            result = {"outcome": "error", "detail": f"{type(err).__name__}: {err}"}
        print("RESULT " + json.dumps([index, result]), flush=True)


def _run_pair(pair: dict[str, Any], pkg: Any, index: int) -> dict[str, Any]:
    import importlib
    import tempfile

    rt = pkg._rt
    rng = random.Random(index)
    record: list[tuple[Any, ...]] = []

    imports = {(s.interface, s.name): s for s in pkg._CONTRACT.imports}

    def echo(spec: Any) -> Any:
        def call(*args: Any) -> Any:
            record.append(args)
            if spec.result is None:
                return None
            if spec.unwrap:  # a `result` is returned as its ok value, or raised
                if isinstance(args[0], rt.Err):
                    raise args[0]
                return args[0].value
            return args[0]

        return call

    types = importlib.import_module(f"{pkg.__name__}.types")
    resources = {}
    for name in pair["resources"]:
        base = getattr(types, "".join(p.capitalize() for p in name.split("-")))
        resources[name] = type(base.__name__, (base,), {})
    host = type("Host", (), {})()
    host.types = type("Types", (), resources)()  # type: ignore[attr-defined]
    api = type("HostApi", (), {})()
    for f in pair["funcs"]:
        if f["where"] == "world":
            target, attr, key = host, f"h_{f['name']}", (None, f"h-{f['name']}")
        else:
            target, attr, key = api, f["name"], ("test:confusion/host-api", f["name"])
        setattr(target, attr, echo(imports[key]))
    host.host_api = api  # type: ignore[attr-defined]
    cache = Path(tempfile.gettempdir()) / "witgen-test-confusion-cache"
    cache.mkdir(mode=0o700, exist_ok=True)
    world_cls = next(
        v for v in vars(pkg).values() if isinstance(v, type) and hasattr(v, "add_to_linker")
    )
    try:
        plugin = world_cls.load(pair["component"], host, cache=cache, deadline=10.0)
    except rt.ComponentError as err:
        return {"outcome": "refused", "detail": str(err)}
    specs = {(s.interface, s.name): s for s in pkg._CONTRACT.exports}
    try:
        for f in pair["funcs"]:
            if not f["call"]:
                continue
            interface = None if f["where"] == "world" else "test:confusion/api"
            spec = specs[(interface, f["name"])]
            args = [value_of(conv, rt, rng) for _, _, conv in spec.params]
            target = plugin if f["where"] == "world" else plugin.api
            method = getattr(target, f["name"])
            record.clear()
            try:
                got = method(*args)
            except rt.Err as err:
                got = err
            if record != [tuple(args)]:
                return {
                    "outcome": "wrong",
                    "detail": f"{f['name']}: host got {record!r}, sent {args!r}",
                }
            if f["result"]:
                want = args[0]
                if spec.unwrap:
                    want = want.value if isinstance(want, rt.Ok) else want
                if got != want:
                    return {
                        "outcome": "wrong",
                        "detail": f"{f['name']}: got {got!r}, sent {args[0]!r}",
                    }
            elif got is not None:
                return {"outcome": "wrong", "detail": f"{f['name']}: returned {got!r}"}
    finally:
        plugin.close()
    return {"outcome": "worked", "detail": ""}


if __name__ == "__main__":
    _child_main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
