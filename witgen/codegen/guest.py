"""The guest generator (code generation, the driver): a world in, a plugin author's package out.

In: a `Resolve` and a world id. Out: a `GeneratedPackage`, the files of `OUT/<world_snake>_guest/`:
* `__init__.py`: the world's types, `Ok`/`Err`/`Some`, and the base class named after the world
  (UpperCamel) whose abstract methods are the world's exported functions;
* `exports/__init__.py`: one base class per exported interface; `exports/<name>.py`: that
  interface's types, its resources as abstract base classes the plugin implements;
* `imports/__init__.py`: the world's own imported functions, typed; `imports/<name>.py`: an
  imported interface's types, functions, and its resources as proxy classes;
* `_rt/` (`witgen/runtime/guest/`, copied) and `py.typed`.
Names, annotations and docstrings come from the host generator's view models (`views`), so a
plugin's values have the same shapes and names as the host's; what only the guest prints (where
each module lives, its imports, each exported interface's base class) is in frozen guest views
computed from them, never written into them. What carries the calls is not here: `witgen build`
adds componentize-py's glue (`build.componentize`, from `GuestViews`), and the host bindings'
`from_python` runs a plugin in-process (both through `_rt`'s converters).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from witgen.codegen import CodegenError, naming
from witgen.codegen.host import HEADER, GeneratedPackage, python_file, runtime_files, world_names
from witgen.codegen.views import (
    FuncView,
    InterfaceView,
    ModuleView,
    PackageViews,
    TypeView,
    ViewBuilder,
    WorldView,
    docstring,
)
from witgen.codegen.walk import WorldWalk, walk_world
from witgen.resolve import model as m

IMPORTS, EXPORTS = "imports", "exports"


@dataclass(frozen=True)
class GuestModuleView:
    """An interface module of the guest package: the host's view of it, and where it lives."""

    view: ModuleView
    folder: str  # IMPORTS or EXPORTS
    class_name: str  # exported: its base class, `exports.<class_name>`; "" when imported
    import_lines: list[str]  # how it imports the other generated modules it uses

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}.py"

    @property
    def dotted(self) -> str:
        """Its module path inside the package (`exports.tools`), as the run time names it."""
        return f"{self.folder}.{self.name}"

    @property
    def interface(self) -> InterfaceView:
        return self.view.interface

    @property
    def types(self) -> list[TypeView]:
        return self.view.types

    @property
    def docstring(self) -> str | None:
        return self.view.docstring


@dataclass(frozen=True)
class GuestWorldView:
    """The package's `__init__` and the `imports/` and `exports/` packages' `__init__`s."""

    view: WorldView
    docstring: str | None
    class_docstring: str | None
    import_lines: list[str]  # of `__init__`
    public: list[str]  # `__init__`'s `__all__`
    imports_lines: list[str]  # of `imports/__init__.py`
    # The world's own imported functions, as `imports/__init__.py` defines them: a function named
    # like an imported interface's module (`import foo: func()` beside interface `foo`) would
    # hide the module, so it is defined as `foo_` (its spec keeps the world's `py_name`).
    import_defs: list[FuncView]
    imported_modules: list[str]  # the modules of `imports/`
    type_names: list[str]  # the world's types the imported functions' annotations may name
    exported: list[GuestModuleView]  # the modules of `exports/`, one base class each


def _import_line(folder: dict[str, str], module: str, alias: str, here: str) -> str:
    """How a module in folder `here` ("" = the package, IMPORTS, EXPORTS) imports `module`."""
    there = folder[module]
    if here == "":
        return f"from .{there} import {module} as {alias}"
    if here == there:
        return f"from . import {module} as {alias}"
    return f"from ..{there} import {module} as {alias}"


