"""Test support: hypothesis strategies that write WIT source text.

Three kinds of input, for the property tests in `tests/property/`:

* `documents()`: random *valid* WIT documents (one file: a root package, sometimes nested package
  blocks) covering the whole language as wasm-tools 1.262 accepts it. Validity is by construction:
  every rule the generator has to respect is written next to the code that respects it, with the
  row of `shared/notes/wit-syntax-1.262.md` that states it. The generator was checked against the
  reference (`wasm-tools component wit --json --features active`), which accepts what it draws.
  Finding that out showed reference behaviour the notes do not list, each avoided where it bites:
  a `/**/` doc comment panics; a gated-off item is an error where it is not dropped wholesale
  (types of worlds and inline interfaces, resources with bodies) and an ungated type inside a
  gated-off interface or world is one too; anonymous types and foreign-type stubs are interned per
  package, so one inside a dropped item poisons its equals elsewhere; an interface pulled into a
  world twice with different `@since` gates is a "mismatch in stability".
* `mutated_documents()`: a valid document with one to three small edits (a token deleted,
  duplicated, swapped or inserted, a reference renamed, an item duplicated or dropped, a gate
  added, a `}` dropped, a number changed). These may be valid or invalid; the differential test
  lets the reference decide.
* `fuzz_text(rng)`: arbitrary text for the front end's robustness fuzz (token soup, random code
  points including forbidden ones, decoded random bytes, deep nesting). It takes a plain
  `random.Random` so that `bench/fuzz_front_end.py` can drive it without hypothesis; `fuzz_texts()`
  wraps it for hypothesis.

Everything here is test input only; nothing in `witgen` imports it.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence, TypeVar

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

T = TypeVar("T")

# --- settings profiles -----------------------------------------------------------------------
# `$WITGEN_HYPOTHESIS_PROFILE` picks one:
#   ci      (the default) the same examples on every run, no shrinking: a few seconds per test
#           even when every example fails (shrinking a 3 kB document can take minutes);
#   shrink  the same examples as `ci`, shrunk to a minimal one: to debug a CI failure locally;
#   long    many more random examples, shrunk; the example database remembers failures.
# They are registered under their own names and used by object (`@active_profile()`), never with
# `settings.load_profile`: Hypothesis has a built-in `ci` profile that it loads when `$CI` is set,
# and re-registering that name would change the settings of every other hypothesis test in the run.
_BASE = settings(
    deadline=None,  # one example runs the reference in a subprocess: timing varies
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "witgen-ci",
    _BASE,
    max_examples=150,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("witgen-shrink", settings.get_profile("witgen-ci"), phases=list(Phase))
settings.register_profile("witgen-long", _BASE, max_examples=3000)
PROFILE_ENV = "WITGEN_HYPOTHESIS_PROFILE"


def active_profile() -> settings:
    """The profile `$WITGEN_HYPOTHESIS_PROFILE` names: `ci` (the default), `shrink` or `long`."""
    name = os.environ.get(PROFILE_ENV) or "ci"
    if name not in ("ci", "shrink", "long"):
        raise ValueError(f"${PROFILE_ENV} must be `ci`, `shrink` or `long`, not {name!r}")
    return settings.get_profile(f"witgen-{name}")


# --- the vocabulary ----------------------------------------------------------------------------

# WIT.md's keywords plus the two wit-parser also reserves (notes L7). A name equal to one of these
# must be written `%name`. `get`, `set`, `since`, `unstable` are deliberately absent: not keywords.
KEYWORDS = frozenset(
    """as async bool borrow char constructor enum export f32 f64 flags from func future import
    include interface list map option own package record resource result s8 s16 s32 s64 static
    stream string tuple type u8 u16 u32 u64 use variant with world error-context _""".split()
)
PRIMITIVES = (
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
    "bool",
    "string",
)
# notes T10: the only key types a map accepts (an alias of one of them is rejected too).
MAP_KEYS = ("bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string")
ACTIVE_FEATURE = "active"  # what the tests and the reference run with (`--features active`)
INACTIVE_FEATURES = ("other", "experimental-io", "beta2")

# Name parts: plain words, words that are keywords on their own (so `%` gets exercised), words
# close to accessor syntax, and short letters so collisions are likely enough to matter.
WORDS = (
    "a",
    "b",
    "c",
    "x",
    "y",
    "z",
    "r",
    "t",
    "foo",
    "bar",
    "baz",
    "item",
    "value",
    "data",
    "size",
    "name",
    "id",
    "io",
    "http",
    "error",
    "context",
    "get",
    "set",
    "since",
    "unstable",
    "feature",
    "list",
    "map",
    "type",
    "result",
    "own",
    "borrow",
    "stream",
    "future",
    "func",
    "use",
    "with",
    "static",
    "interface",
    "world",
    "package",
    "resource",
    "enum",
    "flags",
    "record",
    "variant",
    "tuple",
    "option",
    "async",
    "constructor",
    "import",
    "export",
    "include",
    "as",
    "from",
    "bool",
    "char",
    "string",
    "u8",
    "s64",
    "f32",
    "v2",
    "x86",
    "utf8",
)
COMMENT_ALPHABET = "abcxyz XYZ019 .,:;!?-_()[]{}<>=@%'\"\téßü日本語🦀\u00a0*/"


def norm(name: str) -> str:
    """wasm-tools 1.262's uniqueness key: names differing only in case or hyphens collide (§1.7)."""
    return name.lower().replace("-", "")


# --- token streams ---------------------------------------------------------------------------


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


BEGIN = _Marker("BEGIN")  # an item starts here: a place for doc comments, and a span start
END = _Marker("END")  # the item that began at the matching BEGIN ends here
Tok = str | _Marker
Toks = list[Tok]


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_%-"


def _can_glue(left: str, right: str) -> bool:
    """True when `left` and `right` may be written with nothing between them and still lex the same.

    Two word-like tokens would merge (`u8` `->` would lex as the identifier `u8-`).
    """
    return not (_wordish(left[-1]) and _wordish(right[0]))


def _item(*parts: Iterable[Tok] | Tok) -> Toks:
    """One documented item: BEGIN, its tokens, END."""
    out: Toks = [BEGIN]
    for p in parts:
        if isinstance(p, (str, _Marker)):
            out.append(p)
        else:
            out.extend(p)
    out.append(END)
    return out


