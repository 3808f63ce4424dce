"""What the generated bindings know about a world's functions: one `FuncSpec` per function, and
the world's `Contract` (every function the bindings call or implement).
"""

from __future__ import annotations

from typing import Optional

from .._values import first_unsupported as _first_unsupported
from .convert import Conv

# `FuncSpec.unsupported` of an async function (the generator's phrase).
ASYNC_FUNCTIONS = "async functions"


class FuncSpec:
    """What the bindings know about one function the component exports or imports (the host
    implements it); built once at import, checked against the component at load (`Contract`)."""

    __slots__ = ("interface", "name", "label", "params", "result", "unwrap", "unsupported")

    def __init__(
        self,
        interface: Optional[str],
        name: str,
        label: str,
        params: tuple[tuple[str, str, Conv], ...],
        result: Optional[Conv],
        *,
        unwrap: bool = False,
        unsupported: Optional[str] = None,
    ) -> None:
        self.interface = interface  # the instance's name ("ns:pkg/api@1.0.0"), None at world level
        self.name = name  # the WIT name, e.g. "greet" or "[method]counter.get"
        self.label = label  # how messages name the function, e.g. "api.greet()"
        self.params = params  # (Python parameter name, WIT parameter name, converter)
        self.result = result
        self.unwrap = unwrap  # the WIT result is `result<T, E>`: return T or raise Err(e)
        convs = [c for _, _, c in params] + [result]
        self.unsupported = unsupported or _first_unsupported(convs)


class Contract:
    """What the bindings of one world expect of a component: the functions they call (`exports`)
    and implement (`imports`). `digest` names it in verdicts (generated with the package, from
    every file of it, the runtime included, so a verdict never outlives the code that made it)."""

    __slots__ = ("world", "digest", "imports", "exports", "import_names")

    def __init__(
        self,
        world: str,
        digest: str,
        imports: tuple[FuncSpec, ...],
        exports: tuple[FuncSpec, ...],
        import_names: tuple[str, ...] = (),
    ) -> None:
        self.world = world  # "ns:pkg/world@1.0.0", as messages name it
        self.digest = digest
        self.imports = imports
        self.exports = exports
        # Every name the world imports at the top level (interfaces, functions, types).
        self.import_names = frozenset(import_names)
