"""Glue between a witgen guest package and componentize-py 0.25 (copied into a `witgen build` as
`witgen_glue.py`; runs inside the component's CPython).

Stage: run time, inside a built plugin. componentize-py generates its own bindings (`wit_world`)
and expects an app module with `WitWorld` (the world's exports), one class per exported interface
(`Tools`), and a top-level module per exported interface holding its resource classes
(`tools.Counter`). `witgen build` writes those as small modules that call this one, which makes
the classes at import time (during componentize-py's pre-initialisation, so a mistake fails the
build, not the first call):
* each method converts componentize-py's values into the guest package's (`_rt.call_export`),
  calls the plugin's implementation and converts the answer back (a raised `Err` included);
* the guest package's imports are carried by `CpyBackend`, which calls `wit_world`'s functions,
  or, where componentize-py 0.25.1 wrote none (every function of a world whose imports include an
  interface declared inline, `import host: interface {...}`), calls the import by its index, the
  way componentize-py's own generated code does (`componentize_py_runtime.call_import`).
Every module of `wit_world` the converters may need is looked up at build time too (`Side.module`):
an import during a call looks at the file system, which traps in a component built with
`--stub-wasi` (it has no WASI at all), even when the module does not exist.
"""

from __future__ import annotations

import functools
import importlib
import operator
import pkgutil
import sys
from typing import Any, Callable

import componentize_py_runtime  # type: ignore[import-not-found]
import componentize_py_types as cpy_types  # type: ignore[import-not-found]

_THEIR_ERR = cpy_types.Err  # componentize-py's own (`share_err` replaces it)


def share_err(rt: Any) -> None:
    """Make componentize-py use the guest package's `Err` as its own.

    componentize-py takes an export's err only from an exception of exactly its `Err` class, and
    makes an import's err with it; it reads `componentize_py_types.Err` after importing the app
    module (this module's caller). With the guest package's class there, the `Err` a plugin
    raises is the one componentize-py expects, so a failing call raises once, as it does in a
    plugin written on componentize-py's own bindings (its payload still checked on the way: see
    `exports._export_caller`). `wit_world` modules imported before now bound the old class."""
    cpy_types.Err = rt.Err
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] == "wit_world" and getattr(module, "Err", None) is _THEIR_ERR:
            setattr(module, "Err", rt.Err)  # noqa: B010  (a module: mypy knows no `Err` on it)


def make_side(rt: Any) -> Any:
    """componentize-py's classes: the guest package's modules mirrored under `wit_world`."""

    class Side(rt.ModuleSide):  # type: ignore[misc]
        ok = cpy_types.Ok
        err = rt.Err  # see `share_err`
        some = cpy_types.Some
        bytes_are_bytes = True  # componentize-py gives a `list<u8>` as `bytes`
        keeps_values = False  # it lowers each value into the component's memory at once

        def __init__(self) -> None:
            super().__init__("wit_world")
            self.outer: dict[type, type] = {}  # the plugin's resource base -> glue class
            # guest package module (relative) -> componentize-py's, or None: it wrote none
            self.modules: dict[str, Any] = {}

        def module(self, rel: str) -> Any:
            if rel not in self.modules:
                try:
                    self.modules[rel] = super().module(rel)
                except ImportError:
                    self.modules[rel] = None
            found = self.modules[rel]
            if found is None:
                raise ImportError(f"componentize-py wrote no module for {rel or 'the world'}")
            return found

        def handle_out(self, conv: Any, value: Any) -> Any:
            outer = getattr(value, "_witgen_outer", None)
            if outer is None:
                cls: Any = self.outer[conv.res.cls]
                outer = cls.__new__(cls)
                outer._witgen_inner = value
                try:
                    value._witgen_outer = outer
                except AttributeError:  # a class with __slots__: a new handle each time
                    pass
            return outer

        def handle_into(self, conv: Any, value: Any) -> Any:
            return value._witgen_inner

        def handle_out_fn(self, conv: Any) -> Callable[[Any], Any]:
            return functools.partial(self.handle_out, conv)

        def handle_into_fn(self, conv: Any) -> Callable[[Any], Any]:
            return operator.attrgetter("_witgen_inner")

    return Side()


def make_backend(rt: Any, side: Any, indexes: dict[tuple[str, str], int]) -> Any:
    class CpyBackend(rt.Backend):  # type: ignore[misc]
        def __init__(self) -> None:
            self.side = side
            self.funcs: dict[Any, Callable[..., Any]] = {}

        def resolve(self, spec: Any) -> Callable[..., Any]:
            if spec.kind == "func":
                fn = None
                try:
                    fn = getattr(side.module(spec.module), spec.py_name, None)
                except ImportError:
                    pass
                if fn is None:
                    return _by_index(indexes[(spec.module, spec.name)], spec.unwrap)
                return fn  # type: ignore[no-any-return]
            owner = side.peer(spec.owner)
            if spec.kind == "constructor":
                return owner  # type: ignore[no-any-return]
            if spec.kind == "static":
                return getattr(owner, spec.py_name)  # type: ignore[no-any-return]
            name = spec.py_name
            return lambda this, *args: getattr(this, name)(*args)

        def invoke(self, spec: Any, args: list[Any]) -> Any:
            fn = self.funcs.get(spec)
            if fn is None:
                fn = self.funcs[spec] = self.resolve(spec)
            return fn(*args)

        def drop(self, peer: Any) -> None:
            exit_ = getattr(peer, "__exit__", None)
            if exit_ is not None:
                exit_(None, None, None)

    return CpyBackend()


