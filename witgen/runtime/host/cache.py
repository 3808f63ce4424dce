"""The compiled-component cache on disk (`load`'s `cache=`), and the verdicts of the contract
check kept beside its entries.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import hashlib
import logging as _logging
import mmap
import os
import platform
import re
import stat
import sys
import tempfile
import threading
import time
import warnings
import weakref
from ctypes import byref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import wasmtime
from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime._ffi import dll as _dll
from wasmtime.component import Component

from .._values import short as _short
from .errors import CacheWarning, ComponentError
from .limits import engine_info, known_switches, probed, shared_engine
from .typecheck import _VERDICTS, _VERDICTS_LOCK, check_component, kept

PathLike = Union[str, "os.PathLike[str]"]

# The compiled-component cache
#
# Bounded: componentize-py's output is not byte-reproducible, so every rebuild of a plugin is a
# new 35-40 MB entry. After writing an entry, `load` evicts the least recently used ones until
# the folder holds at most `cache_max_bytes()` (`WITGEN_CACHE_MAX_BYTES`, default 1 GiB; an
# environment variable because the folder is shared by processes and by every generated package's
# copy of this module, so a per-call or per-package setting could not bound it). Each use of an
# entry sets its modification time (`os.utime`), which orders them: access times are not kept
# reliably (`relatime`, `noatime` mounts). Eviction is safe with concurrent processes: an entry is
# only read during `load` (opened and mapped, hashed, then copied by wasmtime into memory of its
# own), and on POSIX a file that is open or mapped lives on after its name is removed, so a
# reader never sees it vanish half-way (on Windows removing it fails and it is skipped); an entry
# used or written in the last `_EVICT_GRACE` seconds is never evicted, so one that another
# process has just touched or published stays. An evicted entry's contract verdicts
# (`<key>.<contract>.kept`) go with it; the `.path` and `.engine` memos name no entry, so
# one whose entry is gone only leads to compiling again.

if TYPE_CHECKING:
    from .specs import Contract

_CACHE_MAGIC = b"witgen compiled component 1\n"
# `load` says what it compiles (seconds for a real plugin) on this logger, at INFO.
_LOG = _logging.getLogger("witgen")
CACHE_MAX_ENV = "WITGEN_CACHE_MAX_BYTES"
DEFAULT_CACHE_MAX_BYTES = 1 << 30
_EVICT_GRACE = 60.0  # seconds: an entry used or written this recently is never evicted
_STALE_TEMPORARY = 3600.0  # seconds: a temporary file this old is a dead writer's
# engine -> cache key -> the component, while something uses it
_COMPILED: (
    "weakref.WeakKeyDictionary[wasmtime.Engine, weakref.WeakValueDictionary[str, Component]]"
) = weakref.WeakKeyDictionary()
_COMPILED_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/witgen/components`, else `~/.cache/witgen/components`
    (`%LOCALAPPDATA%\\witgen\\components` on Windows)."""
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "witgen" / "components"


@functools.lru_cache(maxsize=1)
def _wasmtime_build() -> str:
    """Which wasmtime runs here: the version from the package's metadata would cost ~10 ms to
    read, so the native library's path, size and modification time name the build instead."""
    library = os.path.abspath(str(getattr(_dll, "_name", "") or wasmtime.__file__))
    try:
        st = os.stat(library)
        return f"{library}\0{st.st_size}\0{st.st_mtime_ns}"
    except OSError:
        return library


def _unsafe_folder(folder: Path) -> Optional[str]:
    """Why `folder` (which exists) must not hold native code to run, or None when it may.

    The folder must be a directory owned by the user that nobody else can write; every folder
    above it (as written and after resolving symlinks) must be owned by the user or root and not
    writable by others unless sticky (like /tmp), so nobody else can swap it for their own.
    """
    getuid = getattr(os, "geteuid", None)
    if getuid is None:  # Windows: no POSIX owners; the default is under the user's own profile
        return None if folder.is_dir() else f"{folder} is not a folder"
    uid = getuid()
    st = os.stat(folder)
    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a folder"
    if st.st_uid != uid:
        return f"{folder} is owned by user id {st.st_uid}, not by this user ({uid})"
    if st.st_mode & 0o022:
        return f"{folder} can be written by others (mode {stat.S_IMODE(st.st_mode):#o})"
    lexical = Path(os.path.abspath(folder))
    seen: set[Path] = set()
    for above in [*lexical.parents, *folder.resolve().parents]:
        if above in seen:
            continue
        seen.add(above)
        st = os.stat(above)
        if st.st_uid not in (uid, 0):
            return f"{above}, above {folder}, is owned by another user (id {st.st_uid})"
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            return (
                f"{above}, above {folder}, can be written by others"
                f" (mode {stat.S_IMODE(st.st_mode):#o})"
            )
    return None