def _comma_list(items: Sequence[Toks], trailing: bool) -> Toks:
    out: Toks = []
    for i, it in enumerate(items):
        if i:
            out.append(",")
        out.extend(it)
    if trailing and items:
        out.append(",")
    return out


# --- model of what is in scope ---------------------------------------------------------------


class Scope:
    """One namespace whose names must be strongly unique (notes §1.7)."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.keys = {norm(n) for n in taken}

    def taken(self, name: str) -> bool:
        return norm(name) in self.keys

    def add(self, name: str) -> None:
        self.keys.add(norm(name))


@dataclass
class Package:
    ns: str
    name: str
    version: tuple[int, int, int] | None
    pre: str = ""
    build: str = ""
    index: int = 0
    scope: Scope = field(
        default_factory=Scope
    )  # interfaces, worlds (and, for the root, top-level uses)

    @property
    def version_text(self) -> str:
        if self.version is None:
            return ""
        v = ".".join(map(str, self.version))
        return v + (f"-{self.pre}" if self.pre else "") + (f"+{self.build}" if self.build else "")


@dataclass
class Iface:
    """An interface that later items may `use`, import or export."""

    pkg: Package
    name: str
    index: int  # position in the global dependency order: deps always have a smaller index
    types: dict[str, bool]  # the type names it offers to `use` -> whether it is a resource
    deps: set[int]  # indices of the interfaces it `use`s directly


@dataclass
class WorldInfo:
    pkg: Package
    name: str
    imports: list[str]  # plain names (functions, types, accessors, inline and named-plain imports)
    exports: list[str]


@dataclass
class TypeEnv:
    """Type names usable at one point: value types and resources (usable as handles)."""

    values: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)

    def copy(self) -> TypeEnv:
        return TypeEnv(list(self.values), list(self.resources))


@dataclass(frozen=True)
class WitDoc:
    """A generated document: its text and the character spans of its items (for mutations)."""

    text: str
    items: tuple[tuple[int, int], ...]


class _Gen:
    """Draws one valid document. Each method documents the rule it keeps."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw
        self.ifaces: list[Iface] = []
        self.worlds: list[WorldInfo] = []
        self.aliases: dict[int, str] = {}  # interface index -> its top-level `use` name in the root
        self.root: Package | None = None
        self._iface_gate: Toks | None = None  # see `iface_gate`
        # Above 0 while an item that is gated off is drawn: its types are then plain (see `ty`).
        self._dropped = 0

    @contextlib.contextmanager
    def dropped_if(self, dropped: bool) -> Iterator[None]:
        """Draw the item of this block with plain types when it is gated off (`dropped`): wasm-tools
        1.262 interns anonymous types (`list<u8>`, `tuple<...>`) per package, so one inside any
        dropped item (a type, a function, a whole interface or world) makes an equal one anywhere
        else "a reference to a type which is excluded due to its feature not being activated"."""
        self._dropped += dropped
        try:
            yield
        finally:
            self._dropped -= dropped

    # -- drawing primitives (they shrink towards 0 / False / the first choice) --

    def num(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def chance(self, percent: int) -> bool:
        return self._draw(st.integers(0, 99)) >= 100 - percent

    def pick(self, seq: Sequence[T]) -> T:
        return self._draw(st.sampled_from(seq))

    def some(self, seq: Sequence[T], most: int) -> list[T]:
        if not seq:
            return []
        n = self.num(0, min(most, len(seq)))
        return self._draw(st.permutations(list(seq)))[:n]

    def shuffle(self, seq: Sequence[T]) -> list[T]:
        return self._draw(st.permutations(list(seq))) if len(seq) > 1 else list(seq)

    # -- names --

    def part(self, first: bool) -> str:
        if self.chance(20):
            # a random part: letters and digits; only the first part must start with a letter
            # (wit-parser's validate_id accepts `a-1b`, notes L11)
            head = "abcdefghijklmnopqrstuvwxyz" if first else "abcdefghijklmnopqrstuvwxyz0123456789"
            p = self.pick(head) + self._draw(
                st.text("abcdefghijklmnopqrstuvwxyz0123456789", max_size=5)
            )
        else:
            p = self.pick(WORDS)
        # each part is all lower or all UPPER case (notes L10)
        return p.upper() if self.chance(10) else p

    def fresh(self, scope: Scope, also: Scope | None = None) -> str:
        """A name not yet taken in `scope` (nor in `also`), then taken in `scope`."""

        def free(n: str) -> bool:
            return not scope.taken(n) and not (also and also.taken(n))

        name = ""
        for _ in range(4):
            n = self.num(1, 3) if self.chance(40) else 1
            name = "-".join(self.part(i == 0) for i in range(n))
            if free(name):
                break
        else:
            # deterministic fallback so generation never loops for long
            k = 0
            while not free(f"{name}-n{k}"):
                k += 1
            name = f"{name}-n{k}"
        scope.add(name)
        return name

    def id(self, name: str) -> str:
        """How a name is written: `%` is required for keywords and allowed anywhere (notes L12)."""
        if name in KEYWORDS or self.chance(8):
            return "%" + name
        return name

    # -- versions and gates --

    def version(self) -> tuple[tuple[int, int, int], str, str]:
        v = (self.num(0, 2), self.num(0, 3), self.num(0, 12))
        pre = (
            self.pick(("", "", "", "rc.1", "alpha", "beta.2", "pre-1", "a-b.1"))
            if self.chance(25)
            else ""
        )
        build = self.pick(("", "build.5", "x-y", "20260101")) if self.chance(15) else ""
        return v, pre, build

    def older_or_equal(self, pkg: Package) -> tuple[int, int, int] | None:
        """A version a `@since` may name: not newer than the package's (notes G6). With a
        pre-release package version, only a strictly older release is older."""
        assert pkg.version is not None
        cands = []
        M, m, p = pkg.version
        for v in (
            (M, m, p),
            (M, m, max(p - 1, 0)),
            (M, 0, 0),
            (0, 0, 1),
            (0, 0, 0),
            (M, max(m - 1, 0), 3),
        ):
            if v < pkg.version or (v == pkg.version and not pkg.pre):
                cands.append(v)
        return self.pick(cands) if cands else None

    def hidden_gate(self) -> Toks:
        return ["@", "unstable", "(", "feature", "=", self.pick(INACTIVE_FEATURES), ")"]

    def gate(self, pkg: Package, *, may_hide: bool, must_hide: bool = False) -> tuple[Toks, bool]:
        """Feature-gate attributes for one item, and whether the item is hidden (dropped because
        its feature is not enabled). Callers pass `may_hide` only for items nothing refers to
        (notes G7: a reference to a dropped item is an error), and `must_hide` for the types and
        `use`s of a hidden interface or world: wasm-tools 1.262 rejects an ungated one there
        ("this type is not gated by a feature but its interface is")."""
        if must_hide:
            return self.hidden_gate(), True
        r = self.num(0, 99)
        if r < 70:
            return [], False
        if r < 85 and pkg.version is not None:
            since = self.older_or_equal(pkg)
            if since is not None:
                toks: Toks = ["@", "since", "(", "version", "=", ".".join(map(str, since)), ")"]
                if self.chance(30):
                    # notes G3: @deprecated needs @since; keep it between since and the package
                    dep = self.older_or_equal(pkg)
                    if dep is not None and dep >= since:
                        d: Toks = [
                            "@",
                            "deprecated",
                            "(",
                            "version",
                            "=",
                            ".".join(map(str, dep)),
                            ")",
                        ]
                        toks = d + toks if self.chance(30) else toks + d
                return toks, False
        if may_hide and self.chance(40):
            return self.hidden_gate(), True
        return ["@", "unstable", "(", "feature", "=", ACTIVE_FEATURE, ")"], False

    # -- types --

    def ty(
        self, env: TypeEnv, depth: int = 0, *, borrow: bool = False, plain: bool = False
    ) -> Toks:
        """A type expression. `borrow` allows `borrow<r>`: only in parameters (notes T25).

        `plain` limits it to primitives and type names, for gated-off type definitions: wasm-tools
        1.262 interns anonymous types (`list<result>`, ...) per package, so one nested in a
        dropped definition makes an equal one anywhere else "a reference to a type which is
        excluded due to its feature not being activated"."""
        r = self.num(0, 99)
        if plain or self._dropped:
            return (
                [self.id(self.pick(env.values))]
                if r >= 50 and env.values
                else [self.pick(PRIMITIVES)]
            )
        deep = depth < 3
        if r < 35 or (not deep and r < 60):
            return [self.pick(PRIMITIVES)]
        if r < 60 and env.values:
            return [self.id(self.pick(env.values))]
        if r < 64 and env.resources:
            res = self.id(self.pick(env.resources))
            k = self.num(0, 2)
            if k == 0:
                return [res]  # a bare resource name is an owned handle
            if k == 1 or not borrow:
                return ["own", "<", res, ">"]
            return ["borrow", "<", res, ">"]
        if not deep:
            return [self.pick(PRIMITIVES)]

        def sub() -> Toks:
            return self.ty(env, depth + 1, borrow=borrow)

        if r < 70:
            return ["list", "<", *sub(), ">"]
        if r < 73:
            n = self.pick(
                ("1", "4", "16", "0", "255", "65536")
            )  # notes T6: `list<u8, 0>` is accepted
            return ["list", "<", *sub(), ",", n, ">"]
        if r < 78:
            return ["option", "<", *sub(), ">"]
        if r < 84:
            k = self.num(0, 3)  # notes T8: the four result forms
            if k == 0:
                return ["result"]
            if k == 1:
                return ["result", "<", *sub(), ">"]
            if k == 2:
                return ["result", "<", "_", ",", *sub(), ">"]
            return ["result", "<", *sub(), ",", *sub(), ">"]
        if r < 89:
            elems = [sub() for _ in range(self.num(1, 3))]  # notes T9: `tuple<>` is an error
            return ["tuple", "<", *_comma_list(elems, self.chance(15)), ">"]
        if r < 92:
            return ["map", "<", self.pick(MAP_KEYS), ",", *sub(), ">"]
        if r < 98:
            # futures and streams never carry a borrow: keep their payloads borrow-free
            kind = self.pick(("future", "stream"))
            if self.chance(30):
                return [kind]
            return [kind, "<", *self.ty(env, depth + 1), ">"]
        return ["error-context"]

    def params(self, env: TypeEnv, *, method: bool) -> Toks:
        """`( a: T, ... )` with strongly unique names (notes T2); a method's own parameter list
        must not repeat the implicit `self`."""
        scope = Scope(["self"] if method else [])
        ps = [
            [self.id(self.fresh(scope)), ":", *self.ty(env, borrow=True)]
            for _ in range(self.num(0, 3))
        ]
        return ["(", *_comma_list(ps, self.chance(10)), ")"]

    def result(self, env: TypeEnv) -> Toks:
        return ["->", *self.ty(env)] if self.chance(60) else []

    def func_type(self, env: TypeEnv, *, method: bool = False) -> Toks:
        head: Toks = ["async", "func"] if self.chance(15) else ["func"]
        return [*head, *self.params(env, method=method), *self.result(env)]

    def accessor_pair(self, name: str, env: TypeEnv, static: Toks) -> tuple[Toks, Toks | None]:
        """`p: get() -> T;` and maybe `p: set(v: T);` (notes T28-T30: the getter takes nothing and
        returns a value; the setter takes exactly one value of that type and returns nothing or
        `result<_, E>`; neither is async)."""
        t = self.ty(env)
        getter: Toks = [self.id(name), ":", *static, "get", "(", ")", "->", *t]
        if not self.chance(60):
            return getter, None
        ret: Toks = []
        if self.chance(30):
            ret = ["->", "result", "<", "_", ",", *self.ty(env), ">"]
        setter: Toks = [
            self.id(name),
            ":",
            *static,
            "set",
            "(",
            self.id(self.fresh(Scope(["self"]))),
            ":",
            *t,
            ")",
            *ret,
        ]
        return getter, setter

    def typedef(self, name: str, env: TypeEnv, *, plain: bool = False) -> Toks:
        """A non-resource type definition; it may only refer to what is already in `env`, which is
        how type cycles are avoided (notes T17) while forward references still appear in the text
        (the caller shuffles the items; notes T16)."""
        k = self.num(0, 4)
        n = self.id(name)
        if k == 0:
            return ["type", n, "=", *self.ty(env, plain=plain), ";"]
        if k == 1:  # notes T11: records are never empty
            sc = Scope()
            fs = [
                [self.id(self.fresh(sc)), ":", *self.ty(env, plain=plain)]
                for _ in range(self.num(1, 4))
            ]
            return ["record", n, "{", *_comma_list(fs, self.chance(30)), "}"]
        if k == 2:
            sc = Scope()
            cs: list[Toks] = []
            for _ in range(self.num(1, 4)):
                c: Toks = [self.id(self.fresh(sc))]
                if self.chance(50):
                    c += ["(", *self.ty(env, plain=plain), ")"]
                cs.append(c)
            return ["variant", n, "{", *_comma_list(cs, self.chance(30)), "}"]
        if k == 3:
            sc = Scope()
            es: list[Toks] = [[self.id(self.fresh(sc))] for _ in range(self.num(1, 5))]
            return ["enum", n, "{", *_comma_list(es, self.chance(30)), "}"]
        sc = Scope()
        # notes T14: 1 to 32 flags
        count = self.num(1, 5) if not self.chance(5) else self.pick((31, 32))
        fl: list[Toks] = [[self.id(self.fresh(sc))] for _ in range(count)]
        return ["flags", n, "{", *_comma_list(fl, self.chance(30)), "}"]

    def resource(self, pkg: Package, name: str, env: TypeEnv) -> Toks:
        """`resource r;` or a body with at most one constructor, methods, static functions and
        accessors. Member names are strongly unique within the resource and may not repeat the
        resource's own name (notes §1.7: `[method]r.r` conflicts with `r`); a static function and a
        method never share a name (`[static]r.m` vs `[method]r.m`)."""
        n = self.id(name)
        if self.chance(30):
            return ["resource", n, ";"]
        scope = Scope([name])
        members: list[Toks] = []
        if self.chance(50):
            gate, dropped = self.gate(pkg, may_hide=True)
            with self.dropped_if(dropped):
                ctor: Toks = ["constructor", *self.params(env, method=False)]
                if self.chance(20):  # notes T21: a constructor may only return `result<r, E>`
                    ctor += ["->", "result", "<", self.id(name)]
                    ctor += [",", *self.ty(env), ">"] if self.chance(50) else [">"]
            members.append(_item(gate, ctor, ";"))
        for _ in range(self.num(0, 3)):
            m = self.fresh(scope)
            k = self.num(0, 2)
            gate, dropped = self.gate(pkg, may_hide=True)
            with self.dropped_if(dropped):
                if k == 0:
                    func = self.func_type(env, method=True)
                    members.append(_item(gate, self.id(m), ":", func, ";"))
                elif k == 1:
                    members.append(_item(gate, self.id(m), ":", "static", self.func_type(env), ";"))
                else:
                    static: Toks = ["static"] if self.chance(40) else []
                    getter, setter = self.accessor_pair(m, env, static)
                    # one gate for the pair: a setter whose getter was dropped is an error (T30)
                    members.append(_item(gate, getter, ";"))
                    if setter is not None:
                        members.append(_item(gate, setter, ";"))
        return ["resource", n, "{", *[t for m in self.shuffle(members) for t in m], "}"]

    # -- interfaces --

    def path_to(self, iface: Iface, here: Package) -> Toks:
        """How `here` names an interface: bare in its own package, through a top-level `use` alias
        or by its full `ns:pkg/name@version` path from elsewhere (notes P10)."""
        if iface.pkg is here:
            return [self.id(iface.name)]
        alias = self.aliases.get(iface.index)
        if alias is not None and here is self.root and self.chance(60):
            return [self.id(alias)]
        p = iface.pkg
        toks: Toks = [self.id(p.ns), ":", self.id(p.name), "/", self.id(iface.name)]
        if p.version is not None:
            toks += ["@", p.version_text]
        return toks

    def visible(self, here: Package, pool: Iterable[Iface]) -> list[Iface]:
        """Interfaces `here` may refer to: its own and those of packages declared before it (the
        root is last), so the package graph is acyclic."""
        return [i for i in pool if i.pkg.index <= here.index]

    def uses(
        self,
        here: Package,
        pool: list[Iface],
        scope: Scope,
        env: TypeEnv,
        *,
        hide: bool = False,
        world: bool = False,
    ) -> tuple[list[Toks], set[int]]:
        """`use path.{a, b as c};` items: the names land in `scope` and `env`. In a `world` a `use`
        imports the interface, so its gate is `iface_gate` (or none). With `hide`, every
        `use` is gated off (the caller then keeps `env` to itself) and only names an interface of
        `here`: wasm-tools 1.262 makes one stub per foreign type and package, so a gated-off `use`
        of a foreign type makes every other use of it in the package "a reference to a type which
        is excluded"."""
        items: list[Toks] = []
        deps: set[int] = set()
        pool = [i for i in self.visible(here, pool) if i.types and (i.pkg is here or not hide)]
        for iface in self.some(pool, 2):
            names: list[Toks] = []
            for t in self.some(list(iface.types), 3) or [next(iter(iface.types))]:
                if scope.taken(t) or self.chance(20):
                    local = self.fresh(scope)
                    names.append([self.id(t), "as", self.id(local)])
                else:
                    local = t
                    scope.add(t)
                    names.append([self.id(t)])
                (env.resources if iface.types[t] else env.values).append(local)
            if world and not hide:
                gate = self.iface_gate(here) if self.chance(50) else []
            else:
                gate, _ = self.gate(here, may_hide=False, must_hide=hide)
            items.append(
                _item(
                    gate,
                    "use",
                    self.path_to(iface, here),
                    ".",
                    "{",
                    _comma_list(names, self.chance(10)),
                    "}",
                    ";",
                )
            )
            deps.add(iface.index)
        return items, deps

    def interface_body(
        self, here: Package, pool: list[Iface], *, hidden: bool = False, inline: bool = False
    ) -> tuple[Toks, dict[str, bool], set[int]]:
        """The items of an interface (named or inline), the type names it offers, its deps.

        In a `hidden` interface every type and `use` is gated off too (see `gate`); being dropped
        together with the interface, they may still refer to each other. In a visible `inline`
        interface no type is gated off: wasm-tools 1.262 rejects one there even unreferenced."""
        with self.dropped_if(hidden):
            return self._interface_body(here, pool, hidden=hidden, inline=inline)

    def _interface_body(
        self, here: Package, pool: list[Iface], *, hidden: bool, inline: bool
    ) -> tuple[Toks, dict[str, bool], set[int]]:
        scope = Scope()
        env = TypeEnv()
        items, deps = self.uses(here, pool, scope, env, hide=hidden)
        offered = {n: False for n in env.values} | {n: True for n in env.resources}
        resources = [self.fresh(scope) for _ in range(self.num(0, 2))]
        env.resources += resources
        offered |= {r: True for r in resources}
        for _ in range(self.num(0, 5)):
            name = self.fresh(scope)
            gate, dropped = self.gate(here, may_hide=not inline, must_hide=hidden)
            items.append(_item(gate, self.typedef(name, env, plain=dropped)))
            if hidden or not dropped:
                env.values.append(name)
                offered[name] = False
        for r in resources:
            # a gated-off resource with a body is an error where it is not dropped wholesale
            gate, _ = self.gate(here, may_hide=False, must_hide=hidden)
            items.append(_item(gate, self.resource(here, r, env)))
        for _ in range(self.num(0, 4)):
            name = self.fresh(scope)
            gate, dropped = self.gate(here, may_hide=True)
            with self.dropped_if(dropped):
                if self.chance(80):
                    items.append(_item(gate, self.id(name), ":", self.func_type(env), ";"))
                else:
                    getter, setter = self.accessor_pair(name, env, [])
                    items.append(_item(gate, getter, ";"))
                    if setter is not None:
                        items.append(_item(gate, setter, ";"))
        return [t for it in self.shuffle(items) for t in it], offered, deps

    def interface(self, pkg: Package) -> Toks:
        name = self.fresh(pkg.scope)
        gate, hidden = self.gate(pkg, may_hide=True)
        body, offered, deps = self.interface_body(pkg, self.ifaces, hidden=hidden)
        if not hidden:
            self.ifaces.append(Iface(pkg, name, len(self.ifaces), offered, deps))
        return _item(gate, "interface", self.id(name), "{", body, "}")

    def closure(self, idx: int) -> set[int]:
        """`idx` and every interface it depends on, transitively."""
        seen, todo = set(), [idx]
        while todo:
            i = todo.pop()
            if i not in seen:
                seen.add(i)
                todo += self.ifaces[i].deps
        return seen

    # -- worlds --

    def iface_gate(self, pkg: Package) -> Toks:
        """The one gate of every import or export of an interface in the document.

        An interface imported implicitly (as a dependency) takes the stability of the item that
        pulled it in; when an include then meets it with a different explicit gate, wasm-tools
        1.262 fails with "mismatch in stability". One gate for all (or none) cannot mismatch."""
        if self._iface_gate is None:
            self._iface_gate = self.gate(pkg, may_hide=False)[0]
        return self._iface_gate

    def world(self, pkg: Package, split: int) -> Toks:
        """One world. Interfaces with index < `split` may be imported, the others exported; `split`
        is the same for every world of the document, so includes never mix the two (notes W16,
        W17: an import may not depend on an export; the non-exported deps of an export become
        imports, so an exported interface's deps at or past `split` are exported with it)."""
        name = self.fresh(pkg.scope)
        world_gate, hidden = self.gate(pkg, may_hide=True)
        with self.dropped_if(hidden):
            return self._world_body(pkg, split, name, world_gate, hidden)

    def _world_body(
        self, pkg: Package, split: int, name: str, world_gate: Toks, hidden: bool
    ) -> Toks:
        imports, exports = Scope(), Scope()
        import_names: list[str] = []
        export_names: list[str] = []
        items: list[Toks] = []
        visible = self.visible(pkg, self.ifaces)
        importable = [i for i in visible if i.index < split]
        exportable = [i for i in visible if i.index >= split]

        # includes first: they fix names this world's own items must then avoid (notes W13:
        # plain names are not de-duplicated across includes; `with` renames them, W11)
        # `import_names` and `export_names` list only the names that stay (a later include may
        # rename only those: "no import or export kebab-name"); the scopes reserve them all.
        for w in self.some([w for w in self.worlds if w.pkg is pkg], 2):
            gate, dropped = self.gate(pkg, may_hide=True)
            renames: list[Toks] = []
            for n in dict.fromkeys(w.imports + w.exports):
                into = [
                    (scope, names)
                    for scope, names, src in (
                        (imports, import_names, w.imports),
                        (exports, export_names, w.exports),
                    )
                    if n in src
                ]
                if any(scope.taken(n) for scope, _ in into) or self.chance(10):
                    # one `with` rename applies to both directions: fresh in both namespaces
                    target = self.fresh(imports, also=exports)
                    exports.add(target)
                    renames.append([self.id(n), "as", self.id(target)])
                else:
                    target = n
                for scope, names in into:
                    scope.add(target)
                    if not dropped:
                        names.append(target)
            tail: Toks = [";"]
            if renames:
                tail = ["with", "{", *_comma_list(renames, False), "}"]
            items.append(_item(gate, "include", self.id(w.name), tail))

        # In a hidden world the types and `use`s are gated off as well (see `gate`) and, unlike in
        # an interface, a world function may not refer to a gated-off type even when both are
        # dropped: so they stay out of `env`.
        env = TypeEnv()
        used = TypeEnv()
        use_items, _ = self.uses(pkg, importable, imports, used, hide=hidden, world=True)
        items += use_items
        import_names += used.values + used.resources
        if not hidden:
            env = used
        resources = [self.fresh(imports) for _ in range(0 if hidden else self.num(0, 1))]
        import_names += resources
        env.resources += resources
        for _ in range(self.num(0, 3)):
            n = self.fresh(imports)
            import_names.append(n)
            # a gated-off type in a world that stays is an error even when nothing refers to it
            gate, dropped = self.gate(pkg, may_hide=False, must_hide=hidden)
            items.append(_item(gate, self.typedef(n, env, plain=dropped)))
            if not dropped:
                env.values.append(n)
        for r in resources:
            gate, _ = self.gate(pkg, may_hide=False)
            items.append(_item(gate, self.resource(pkg, r, env)))

        seen: set[int] = set()

        def named(kw: str, iface: Iface) -> None:
            if iface.index not in seen:
                seen.add(iface.index)
                items.append(_item(self.iface_gate(pkg), kw, self.path_to(iface, pkg), ";"))

        for iface in self.some(importable, 3):
            named("import", iface)
        for iface in self.some(exportable, 2):
            for dep in sorted(self.closure(iface.index)):
                if dep >= split:
                    named("export", self.ifaces[dep])

        for kw, scope, names, pool in (
            ("import", imports, import_names, importable),
            ("export", exports, export_names, exportable),
        ):
            for _ in range(self.num(0, 4)):
                n = self.fresh(scope)
                k = self.num(0, 9)
                # a plain name implementing an interface is never gated off: its deps may be
                # exports this world needs
                gate, dropped = self.gate(pkg, may_hide=k < 9)
                if not dropped:
                    names.append(n)
                    if k >= 7:  # an interface: see `iface_gate`
                        gate = self.iface_gate(pkg)
                if k < 5:
                    with self.dropped_if(dropped):
                        func = self.func_type(env)
                    items.append(_item(gate, kw, self.id(n), ":", func, ";"))
                elif k < 7:
                    with self.dropped_if(dropped):
                        getter, setter = self.accessor_pair(n, env, [])
                    items.append(_item(gate, kw, getter, ";"))
                    if setter is not None:
                        items.append(_item(gate, kw, setter, ";"))
                elif k < 9 or not pool:
                    # an inline interface only uses importable interfaces (see the docstring)
                    body, _, _ = self.interface_body(pkg, importable, hidden=dropped, inline=True)
                    items.append(_item(gate, kw, self.id(n), ":", "interface", "{", body, "}"))
                else:
                    # notes W4: a plain name implementing an interface
                    iface = self.pick(pool)
                    items.append(_item(gate, kw, self.id(n), ":", self.path_to(iface, pkg), ";"))
                    if kw == "export":
                        for dep in sorted(self.closure(iface.index) - {iface.index}):
                            if dep >= split:
                                named("export", self.ifaces[dep])

        if not hidden:
            self.worlds.append(WorldInfo(pkg, name, import_names, export_names))
        return _item(
            world_gate,
            "world",
            self.id(name),
            "{",
            [t for it in self.shuffle(items) for t in it],
            "}",
        )

    # -- the document --

    def package(self, index: int, taken: Scope) -> Package:
        ns, name = self.fresh(Scope()), self.fresh(taken)
        version = None
        pre = build = ""
        if self.chance(50):
            version, pre, build = self.version()
        return Package(ns, name, version, pre, build, index)

    def header(self, pkg: Package) -> Toks:
        toks: Toks = ["package", self.id(pkg.ns), ":", self.id(pkg.name)]
        if pkg.version is not None:
            toks += ["@", pkg.version_text]
        return toks

    def document(self) -> list[Tok]:
        pkg_names = Scope()
        nested = [
            self.package(i, pkg_names) for i in range(self.num(0, 2) if self.chance(30) else 0)
        ]
        root = self.root = self.package(len(nested), pkg_names)
        blocks: list[Toks] = []
        for pkg in nested:
            ifs = [self.interface(pkg) for _ in range(self.num(1, 2))]
            blocks.append(_item(self.header(pkg), "{", [t for i in ifs for t in i], "}"))

        # top-level `use` of foreign interfaces (notes P8, P9): the alias shares the root's scope
        tops: list[Toks] = []
        for iface in self.some(self.ifaces, 2):
            if self.chance(50) and not root.scope.taken(iface.name):
                root.scope.add(iface.name)
                alias, tail = iface.name, []
            else:
                alias = self.fresh(root.scope)
                tail = ["as", self.id(alias)]
            full = self.path_to(iface, root)  # before the alias exists: the full path
            self.aliases[iface.index] = alias
            tops.append(_item("use", full, tail, ";"))

        items: list[Toks] = [self.interface(root) for _ in range(self.num(0, 4))]
        split = self.num(0, len(self.ifaces))
        items += [self.world(root, split) for _ in range(self.num(0, 3))]
        if not items or self.chance(10):
            items.append(self.interface(root))
        body = [t for it in self.shuffle(tops + items + blocks) for t in it]
        # the header is no item: a duplicated header would drown the mutations in one error
        return [*self.header(root), ";", *body]

    # -- rendering --

    def render(self, toks: list[Tok]) -> WitDoc:
        """Join the tokens. The layout is one draw: single spaces (what shrinking goes to), a
        plain one-item-per-line layout, or a seeded random one (whitespace, CRLF, comments of
        every kind, doc comments before items); a seed keeps the draws, and so generation, cheap."""
        mode = self.num(0, 9)
        if mode == 0:
            layout: _Layout = _Spaces()
        elif mode == 1:
            layout = _Lines()
        else:
            layout = _RandomLayout(random.Random(self.num(0, 2**32 - 1)))
        out: list[str] = []
        pos = 0
        starts: list[int] = []
        spans: list[tuple[int, int]] = []
        prev = ""
        pending_doc = False
        for t in toks:
            if t is BEGIN:
                pending_doc = True
                starts.append(-1)
                continue
            if t is END:
                start = starts.pop()
                if start >= 0:
                    spans.append((start, pos))
                continue
            assert isinstance(t, str)
            s = layout.separator(prev, t, pending_doc)
            out.append(s)
            pos += len(s)
            pending_doc = False
            # the first token after BEGIN(s) starts those items
            starts = [pos if s < 0 else s for s in starts]
            out.append(t)
            pos += len(t)
            prev = t
        out.append(layout.tail())
        return WitDoc("".join(out), tuple(spans))


class _Layout:
    def separator(self, left: str, right: str, doc_slot: bool) -> str:
        """What goes between `left` and `right` ("" before the first token)."""
        raise NotImplementedError

    def tail(self) -> str:
        return "\n"


class _Spaces(_Layout):
    def separator(self, left: str, right: str, doc_slot: bool) -> str:
        return " " if left else ""


class _Lines(_Layout):
    def separator(self, left: str, right: str, doc_slot: bool) -> str:
        if not left:
            return ""
        return "\n" if left in (";", "{", "}") or (doc_slot and left != "{") else " "


class _RandomLayout(_Layout):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.crlf = rng.random() < 0.3  # CRLF files, and some mixed ones

    def newline(self) -> str:
        # notes L2: CRLF is folded; a lone CR is an error, so it is never produced
        r = self.rng
        nl = "\r\n" if self.crlf and r.random() < 0.9 else "\n"
        return nl + r.choice(("", "  ", "\t", "    "))

    def comment_text(self, block: bool) -> str:
        r = self.rng
        text = "".join(r.choices(COMMENT_ALPHABET, k=r.randrange(0, 25)))
        if block:
            # nesting is produced on purpose below, never by accident
            while "*/" in text or "/*" in text:
                text = text.replace("*/", "* ").replace("/*", "/ ")
            if r.random() < 0.15:
                text = f"{text} /* nested {self.comment_text(True)} */ tail"
            if r.random() < 0.15:
                text = text.replace(" ", self.newline() + " * ", 1)
            # `/*` + `/x` would close at once as `/**/`; `x/` + `*/` would open a nested comment
            if text.startswith("/"):
                text = " " + text
            if text.endswith("/"):
                text += " "
        return text

    def comment(self) -> tuple[str, bool]:
        """A comment and whether it is a line comment (which needs a line break after it)."""
        r = self.rng
        k = r.randrange(6)
        if k == 0:
            return "///" + self.comment_text(False), True
        if k == 1:
            return "//" + self.comment_text(False), True
        if k == 2:
            return "/**" + self.comment_text(True) + "*/", False
        if k == 3:
            # never `/**/`: as a doc comment it makes wasm-tools 1.262 panic (resolve.rs docs)
            return "/*" + (self.comment_text(True) or " ") + "*/", False
        if k == 4:
            return r.choice(("/***/", "///", "//", "/** */", "////x")), True
        return "/// " + self.comment_text(False), True

    def separator(self, left: str, right: str, doc_slot: bool) -> str:
        r = self.rng
        if doc_slot and r.random() < 0.35:
            # comments before an item are its docs (notes D), before `package` the package's
            out = self.newline() if left else ""
            for _ in range(r.randrange(1, 4)):
                text, line = self.comment()
                out += text + (self.newline() if line or r.random() < 0.5 else " ")
            return out
        if not left:
            return ""
        x = r.randrange(100)
        if x < 55:
            return " "
        if x < 72:
            return self.newline()
        if x < 80:
            return "" if _can_glue(left, right) else " "
        if x < 86:
            return r.choice(("\t", "  ", " \t "))
        if x < 92:
            return self.newline() + self.newline()
        text, line = self.comment()
        # a comment right after a `/` would lex as a longer comment opener
        lead = " " if left.endswith("/") or r.random() < 0.5 else ""
        return lead + text + (self.newline() if line else r.choice((" ", "")))

    def tail(self) -> str:
        r = self.rng
        if r.random() < 0.1:
            text, line = self.comment()
            return self.newline() + text + ("\n" if line else "")
        return r.choice(("", "\n", "\r\n" if self.crlf else "\n", "\n\n"))


@st.composite
def documents(draw: st.DrawFn) -> WitDoc:
    """A random valid WIT document (see the module docstring)."""
    g = _Gen(draw)
    return g.render(g.document())


# --- mutations ---------------------------------------------------------------------------------

# A rough lexer, good enough to pick edit points: comments, whitespace, words (with `%`),
# `->`, any other single character.
_LEX = re.compile(r"/\*.*?\*/|//[^\n]*|\s+|%?[A-Za-z0-9_][A-Za-z0-9_.+-]*|->|.", re.S)
_INSERTS = (
    "}",
    "{",
    ";",
    ",",
    ":",
    "<",
    ">",
    "(",
    ")",
    "->",
    "=",
    ".",
    "/",
    "@",
    "*",
    "_",
    "%",
    "func",
    "use",
    "type",
    "record",
    "resource",
    "interface",
    "world",
    "import",
    "export",
    "include",
    "static",
    "constructor",
    "borrow<",
    "own<",
    "list<u8",
    "result<",
    "as",
    "with",
    "package",
    "async",
    "get",
    "set",
    "@since(version = 9.0.0)",
    "@unstable(feature = x)",
    "@deprecated(version = 0.0.1)",
    "%",
    "u8",
    "0",
    "1.0.0",
    "\u202e",
    "/*",
    "//",
    "\r",
    "enum e { a }",
    "flags f {}",
    "record r {}",
    "tuple<>",
    "map<f32, u8>",
    "-",
    "--",
)


_GATES = (
    "@unstable(feature = other)",
    "@unstable(feature = active)",
    "@since(version = 0.0.1)",
    "@since(version = 0.0.1) @deprecated(version = 0.0.1)",
    "@deprecated(version = 0.0.1)",
    '@external-id("x")',
)


def _lex(text: str) -> list[str]:
    return _LEX.findall(text)


def _is_code(tok: str) -> bool:
    return not tok.isspace() and not tok.startswith(("//", "/*"))


@st.composite
def mutation(draw: st.DrawFn, doc: WitDoc) -> str:
    """One small edit of a generated document's text."""
    text = doc.text
    kind = draw(st.integers(0, 9))
    if kind == 0 and doc.items:  # duplicate an item in place
        a, b = draw(st.sampled_from(doc.items))
        return text[:b] + " " + text[a:b] + text[b:]
    if kind == 1 and doc.items:  # drop an item
        a, b = draw(st.sampled_from(doc.items))
        return text[:a] + text[b:]
    if kind == 9 and doc.items:  # gate an item off, or on, or with a version
        a, _ = draw(st.sampled_from(doc.items))
        gate = draw(st.sampled_from(_GATES))
        return text[:a] + gate + " " + text[a:]
    toks = _lex(text)
    code = [i for i, t in enumerate(toks) if _is_code(t)]
    i = draw(st.sampled_from(code))
    if kind == 2:  # delete a token
        toks[i] = ""
    elif kind == 3:  # duplicate a token
        toks[i] = toks[i] + " " + toks[i]
    elif kind == 4:  # swap with the next code token
        later = [j for j in code if j > i]
        if later:
            j = later[0]
            toks[i], toks[j] = toks[j], toks[i]
    elif kind == 5:  # insert a keyword or punctuation
        toks[i] = draw(st.sampled_from(_INSERTS)) + " " + toks[i]
    elif kind == 6:  # rename a reference: to another name of the document, or a near twin
        words = sorted({t.lstrip("%") for t in toks if re.fullmatch(r"%?[a-zA-Z][a-zA-Z0-9-]*", t)})
        idents = [j for j in code if re.fullmatch(r"%?[a-zA-Z][a-zA-Z0-9-]*", toks[j])]
        if idents:
            j = draw(st.sampled_from(idents))
            old = toks[j].lstrip("%")
            new = draw(
                st.sampled_from(
                    [
                        *words,
                        old.upper(),
                        old + "-x",
                        old.replace("-", ""),
                        old + "2",
                        "nope",
                        "%" + old,
                    ]
                )
            )
            toks[j] = new
    elif kind == 7:  # drop a closing brace
        braces = [j for j in code if toks[j] == "}"]
        if braces:
            toks[draw(st.sampled_from(braces))] = ""
    else:  # change a number or a version
        nums = [j for j in code if re.fullmatch(r"[0-9][0-9.a-z+-]*", toks[j])]
        if nums:
            j = draw(st.sampled_from(nums))
            toks[j] = draw(
                st.sampled_from(("0", "99.0.0", "1.0", "4294967296", "1.0.0-", "01.0.0"))
            )
    return "".join(toks)


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """A valid document with one to three small edits; the result may be valid or not."""
    doc = draw(documents())
    text = draw(mutation(doc))
    for _ in range(draw(st.integers(0, 2))):
        text = draw(mutation(WitDoc(text, ())))
    return text


# --- fuzz input ----------------------------------------------------------------------------------

_FUZZ_TOKENS = (
    "package",
    "a:b",
    "a:b@1.0.0",
    "interface",
    "world",
    "use",
    "import",
    "export",
    "include",
    "with",
    "as",
    "func",
    "async",
    "static",
    "constructor",
    "resource",
    "record",
    "variant",
    "enum",
    "flags",
    "type",
    "list",
    "option",
    "result",
    "tuple",
    "map",
    "future",
    "stream",
    "own",
    "borrow",
    "error-context",
    "get",
    "set",
    "u8",
    "u32",
    "string",
    "char",
    "bool",
    "f64",
    "_",
    "x",
    "foo-bar",
    "%type",
    "%",
    "FOO",
    "a-1b",
    "a--b",
    "fooBar",
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    ";",
    ":",
    ",",
    ".",
    "/",
    "=",
    "->",
    "-",
    "+",
    "*",
    "@",
    "@since",
    "@unstable",
    "@deprecated",
    "@external-id",
    "version",
    "feature",
    "0",
    "1",
    "4294967296",
    "1.0.0",
    "1.0.0-rc.1+b",
    '"s"',
    '"\\u{7fff}"',
    '"\\q"',
    "//",
    "///",
    "/*",
    "*/",
    "/**",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\u202e",
    "\x00",
    "é",
)
_FORBIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5"
_SNIPPETS = (
    "package a:b;\ninterface i { f: func(a: u8) -> result<string, u32>; }\n",
    "package a:b@1.0.0;\nworld w { import x: func(); export y: interface { type t = u8; } }\n",
    "package a:b;\ninterface i { resource r { constructor(); m: func(); s: static func() -> r; } }\n",
    "package a:b;\ninterface i { record r { a: list<u8, 4>, b: map<string, u8> } use j.{t}; }\n",
    "package a:b;\ninterface j { type t = u8; p: get() -> u8; p: set(v: u8); }\nworld w { include v; }\n",
)


def _code_point(rng: random.Random) -> str:
    """Any code point but a surrogate (a decoded file cannot contain one)."""
    r = rng.random()
    if r < 0.15:
        return rng.choice(_FORBIDDEN)
    if r < 0.3:
        return chr(rng.randrange(0x00, 0x20))
    if r < 0.7:
        return chr(rng.randrange(0x20, 0x7F))
    while True:
        c = rng.randrange(0x80, 0x110000)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def deep_texts(depth: int, closed: bool = True) -> list[str]:
    """Very deep constructs, one per kind (recursion in any stage must not escape as an error).

    Chains of names (aliases, `use`s) are capped at 3000 links: that is past Python's recursion
    limit already, and longer ones only cost parse time."""
    n = min(depth, 3000)
    c = 1 if closed else 0
    chain = "".join(f"type t{i} = t{i + 1};\n" for i in range(n))
    ifs = "".join(f"interface i{k} {{ use i{k + 1}.{{t}}; }}\n" for k in range(n))
    return [
        "package a:b; interface i { type t = " + "list<" * depth + "u8" + ">" * depth * c + "; }",
        "package a:b; interface i { type t = "
        + "option<tuple<" * depth
        + "u8"
        + ">>" * depth * c
        + "; }",
        "package a:b;\n" + "/*" * depth + " */" * depth * c + "\ninterface i {}",
        "package a:b; interface i {" + "{" * depth + "}" * depth * c,
        "package a:b; interface i { f: func(" + "a: result<" * depth + ") }",
        "package a:b; world w { include " + "x with { " * depth + " }" * depth * c,
        # deep only for a resolver that follows a chain recursively
        f"package a:b; interface i {{\n{chain}type t{n} = u8;\n}}",
        f"package a:b;\n{ifs}interface i{n} {{ type t = u8; }}",
        "package a:b; interface i { record r { a: " + "r2, b: " * n + "u8 } }",
    ]


def fuzz_text(rng: random.Random, *, max_depth: int = 2000) -> str:
    """One input for the front-end fuzz: anything at all, biased towards near-WIT text."""
    mode = rng.randrange(10)
    if mode < 4:  # token soup, often after a valid header so later stages see it too
        n = rng.randrange(1, 60)
        toks = [rng.choice(_FUZZ_TOKENS) for _ in range(n)]
        head = "package a:b;\n" if rng.random() < 0.5 else ""
        return head + "".join(t + rng.choice((" ", "", "\n")) for t in toks)
    if mode < 6:  # a valid snippet with a few random code points spliced in or characters removed
        s = list(rng.choice(_SNIPPETS))
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(s) + 1)
            if rng.random() < 0.5 and i < len(s):
                del s[i]
            else:
                s.insert(i, _code_point(rng) if rng.random() < 0.5 else rng.choice(_FUZZ_TOKENS))
        return "".join(s)
    if mode < 7:  # random code points
        return "".join(_code_point(rng) for _ in range(rng.randrange(0, 80)))
    if mode < 8:  # random bytes, decoded the way a loader might (lossy, so surrogate-free)
        data = rng.randbytes(rng.randrange(0, 120))
        return (
            data.decode("utf-8", errors="replace") if rng.random() < 0.5 else data.decode("latin-1")
        )
    if mode < 9:
        return rng.choice(
            deep_texts(rng.choice((10, 100, 1000, max_depth)), closed=rng.random() < 0.7)
        )
    # a comment or string that never ends, or that ends in odd places
    return rng.choice(
        ("package a:b; /* ", "package a:b; // x", 'package a:b; @external-id("', "/**/*/")
    ) + ("".join(_code_point(rng) for _ in range(rng.randrange(0, 20))))


def fuzz_texts(max_depth: int = 2000) -> st.SearchStrategy[str]:
    """`fuzz_text` as a hypothesis strategy (its random choices are recorded, so it shrinks)."""
    return st.randoms(use_true_random=False).map(lambda rng: fuzz_text(rng, max_depth=max_depth))
