"""Stage 3: lowered packages merged into one `Resolve`, with worlds included and elaborated.

Follows wit-parser's `Resolve::push` (resolve/mod.rs): packages are added in dependency order, and
each is merged by a `Remap`. The steps have their own modules: merging a package and its gates
(`merge`), world includes (`includes`, which clones world-owned types with `clone`), and world
elaboration (`elaborate`): the interfaces a world's imports and exports depend on are added as
imports, in wit-parser's order.
"""

from __future__ import annotations

from witgen.errors import Span, WitError
from witgen.resolve import model as m
from witgen.resolve.elaborate import Elaborator
from witgen.resolve.merge import Remap
from witgen.resolve.unresolved import Unresolved
from witgen.syntax.source import SourceMap


def package_sort_key(name: m.PackageName) -> tuple[object, ...]:
    from witgen.resolve.semver import version_key

    version = (0,) if name.version is None else (1, version_key(name.version))
    return (name.namespace, name.name, version)


class Resolver:
    """Owns the `Resolve` being built; `push` adds one lowered package."""

    def __init__(
        self,
        features: frozenset[str] = frozenset(),
        all_features: bool = False,
        source_map: SourceMap | None = None,
    ):
        self.resolve = m.Resolve(
            features=features, all_features=all_features, source_map=source_map
        )
        self.elaborator = Elaborator(self.resolve)

    # --- packages ---------------------------------------------------------------------------

    def push(self, unresolved: Unresolved) -> m.PackageId:
        return Remap(self.resolve, self.elaborator).append(unresolved)

    def push_all(self, packages: list[Unresolved]) -> None:
        """Add packages in dependency order (wit-parser's `sort_unresolved_packages`)."""
        by_name: dict[m.PackageName, Unresolved] = {}
        for pkg in packages:
            prev = by_name.get(pkg.name)
            if prev is not None:
                raise DuplicatePackage(pkg.name, pkg.name_span, prev.name_span)
            by_name[pkg.name] = pkg
        ordered = sorted(by_name.values(), key=lambda p: package_sort_key(p.name))
        order: list[m.PackageName] = []
        done: set[m.PackageName] = set()
        visiting: set[m.PackageName] = set()

        # wit-parser's recursive `visit`, with an explicit stack: a chain of packages each using
        # the next is as deep as the input is long (988 nested packages took Python's stack).
        # A frame is a package and how many of its dependencies have been entered.
        def visit(root: Unresolved) -> None:
            if root.name in done:
                return
            frames: list[tuple[Unresolved, list[m.PackageName], int]] = [
                (root, list(root.foreign_deps), 0)
            ]
            while frames:
                pkg, deps, i = frames.pop()
                if i > 0:  # back from visiting dependency i - 1
                    visiting.discard(deps[i - 1])
                if i == len(deps):
                    done.add(pkg.name)
                    order.append(pkg.name)
                    continue
                dep = deps[i]
                if dep in visiting:
                    raise WitError(
                        f"package `{dep}` creates a dependency cycle", pkg.foreign_dep_spans[i]
                    )
                visiting.add(dep)
                frames.append((pkg, deps, i + 1))
                dep_pkg = by_name.get(dep)
                if dep_pkg is not None and dep_pkg.name not in done:
                    frames.append((dep_pkg, list(dep_pkg.foreign_deps), 0))

        for pkg in ordered:
            visit(pkg)
        for name in order:
            self.push(by_name[name])


class DuplicatePackage(WitError):
    """Rendered specially: both locations, no source snippet (wit-parser `DuplicatePackage`)."""

    def __init__(self, name: m.PackageName, span1: Span, span2: Span) -> None:
        super().__init__(f"package `{name}` is defined in two different locations", span1)
        self.span2 = span2