def cache_folder(cache: Union[bool, PathLike]) -> Optional[Path]:
    """The folder `cache` names (`True`: `default_cache_dir()`), created with mode 0o700 when
    missing; None, with a `CacheWarning`, when it cannot be made or is not safe to use."""
    if cache is False:
        return None
    try:
        if cache is True:
            folder = default_cache_dir()
        elif isinstance(cache, (str, os.PathLike)):
            folder = Path(os.fspath(cache))
        else:
            raise TypeError(f"cache must be a bool or a folder path, got {_short(cache)}")
    except (RuntimeError, KeyError) as err:  # no home folder to be found
        warnings.warn(
            f"not using the compiled-component cache: no folder for it ({err}); compiling instead",
            CacheWarning,
            stacklevel=3,
        )
        return None
    try:
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:  # made meanwhile by another process
                pass
        problem = _unsafe_folder(folder)
    except OSError as err:
        problem = f"{folder} cannot be used ({err})"
    if problem is not None:
        warnings.warn(
            f"not using the compiled-component cache: {problem}; compiling instead",
            CacheWarning,
            stacklevel=3,
        )
        return None
    return folder


def _cache_key(digest: bytes, fingerprint: str) -> str:
    """The entry name for a component whose bytes have sha256 `digest`, compiled by an engine of
    this `fingerprint` (`EngineInfo`)."""
    material = b"\0".join(
        [
            _CACHE_MAGIC,
            _wasmtime_build().encode("utf-8", "surrogateescape"),
            fingerprint.encode("ascii"),
            digest,
        ]
    )
    return hashlib.sha256(material).hexdigest()


# Probing an engine for its fingerprint compiles a small component: about 2 ms, a fifth of a
# cached `load`. For the engines `load` makes itself (`new_engine`: wasmtime's defaults plus
# known switches) the folder remembers the answer in `<sha256 of wasmtime's build, the switches
# and the machine>.engine`. A remembered fingerprint is only a guess at the entry's name: it is
# used when the entry it names deserializes (wasmtime refuses an artifact compiled for another
# configuration or CPU), and otherwise the engine is probed and the memo corrected.


def _engine_memo(folder: Path, switches: tuple[bool, bool]) -> Path:
    material = f"{_wasmtime_build()}\0{switches}\0{platform.machine()}\0{sys.platform}"
    name = hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()
    return folder / f"{name}.engine"


def _fingerprint(engine: wasmtime.Engine, folder: Optional[Path]) -> tuple[str, Optional[Path]]:
    """`engine`'s fingerprint, and the memo it comes from when it is the folder's guess (see
    above; None: the engine was probed)."""
    info = probed(engine)
    if info is not None:
        return info.fingerprint, None
    switches = known_switches(engine)
    if folder is None or switches is None:
        return engine_info(engine).fingerprint, None
    memo = _engine_memo(folder, switches)
    try:
        guess = memo.read_text(encoding="ascii")
    except (OSError, UnicodeError):
        guess = ""
    if len(guess) == 64 and not guess.strip("0123456789abcdef"):
        return guess, memo
    fingerprint = engine_info(engine).fingerprint
    _write_memo(memo, fingerprint)
    return fingerprint, None


