"""`witgen build`, step 2: a plugin module read without running it, its mistakes reported.

In: the module's source and what it must implement (`Expected`: one per base class of the guest
package: the world's, each exported interface's, each exported resource's). Out: `Problem`s, each
at a 1-based line and column, in source order; none means the module has what componentize-py's
pre-initialisation will look for, so a slow build is worth starting.

The module is parsed (`ast`), never imported. Names are followed the way Python binds them at the
top level of a module: imports (`import a.b`, `import a.b as x`, `from a import b`, `from a import
*`), class statements and plain aliases (`Base = Plugin`); branches of `if`/`try`/`for`/`while`/
`match` may each bind a name differently, so a name can stand for several things at once (the
`try: from x import Plugin / except ImportError: ...` idiom). A class implements an `Expected` when
one of its bases is the guest class, directly or through classes of the module; the
implementation is the most-derived one (a class the module subclasses again is only a step on the
way). Members are looked up along the class's bases as Python would (most-derived first); a base
from outside the module (other than the guest class, `object`, `abc.ABC`, `typing.Generic` and
`typing.Protocol`) may provide anything, so then nothing is reported missing. Messages name
functions as the WIT declares them (`describe_export`: "static function `zero` of resource
`counter` ...", never the encoded `[static]counter.zero`) and stay on one line.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence, TypeAlias


@dataclass(frozen=True)
class Expected:
    """A base class of the guest package that the plugin must subclass once."""

    base: str  # the class name in the guest package: "Plugin", "Tools", "Counter"
    module: str  # where it is defined: "plugin_guest", "rich_guest.exports", ...
    what: str  # how messages name what it stands for: "world `plugin`", "interface `tools`"
    methods: dict[str, int]  # name -> parameters after `self` ("__init__": a constructor)
    statics: dict[str, int] = field(default_factory=dict)  # static functions -> parameters
    exports: dict[str, str] = field(default_factory=dict)  # Python name -> WIT name, for messages
    # Other dotted paths of the same class object, e.g. ("rich_guest.exports.tools.Exports",)
    # for `rich_guest.exports.Tools` (`exports/__init__.py` imports it under that name).
    aliases: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return (f"{self.module}.{self.base}", *self.aliases)


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based
    col: int  # 1-based, in characters
    message: str


def check_plugin(source: str, filename: str, expected: list[Expected]) -> list[Problem]:
    """The mistakes of the plugin module `source` (read from `filename`), in source order."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d": not ours to report
            tree = ast.parse(source, filename)
    except SyntaxError as err:
        line = err.lineno or 1
        col = err.offset if err.lineno and err.offset else 1
        return [Problem(line, col, f"invalid Python syntax: {err.msg}")]
    except (ValueError, RecursionError, MemoryError) as err:
        # Null bytes (ValueError before Python 3.12), or nesting too deep for the parser.
        return [Problem(1, 1, f"invalid Python syntax: {str(err) or 'too deeply nested'}")]
    try:
        return _Checker(tree, expected).run()
    except RecursionError:  # only a pathological module nests that deep (it parsed, just)
        return [Problem(1, 1, "the module is nested too deeply to be checked")]


# --- What names stand for ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """Something outside the module, by its dotted path: "plugin_guest.Plugin", "object"."""

    dotted: str


@dataclass(frozen=True)
class _Unknown:
    """Anything else: a value computed at run time, a relative import, a function."""


_UNKNOWN = _Unknown()

_FuncDef: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef
# A member of a class body: its `def`, or None when it is bound some other way (`run = f`).
_Member: TypeAlias = _FuncDef | None


@dataclass(eq=False)
class _Class:
    """A class statement of the module."""

    node: ast.ClassDef
    bases: list[tuple[_Ref, ...]]  # per base expression, everything it may stand for
    members: dict[str, _Member]
    # What a class decorator may add: None (nothing), "__init__" (a dataclass), "*" (anything).
    decorated: str | None


_Ref: TypeAlias = _Path | _Unknown | _Class
_Env: TypeAlias = dict[str, tuple[_Ref, ...]]

# Bases outside the module known to provide none of a plugin's methods.
_EMPTY_BASES = {
    "object",
    "builtins.object",
    "abc.ABC",
    "typing.Generic",
    "typing.Protocol",
    "typing_extensions.Generic",
    "typing_extensions.Protocol",
}


def _merge(*envs: _Env) -> _Env:
    """The bindings after branches that bound names differently: every possibility, in order."""
    out: _Env = {}
    for env in envs:
        for name, refs in env.items():
            out[name] = _unique(out.get(name, ()) + refs)
    return out


def _unique(refs: Iterable[_Ref]) -> tuple[_Ref, ...]:
    out: list[_Ref] = []
    for r in refs:
        if r not in out:
            out.append(r)
    return tuple(out)