class GuestViews:
    """The guest package's views, computed once from the host generator's (which stay as they
    were built): `modules` and `world` are what the guest templates print, `walk` and `views`
    what `witgen build` derives its plugin contract from."""

    def __init__(self, resolve: m.Resolve, world_id: int, name: str | None = None) -> None:
        clash = naming.package_clash(
            resolve.worlds[world_id].name, world_names(resolve), guest=True
        )
        if clash is not None:
            raise CodegenError(clash)
        walk = walk_world(resolve, world_id)
        for use in walk.interfaces:
            if use.imported and use.exported:
                raise CodegenError(
                    f"interface '{use.instance_name}' is both imported and exported by world"
                    f" '{walk.world.name}': guest wrappers for that are not supported yet"
                )
        self.walk: WorldWalk = walk
        self.resolve = resolve
        self.package = naming.guest_package(walk.world.name if name is None else name)
        self.views: PackageViews = ViewBuilder(resolve, walk).build()
        folder = {
            mod.name: (EXPORTS if mod.interface.exported else IMPORTS) for mod in self.views.modules
        }
        self.modules = [
            GuestModuleView(
                mod,
                folder[mod.name],
                naming.exports_class(mod.name) if folder[mod.name] == EXPORTS else "",
                [_import_line(folder, u, a, folder[mod.name]) for u, a in mod.import_pairs],
            )
            for mod in self.views.modules
        ]
        self.world = self._world_view(folder)

    def _world_view(self, folder: dict[str, str]) -> GuestWorldView:
        w = self.views.world
        defined = sorted({name for t in w.types for name in t.defines})
        imported = [mod.name for mod in self.modules if mod.folder == IMPORTS]
        scope = naming.Scope("the guest package's imports", imported)
        return GuestWorldView(
            w,
            docstring(self.walk.world.docs, f"Guest wrappers for world `{w.wit_name}`."),
            docstring(
                f"What a plugin of world `{w.wit_name}` implements: subclass it in the plugin"
                " module and implement every method (the world's exported functions)."
            ),
            [_import_line(folder, u, a, "") for u, a in w.import_pairs],
            sorted(
                {w.class_name, "Ok", "Err", "Some"}
                | set(defined)
                | {r.py_name for r in w.reexports}
            ),
            [_import_line(folder, u, a, IMPORTS) for u, a in w.import_pairs],
            [
                replace(f, py_name=scope.claim(f.py_name, f"function '{f.wit_name}'"))
                for f in w.import_funcs
            ],
            imported,
            defined if w.import_funcs else [],
            [mod for mod in self.modules if mod.folder == EXPORTS],
        )

    def warnings(self) -> list[str]:
        out = list(self.views.warnings)
        for mod in self.views.modules:
            if mod.interface.export_props or mod.interface.host_props:
                out.append(
                    f"interface '{mod.interface.instance_name}': getters and setters are left out"
                    " of the guest wrappers (not supported yet)"
                )
        w = self.views.world
        if w.export_props or w.import_props:
            out.append("world getters and setters are left out of the guest wrappers")
        return out

    def generate(self) -> GeneratedPackage:
        files: dict[str, str] = {}
        for mod in self.modules:
            files[mod.path] = python_file("guest/interface.py.j2", mod.path, m=mod)
        gw = self.world
        files["__init__.py"] = python_file("guest/world.py.j2", "__init__.py", g=gw, w=gw.view)
        files["imports/__init__.py"] = python_file(
            "guest/imports_init.py.j2", "imports/__init__.py", g=gw
        )
        files["exports/__init__.py"] = python_file(
            "guest/exports_init.py.j2", "exports/__init__.py", g=gw
        )
        files.update(runtime_files("guest"))
        files["py.typed"] = HEADER + "\n"
        return GeneratedPackage(self.package, dict(sorted(files.items())), self.warnings())


def generate_guest(resolve: m.Resolve, world_id: int, name: str | None = None) -> GeneratedPackage:
    """The guest wrappers of a world: the package named after `name` (default: the world's)."""
    return GuestViews(resolve, world_id, name).generate()