def _write_memo(memo: Path, text: str) -> None:
    """Publish `text` as the memo `memo` (a temporary file renamed into place)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=memo.suffix, dir=memo.parent)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(text)
        os.replace(tmp, memo)
    except OSError:
        pass  # only a shortcut: the next load works it out again


# Reading and hashing an 18 MB component costs more than the rest of a cached load, so the cache
# also remembers, per component path, the file's identity (device, inode, size, mtime and ctime in
# nanoseconds; ctime cannot be set back by a program) with its sha256: while they match, the file
# is neither read nor hashed. Memos live beside the entries as `<sha256 of the path>.path`.


def _file_identity(st: os.stat_result) -> str:
    return f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _memo_path(folder: Path, path: PathLike) -> Path:
    where = os.path.abspath(os.fspath(path)).encode("utf-8", "surrogateescape")
    return folder / f"{hashlib.sha256(where).hexdigest()}.path"


def _remembered_digest(folder: Path, path: PathLike) -> Optional[bytes]:
    try:
        st = os.stat(path)
        memo = _memo_path(folder, path).read_text(encoding="ascii")
    except (OSError, UnicodeError):
        return None
    identity, _, digest = memo.rpartition(" ")
    if identity != _file_identity(st) or len(digest) != 64:
        return None
    try:
        return bytes.fromhex(digest)
    except ValueError:
        return None


def _remember_digest(folder: Path, path: PathLike, st: os.stat_result, digest: bytes) -> None:
    _write_memo(_memo_path(folder, path), f"{_file_identity(st)} {digest.hex()}")


def _read_entry(path: Path) -> Optional[memoryview]:
    """The serialized component in the cache entry `path` (a view into a buffer read once, which
    `_deserialize` passes to wasmtime without copying it); None when it is missing, damaged or
    not the user's own file."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        st = os.fstat(file.fileno())
        getuid = getattr(os, "geteuid", None)
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022:
            return None
        if getuid is not None and st.st_uid != getuid():
            return None
        if st.st_size < len(_CACHE_MAGIC) + 32:
            return None
        try:
            # A private, copy-on-write mapping: read as hashing needs it, never copied (ctypes
            # wants a writable buffer; nothing writes to it).
            data: Any = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
        except (OSError, ValueError):
            return None
    head = len(_CACHE_MAGIC)
    if data[:head] != _CACHE_MAGIC:
        return None
    payload = memoryview(data)[head + 32 :]
    if hashlib.sha256(payload).digest() != data[head : head + 32]:
        return None
    return payload


def _deserialize(engine: wasmtime.Engine, payload: memoryview) -> Component:
    """`Component.deserialize` without its copy of the (tens of MB) payload into ctypes memory."""
    n = len(payload)
    array = (ctypes.c_uint8 * n).from_buffer(payload)
    ptr = ctypes.POINTER(_b.wasmtime_component_t)()
    err = _b.wasmtime_component_deserialize(engine.ptr(), array, n, byref(ptr))
    del array
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)
    return Component._from_ptr(ptr)


def _write_entry(path: Path, payload: bytes) -> None:
    """Publish `payload` as the cache entry `path`: a private temporary file renamed into place,
    so a reader sees a whole entry or none; the last of several writers wins."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".cwasm", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(_CACHE_MAGIC)
            file.write(hashlib.sha256(payload).digest())
            file.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _touch(entry: Path) -> bool:
    """Mark `entry` as just used (modification times order the entries for eviction); False when
    it is not there (evicted, or the component came from memory, compiled for another folder)."""
    try:
        os.utime(entry)
    except FileNotFoundError:
        return False
    except OSError:
        pass  # not ours to touch: it only orders entries
    return True


_SIZE = re.compile(r"(\d{1,30})\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_WARNED_SIZES: set[str] = set()


def parse_cache_size(text: str) -> Optional[int]:
    """`text` (`1073741824`, `500M`, `2GiB`: K, M, G and T are powers of 1024) in bytes, or None
    for `0`, which means no cap; `ValueError` when it is no size."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size in bytes (such as 1073741824, 500M or 2G)")
    return int(match[1]) * _UNITS[match[2].lower()] or None


