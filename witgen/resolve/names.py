"""Name uniqueness rules of WIT scopes, as wasm-tools 1.262 enforces them.

Names in one scope must be *strongly unique* (component model, Explainer.md "strongly-unique"):
equal ignoring ASCII case and hyphens counts as a clash (`max-size` vs `maxsize`, `foo` vs `FOO`).
Annotated function names are compared by what they name: `[method]r.m` and `[static]r.m` are the
same name, `[method]l.l` equals the plain `l` (wasmparser's `ComponentNameKind` hashing), and an
accessor `[get]x` / `[set]x` stands for `x`, so a getter clashes with a function `x`, but a getter
and the setter of exactly the same name form one property and may coexist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
            _, rest = _strip_accessor(name[len(prefix) :])
            resource, _, method = rest.partition(".")
            if canonical(resource) == canonical(method):
                return ("label", canonical(resource))
            return ("func", canonical(resource) + "." + canonical(method))
    _, rest = _strip_accessor(name)
    return ("label", canonical(rest))


def accessor_pair(a: str, b: str) -> bool:
    """True when `a` and `b` are the getter and setter of one property (same static-ness)."""
    if a == b:
        return False
    return a.replace("[get]", "[set]", 1) == b.replace("[get]", "[set]", 1) and (
        "[get]" in a or "[get]" in b
    )


@dataclass
class NameScope:
    """One strongly-unique namespace (an interface's items, a world's imports, ...)."""

    seen: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, name: str, span: Span | None) -> None:
        """Record `name`, raising wit-parser's message on a clash."""
        prior = self.seen.setdefault(name_key(name), [])
        for prev in prior:
            if prev == name:
                raise WitError(f"duplicate name `{name}`", span)
            if not accessor_pair(prev, name):
                raise WitError(f"name `{name}` conflicts with previous name `{prev}`", span)
        prior.append(name)


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
