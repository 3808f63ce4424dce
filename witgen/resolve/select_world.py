"""Stage 3, after resolution: which world a command means (wit-parser's `Resolve::select_world`).

In: a `Resolve`, the id of its main package (the package PATH declares, `loader.load_package`),
and the world specifier the user gave (`--world`, or `world = ...` in `[tool.witgen]`), or None.
Out: a world id, or a `WorldSelectionError` with wit-parser's message.

The rules, as wasm-tools and componentize-py apply them (`component embed --world` is the
reference the differential test compares with):
* no specifier: the main package must have exactly one world;
* `w`: the world `w` of the main package, never one of a dependency;
* `ns:pkg/w@1.0.0`: the world `w` of that exact package;
* `ns:pkg/w`: that package without a version, else the one version of it the resolve holds; two
  versions make it ambiguous and it is refused.
The specifier is read as a WIT use path (`syntax.parser.parse_world_spec`), so comments, spaces and
`%` escapes are allowed and a malformed one gets the same syntax errors a file would.
"""

from __future__ import annotations

from witgen.errors import WitError
from witgen.resolve import model as m
from witgen.syntax import ast
from witgen.syntax.parser import parse_world_spec


class WorldSelectionError(WitError):
    """No world or several: `unnamed` is True when the error is that none was named and the
    main package has several, so the caller can say how to name one (`--world`, `world = `)."""

    def __init__(self, message: str, *, unnamed: bool = False) -> None:
        super().__init__(message)
        self.unnamed = unnamed


def select_world(resolve: m.Resolve, main: m.PackageId, spec: str | None) -> m.WorldId:
    if spec is None:
        return _only_world(resolve, main)
    try:
        path = parse_world_spec(spec)
    except WitError as err:
        # wit-parser reports no location here: the specifier is no file
        raise WorldSelectionError(
            f"failed to parse world specifier `{spec}`: {err.message}"
        ) from None
    if isinstance(path, ast.LocalPath):
        package = resolve.packages[main]
    else:
        package = resolve.packages[_package_of(resolve, path.package)]
    world = package.worlds.get(path.name.name)
    if world is None:
        raise WorldSelectionError(f"World `{path.name.name}` not found in package `{package.name}`")
    return world


def world_spec(resolve: m.Resolve, world: m.WorldId) -> str:
    """The fully qualified specifier of a world (`ns:pkg/w@1.0.0`): `select_world` reads it back
    as this world whatever the main package is (wit-parser's `id_of_name`)."""
    w = resolve.worlds[world]
    assert w.package is not None
    return _qualified(resolve.packages[w.package].name, w.name)


def _qualified(package: m.PackageName, name: str) -> str:
    version = f"@{package.version}" if package.version is not None else ""
    return f"{package.namespace}:{package.name}/{name}{version}"


def _only_world(resolve: m.Resolve, main: m.PackageId) -> m.WorldId:
    package = resolve.packages[main]
    if not package.worlds:
        raise WorldSelectionError(f"The main package `{package.name}` contains no worlds")
    if len(package.worlds) > 1:
        listed = "".join(f"\n  {_qualified(package.name, w)}" for w in package.worlds)
        raise WorldSelectionError(
            f"There are multiple worlds in `{package.name}`; one must be explicitly chosen:"
            + listed,
            unnamed=True,
        )
    return next(iter(package.worlds.values()))


def _package_of(resolve: m.Resolve, written: ast.PackageName) -> m.PackageId:
    """The package `ns:pkg[@version]` names: exactly, or, without a version, its only version."""
    version = written.version.text if written.version is not None else None
    name = m.PackageName(written.namespace.name, written.name.name, version)
    found = resolve.package_names.get(name)
    if found is not None:
        return found
    candidates = [
        (other, pid)
        for other, pid in resolve.package_names.items()
        if version is None
        and (other.namespace, other.name) == (name.namespace, name.name)
        and other.version is not None
    ]
    if len(candidates) > 1:
        # wit-parser names the first two, in the order the packages were resolved
        raise WorldSelectionError(
            f"package name `{name}` is available at both versions "
            f"{candidates[0][0].version} and {candidates[1][0].version} but which is not specified"
        )
    if not candidates:
        raise WorldSelectionError(f"unknown package `{name}`")
    return candidates[0][1]
