"""Engines, and the limits `load` gives a store: deadline (epoch interruption), fuel, memory."""

from __future__ import annotations

import _thread
import dataclasses
import functools
import hashlib
import math
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Optional

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime.component import Component, Linker

from .._values import short as _short
from .callbacks import (
    _DEFERRED,
    _MAIN_THREAD,
    _callback_failed,
    _error_pointer,
    _finalizer,
    _register,
    _run_deferred,
    c_callback,
    watch_sigint,
)
from .traps import _TRAP_INTERRUPT

if TYPE_CHECKING:
    from .traps import StderrTail


_ENGINE: Optional[wasmtime.Engine] = None
_ENGINE_LOCK = threading.Lock()


def default_engine() -> wasmtime.Engine:
    """The engine `load` uses when given none: one per process, made on first use."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = new_engine()
        return _ENGINE


# --------------------------------------------------------------------------------------------
# Untrusted components: engines, per-call limits, the compiled-component cache (`load`)
#
# A plugin is untrusted (issue 3). `prepare_load` gives it: a deadline per export call (epoch
# interruption: one daemon ticker thread per engine advances the epoch every `EPOCH_TICK` seconds,
# and each call sets the store's deadline first), a memory limit (store limits), optional fuel
# (refilled before each call), WASI with nothing granted but stdout and stderr, and wasi:http only
# when the caller allows it (wasmtime-py 50 cannot filter outgoing requests, notes §1).
#
# Compiled components are cached on disk as `Component.serialize()` output. Loading an entry runs
# its native code, so the folder must be the user's own and writable by nobody else (or it is not
# used), each entry carries a sha256 of its contents (a damaged one is recompiled and replaced),
# and entries are written to a temporary file and renamed into place, so concurrent writers never
# expose a partial file. The key covers the component's bytes, the wasmtime build and the engine's
# configuration (see `engine_info`), since `Component.deserialize` accepts only artifacts of the
# same version and configuration (notes §6.4).

EPOCH_TICK = 0.01  # seconds between epoch increments: the deadline's resolution
_monotonic = time.monotonic

# `load`'s defaults for an untrusted component (docs/untrusted.md says why): a deadline per call,
# and at most this many bytes per linear memory (a componentize-py plugin needs about 16 MiB).
DEFAULT_DEADLINE = 10.0
DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024
# Caps on what a store may hold, far above what real guests use (a componentize-py plugin: 16
# instances, 2 tables of under 10,000 elements, 1 memory), so no component can exhaust the host
# through them.
STORE_CAPS = {"instances": 200, "tables": 100, "memories": 10, "table_elements": 1_000_000}
_FOREVER = 1 << 62  # a deadline or an amount of fuel that is never reached

_set_epoch_deadline = _b._wasmtime_context_set_epoch_deadline
_set_fuel = _b._wasmtime_context_set_fuel


def new_engine(*, epoch_interruption: bool = False, consume_fuel: bool = False) -> wasmtime.Engine:
    """A new engine with wasmtime's default configuration plus these two switches."""
    config = wasmtime.Config()
    config.epoch_interruption = epoch_interruption
    config.consume_fuel = consume_fuel
    engine = wasmtime.Engine(config)
    with _INFO_LOCK:
        _SWITCHES[engine] = (epoch_interruption, consume_fuel)
    return engine


_LIMITED_ENGINES: dict[tuple[bool, bool], wasmtime.Engine] = {}


def shared_engine(*, epoch_interruption: bool, consume_fuel: bool) -> wasmtime.Engine:
    """The process-wide engine for these switches, made on first use (`default_engine()` when both
    are off). Code compiled for one engine configuration cannot run in another, so there is one
    engine per combination."""
    if not epoch_interruption and not consume_fuel:
        return default_engine()
    key = (epoch_interruption, consume_fuel)
    with _ENGINE_LOCK:
        engine = _LIMITED_ENGINES.get(key)
        if engine is None:
            engine = new_engine(epoch_interruption=epoch_interruption, consume_fuel=consume_fuel)
            _LIMITED_ENGINES[key] = engine
        return engine


