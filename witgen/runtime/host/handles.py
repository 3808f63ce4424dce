"""The resource handles a call or a store holds: the bookkeeping of one call (`_ResourceCall`) and
the table of host objects of one store (`HostObjects`).
"""

from __future__ import annotations

import ctypes
import functools
import threading
import weakref
from typing import TYPE_CHECKING, Any, Optional

import wasmtime

from ._capi import _res_any_delete, _res_any_drop
from .errors import ComponentError

if TYPE_CHECKING:
    from .calls import InstanceState
    from .convert import Conv
    from .exported import Resource
    from .imported import ImportedResource


# --------------------------------------------------------------------------------------------
# Resources
#
# Which side defines a resource decides how its values cross (shared/notes/wasmtime-py-50.md §3.6):
# * a resource the component EXPORTS gets a generated `Resource` subclass. Each object holds one
#   owned handle (a `wasmtime_component_resource_any_t`) until `close()` drops it, which runs the
#   component's destructor. `bind_resource` makes, once per instance, a subclass holding that
#   instance's functions of the resource: it is what `instance.api.Counter(...)` constructs.
#   Passed as `own<T>`, the handle moves into the component and the object is closed once the call
#   is made; passed as `borrow<T>`, a copy of the handle is lent and the object stays usable.
# * a resource the component IMPORTS is implemented by the host, as a subclass of a generated base
#   class. `HostObjects` is the table rep -> host object of one store (wasmtime's handle tables are
#   per store too): the store's `InstanceState`s keep it alive, so it goes away with them, and the
#   last one's `close()` releases it (running the `drop()` hooks). A host object keeps one rep
#   while it is in the table, however many handles of it the component holds: each crossing as
#   `own<T>` adds an own handle of that rep, and when the component drops one, wasmtime calls the
#   destructor that `add_host_resource` defined, which counts it; the object's `drop()` hook runs
#   once, when the last own handle is gone. An own handle coming back to the host gives the object
#   back (without the hook: the host owns it again). A borrowed handle a host function receives
#   becomes its object through `to_host`, which also ends the borrow, so no call fails with
#   "borrow handles still remain" (notes §3.6, §7.7).
# The converters of resources need the store context of the call they take part in (and, for
# exported resources, its instance): `ResourceExportFunc` and the host-function entry of
# `ResourceHostFunc` keep a `_ResourceCall` on a thread-local stack for them.

_CALLS = threading.local()  # `.top`: the innermost `_ResourceCall` of this thread


class _ResourceCall:
    """The resource bookkeeping of one export call, or of one host-function call."""

    __slots__ = ("ctx", "state", "made", "moved", "lent", "host_owned", "host_lent", "objects")

    def __init__(self, ctx: Any, state: Optional[InstanceState]) -> None:
        self.ctx = ctx  # the store context of the call
        self.state = state  # the instance of an export call; None in a host function
        self.made = False  # every argument (or a host function's result) crossed
        self.moved: list[Resource] = []  # exported resources passed as own: closed once made
        self.lent: list[Resource] = []  # exported resources passed as borrow
        # Host objects given an own handle: (resource, rep, a copy of the handle), taken back
        # unless the call was made; and reps lent to the component for this call only.
        self.host_owned: list[tuple[ImportedResource, int, Any]] = []
        self.host_lent: list[int] = []
        self.objects: Optional[HostObjects] = None  # the store's, once a host object crossed

    def host_objects(self) -> HostObjects:
        objects = self.objects
        if objects is None:
            objects = self.objects = store_host_objects(self.ctx)
        return objects

    def finish(self, label: str) -> None:
        objects = self.objects
        if objects is not None:
            for rep in self.host_lent:
                objects.unborrow(rep)
            for res, rep, handle in self.host_owned:
                if not self.made:
                    # The handle never reached the component: uncount it and drop it, without
                    # the drop hook (the host keeps the object). Whether wasmtime runs the
                    # destructor for it depends on where the call failed: if it does, the
                    # destructor does nothing (`quiet`).
                    objects.unown(res, rep)
                    objects.quiet += 1
                    try:
                        err = _res_any_drop(self.ctx, handle)
                    finally:
                        objects.quiet -= 1
                    if err:
                        wasmtime.WasmtimeError._from_ptr(err)  # frees it
                _res_any_delete(handle)
        if self.made:
            for value in self.moved:
                value._give_away(label)


def _call_of(conv: Conv) -> _ResourceCall:
    call: Optional[_ResourceCall] = getattr(_CALLS, "top", None)
    if call is None:
        raise ComponentError(
            f"{conv.wit} values can only cross in calls of these bindings that expect resources"
        )
    return call