def cache_max_bytes() -> Optional[int]:
    """The cap on a cache folder's size: `$WITGEN_CACHE_MAX_BYTES` (None for `0`: no cap), else
    `DEFAULT_CACHE_MAX_BYTES`. A value that is no size is warned about (`CacheWarning`, once per
    process) and the default applies."""
    text = os.environ.get(CACHE_MAX_ENV, "").strip()
    if not text:
        return DEFAULT_CACHE_MAX_BYTES
    try:
        return parse_cache_size(text)
    except ValueError as err:
        if text not in _WARNED_SIZES:
            _WARNED_SIZES.add(text)
            warnings.warn(
                f"{CACHE_MAX_ENV}: {err}; the cache is capped at the default 1 GiB",
                CacheWarning,
                stacklevel=2,
            )
        return DEFAULT_CACHE_MAX_BYTES


# The names of the files the cache makes; nothing else in a folder is read, counted or removed.
_ENTRY_NAME = re.compile(r"([0-9a-f]{64})\.cwasm")
_VERDICT_NAME = re.compile(r"([0-9a-f]{64})\.[^.]+\.kept")
_MEMO_NAME = re.compile(r"[0-9a-f]{64}\.(?:path|engine)")
_TEMPORARY_NAME = re.compile(r"\.tmp-[^.]*\.(?:cwasm|path|engine|kept)")


@dataclasses.dataclass(frozen=True)
class CacheFile:
    path: Path
    size: int
    mtime: float  # of an entry: when it was last used


@dataclasses.dataclass
class CacheContents:
    """The files the cache made in a folder, by kind (see `cache_contents`)."""

    folder: Path
    entries: dict[str, CacheFile]  # cache key -> the compiled component
    verdicts: dict[str, list[CacheFile]]  # cache key -> its contract verdicts
    memos: list[CacheFile]  # `.path`: a component file's digest; `.engine`: an engine's fingerprint
    temporary: list[CacheFile]  # being written, or left by a writer that died

    def files(self) -> list[CacheFile]:
        verdicts = [f for kept in self.verdicts.values() for f in kept]
        return [*self.entries.values(), *verdicts, *self.memos, *self.temporary]

    @property
    def total(self) -> int:
        """Bytes in all of them."""
        return sum(f.size for f in self.files())

    @property
    def entry_bytes(self) -> int:
        return sum(f.size for f in self.entries.values())


def cache_contents(folder: PathLike) -> CacheContents:
    """What the cache folder `folder` holds (empty when it does not exist); symbolic links and
    files of other names are left out."""
    where = Path(os.fspath(folder))
    contents = CacheContents(where, {}, {}, [], [])
    try:
        listing = list(os.scandir(where))
    except FileNotFoundError:
        return contents
    for item in listing:
        try:
            if not item.is_file(follow_symlinks=False):
                continue
            st = item.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile
        file = CacheFile(Path(item.path), st.st_size, st.st_mtime)
        if match := _ENTRY_NAME.fullmatch(item.name):
            contents.entries[match[1]] = file
        elif match := _VERDICT_NAME.fullmatch(item.name):
            contents.verdicts.setdefault(match[1], []).append(file)
        elif _MEMO_NAME.fullmatch(item.name):
            contents.memos.append(file)
        elif _TEMPORARY_NAME.fullmatch(item.name):
            contents.temporary.append(file)
    return contents


def _remove(files: list[CacheFile]) -> int:
    """Remove `files`; the bytes of those removed (one open on Windows stays)."""
    freed = 0
    for file in files:
        try:
            os.unlink(file.path)
        except FileNotFoundError:
            pass  # removed by another process meanwhile
        except OSError:
            continue
        freed += file.size
    return freed


def evict(folder: Path, max_bytes: Optional[int], keep: Optional[Path] = None) -> int:
    """Remove least recently used entries of `folder` (with their verdicts) until it holds at
    most `max_bytes` (None: no cap), and temporary files of writers that died; never `keep`, nor
    an entry used or written in the last `_EVICT_GRACE` seconds. Returns the entries removed."""
    contents = cache_contents(folder)
    now = time.time()
    stale = [f for f in contents.temporary if now - f.mtime > _STALE_TEMPORARY]
    total = contents.total - _remove(stale)
    if max_bytes is None or total <= max_bytes:
        return 0
    removed = freed = 0
    for key, entry in sorted(contents.entries.items(), key=lambda item: item[1].mtime):
        if total - freed <= max_bytes:
            break
        if entry.path == keep or now - entry.mtime < _EVICT_GRACE:
            continue
        try:
            # Used since it was listed (by another process): it is no longer the oldest.
            if os.stat(entry.path, follow_symlinks=False).st_mtime != entry.mtime:
                continue
        except OSError:
            continue
        gone = _remove([entry])
        if gone:
            removed += 1
            freed += gone + _remove(contents.verdicts.get(key, []))
    if removed:
        _LOG.info(
            "evicted %d compiled component(s) (%.1f MiB) from %s to keep it under %.1f MiB (%s)",
            removed,
            freed / (1 << 20),
            folder,
            max_bytes / (1 << 20),
            CACHE_MAX_ENV,
        )
    return removed