@dataclasses.dataclass(frozen=True)
class EngineInfo:
    """What `load` needs to know about an engine; wasmtime-py has no way to read a `Config` back."""

    fingerprint: str  # sha256 of a tiny component compiled and serialized by the engine
    epoch_interruption: bool
    consume_fuel: bool


# A component with one function that does nothing: compiled, serialized and called once per engine.
_PROBE_WAT = (
    '(component (core module $m (func (export "f"))) (core instance $i (instantiate $m))'
    ' (func (export "f") (canon lift (core func $i "f"))))'
)
_ENGINE_INFO: "weakref.WeakKeyDictionary[wasmtime.Engine, EngineInfo]" = weakref.WeakKeyDictionary()
# The switches (epoch interruption, fuel) of the engines `new_engine` made: known without a probe.
_SWITCHES: "weakref.WeakKeyDictionary[wasmtime.Engine, tuple[bool, bool]]" = (
    weakref.WeakKeyDictionary()
)
_INFO_LOCK = threading.Lock()


def known_switches(engine: wasmtime.Engine) -> Optional[tuple[bool, bool]]:
    """(epoch interruption, fuel) of an engine `new_engine` made; None for any other."""
    with _INFO_LOCK:
        return _SWITCHES.get(engine)


def probed(engine: wasmtime.Engine) -> Optional[EngineInfo]:
    """`engine_info(engine)` when this process has probed `engine` already, else None."""
    with _INFO_LOCK:
        return _ENGINE_INFO.get(engine)


def engine_info(engine: wasmtime.Engine) -> EngineInfo:
    """Probe `engine` once (about 2 ms) and remember the answer while it lives.

    The fingerprint hashes what the engine writes when it serializes a fixed component: wasmtime
    embeds there everything `deserialize` checks (target, compiler flags, CPU features, tunables
    such as fuel and epoch interruption, wasm features), and the code itself reflects the rest
    (the optimization level). Fuel is on when a store can report its fuel; epoch interruption is on
    when a call with a deadline of zero ticks is interrupted.
    """
    info = probed(engine)
    if info is not None:
        return info
    probe = Component(engine, _PROBE_WAT)
    fingerprint = hashlib.sha256(bytes(probe.serialize())).hexdigest()
    store = wasmtime.Store(engine)
    try:
        store.get_fuel()
        consume_fuel = True
    except wasmtime.WasmtimeError:
        consume_fuel = False
    if consume_fuel:
        store.set_fuel(1 << 20)
    store.set_epoch_deadline(0)  # does nothing without epoch interruption
    func = Linker(engine).instantiate(store, probe).get_func(store, "f")
    assert func is not None
    try:
        func(store)
        epoch_interruption = False
    except wasmtime.WasmtimeError as err:
        if _TRAP_INTERRUPT not in str(err):
            raise
        epoch_interruption = True
    info = EngineInfo(fingerprint, epoch_interruption, consume_fuel)
    with _INFO_LOCK:
        _ENGINE_INFO[engine] = info
    return info


_TICKERS: "weakref.WeakKeyDictionary[wasmtime.Engine, bool]" = weakref.WeakKeyDictionary()
TICKING: set[int] = set()  # the thread ids of the tickers running now


def start_ticker(engine: wasmtime.Engine) -> None:
    """Make sure one daemon thread advances `engine`'s epoch every `EPOCH_TICK` seconds.

    The thread holds the engine only weakly and ends once the engine is gone. It is a bare
    `_thread` thread, like a daemon `threading.Thread` but started without waiting for it to
    run (`Thread.start` waits: up to milliseconds of `load` on a busy machine); a deadline is
    kept by the clock (`_epoch_reached`), so a ticker that starts late only checks it late.
    """
    with _ENGINE_LOCK:
        if engine in _TICKERS:
            return
        _TICKERS[engine] = True
    _thread.start_new_thread(_tick, (weakref.ref(engine),))


