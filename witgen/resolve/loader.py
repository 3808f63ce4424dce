"""The front end's entry point: a path on disk to a `Resolve`, or one rendered `WitError`.

Reads inputs the way wit-parser's `resolve/fs.rs` does: a `.wit` file (one package plus nested
`package x:y { }` blocks), or a package directory (its `*.wit` files, not recursive, parsed in path
order) with an optional `deps/` folder whose entries, sorted by name, are package directories or
single `.wit` files (other files are ignored). Errors are rendered once, here, with the same
context prefixes wasm-tools prints (`failed to parse package: DIR: ...`).

A file that is a WebAssembly binary (whatever its name, as wasm-tools tells by the contents) is a
component or a WIT package encoded as one: `witgen.component` decodes its interface instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from witgen.collector import collector_paused
from witgen.component.preamble import WASM_MAGIC, binary_kind
from witgen.errors import WitError
from witgen.resolve import model as m
from witgen.resolve.lower import Lowerer
from witgen.resolve.resolver import DuplicatePackage, Resolver
from witgen.resolve.unresolved import Unresolved
from witgen.syntax import ast
from witgen.syntax.source import SourceMap

# A generous cap so a huge input fails clearly instead of exhausting memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
# Components carry their code (a componentize-py plugin is about 18 MB): a far larger cap.
MAX_BINARY_BYTES = 1024 * 1024 * 1024


class Loader:
    def __init__(self, retain: list[object] | None = None) -> None:
        self.source_map = SourceMap()
        # where the ASTs and unresolved packages go once used, if the caller keeps them (see `load`)
        self.retain = retain

    # --- reading ----------------------------------------------------------------------------

    def read_text(self, path: Path) -> str:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise WitError(
                    f"failed to read {display(path)}: file is larger than 256 MiB",
                    path=display(path),
                )
            data = path.read_bytes()
        except OSError as e:
            raise WitError(
                f"failed to read {display(path)}: {e.strerror or e}", path=display(path)
            ) from None
        binary = binary_kind(data)
        if binary is not None:
            # only PATH itself may be a binary (see `load_package`); a package's files are WIT
            raise WitError(
                f"{display(path)} is a WebAssembly binary ({binary}); a package's files are WIT"
                " text",
                path=display(path),
            )
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
            raise WitError(
                f"input file is not valid utf-8 [{display(path)}]: invalid byte at "
                f"{display(path)}:{line}:{col}",
                path=display(path),
                line=line,
                column=col,
            ) from None

    def parse_files(self, files: list[Path]) -> list[Unresolved]:
        """One package (and its nested packages) from these files: wit-parser's `parse_inner`."""
        from witgen.syntax.parser import parse_source

        main = Lowerer()
        nested: list[Unresolved] = []
        for path in sorted(files, key=lambda p: display(p)):
            text = self.read_text(path)
            base = self.source_map.push(display(path), text)
            file = parse_source(text, base)
            items: list[ast.AstItem] = []
            for item in file.items:
                if isinstance(item, ast.NestedPackage):
                    inner = Lowerer()
                    inner.push(item.package)
                    nested.append(inner.resolve())
                else:
                    items.append(item)
            main.push(ast.PackageFile(file.package_id, tuple(items)))
            if self.retain is not None:
                self.retain.append(file)
        packages = nested + [main.resolve()]
        if self.retain is not None:
            self.retain.append(packages)
        return packages

    def parse_dir(self, path: Path) -> list[Unresolved]:
        try:
            files = [
                p for p in sorted(path.iterdir()) if p.name.endswith(".wit") and not p.is_dir()
            ]
            return self.parse_files(files)
        except WitError as e:
            raise self.wrap(e, f"failed to parse package: {display(path)}") from None
        except OSError as e:
            raise WitError(
                f"failed to parse package: {display(path)}: {e.strerror or e}", path=display(path)
            ) from None

    def parse_deps(self, deps: Path) -> list[Unresolved]:
        if not deps.exists():
            return []
        packages: list[Unresolved] = []
        try:
            entries = sorted(deps.iterdir(), key=lambda p: p.name)
            for entry in entries:
                if entry.is_dir():
                    packages += self.parse_dir(entry)
                elif entry.suffix == ".wit":
                    packages += self.parse_files([entry])
                elif entry.suffix in (".wasm", ".wat"):
                    raise WitError(
                        f"{display(entry)}: binary (.wasm/.wat) WIT packages are not supported yet",
                        path=display(entry),
                    )
        except WitError as e:
            raise self.wrap(e, f"failed to parse dependency directory: {display(deps)}") from None
        except OSError as e:
            raise WitError(
                f"failed to parse dependency directory: {display(deps)}: {e.strerror or e}",
                path=display(deps),
            ) from None
        return packages

    # --- errors -----------------------------------------------------------------------------

    def render(self, err: WitError) -> WitError:
        if isinstance(err, DuplicatePackage) and err.rendered is None:
            assert err.span is not None
            err.rendered = (
                f"{err.message}:\n  * {self.source_map.render_location(err.span)}\n"
                f"  * {self.source_map.render_location(err.span2)}"
            )
        return self.source_map.render(err)

    def wrap(self, err: WitError, context: str) -> WitError:
        rendered = str(self.render(err))
        out = WitError(f"{context}: {err.message}")
        out.locate_like(err)
        out.rendered = f"{context}: {rendered}"
        return out