class HostObjects:
    """The host objects (of resources the host implements) whose handles the component instances
    of one store hold or borrow: rep -> [resource, object, own handles, borrows].

    Each store has one (`store_host_objects`), kept alive by the store's `InstanceState`s only:
    when they are all unreachable it goes away, releasing its objects without running their
    `drop()` hooks; when they are all closed, `release_all` runs the hooks of the objects the
    component still owned. A store belongs to one thread at a time, so no lock is needed.
    """

    __slots__ = ("entries", "index", "next_rep", "users", "quiet", "__weakref__")

    def __init__(self) -> None:
        self.entries: dict[int, list[Any]] = {}
        self.index: dict[tuple[int, int], int] = {}  # (id(resource), id(object)) -> rep
        self.next_rep = 1
        self.users = 0  # the open `InstanceState`s of the store
        self.quiet = 0  # > 0 while uncounted handles are dropped: destructors do nothing

    def __len__(self) -> int:
        return len(self.entries)

    def objects(self) -> list[Any]:
        """The host objects in the table, in the order they entered it."""
        return [entry[1] for entry in self.entries.values()]

    def hand_out(self, res: ImportedResource, value: Any, owned: bool) -> int:
        """The rep of `value` (a new one unless it is in the table), counting one more handle."""
        key = (id(res), id(value))
        rep = self.index.get(key)
        if rep is None:
            entries = self.entries
            rep = self.next_rep
            while rep in entries:
                rep = rep % 0xFFFFFFFF + 1
            self.next_rep = rep % 0xFFFFFFFF + 1
            entries[rep] = [res, value, 0, 0]
            self.index[key] = rep
        self.entries[rep][2 if owned else 3] += 1
        return rep

    def _forget_if_unused(self, rep: int, entry: list[Any]) -> None:
        if entry[2] <= 0 and entry[3] <= 0:
            del self.entries[rep]
            del self.index[(id(entry[0]), id(entry[1]))]

    def unborrow(self, rep: int) -> None:
        entry = self.entries.get(rep)
        if entry is not None:
            entry[3] -= 1
            self._forget_if_unused(rep, entry)

    def unown(self, res: ImportedResource, rep: int) -> Optional[Any]:
        """Count one own handle of `rep` gone: the object when it was the last, else None."""
        entry = self.entries.get(rep)
        if entry is None or entry[0] is not res or entry[2] <= 0:
            return None
        entry[2] -= 1
        self._forget_if_unused(rep, entry)
        return entry[1] if entry[2] == 0 else None

    def lookup(self, res: ImportedResource, rep: int) -> Any:
        entry = self.entries.get(rep)
        if entry is None or entry[0] is not res:
            raise ComponentError(f"{res.wit}: no host object has the handle {rep} (dropped?)")
        return entry[1]

    def release_all(self) -> None:
        """Empty the table, running the `drop()` hook of each object the component still owned
        (once each); the first exception of a hook is raised after every hook ran."""
        entries = list(self.entries.values())
        self.entries.clear()
        self.index.clear()
        first: Optional[BaseException] = None
        for entry in entries:
            if entry[2] > 0:
                try:
                    entry[1].drop()
                except BaseException as exc:
                    first = first or exc
        if first is not None:
            raise first


# The `HostObjects` of each store, by the address of its context (the pointer wasmtime passes to
# host functions and destructors; stable for the store's life): weakly, as the store's
# `InstanceState`s hold it. One made before the store has an `InstanceState` (a host function
# called during instantiation) is held in `_UNCLAIMED` until the first one claims it.
_STORE_OBJECTS: "dict[int, weakref.ref[HostObjects]]" = {}
_UNCLAIMED: dict[int, HostObjects] = {}


def _store_key(ctx: Any) -> int:
    return ctypes.cast(ctx, ctypes.c_void_p).value or 0


def _forget_store(
    key: int, ref: Any, _stores: "dict[int, weakref.ref[HostObjects]]" = _STORE_OBJECTS
) -> None:
    # A weakref callback: may run during interpreter exit, so it uses only what it was given.
    if _stores.get(key) is ref:
        del _stores[key]


def find_host_objects(ctx: Any) -> Optional[HostObjects]:
    """The `HostObjects` of the store of `ctx`, if it has one."""
    ref = _STORE_OBJECTS.get(_store_key(ctx))
    return ref() if ref is not None else None


def store_host_objects(ctx: Any) -> HostObjects:
    """The `HostObjects` of the store of `ctx`, made if it has none."""
    objects = find_host_objects(ctx)
    if objects is None:
        key = _store_key(ctx)
        objects = HostObjects()
        _STORE_OBJECTS[key] = weakref.ref(objects, functools.partial(_forget_store, key))
        _UNCLAIMED[key] = objects
    return objects


def claim_host_objects(ctx: Any) -> HostObjects:
    """The `HostObjects` of the store of `ctx`, for a new `InstanceState` of it to hold."""
    objects = store_host_objects(ctx)
    _UNCLAIMED.pop(_store_key(ctx), None)
    objects.users += 1
    return objects
