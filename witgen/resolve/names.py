"""Name uniqueness rules of WIT scopes, as wasm-tools 1.262 enforces them.

Names in one scope must be *strongly unique* (component model, Explainer.md "strongly-unique"):
equal ignoring ASCII case and hyphens counts as a clash (`max-size` vs `maxsize`, `foo` vs `FOO`).
Annotated function names are compared by what they name: `[method]r.m` and `[static]r.m` are the
same name, `[method]l.l` equals the plain `l` (wasmparser's `ComponentNameKind` hashing), and a
getter `[get]x` stands for `x`, so it clashes with a function `x`. Setters live in a namespace of
their own: they clash only with other setters (`[method][set]r.p` vs `[static][set]r.p`), and
whether each has its getter is checked separately (`setter ... has no corresponding getter`).
"""

from __future__ import annotations

from witgen.errors import Span, WitError

_ACCESSORS = ("[get]", "[set]")


def canonical(label: str) -> str:
    """The strongly-unique form of a kebab label: lower case, hyphens dropped."""
    return label.lower().replace("-", "")


def _strip_accessor(rest: str) -> tuple[str, str]:
    for prefix in _ACCESSORS:
        if rest.startswith(prefix):
            return prefix, rest[len(prefix) :]
    return "", rest


def name_key(name: str) -> tuple[str, str]:
    """The key under which `name` must be unique (see the module docstring)."""
    if name.startswith("[constructor]"):
        return ("ctor", canonical(name[len("[constructor]") :]))
    for prefix in ("[method]", "[static]"):
        if name.startswith(prefix):
            accessor, rest = _strip_accessor(name[len(prefix) :])
            space = "setter" if accessor == "[set]" else "item"
            resource, _, method = rest.partition(".")
            if canonical(resource) == canonical(method):
                return (space, canonical(resource))
            return (space + "-func", canonical(resource) + "." + canonical(method))
    accessor, rest = _strip_accessor(name)
    return ("setter" if accessor == "[set]" else "item", canonical(rest))


class NameScope:
    """One strongly-unique namespace (an interface's items, a world's imports, ...)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def add(self, name: str, span: Span | None) -> None:
        """Record `name`, raising wit-parser's message on a clash."""
        key = name_key(name)
        prev = self.seen.get(key)
        if prev == name:
            raise WitError(f"duplicate name `{name}`", span)
        if prev is not None:
            raise WitError(f"name `{name}` conflicts with previous name `{prev}`", span)
        self.seen[key] = name


def check_members(kind: str, names: list[tuple[str, Span]]) -> None:
    """Fields, cases and flags: `duplicate field `a``, or `field `A` conflicts with previous field `a``."""
    seen: dict[str, str] = {}
    for name, span in names:
        prev = seen.get(canonical(name))
        if prev is not None:
            if prev == name:
                raise WitError(f"duplicate {kind} `{name}`", span)
            raise WitError(f"{kind} `{name}` conflicts with previous {kind} `{prev}`", span)
        seen[canonical(name)] = name


def getter_of(setter: str) -> str:
    """`[set]p` -> `[get]p`, `[static][set]r.p` -> `[static][get]r.p`."""
    return setter.replace("[set]", "[get]", 1)


def setters_after_getters(names: list[str]) -> list[str]:
    """wit-parser 1.262's stored order: a setter listed before its getter moves to just after it.

    A setter that already follows its getter keeps its place (checked against wasm-tools).
    """
    present = set(names)
    deferred: set[str] = set()
    emitted: set[str] = set()
    out: list[str] = []
    for name in names:
        getter = getter_of(name) if "[set]" in name else None
        if getter is not None and getter in present and getter not in emitted:
            deferred.add(name)
            continue
        out.append(name)
        emitted.add(name)
        if "[get]" in name:
            setter = name.replace("[get]", "[set]", 1)
            if setter in deferred:
                out.append(setter)
    return out