def _by_index(index: int, unwrap: bool) -> Callable[..., Any]:
    """An import called the way componentize-py's generated code calls it: by its index."""
    call_import = componentize_py_runtime.call_import
    if not unwrap:
        return lambda *args: call_import(index, list(args))

    def call(*args: Any) -> Any:
        result = call_import(index, list(args))
        if isinstance(result, cpy_types.Err):  # its own functions raise the err; this returns it
            raise result
        return result.value

    return call


class Glue:
    """What the generated app and resource modules call."""

    def __init__(self, package: str, plugin: str, indexes: dict[tuple[str, str], int]) -> None:
        self.guest = importlib.import_module(package)
        self.rt = importlib.import_module(f"{package}._rt")
        share_err(self.rt)  # before the plugin, which may import componentize-py's `Err` too
        self.user = importlib.import_module(plugin)
        self.side = make_side(self.rt)
        self.rt.use_backend(make_backend(self.rt, self.side, indexes))
        # Now, during pre-initialisation, not at the first call (see the module's docstring).
        prefix = f"{package}."
        modules = [self.guest]
        for found in pkgutil.walk_packages(self.guest.__path__, prefix):
            rel = found.name.removeprefix(prefix)
            if not rel.startswith("_"):
                modules.append(importlib.import_module(found.name))
                try:
                    self.side.module(rel)
                except ImportError:
                    pass
        try:
            self.side.module("")
        except ImportError:
            pass
        # componentize-py looks up its classes of records, variants, enums and flags after
        # importing the app module (this one's caller): where the guest package's class has the
        # same shape, it finds that class instead, and makes and reads the plugin's values
        # itself, so a call converts nothing.
        named = (self.rt.Record, self.rt.Variant, self.rt.Enum, self.rt.Flags)
        self.side.share_shapes(
            conv for module in modules for conv in vars(module).values() if isinstance(conv, named)
        )

    def _function(self, spec: Any, fn: Callable[..., Any]) -> Any:
        """A glue method calling the plugin's `fn` (a method of its one instance, or static):
        the export's caller with `fn` bound, which needs no `self`."""
        return staticmethod(spec.caller(self.side, impl=fn))

    def _member(self, spec: Any, name: str) -> Callable[..., Any]:
        """A glue method calling method `name` of the plugin's object behind the glue object."""
        return spec.caller(self.side, impl_of=operator.attrgetter(f"_witgen_inner.{name}"))  # type: ignore[no-any-return]

    def world_class(self, cpy_base: type) -> type:
        """`WitWorld`: the world's exported functions, carried to the plugin's one instance."""
        impl = self.rt.implementation(self.user, getattr(self.guest, self.guest._WORLD_CLASS))()
        namespace = {
            name: self._function(spec, getattr(impl, name))
            for name, spec in self.guest._EXPORTS.items()
        }
        return type("WitWorld", (cpy_base,), namespace)

    def interface_class(self, rel: str, cpy_base: type, name: str) -> type:
        """The class componentize-py calls for exported interface `rel` (`exports.tools`)."""
        module = importlib.import_module(f"{self.guest.__name__}.{rel}")
        impl = self.rt.implementation(self.user, module.Exports)()
        namespace = {
            n: self._function(spec, getattr(impl, n)) for n, spec in module._EXPORTS.items()
        }
        return type(name, (cpy_base,), namespace)

    def resource_class(self, rel: str, name: str) -> type:
        """The class componentize-py finds as `<interface module>.<Resource>`."""
        module = importlib.import_module(f"{self.guest.__name__}.{rel}")
        base = getattr(module, name)
        impl = self.rt.implementation(self.user, base)
        specs = module._RESOURCES[base]
        side = self.side
        namespace: dict[str, Any] = {}
        for member, spec in specs.items():
            if member == "__init__":
                construct = spec.caller(side, convert_result=False)  # the object is the result

                def init(this: Any, *values: Any, construct: Any = construct) -> None:
                    obj = construct(impl, *values)
                    this._witgen_inner = obj
                    try:
                        obj._witgen_outer = this
                    except AttributeError:
                        pass

                namespace["__init__"] = init
            elif isinstance(base.__dict__.get(member), staticmethod):
                namespace[member] = self._function(spec, getattr(impl, member))
            else:
                namespace[member] = self._member(spec, member)
        cls = type(name, (side.peer(base),), namespace)
        side.outer[base] = cls
        return cls
