"""`load`: a component compiled (or from the cache), checked, linked and instantiated in a store
of its own, with WASI granting nothing but stdout and stderr.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional, Union

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime.component import Component, Instance, Linker

from .._values import short as _short
from .cache import PathLike, _check_loaded, _load_component
from .calls import admit_store
from .errors import ComponentError
from .limits import Limits, _check_limits, limit_store, shared_engine
from .traps import _TRAP_FUEL, _TRAP_INTERRUPT, StderrTail, capture_stderr, trap_error, trap_reason
from .typecheck import semver_key, top_level_names

if TYPE_CHECKING:
    from .specs import Contract


def default_wasi(stderr: Optional[StderrTail] = None) -> wasmtime.WasiConfig:
    """WASI for an untrusted plugin: stdout and stderr inherited (stderr through `stderr`, which
    keeps its end, when given); no stdin, environment, arguments, files or sockets."""
    config = wasmtime.WasiConfig()
    config.inherit_stdout()
    if stderr is None:
        config.inherit_stderr()
    else:
        capture_stderr(config, stderr)
    return config


def new_linker(engine: wasmtime.Engine) -> Linker:
    """A linker with WASI 0.2 defined, as real guest toolchains import it even when the WIT does not."""
    linker = Linker(engine)
    linker.add_wasip2()
    return linker


def new_store(
    engine: wasmtime.Engine,
    wasi: Optional[wasmtime.WasiConfig],
    stderr: Optional[StderrTail] = None,
) -> wasmtime.Store:
    """A store with a WASI context (`wasi`, or `default_wasi(stderr)`): a component that calls
    WASI in a store without one aborts the process (notes §4)."""
    store = wasmtime.Store(engine)
    store.set_wasi(wasi if wasi is not None else default_wasi(stderr))
    return store


class Loading:
    """A component being loaded: compiled and checked, with a linker that has WASI (and the
    world's imports, once the world class added them) and a limited store; `instantiate` finishes
    the job."""

    __slots__ = (
        "path",
        "engine",
        "component",
        "contract",
        "linker",
        "store",
        "limits",
        "allow_http",
    )

    def __init__(
        self,
        path: PathLike,
        engine: wasmtime.Engine,
        component: Component,
        contract: Contract,
        linker: Linker,
        store: wasmtime.Store,
        limits: Limits,
        allow_http: bool,
    ) -> None:
        self.path = path
        self.engine = engine
        self.component = component
        self.contract = contract
        self.linker = linker
        self.store = store
        self.limits = limits
        self.allow_http = allow_http

    def instantiate(self) -> Instance:
        """Instantiate the component; the limits already apply (a start function may loop too).

        What the component imports must come from the world, WASI 0.2 (as wasmtime provides it)
        or wasi:http: anything else is refused, by name. Without `allow_http`, wasi:http is
        linked to functions that trap when called, so a component that merely imports it (all
        componentize-js plugins do) still loads.
        """
        where = os.fspath(self.path)
        foreign, http = _foreign_imports(self.component, self.engine, self.contract)
        if foreign:
            raise ComponentError(
                f"{where}: the component imports {', '.join(foreign)}, which neither world"
                f" {self.contract.world} nor WASI 0.2 has (this host provides nothing else)"
            )
        if http and not self.allow_http:
            self.linker.define_unknown_imports_as_traps(self.component)
        if self.limits.arm is not None:
            self.limits.arm()
        try:
            return self.linker.instantiate(self.store, self.component)
        except wasmtime.WasmtimeError as err:
            raise self._explain(err) from err

    def _explain(self, err: wasmtime.WasmtimeError) -> Exception:
        where = f"instantiating {os.fspath(self.path)!r}"
        text = str(err)
        if "exceeds memory limits" in text and self.limits.memory_limit is not None:
            return ComponentError(
                f"{where}: the component needs more memory than memory_limit="
                f"{self.limits.memory_limit} bytes allows ({text.splitlines()[0]})"
            )
        reason = trap_reason(text)
        stopped, self.limits.stopped = self.limits.stopped, False
        if stopped or reason == _TRAP_INTERRUPT or _TRAP_FUEL in reason:
            return trap_error(where, text, self.limits, stopped)
        # e.g. a trap in the component's start code
        return ComponentError(f"{where}: {' '.join(text.split())}")


# The WASI 0.2 interfaces wasmtime's `add_wasip2` defines, by package; wasi:http is `allow_http`'s.
_WASIP2 = (
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
)
_WASI_HTTP = "wasi:http/"


def _foreign_imports(
    component: Component, engine: wasmtime.Engine, contract: Contract
) -> tuple[list[str], bool]:
    """The component's top-level imports that neither the world nor WASI 0.2 has, and whether it
    imports wasi:http."""
    ctype = _b._wasmtime_component_type(component.ptr())
    try:
        names = top_level_names(ctype, engine.ptr(), True)
    finally:
        _b._wasmtime_component_type_delete(ctype)
    known = {semver_key(name) for name in contract.import_names}
    foreign = []
    http = False
    for name in names:
        if name.startswith(_WASI_HTTP):
            http = True
        elif semver_key(name) not in known and not (name.startswith(_WASIP2) and "@0.2." in name):
            foreign.append(name)
    return foreign, http


def prepare_load(
    path: PathLike,
    contract: Contract,
    *,
    wasi: Optional[wasmtime.WasiConfig] = None,
    deadline: Optional[float] = None,
    memory_limit: Optional[int] = None,
    fuel: Optional[int] = None,
    cache: Union[bool, PathLike] = True,
    engine: Optional[wasmtime.Engine] = None,
    allow_http: bool = False,
) -> Loading:
    """Everything `load` does before the world's imports are added (see the generated `load`)."""
    _check_limits(deadline, fuel, memory_limit)
    if engine is None:
        # Always with epoch interruption: it is what lets Ctrl-C end a call (see `watch_sigint`).
        engine = shared_engine(epoch_interruption=True, consume_fuel=fuel is not None)
    elif not isinstance(engine, wasmtime.Engine):
        raise TypeError(f"engine must be a wasmtime.Engine or None, got {_short(engine)}")
    if wasi is not None and not isinstance(wasi, wasmtime.WasiConfig):
        raise TypeError(f"wasi must be a wasmtime.WasiConfig or None, got {_short(wasi)}")
    if not isinstance(cache, (bool, str, os.PathLike)):
        raise TypeError(f"cache must be a bool or a folder path, got {_short(cache)}")
    component, entry = _load_component(engine, path, cache)
    _check_loaded(component, engine, contract, path, entry)
    linker = new_linker(engine)
    if allow_http:
        linker.add_wasi_http()
    tail = StderrTail() if wasi is None else None
    store = new_store(engine, wasi, tail)
    admit_store(store)  # the component was checked above
    if allow_http:
        store.set_wasi_http()
    limits = limit_store(store, engine, deadline=deadline, fuel=fuel, memory_limit=memory_limit)
    limits.stderr = tail
    return Loading(path, engine, component, contract, linker, store, limits, allow_http)
