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
plugin's values have the same shapes and names as the host's. What carries the calls is not
here: `witgen build` adds componentize-py's glue, and the host bindings' `from_python` runs a
plugin in-process (both through `_rt`'s converters).
"""

from __future__ import annotations

import dataclasses

from witgen.codegen import CodegenError, naming
from witgen.codegen.host import HEADER, GeneratedPackage, python_file, runtime_files, world_names
from witgen.codegen.views import (
    InterfaceView,
    ModuleView,
    TypeView,
    ViewBuilder,
    docstring,
)
from witgen.codegen.walk import walk_world
from witgen.resolve import model as m


class GuestViews:
    """Adds what only the guest templates print to the host generator's views: where each module
    lives, the name of each exported interface's base class, resource docstrings."""

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
        self.walk = walk
        self.package = naming.guest_package(walk.world.name if name is None else name)
        self.resolve = resolve
        self.ids = {
            use.instance_name: list(use.interface.types.values()) for use in walk.interfaces
        }
        self.views = ViewBuilder(resolve, walk).build()
        self.folder = {
            mod.name: ("exports" if mod.interface.exported else "imports")
            for mod in self.views.modules
        }

    def import_line(self, module: str, alias: str, here: str) -> str:
        """How a module in folder `here` ("" = the package, "imports", "exports") imports `module`."""
        folder = self.folder[module]
        if here == "":
            return f"from .{folder} import {module} as {alias}"
        if here == folder:
            return f"from . import {module} as {alias}"
        return f"from ..{folder} import {module} as {alias}"

    def resource_docs(self, types: list[TypeView], type_ids: list[m.TypeId]) -> None:
        docs = {self.resolve.types[t].name: self.resolve.types[t].docs for t in type_ids}
        for t in types:
            r = t.resource
            if t.kind != "resource" or r is None:
                continue
            if r.side == "exported":
                usage = (
                    f"A resource the plugin implements: subclass `{r.py_name}` in the plugin"
                    " module and implement its constructor, methods and static functions. The"
                    f" host's handles stand for objects of the subclass; a function returning an"
                    f" `own<{r.wit_name}>` returns one, a `borrow<{r.wit_name}>` parameter receives"
                    " one."
                )
            else:
                usage = (
                    f"A resource the host implements: `{r.py_name}(...)` asks the host for one"
                    " (when it has a constructor), its methods call the host's object, and"
                    " `close()` or the end of a `with` block drops it."
                )
            t.guest_docstring = docstring(docs.get(r.wit_name), usage)

    def interface_module(self, mod: ModuleView) -> tuple[str, str]:
        i: InterfaceView = mod.interface
        folder = self.folder[mod.name]
        i.class_name = naming.upper_camel(mod.name)
        self.resource_docs(mod.types, self.ids[i.instance_name])
        lines = [self.import_line(u, a, folder) for u, a in mod.import_pairs]
        text = python_file(
            "guest/interface.py.j2",
            f"{folder}/{mod.name}.py",
            m=mod,
            module=f"{folder}.{mod.name}",
            import_lines=lines,
        )
        return f"{folder}/{mod.name}.py", text

    def generate(self) -> GeneratedPackage:
        views = self.views
        w = views.world
        files: dict[str, str] = {}
        for mod in views.modules:
            path, text = self.interface_module(mod)
            files[path] = text
        self.resource_docs(w.types, self.walk.types)
        for f in w.import_funcs:
            f.spec = f"_I_{f.py_name}"  # beside the exports' `_X_` specs in `__init__`
        world_names = sorted(
            {t.py_name for t in w.types}
            | {c.py_name for t in w.types if t.kind == "variant" for c in t.cases}
        )
        public = sorted(
            {w.class_name, "Ok", "Err", "Some"}
            | {t.py_name for t in w.types}
            | {c.py_name for t in w.types if t.kind == "variant" for c in t.cases}
            | {r.py_name for r in w.reexports}
        )
        pairs = w.import_pairs
        files["__init__.py"] = python_file(
            "guest/world.py.j2",
            "__init__.py",
            w=w,
            docstring=docstring(self.walk.world.docs, f"Guest wrappers for world `{w.wit_name}`."),
            class_docstring=docstring(
                f"What a plugin of world `{w.wit_name}` implements: subclass it in the plugin"
                " module and implement every method (the world's exported functions)."
            ),
            import_lines=[self.import_line(u, a, "") for u, a in pairs],
            public=public,
        )
        imported = [mod.name for mod in views.modules if self.folder[mod.name] == "imports"]
        # The world's own imported functions share `imports/__init__.py` with the imported
        # interfaces' modules: a function named like one (`import foo: func()` beside interface
        # `foo`) would hide the module, so it is defined as `foo_` (its spec keeps `py_name`).
        scope = naming.Scope("the guest package's imports", imported)
        defs = [
            dataclasses.replace(f, py_name=scope.claim(f.py_name, f"function '{f.wit_name}'"))
            for f in w.import_funcs
        ]
        files["imports/__init__.py"] = python_file(
            "guest/imports_init.py.j2",
            "imports/__init__.py",
            funcs=defs,
            modules=imported,
            world_names=world_names if w.import_funcs else [],
            import_lines=[self.import_line(u, a, "imports") for u, a in pairs],
        )
        exported = [
            {"name": mod.interface.class_name, "module": mod.name}
            for mod in views.modules
            if self.folder[mod.name] == "exports"
        ]
        files["exports/__init__.py"] = python_file(
            "guest/exports_init.py.j2", "exports/__init__.py", classes=exported
        )
        files.update(runtime_files("guest"))
        files["py.typed"] = HEADER + "\n"
        warnings = list(views.warnings)
        for mod in views.modules:
            if mod.interface.export_props or mod.interface.host_props:
                warnings.append(
                    f"interface '{mod.interface.instance_name}': getters and setters are left out"
                    " of the guest wrappers (not supported yet)"
                )
        if w.export_props or w.import_props:
            warnings.append("world getters and setters are left out of the guest wrappers")
        return GeneratedPackage(self.package, dict(sorted(files.items())), warnings)


def generate_guest(resolve: m.Resolve, world_id: int, name: str | None = None) -> GeneratedPackage:
    """The guest wrappers of a world: the package named after `name` (default: the world's)."""
    return GuestViews(resolve, world_id, name).generate()
