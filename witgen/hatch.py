"""The hatchling build hook `witgen`: a project's bindings are generated while its wheel is built.

In: the `[tool.witgen]` entries of the project being built (see `witgen.config`). Out: each entry's
package written to its `out` folder, as plain `witgen` writes it, and the files put in the wheel.
A project turns it on with witgen among its build requirements and an (empty) hook table:

    [build-system]
    requires = ["hatchling", "witgen"]
    build-backend = "hatchling.build"

    [tool.hatch.build.targets.wheel.hooks.witgen]

hatchling finds the hook through the `hatch` entry point of witgen's distribution (this module's
`hatch_register_build_hook`). It takes no options of its own; hatchling's own hook options
(`enable-by-default`, ...) work as for any hook.

Where the files go in the wheel: `out` must be inside a folder the wheel packages (one of its
`packages`, `only-include` or `include`, e.g. the package hatchling finds by itself in a `src`
layout), and a generated file lands where hatchling would put a file of that folder: with
`out = "src/app/bindings"` and the package `src/app`, the world `greeter` is written to
`src/app/bindings/greeter/` and shipped as `app/bindings/greeter/...`. The files are included
explicitly (`force_include`), so they are in the wheel even when they are git-ignored, as
generated files usually are. An `out` outside every packaged folder fails the build, and so does
any bad WIT or `[tool.witgen]` mistake, with witgen's message (`path:line:col` included).

An editable install (`pip install -e .`) generates the files in place only: the install reads them
from the source tree. An sdist gets nothing generated: its wheel is built (and generated) later.

hatchling is imported by this module only; the rest of witgen never needs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hatchling.builders.config import BuilderConfig
from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.plugin import hookimpl

from witgen.errors import WitError


class WitgenBuildHook(BuildHookInterface[BuilderConfig]):
    """Generate every `[tool.witgen]` entry of the project, and ship the files in the wheel."""

    PLUGIN_NAME = "witgen"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":  # an sdist ships the WIT; its wheel generates
            return
        try:
            forced = self._generate()
        except WitError as err:
            # A traceback through hatchling would bury the message; the frontend shows this text.
            raise SystemExit(f"witgen build hook: error: {err}") from None
        if version != "editable":
            build_data["force_include"].update(forced)

    def _generate(self) -> dict[str, str]:
        """Write every entry's package; return {absolute source: project-relative path}."""
        # Imported here: jinja2, black and the front end are loaded only when the hook runs.
        from witgen.codegen.writer import write_package
        from witgen.config import load_entries
        from witgen.generate import generate

        # Not resolved: hatchling compares the sources with its own (unresolved) root.
        root = os.path.normpath(os.path.abspath(self.root))
        pyproject = Path(root, "pyproject.toml")
        entries = load_entries(pyproject)
        if not entries:
            raise WitError(
                f"{pyproject}: the witgen build hook is enabled but there is no [tool.witgen]"
                " saying what to generate (`wit` and `out`, see witgen's examples/sample-app)"
            )
        forced: dict[str, str] = {}
        for entry in entries:
            package = generate(entry)
            for warning in package.warnings:
                self.app.display_warning(f"witgen: warning: {warning}")
            target = os.path.normpath(entry.out / package.name)
            for name in sorted(package.files):
                source = os.path.join(target, *name.split("/"))
                forced[source] = wheel_source_path(self.build_config, root, source, entry.where)
            changes = write_package(package, entry.out)
            self.app.display_info(f"witgen: {changes.summary()}")
        return forced


def wheel_source_path(config: BuilderConfig, root: str, file: str, where: str) -> str:
    """The path hatchling gives `file` (absolute) before its `sources` make it the wheel's path.

    That is the path relative to the project `root` (or, under an `only-include` folder mapped
    elsewhere, the mapped one); hatchling turns it into the path inside the wheel with
    `get_distribution_path` (`src/app/x.py` -> `app/x.py`), for a forced file as for any file it
    finds itself. A `WitError` naming the entry (`where`) when `file` is outside every folder the
    wheel packages.
    """
    relative = os.path.relpath(file, root)
    candidate: str | None = None
    if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
        if config.only_include:  # `packages` or `only-include`: only these folders are walked
            for source, target in config.only_include.items():
                inner = os.path.relpath(file, source)
                if inner == os.curdir:
                    candidate = target
                elif inner != os.pardir and not inner.startswith(os.pardir + os.sep):
                    candidate = os.path.join(target, inner)
                else:
                    continue
                break
        elif config.path_is_included(relative.replace(os.sep, "/")):
            candidate = relative
    if candidate is None:
        folders = [os.path.relpath(source, root) for source in config.only_include]
        packaged = ", ".join(folders) if folders else "its `include` patterns"
        raise WitError(
            f"{where}: `out` puts {relative} outside every folder the wheel packages"
            f" ({packaged}); put `out` inside one of them, or add its folder to"
            " [tool.hatch.build.targets.wheel] packages"
        )
    return candidate


@hookimpl
def hatch_register_build_hook() -> type[WitgenBuildHook]:
    return WitgenBuildHook