def display(path: Path) -> str:
    return os.fspath(path)


def load(
    path: str | os.PathLike[str],
    features: Iterable[str] = (),
    all_features: bool = False,
    retain: list[object] | None = None,
) -> m.Resolve:
    """Read and resolve `path` (a `.wit` file or a package directory); see the module docstring.

    With `retain`, the intermediate results (ASTs, unresolved packages) are appended to it rather
    than freed as they are done with: a process about to exit need not free them one by one.
    """
    return load_package(path, features, all_features, retain)[0]


def load_package(
    path: str | os.PathLike[str],
    features: Iterable[str] = (),
    all_features: bool = False,
    retain: list[object] | None = None,
) -> tuple[m.Resolve, m.PackageId]:
    """`load`, and the id of the main package: the one `path` itself declares (not a nested
    `package x:y { }` block, not a dependency), which wit-parser's `push_path` returns and
    `select_world` picks worlds from."""
    p = Path(path)
    if is_wasm_file(p):
        return _decode(p, features, all_features)
    loader = Loader(retain)
    # the resolve keeps the text its spans point into, for later stages' messages
    resolver = Resolver(frozenset(features), all_features, loader.source_map)
    with collector_paused():
        main = _load_into(loader, resolver, p)
    return resolver.resolve, resolver.resolve.package_names[main]


def is_wasm_file(p: str | os.PathLike[str]) -> bool:
    """Whether `p` is a file that starts like a WebAssembly binary (decoded, not parsed)."""
    try:
        with open(p, "rb") as f:
            return f.read(len(WASM_MAGIC)) == WASM_MAGIC
    except OSError:
        return False  # a folder, or missing or unreadable: reported as such by the WIT path


def _decode(p: Path, features: Iterable[str], all_features: bool) -> tuple[m.Resolve, m.PackageId]:
    """A component's interface, or the WIT package a `.wasm` encodes (`witgen.component`)."""
    from witgen.component.load import decode_component

    try:
        size = p.stat().st_size
        if size > MAX_BINARY_BYTES:
            raise WitError(
                f"failed to read {display(p)}: file is larger than 1 GiB", path=display(p)
            )
        data = p.read_bytes()
    except OSError as e:
        raise WitError(f"failed to read {display(p)}: {e.strerror or e}", path=display(p)) from None
    decoded = decode_component(data, display(p))
    # features gate nothing here (a binary carries no gated-off items), but are kept as given
    decoded.resolve.features = frozenset(features)
    decoded.resolve.all_features = all_features
    return decoded.resolve, decoded.package


def _load_into(loader: Loader, resolver: Resolver, p: Path) -> m.PackageName:
    """Resolve `p` into `resolver`; returns the main package's name."""
    try:
        if p.is_dir():
            packages = loader.parse_dir(p)
            deps = loader.parse_deps(p / "deps")
            resolver.push_all(packages + deps)
        elif p.exists():
            packages = loader.parse_files([p])
            resolver.push_all(packages)
        else:
            raise WitError(
                f"failed to read {display(p)}: No such file or directory", path=display(p)
            )
    except WitError as e:
        raise loader.render(e) from None
    except RecursionError:
        raise WitError(
            f"{display(p)}: input is nested too deeply to resolve", path=display(p)
        ) from None
    # `parse_files` lists a file's nested packages first and its own package last
    return packages[-1].name
