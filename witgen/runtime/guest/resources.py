"""Resources in guest packages: the plugin's own (`ExportedResource`), the host's proxies
(`ImportedResource`, objects of a `Resource` subclass) and their handles' converters (part of
witgen's guest run time, shipped as `_rt/`).

Stage: run time, inside a plugin.
"""

from __future__ import annotations

from typing import Any, Optional

from .._values import Bad, wrong_type
from .convert import Conv
from .imports import backend
from .sides import Fn, Side


class _ResourceType:
    """A resource of the guest package: its class, its WIT name and its two handles' converters
    (which subclass it is tells `Handle` whose objects its values are)."""

    __slots__ = ("cls", "wit", "own", "borrow")

    def __init__(self, cls: type, wit_name: str) -> None:
        self.cls: Any = cls
        self.wit = wit_name
        self.own = Handle(self, "own")
        self.borrow = Handle(self, "borrow")


class ExportedResource(_ResourceType):
    """A resource the plugin implements (its interface is exported): the guest package's abstract
    base class; values are the plugin's own objects, of a subclass."""

    __slots__ = ()


class Handle(Conv):
    """`own<R>` / `borrow<R>`: the plugin's own objects (an `ExportedResource`, which the side
    stands for in its own way), or proxies of the host's (an `ImportedResource`)."""

    __slots__ = ("res", "kind")

    def __init__(self, res: _ResourceType, kind: str) -> None:
        super().__init__(f"{kind}<{res.wit}> ({res.cls.__name__})")
        self.res: Any = res
        self.kind = kind

    def make_into(self, side: Side) -> Optional[Fn]:
        if isinstance(self.res, ImportedResource):
            wrap: Fn = self.res.cls._wrap
            return wrap
        return side.handle_into_fn(self)

    def make_out(self, side: Side) -> Fn:
        cls, wit = self.res.cls, self.wit
        if isinstance(self.res, ImportedResource):
            own = self.kind == "own"

            def out_imported(value: Any) -> Any:
                if not isinstance(value, cls):
                    raise wrong_type(wit, value)
                peer = value._peer
                if peer is None:
                    raise Bad(ValueError, f"this {cls.__name__} is closed")
                if own:
                    value._peer = None  # moved into the host: the plugin's object is closed
                return peer

            return out_imported
        handle_out = side.handle_out_fn(self)

        def out(value: Any) -> Any:
            if not isinstance(value, cls):
                raise wrong_type(wit, value)
            return handle_out(value)

        return out


class Resource:
    """Base class of the classes of resources the host implements: an object stands for one of
    the host's objects, reached through the backend. `close()` (or a `with` block) drops it."""

    __slots__ = ("_peer", "__weakref__")
    _peer: Any

    @classmethod
    def _wrap(cls, peer: Any) -> Any:
        obj = cls.__new__(cls)
        obj._peer = peer
        return obj

    def _adopt(self, other: Resource) -> None:
        self._peer = other._peer
        other._peer = None

    def close(self) -> None:
        """Drop the handle (the host's `drop()` hook runs); closing again does nothing."""
        peer = getattr(self, "_peer", None)
        if peer is not None:
            self._peer = None
            backend().drop(peer)

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ImportedResource(_ResourceType):
    """A resource the host implements (its interface is imported): the guest package's proxy
    class, whose objects hold the side's object (`_peer`)."""

    __slots__ = ()
