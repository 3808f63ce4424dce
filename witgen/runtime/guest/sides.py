"""The sides a guest package's values cross to (part of witgen's guest run time, shipped in each
generated guest package as `_rt/`).

Stage: run time, inside a plugin. A `Side` is a family of classes with the guest package's shapes,
found by module and class name: componentize-py's bindings inside a built component
(`componentize_glue`), or the host bindings when a host runs the plugin in-process. A side also
keeps what was made for it once: each converter's functions (`into_fn`, `out_fn`) and each
function's caller, and which of the guest package's classes it uses as its own (`share_shapes`).
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from typing import TYPE_CHECKING, Any, Callable, Optional

from .._values import Err, Ok, Some

if TYPE_CHECKING:
    from .convert import Conv
    from .resources import Handle

Fn = Callable[[Any], Any]
PACKAGE = __package__.rpartition(".")[0]  # the guest package, e.g. "plugin_guest"


def relative_module(module: str) -> str:
    """`plugin_guest.exports.tools` -> `exports.tools`; the package itself -> ""."""
    if module == PACKAGE:
        return ""
    return module[len(PACKAGE) + 1 :]


class Side:
    """A family of classes with the guest package's shapes: `module(rel)` is the side's module for
    the guest package's module `rel` ("" for the package itself, `exports.tools`, ...).

    A side also keeps each converter's functions for it (`into_fn`, `out_fn`), made once, the
    first time a call needs them: a call then runs straight code, without looking up a class
    or walking a type. `shared` holds the guest package's classes the side uses as its own (see
    `share_shapes`): their values cross unconverted."""

    ok: Any = Ok
    err: Any = Err
    some: Any = Some
    bytes_are_bytes = False  # its `list<u8>` values are always `bytes` (no copy needed)
    # It may keep the lists it is given (the host bindings' objects), so `out` gives it new ones;
    # a side that copies each value at once (componentize-py lowers it) can take the plugin's.
    keeps_values = True

    def __init__(self) -> None:
        self._peers: dict[Any, Any] = {}
        self._into: dict[Conv, Optional[Fn]] = {}
        self._out: dict[Conv, Fn] = {}
        self.shared: set[Any] = set()
        self.callers: dict[Any, Callable[..., Any]] = {}  # ExportSpec / ImportSpec -> its caller

    def module(self, rel: str) -> Any:
        raise NotImplementedError

    def peer(self, cls: Any) -> Any:
        """The side's class for the guest package's class `cls` (same module, same name)."""
        found = self._peers.get(cls)
        if found is None:
            module = self.module(relative_module(cls.__module__))
            found = getattr(module, cls.__name__, None)
            if found is None:
                raise LookupError(
                    f"{module.__name__} has no class {cls.__name__} (the guest package's"
                    f" {cls.__module__}.{cls.__name__})"
                )
            self._peers[cls] = found
        return found

    def peer_fields(self, cls: Any) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.peer(cls)))

    def peer_cases(self, alias: str, module: str) -> tuple[Any, ...]:
        """A variant's case classes in WIT order, from the side's `Alias = A | B | ...`."""
        union = getattr(self.module(relative_module(module)), alias)
        return typing.get_args(union) or (union,)

    def into_fn(self, conv: Conv) -> Optional[Fn]:
        """`conv`'s function from this side's values to the guest package's (None: they are the
        same values)."""
        try:
            return self._into[conv]
        except KeyError:
            fn = self._into[conv] = conv.make_into(self)
            return fn

    def out_fn(self, conv: Conv) -> Fn:
        """`conv`'s function checking a guest value and returning this side's (raises `Bad`)."""
        try:
            return self._out[conv]
        except KeyError:
            fn = self._out[conv] = conv.make_out(self)
            return fn

    def share_shapes(self, convs: Any) -> None:
        """Use the guest package's own classes for the named types of `convs` (and the types they
        reach) wherever this side's classes have the same shape, by replacing the side's classes
        in its modules: a side that finds its classes there (componentize-py looks them up after
        importing the plugin) then makes and reads the guest package's values itself, and a call
        converts nothing. A type qualifies when every value inside it is the same on both sides
        too (no `result`, no nested option, no resource handle)."""
        done: set[Conv] = set()

        def visit(conv: Conv) -> None:
            if conv not in done:
                done.add(conv)
                for part in conv.parts():
                    visit(part)
                try:
                    conv.share(self)
                except (LookupError, ImportError, AttributeError, TypeError):
                    pass  # the side has no such class, or another shape: it is converted

        for conv in convs:
            visit(conv)

    def _replace(self, ours: Any, theirs: Any) -> None:
        """Put the guest package's class `ours` in the side's module in place of `theirs`."""
        module = self.module(relative_module(ours.__module__))
        setattr(module, theirs.__name__, ours)
        self._peers[ours] = ours
        self.shared.add(ours)

    # Handles of the plugin's own resources (`ExportedResource`): how the side stands for the
    # plugin's objects. `conv.kind` is "own" or "borrow".
    def handle_out(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError

    def handle_into(self, conv: "Handle", value: Any) -> Any:
        raise NotImplementedError

    def handle_out_fn(self, conv: "Handle") -> Fn:
        return lambda value: self.handle_out(conv, value)

    def handle_into_fn(self, conv: "Handle") -> Fn:
        return lambda value: self.handle_into(conv, value)


class ModuleSide(Side):
    """A side whose modules mirror the guest package's under another package (`wit_world`)."""

    def __init__(self, package: str, strip: bool = False) -> None:
        super().__init__()
        self.package = package
        self.strip = strip  # drop the `imports.` / `exports.` level (the host bindings' layout)

    def module(self, rel: str) -> Any:
        if self.strip and rel:
            rel = rel.split(".", 1)[1]
        return importlib.import_module(f"{self.package}.{rel}" if rel else self.package)