# A forked child has none of its parent's threads: its engines need tickers of their own.
def _forget_tickers() -> None:
    _TICKERS.clear()
    TICKING.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_tickers)


def _tick(ref: "weakref.ref[wasmtime.Engine]") -> None:
    # Ticks follow the monotonic clock, not the count of sleeps: a late wake-up is made up by the
    # next sleep being shorter (after a long stall, such as a suspended machine, the schedule
    # starts again rather than ticking in a burst).
    me = _thread.get_ident()
    TICKING.add(me)
    due = time.monotonic() + EPOCH_TICK
    while True:
        time.sleep(max(0.0, due - time.monotonic()))
        engine = ref()
        if engine is None:
            TICKING.discard(me)
            return
        engine.increment_epoch()
        del engine
        due += EPOCH_TICK
        now = time.monotonic()
        if now - due > 1.0:
            due = now + EPOCH_TICK


class Limits:
    """What `load` watches in one store: its limits, and why a call into it was stopped.

    Every store `load` makes has an epoch deadline callback (`_epoch_reached`, every few ticks
    while wasm runs): it ends the call once `deadline` has passed by the monotonic clock, and lets
    Ctrl-C through (see `watch_sigint`). `arm` (None when there is nothing to do) runs before each
    call into the store; `stderr` keeps the end of what the component wrote to its stderr, when
    `load` captures it (`default_wasi`), for trap messages.
    """

    __slots__ = (
        "deadline",
        "fuel",
        "memory_limit",
        "arm",
        "deadline_at",
        "stopped",
        "stderr",
        "__weakref__",
    )

    def __init__(
        self, deadline: Optional[float], fuel: Optional[int], memory_limit: Optional[int]
    ) -> None:
        self.deadline = deadline
        self.fuel = fuel
        self.memory_limit = memory_limit
        self.arm: Optional[Callable[[], object]] = None
        self.deadline_at: Optional[float] = None  # monotonic time the running call must end by
        self.stopped = False  # the call ran past its deadline (set by `_epoch_reached`)
        self.stderr: Optional[StderrTail] = None


_STORE_LIMITS: "weakref.WeakKeyDictionary[wasmtime.Store, Limits]" = weakref.WeakKeyDictionary()


def store_limits(store: wasmtime.Store) -> Optional[Limits]:
    """The limits `limit_store` gave `store`, if any (read once per instance)."""
    return _STORE_LIMITS.get(store)


# How often (in ticks) a running call looks at the clock and at Ctrl-C: 50 ms.
CHECK_TICKS = 5

_WATCHED: dict[int, Limits] = {}  # the `data` of `_epoch_reached` -> the store's limits


def _epoch_reached(ctx: Any, data: Optional[int], delta: Any, kind: Any) -> int:
    """wasmtime's epoch deadline callback (on the thread running wasm): end the call when its
    deadline passed, or when Ctrl-C was pressed (see `watch_sigint`); else go on for a while."""
    try:
        if _DEFERRED and threading.get_ident() == _MAIN_THREAD:
            _run_deferred()  # the SIGINT handler: usually raises KeyboardInterrupt
        limits = _WATCHED.get(data or 0)
        ticks = CHECK_TICKS
        if limits is not None and limits.deadline_at is not None:
            left = limits.deadline_at - time.monotonic()
            if left <= 0:
                limits.stopped = True
                return _error_pointer(_DEADLINE_PASSED)
            ticks = min(ticks, max(1, math.ceil(left / EPOCH_TICK)))
        delta[0] = ticks
        kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
        return 0
    except BaseException as exc:
        return _callback_failed(exc, "Ctrl-C")


_DEADLINE_PASSED = "the call's deadline passed"
_EPOCH_CALLBACK = c_callback(_b._wasmtime_store_epoch_deadline_callback.argtypes[1], _epoch_reached)
_EPOCH_FINALIZE = _finalizer(_WATCHED)