def _stored_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id


def _last_name(expr: ast.expr) -> str | None:
    """`staticmethod` for `staticmethod`, `functools.cache` -> `cache`, `lru_cache(8)` ->
    `lru_cache`, `x.setter` -> `setter`."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


class _Scanner:
    """Walks the module's top level in order, binding names and collecting class statements."""

    def __init__(self) -> None:
        self.classes: list[_Class] = []
        self.stars: list[str] = []  # modules of `from m import *`, in order

    def block(self, stmts: Sequence[ast.stmt], env: _Env) -> _Env:
        for stmt in stmts:
            env = self.stmt(stmt, env)
        return env

    def stmt(self, s: ast.stmt, env: _Env) -> _Env:
        """The bindings after `s`; `env` (the bindings before) may be changed in place."""
        if isinstance(s, ast.Import):
            for alias in s.names:
                if alias.asname is not None:
                    env[alias.asname] = (_Path(alias.name),)
                else:
                    top = alias.name.split(".")[0]
                    env[top] = (_Path(top),)
        elif isinstance(s, ast.ImportFrom):
            for alias in s.names:
                if s.level or s.module is None:  # relative: not followed
                    if alias.name != "*":
                        env[alias.asname or alias.name] = (_UNKNOWN,)
                elif alias.name == "*":
                    self.stars.append(s.module)
                else:
                    env[alias.asname or alias.name] = (_Path(f"{s.module}.{alias.name}"),)
        elif isinstance(s, ast.ClassDef):
            cls = _Class(
                s,
                [self.resolve(b, env) for b in s.bases],
                _members(s.body),
                _decorated(s.decorator_list),
            )
            self.classes.append(cls)
            env[s.name] = (cls,)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            env[s.name] = (_UNKNOWN,)
        elif isinstance(s, (ast.Assign, ast.AnnAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            if s.value is None:
                return env  # `x: int` binds nothing
            # `Base = Plugin` makes an alias; anything else computes a value.
            if isinstance(s.value, (ast.Name, ast.Attribute)):
                value = self.resolve(s.value, env)
            else:
                value = (_UNKNOWN,)
            for target in targets:
                if isinstance(target, ast.Name):
                    env[target.id] = value
                else:
                    env.update((name, (_UNKNOWN,)) for name in _stored_names(target))
        elif isinstance(s, ast.AugAssign):
            env.update((name, (_UNKNOWN,)) for name in _stored_names(s.target))
        elif isinstance(s, ast.If):
            return _merge(self.block(s.body, dict(env)), self.block(s.orelse, dict(env)))
        elif isinstance(s, (ast.Try, ast.TryStar)):
            done = self.block(s.orelse, self.block(s.body, dict(env)))
            # A handler starts anywhere in the body: with the bindings before it or after it.
            handled = [self.block(h.body, _merge(env, done)) for h in s.handlers]
            return self.block(s.finalbody, _merge(done, *handled))
        elif isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            looped = dict(env)
            if not isinstance(s, ast.While):
                looped.update((name, (_UNKNOWN,)) for name in _stored_names(s.target))
            looped = self.block(s.body, looped)
            return self.block(s.orelse, _merge(env, looped))
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    env.update((name, (_UNKNOWN,)) for name in _stored_names(item.optional_vars))
            return self.block(s.body, env)
        elif isinstance(s, ast.Match):
            cases = [self.block(c.body, dict(env)) for c in s.cases]
            return _merge(env, *cases)
        return env

    def resolve(self, expr: ast.expr, env: _Env) -> tuple[_Ref, ...]:
        """What a base expression may stand for."""
        chain = _chain(expr)
        if chain is None:
            return (_UNKNOWN,)
        root, *attrs = chain
        if root in env:
            refs = env[root]
        else:
            # Unbound here: from a `*` import (the latest wins), else a builtin.
            paths = [_Path(f"{m}.{root}") for m in reversed(self.stars)]
            refs = (*paths, _Path(root))
        if not attrs:
            return refs
        tail = "".join(f".{a}" for a in attrs)
        return _unique(_Path(r.dotted + tail) if isinstance(r, _Path) else _UNKNOWN for r in refs)


def _chain(expr: ast.expr) -> list[str] | None:
    """`a.b.C` -> ["a", "b", "C"]; `Generic[T]` -> ["Generic"]; None for other expressions.
    A loop, not recursion: a long chain is no deep stack."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    names: list[str] = []
    while isinstance(expr, ast.Attribute):
        names.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    names.append(expr.id)
    return names[::-1]


def _members(body: Sequence[ast.stmt]) -> dict[str, _Member]:
    """The names a class body binds; the last binding wins."""
    out: dict[str, _Member] = {}
    for s in body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[s.name] = s
        elif isinstance(s, ast.ClassDef):
            out[s.name] = None
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            for alias in s.names:
                if alias.name != "*":
                    out[alias.asname or alias.name.split(".")[0]] = None
        elif isinstance(s, ast.AnnAssign) and s.value is None:
            continue  # `run: Callable[..., str]` binds nothing
        else:
            # Assignments, and anything bound inside `if`/`try`/`for`/`with` of the body: defined,
            # in a way not followed here. (Nested statements may also hold defs: not followed.)
            for node in ast.walk(s):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    out[node.id] = None
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    out[node.name] = None
    return out


def _decorated(decorators: list[ast.expr]) -> str | None:
    """What class decorators may add to the class (see `_Class.decorated`)."""
    if not decorators:
        return None
    if all(_last_name(d) == "dataclass" for d in decorators):
        return "__init__"
    return "*"


# --- Checking -----------------------------------------------------------------------------------

# Method decorators that keep the function's signature (others may change anything).
_SAME_SIGNATURE = {"override", "final", "cache", "lru_cache"}
# Method decorators whose meaning is checked.
_KINDS = {"staticmethod", "classmethod", "property", "cached_property"}


@dataclass(frozen=True)
class _Opaque:
    """A place in a class's bases that may provide `name` ("*": anything)."""

    name: str


_Mro: TypeAlias = list[_Class | _Opaque]


def describe_export(wit_name: str) -> str:
    """How messages name a function the plugin exports, given its WIT name: `run` -> "export
    `run`", `[method]counter.get` -> "method `get`", `[static]counter.zero` -> "static function
    `zero`", `[constructor]counter` -> "constructor". The bracketed names are the component
    model's encoding of resource functions (wit-parser's `Function::name`); the plugin's author
    wrote `get: func()` inside `resource counter`, so messages say that, followed by what the
    function belongs to (`of resource `counter` of interface `tools``)."""
    for prefix, wording in _RESOURCE_FUNCTIONS:
        if wit_name.startswith(prefix):
            return wording.format(wit_name[len(prefix) :].rpartition(".")[2])  # `counter.zero`
    return f"export `{wit_name}`"


# The annotations of resource functions' WIT names, and how messages word each.
_RESOURCE_FUNCTIONS = (
    ("[constructor]", "constructor"),
    ("[method]", "method `{}`"),
    ("[static]", "static function `{}`"),
)


def _plural(n: int) -> str:
    return "parameter" if n == 1 else "parameters"


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} {_plural(low)}"
    if low == high:
        return f"{low} {_plural(low)}"
    return f"{low} to {high} parameters"


class _Checker:
    def __init__(self, tree: ast.Module, expected: list[Expected]) -> None:
        self.expected = expected
        self.guest_paths = {p for e in expected for p in e.paths}
        scanner = _Scanner()
        scanner.block(tree.body, {})
        self.classes = scanner.classes
        self.problems: list[Problem] = []
        self.mros: dict[_Class, _Mro] = {}

    def run(self) -> list[Problem]:
        subclassed = {
            r for c in self.classes for refs in c.bases for r in refs if isinstance(r, _Class)
        }
        for e in self.expected:
            impls = [c for c in self.subclasses(set(e.paths)) if c not in subclassed]
            if not impls:
                self.report_none(e)
            # Two statements binding one name (in `if`/`else`, say) leave one class behind.
            by_name: dict[str, _Class] = {}
            for c in impls:
                by_name.setdefault(c.node.name, c)
            distinct = list(by_name.values())
            for c in distinct[1:]:
                one = distinct[0]
                self.at(
                    c.node,
                    f"two classes implement {e.what}: {one.node.name} (line {one.node.lineno}) and"
                    f" {c.node.name}; a plugin has one implementation of each",
                )
            for c in impls:
                self.check_members(c, e)
        # One `def` inherited by two implementations is reported once.
        unique = list(dict.fromkeys(self.problems))
        return sorted(unique, key=lambda p: (p.line, p.col))

    def at(self, node: ast.stmt, message: str) -> None:
        """A problem at `node`'s first character (its `def`, `async` or `class`)."""
        # `col_offset` counts UTF-8 bytes, but a `class` or `def` statement starts its line, after
        # indentation (spaces, tabs, form feeds), so bytes are characters there.
        self.problems.append(Problem(node.lineno, node.col_offset + 1, message))

    def subclasses(self, paths: set[str]) -> list[_Class]:
        """The module's classes that derive from the class at `paths`, in source order."""
        out: dict[_Class, None] = {}
        for c in self.classes:  # a class's bases are classes before it
            refs = [r for refs in c.bases for r in refs]
            if any((isinstance(r, _Path) and r.dotted in paths) or r in out for r in refs):
                out[c] = None
        return list(out)

    def report_none(self, e: Expected) -> None:
        listed = []
        if e.methods:
            listed.append("methods: " + ", ".join(e.methods))
        if e.statics:
            listed.append("static functions: " + ", ".join(e.statics))
        tail = f" ({'; '.join(listed)})" if listed else ""
        self.problems.append(
            Problem(1, 1, f"no class implements {e.what}: subclass {e.base} from {e.module}{tail}")
        )
        # A class whose base has the right name but is not the guest class: say so at the class.
        for c in self.classes:
            for base, refs in zip(c.node.bases, c.bases):
                paths = [r.dotted for r in refs if isinstance(r, _Path)]
                if (
                    paths
                    and len(paths) == len(refs)
                    and {p.rsplit(".", 1)[-1] for p in paths} == {e.base}
                ):
                    text = ".".join(_chain(base) or ())
                    self.at(
                        c.node,
                        f"{c.node.name} subclasses {text}, which is not {e.base} of {e.module}:"
                        f" import it with `from {e.module} import {e.base}`",
                    )

    def mro(self, c: _Class) -> _Mro:
        # A class's bases are classes before it: computed in that order, without recursion (a
        # chain of a thousand classes is no stack overflow).
        for d in self.classes[: self.classes.index(c) + 1]:
            if d not in self.mros:
                self.mros[d] = self._mro(d)
        return self.mros[c]

    def _mro(self, c: _Class) -> _Mro:
        """Where Python looks up `c`'s attributes, in order: `c`, what a decorator may add, its
        bases (a class reached twice stays at its last place, as in the C3 order of a consistent
        hierarchy). Guest classes and empty bases provide nothing and are left out."""
        out: _Mro = [c]
        if c.decorated is not None:
            out.append(_Opaque(c.decorated))
        for refs in c.bases:
            if any(isinstance(r, _Path) and r.dotted in self.guest_paths for r in refs):
                continue  # abstract methods only
            for r in refs:
                if isinstance(r, _Class):
                    out += self.mros[r]
                elif isinstance(r, _Unknown) or r.dotted not in _EMPTY_BASES:
                    out.append(_Opaque("*"))
        seen: set[_Class] = set()
        kept: _Mro = []
        for x in reversed(out):
            if isinstance(x, _Class):
                if x in seen:
                    continue
                seen.add(x)
            kept.append(x)
        return kept[::-1]

    def lookup(self, mro: _Mro, name: str) -> tuple[_Class, _Member] | _Opaque | None:
        for x in mro:
            if isinstance(x, _Opaque):
                if x.name in ("*", name):
                    return x
            elif name in x.members:
                return x, x.members[name]
        return None

    def check_members(self, c: _Class, e: Expected) -> None:
        mro = self.mro(c)
        wanted: list[tuple[str, int, bool]] = [(n, k, False) for n, k in e.methods.items()]
        wanted += [(n, k, True) for n, k in e.statics.items()]
        for name, count, static in wanted:
            # Without a WIT name from the caller, the Python name stands in, annotated the same.
            fallback = (
                "[constructor]" if name == "__init__" else f"[static]{name}" if static else name
            )
            label = f"{describe_export(e.exports.get(name, fallback))} of {e.what}"
            found = self.lookup(mro, name)
            if found is None:
                self.at(c.node, f"{c.node.name} does not implement {name}() ({label})")
            elif isinstance(found, tuple):
                owner, func = found
                if func is not None:  # else bound some other way (`run = f`): not followed
                    self.check_def(f"{owner.node.name}.{name}()", func, count, static, label)

    def check_def(self, who: str, func: _FuncDef, count: int, static: bool, label: str) -> None:
        kinds = {_last_name(d) for d in func.decorator_list} - _SAME_SIGNATURE
        if not kinds <= _KINDS:
            return  # another decorator: it may change anything
        if isinstance(func, ast.AsyncFunctionDef):
            self.at(func, f"{who} must not be async ({label})")
            return
        if kinds & {"property", "cached_property"}:
            self.at(func, f"{who} must be a function, not a property ({label})")
            return
        if static and not kinds:
            self.at(func, f"{who} must be a @staticmethod ({label})")
            return
        args = func.args
        required_kw = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
        if required_kw:
            self.at(
                func,
                f"{who} takes keyword-only {_plural(len(required_kw))} {', '.join(required_kw)},"
                f" which the host cannot pass ({label})",
            )
            return
        positional = len(args.posonlyargs) + len(args.args)
        low = positional - len(args.defaults)
        if "staticmethod" not in kinds:  # `self`, or `cls` of a classmethod
            if positional == 0 and args.vararg is None:
                first = "cls" if "classmethod" in kinds else "self"
                self.at(func, f"{who} has no `{first}` parameter ({label})")
                return
            positional, low = positional - 1, max(low - 1, 0)
        high = None if args.vararg is not None else positional
        if count < low or (high is not None and count > high):
            self.at(func, f"{who} takes {_arity(low, high)} but {label} passes {count}")