def _evict(folder: Path, keep: Path) -> None:
    """`evict` after `load` wrote `keep`, at the cap `cache_max_bytes()`; never fails the load."""
    try:
        evict(folder, cache_max_bytes(), keep)
    except OSError as err:
        warnings.warn(
            f"could not evict old entries from the compiled-component cache {folder}: {err}",
            CacheWarning,
            stacklevel=5,
        )


def clear_cache(folder: PathLike) -> CacheContents:
    """Remove every file the cache made in `folder` (the folder stays); returns what was there."""
    contents = cache_contents(folder)
    _remove(contents.files())
    return contents


_CORE_MODULE_HEADER = b"\0asm\x01\x00\x00\x00"


def _compile(engine: wasmtime.Engine, wasm: bytes) -> Component:
    """Compile a component (the slow step the cache avoids)."""
    return Component(engine, wasm)


def _compile_file(engine: wasmtime.Engine, wasm: bytes, path: PathLike) -> Component:
    """`_compile`, with a bad file reported as a `ComponentError` naming it.

    wasmtime would read bytes without the `\\0asm` header as WAT text and answer a puzzling
    "expected `(`", so the header is checked first.
    """
    where = os.fspath(path)
    if not wasm.startswith(b"\0asm"):
        raise ComponentError(f"{where}: not a WebAssembly component (no \\0asm header)")
    if wasm.startswith(_CORE_MODULE_HEADER):
        raise ComponentError(f"{where}: a core WebAssembly module, not a component")
    try:
        return _compile(engine, wasm)
    except wasmtime.WasmtimeError as err:
        raise ComponentError(
            f"{where}: not a valid component: {' '.join(str(err).split())}"
        ) from err


def load_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike] = True
) -> Component:
    """The component at `path` compiled for `engine`: from the cache when it holds it, else
    compiled (and stored there). `cache` is `True` (the default folder), `False` (always compile)
    or a folder. Within a process, a component that is still in use is shared."""
    return _fetch_component(engine, path, cache)[0]


def _load_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike]
) -> tuple[Component, Optional[Path]]:
    """`load_component`, with the cache entry that holds the component (None without a cache)."""
    component, entry, _ = _fetch_component(engine, path, cache)
    return component, entry


def _fetch_component(
    engine: wasmtime.Engine, path: PathLike, cache: Union[bool, PathLike]
) -> tuple[Component, Optional[Path], bool]:
    """`_load_component`, and whether it compiled the component (it was in no cache)."""
    if cache is False:
        with open(path, "rb") as file:
            return _compile_logged(engine, file.read(), path, None), None, True
    folder = cache_folder(cache)
    fingerprint, guessed_by = _fingerprint(engine, folder)
    wasm: Optional[bytes] = None
    digest = _remembered_digest(folder, path) if folder is not None else None
    if digest is None:
        with open(path, "rb") as file:
            st = os.fstat(file.fileno())
            wasm = file.read()
        digest = hashlib.sha256(wasm).digest()
        if folder is not None:
            _remember_digest(folder, path, st, digest)
    key = _cache_key(digest, fingerprint)
    entry = folder / f"{key}.cwasm" if folder is not None else None
    with _COMPILED_LOCK:
        compiled = _COMPILED.setdefault(engine, weakref.WeakValueDictionary())
        component = compiled.get(key)
    if component is not None:
        if entry is not None and not _touch(entry):
            _store(entry, component)
        return component, entry, False
    payload = _read_entry(entry) if entry is not None else None
    if payload is not None:
        try:
            component = _deserialize(engine, payload)
        except wasmtime.WasmtimeError:
            component = None  # from another wasmtime or configuration: compiled again below
    if component is None and guessed_by is not None:  # a wrong guess, or no entry yet: probe
        _write_memo(guessed_by, engine_info(engine).fingerprint)
        return _fetch_component(engine, path, cache)
    fresh = component is None
    if component is None:
        if wasm is None:
            with open(path, "rb") as file:
                wasm = file.read()
            if hashlib.sha256(wasm).digest() != digest:  # its memo was wrong: forget it
                assert folder is not None
                _memo_path(folder, path).unlink(missing_ok=True)
                return _fetch_component(engine, path, cache)
        component = _compile_logged(engine, wasm, path, folder)
        if entry is not None:
            _store(entry, component)
    elif entry is not None:
        _touch(entry)
    with _COMPILED_LOCK:
        compiled[key] = component
    return component, entry, fresh