def _watch(store: wasmtime.Store, limits: Limits) -> None:
    """Give `store` the epoch deadline callback, first reached within `CHECK_TICKS` ticks."""
    key = _register(_WATCHED, limits)
    _b._wasmtime_store_epoch_deadline_callback(store.ptr(), _EPOCH_CALLBACK, key, _EPOCH_FINALIZE)
    _set_epoch_deadline(store._context(), CHECK_TICKS)


def limit_store(
    store: wasmtime.Store,
    engine: wasmtime.Engine,
    *,
    deadline: Optional[float] = None,
    fuel: Optional[int] = None,
    memory_limit: Optional[int] = None,
) -> Limits:
    """Apply `load`'s limits to `store` (of `engine`), before anything is instantiated in it.

    `deadline` needs an engine with epoch interruption and `fuel` one that consumes fuel. An engine
    that consumes fuel stops wasm at once in a store that has none, so a store of one gets endless
    fuel when the caller asks for no limit. With epoch interruption (every engine `load` makes has
    it) the store is watched (`_epoch_reached`): for the deadline, and for Ctrl-C.
    """
    _check_limits(deadline, fuel, memory_limit)
    switches = known_switches(engine)
    if switches is None:
        info = engine_info(engine)
        switches = info.epoch_interruption, info.consume_fuel
    epoch_interruption, consume_fuel = switches
    if deadline is not None and not epoch_interruption:
        raise ValueError(
            f"deadline={deadline!r} needs an engine made with epoch interruption on"
            " (wasmtime.Config().epoch_interruption = True); this engine has it off (pass"
            " deadline=None to load without a deadline)"
        )
    if fuel is not None and not consume_fuel:
        raise ValueError(
            "fuel= needs an engine made with fuel on (wasmtime.Config().consume_fuel = True);"
            " this engine has it off"
        )
    limits = Limits(deadline, fuel, memory_limit)
    store.set_limits(memory_size=-1 if memory_limit is None else memory_limit, **STORE_CAPS)
    ctx = store._context()
    arms: list[Callable[[], object]] = []
    if epoch_interruption:
        start_ticker(engine)
        _watch(store, limits)
        watch_sigint()
        if deadline is not None:
            arms.append(functools.partial(_arm_deadline, limits, ctx, deadline))
    if consume_fuel:
        if fuel is None:
            _check_error(_set_fuel(ctx, _FOREVER))
        else:
            arms.append(functools.partial(_set_fuel_checked, ctx, fuel))
    if len(arms) == 1:
        limits.arm = arms[0]
    elif arms:
        first, second = arms

        def arm() -> None:
            first()
            second()

        limits.arm = arm
    _STORE_LIMITS[store] = limits
    return limits


def _arm_deadline(limits: Limits, ctx: Any, deadline: float) -> None:
    limits.deadline_at = _monotonic() + deadline
    if deadline < CHECK_TICKS * EPOCH_TICK:
        # `_epoch_reached` may be up to `CHECK_TICKS` ticks away: bring it within the deadline.
        # (A longer deadline needs no call: the callbacks on the way close in on it.)
        _set_epoch_deadline(ctx, max(1, math.ceil(deadline / EPOCH_TICK)))


def _check_error(err: Any) -> None:
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)


def _set_fuel_checked(ctx: Any, fuel: int) -> None:
    _check_error(_set_fuel(ctx, fuel))


def _check_limits(
    deadline: Optional[float], fuel: Optional[int], memory_limit: Optional[int]
) -> None:
    if deadline is not None:
        if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
            raise TypeError(f"deadline must be a number of seconds or None, got {_short(deadline)}")
        if not 0 < deadline < 1e9:  # also refuses NaN
            raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
    for name, value in (("fuel", fuel), ("memory_limit", memory_limit)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int or None, got {_short(value)}")
        if not 0 < value < _FOREVER:
            raise ValueError(f"{name} must be a positive int below 2**62, got {value}")