def _store(entry: Path, component: Component) -> None:
    """Write `component` as the cache entry `entry`, then keep the folder under its cap."""
    try:
        _write_entry(entry, bytes(component.serialize()))
    except OSError as err:
        warnings.warn(
            f"could not write the compiled-component cache entry {entry}: {err}",
            CacheWarning,
            stacklevel=4,
        )
    else:
        _evict(entry.parent, keep=entry)


def _compile_logged(
    engine: wasmtime.Engine, wasm: bytes, path: PathLike, folder: Optional[Path]
) -> Component:
    """`_compile_file`, saying on the `witgen` logger (INFO) what is compiled, why, and how long
    it took: seconds of silence otherwise, for a real plugin."""
    where = os.fspath(path)
    if _LOG.isEnabledFor(_logging.INFO):
        why = "cache=False" if folder is None else f"not in the compiled-component cache {folder}"
        _LOG.info("compiling %s (%.1f MB; %s)", where, len(wasm) / 1e6, why)
    start = time.perf_counter()
    component = _compile_file(engine, wasm, path)
    _LOG.info("compiled %s in %.1f s", where, time.perf_counter() - start)
    return component


def precompile(path: PathLike, cache: Union[bool, PathLike] = True) -> tuple[bool, Optional[Path]]:
    """Put the component at `path` into the cache for the engine `load` uses by default (epoch
    interruption, no fuel: see `prepare_load`), so that the first `load` of it is a cache hit
    (`witgen build` runs this after a build). Returns whether it compiled (False: the cache had
    it already) and the entry (None when the cache cannot be used: a `CacheWarning` says why)."""
    engine = shared_engine(epoch_interruption=True, consume_fuel=False)
    _, entry, fresh = _fetch_component(engine, path, cache)
    return fresh, entry


# A component found to keep a contract has it written down beside its cache entry, as
# `<entry>.<contract digest>.kept`: a cached load then skips the check (for a component of a few
# thousand functions the check costs more than the rest of a cached load). Trusted like the entry
# itself: only a file of the user's own in the user's own cache folder.


def _verdict_path(entry: Path, contract: Contract) -> Path:
    return entry.with_name(f"{entry.stem}.{contract.digest}.kept")


def _own_file(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    getuid = getattr(os, "geteuid", None)
    if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022:
        return False
    return getuid is None or st.st_uid == getuid()


def _check_loaded(
    component: Component,
    engine: wasmtime.Engine,
    contract: Contract,
    path: PathLike,
    entry: Optional[Path],
) -> None:
    """`check_component` for `load`, with the verdict kept in the cache."""
    if kept(component, contract):
        return
    verdict = _verdict_path(entry, contract) if entry is not None else None
    if verdict is not None and _own_file(verdict):
        with _VERDICTS_LOCK:
            _VERDICTS.setdefault(component, set()).add(contract.digest)
        return
    check_component(component, engine, contract, os.fspath(path))
    if verdict is not None:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".kept", dir=verdict.parent)
            os.close(fd)
            os.replace(tmp, verdict)
        except OSError:
            pass  # only a shortcut: the next load checks again


# `load` itself
