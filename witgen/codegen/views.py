"""View models of the host generator (code generation): what the templates print, computed once.

In: a `WorldWalk` (from `walk`) and its `Resolve`. Out: one `ModuleView` per interface module and
one `WorldView` for the package's `__init__`, whose fields already hold Python names (from
`naming`, checked per scope), annotations and converter expressions (from `pytypes`), and
docstring literals escaped for any doc text. Templates only loop over these and print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.codegen import CodegenError, naming
from witgen.codegen.naming import Scope
from witgen.codegen.pytypes import ASYNC, ModuleCtx, TypeMapper, alias, converter_name
from witgen.codegen.walk import InterfaceUse, WorldWalk
from witgen.resolve import model as m

# Names each kind of module keeps for the generated API (see `Scope`): WIT items converted to one
# of these get a trailing `_`.
INTERFACE_MODULE_NAMES = ("Host", "Exports")
RUNTIME_EXPORTS = ("Ok", "Err", "Some", "ComponentError", "WasmTrap", "InstanceUnusable")
WORLD_CLASS_NAMES = ("load", "instantiate", "add_to_linker", "close", "store", "component")

FREESTANDING = ("freestanding", "async-freestanding")


# --------------------------------------------------------------------------------------------
# Docstrings and comments


def _escape_text(text: str) -> str:
    """`text` as the inside of a non-raw Python string literal: backslashes doubled, characters
    that are not printable (except newline and tab) written as escapes."""
    out = []
    for ch in text.replace("\\", "\\\\"):
        if ch in "\n\t" or ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def docstring(*parts: str | None) -> str | None:
    """A triple-quoted literal holding the non-empty `parts`, one paragraph each; None if none.

    Safe for any text: a `\"\"\"` inside or a `\"` at the end cannot close the literal early.
    """
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    if not text:
        return None
    body = _escape_text(text).replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return f'"""{body}"""'


def comment_lines(text: str | None) -> list[str]:
    """Doc text as the bodies of `#` comment lines (never containing a line break)."""
    if not text:
        return []
    return [_escape_text(line).rstrip() for line in text.strip().splitlines()]


# --------------------------------------------------------------------------------------------
# View models


@dataclass
class FieldView:
    py_name: str
    wit_name: str
    annotation: str
    converter: str
    comment: list[str]


@dataclass
class CaseView:
    """A variant case (a class), an enum member or a flag (a SHOUTY member with `value`)."""

    py_name: str
    wit_name: str
    value: int
    annotation: str | None  # variant payload; None when the case has none
    converter: str
    docstring: str | None
    comment: list[str]


@dataclass
class TypeView:
    kind: str  # "record", "enum", "flags", "variant", "alias" or "resource"
    py_name: str
    wit_name: str
    converter_name: str
    docstring: str | None
    fields: list[FieldView] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)
    annotation: str = ""  # what an alias stands for; a variant's union of case classes
    converter: str = ""  # an alias's converter expression


@dataclass
class ParamView:
    py_name: str
    wit_name: str
    annotation: str
    converter: str


@dataclass
class FuncView:
    py_name: str
    wit_name: str
    label: str  # how error messages name it, e.g. "api.greet()"
    docstring: str | None
    params: list[ParamView]
    result_annotation: str  # "None" when the function returns nothing
    result_converter: str  # "None" when the WIT function has no result
    unwrap: bool  # the WIT result is a `result`: return its ok value, raise Err(e)
    unsupported: str | None  # a feature the run time cannot carry (only async here)

    @property
    def returns(self) -> bool:
        return self.result_annotation != "None"


@dataclass
class InterfaceView:
    module: str
    alias: str
    attr: str  # the attribute naming it on the world class (and in error messages)
    host_attr: str  # the attribute naming it on the imports protocol
    instance_name: str
    docstring: str | None
    host_funcs: list[FuncView]  # what the host implements (empty unless imported)
    export_funcs: list[FuncView]  # what the component provides (empty unless exported)
    exported: bool
    needs_host: bool  # imported, has functions, and not provided by WASI


@dataclass
class ModuleView:
    name: str
    docstring: str | None
    import_pairs: list[tuple[str, str]]  # (module, alias) of the other generated modules it uses
    types: list[TypeView]
    interface: InterfaceView


@dataclass
class WorldView:
    class_name: str
    imports_name: str
    wit_name: str
    docstring: str | None
    imports_docstring: str | None
    import_pairs: list[tuple[str, str]]
    types: list[TypeView]
    import_funcs: list[FuncView]
    host_ifaces: list[InterfaceView]
    export_funcs: list[FuncView]
    export_ifaces: list[InterfaceView]
    needs_host: bool
    public: list[str]  # the package's `__all__`


@dataclass
class PackageViews:
    world: WorldView
    modules: list[ModuleView]
    warnings: list[str]


# --------------------------------------------------------------------------------------------
# Building


def module_names(walk: WorldWalk) -> dict[int, str]:
    """A module name per interface: snake_case of its name, qualified by package (then namespace,
    then version) only when two interfaces of the world share it (`http_types`)."""

    def candidates(use: InterfaceUse) -> list[str]:
        base = naming.snake(use.interface.name or use.instance_name)
        if use.package is None:
            return [base]
        pkg = use.package
        qualified = naming.snake(f"{pkg.name}-{use.interface.name}")
        full = naming.snake(f"{pkg.namespace}-{pkg.name}-{use.interface.name}")
        out = [base, qualified, full]
        if pkg.version is not None:
            version = "".join(c if c.isalnum() else "_" for c in pkg.version)
            out.append(f"{full}_{version}")
        return out

    options = {use.id: candidates(use) for use in walk.interfaces}
    level = {use.id: 0 for use in walk.interfaces}
    while True:
        taken: dict[str, list[int]] = {}
        for use in walk.interfaces:
            taken.setdefault(options[use.id][level[use.id]], []).append(use.id)
        clashes = [ids for ids in taken.values() if len(ids) > 1]
        if not clashes:
            break
        moved = False
        for ids in clashes:
            for i in ids:
                if level[i] + 1 < len(options[i]):
                    level[i] += 1
                    moved = True
        if not moved:
            listed = " and ".join(
                f"interface '{u.instance_name}'" for u in walk.interfaces if u.id in clashes[0]
            )
            raise CodegenError(f"{listed} cannot be given distinct Python module names")
    names = {use.id: options[use.id][level[use.id]] for use in walk.interfaces}
    scope = Scope("the generated package")
    for use in walk.interfaces:
        scope.claim(names[use.id], f"interface '{use.instance_name}'")
    return names


class ViewBuilder:
    def __init__(self, resolve: m.Resolve, walk: WorldWalk) -> None:
        self.resolve = resolve
        self.walk = walk
        self.warnings: list[str] = []
        self.modules = module_names(walk)
        self.world_name = walk.world.name
        self.class_name = naming.upper_camel(walk.world.name)
        self.imports_name = f"{self.class_name}Imports"
        self.type_names: dict[int, tuple[str, str]] = {}
        self.case_names: dict[tuple[int, int], str] = {}
        self._name_types()
        self.types = TypeMapper(resolve, self.type_names)

    # --- names ---

    def _name_types(self) -> None:
        for use in self.walk.interfaces:
            module = self.modules[use.id]
            scope = Scope(
                f"module '{module}' (interface '{use.instance_name}')", INTERFACE_MODULE_NAMES
            )
            for type_id in sorted(use.interface.types.values()):
                self._name_type(type_id, module, scope)
        world_scope = Scope(
            "the package's __init__",
            (self.class_name, self.imports_name, *RUNTIME_EXPORTS),
        )
        for type_id in sorted(self.walk.types):
            self._name_type(type_id, "", world_scope)

    def _name_type(self, type_id: int, module: str, scope: Scope) -> None:
        td = self.resolve.types[type_id]
        assert td.name is not None
        py = scope.claim(naming.upper_camel(td.name), f"type '{td.name}'")
        self.type_names[type_id] = (module, py)
        if isinstance(td.kind, m.VariantKind):
            for i, case in enumerate(td.kind.cases):
                item = f"case '{case.name}' of variant '{td.name}'"
                self.case_names[(type_id, i)] = scope.claim(
                    f"{py.rstrip('_')}_{naming.upper_camel(case.name).rstrip('_')}", item
                )

    # --- types ---

    def type_views(self, type_ids: list[int], ctx: ModuleCtx) -> list[TypeView]:
        return [self.type_view(t, ctx) for t in sorted(type_ids)]

    def type_view(self, type_id: int, ctx: ModuleCtx) -> TypeView:
        td = self.resolve.types[type_id]
        assert td.name is not None
        py = self.type_names[type_id][1]
        k = td.kind
        # Every type gets a docstring, so a class body is never empty.
        view = TypeView(
            "alias", py, td.name, converter_name(py), docstring(td.docs or f"WIT type `{td.name}`.")
        )
        if isinstance(k, m.RecordKind):
            view.kind = "record"
            scope = Scope(f"record '{td.name}'", naming.ANNOTATION_BUILTINS)
            for f in k.fields:
                name = scope.claim(naming.snake(f.name), f"field '{f.name}'")
                view.fields.append(
                    FieldView(
                        name,
                        f.name,
                        self.types.annotation(f.ty, ctx),
                        self.types.converter(f.ty, ctx),
                        comment_lines(f.docs),
                    )
                )
        elif isinstance(k, (m.EnumKind, m.FlagsKind)):
            view.kind = "enum" if isinstance(k, m.EnumKind) else "flags"
            scope = Scope(f"{view.kind} '{td.name}'")
            if isinstance(k, m.EnumKind):
                members = [(c.name, c.docs, i) for i, c in enumerate(k.cases)]
            else:
                members = [(f.name, f.docs, 1 << i) for i, f in enumerate(k.flags)]
            for wit_name, docs, value in members:
                name = scope.claim(naming.shouty(wit_name), f"'{wit_name}'")
                view.cases.append(
                    CaseView(name, wit_name, value, None, "None", None, comment_lines(docs))
                )
        elif isinstance(k, m.VariantKind):
            view.kind = "variant"
            for i, c in enumerate(k.cases):
                view.cases.append(
                    CaseView(
                        self.case_names[(type_id, i)],
                        c.name,
                        i,
                        None if c.ty is None else self.types.annotation(c.ty, ctx),
                        self.types.converter(c.ty, ctx),
                        docstring(c.docs, f"The `{c.name}` case of `{py}`."),
                        [],
                    )
                )
            view.annotation = " | ".join(c.py_name for c in view.cases)
        elif isinstance(k, m.ResourceKind):
            view.kind = "resource"
            view.docstring = docstring(
                td.docs, "Resources are not supported by these bindings yet (a placeholder)."
            )
            self.warnings.append(
                f"resource '{td.name}': resources are not supported yet; functions that use it"
                " raise NotImplementedError and its methods are not generated"
            )
        else:
            view.annotation = self.types.structure_annotation(type_id, ctx)
            view.converter = self.types.structure_converter(type_id, ctx)
        return view

    # --- functions ---

    def func_views(
        self, funcs: list[m.Function], ctx: ModuleCtx, scope: Scope, prefix: str, where: str
    ) -> list[FuncView]:
        out = []
        for func in funcs:
            if func.kind.tag not in FREESTANDING:
                # Resource constructors, methods and statics come with resource support.
                continue
            py = scope.claim(naming.snake(func.name), f"function '{func.name}'")
            out.append(self.func_view(func, py, ctx, f"{prefix}{py}()", where))
        return out

    def func_view(
        self, func: m.Function, py: str, ctx: ModuleCtx, label: str, where: str
    ) -> FuncView:
        scope = Scope(f"the parameters of '{func.name}'", naming.PARAM_RESERVED)
        params = [
            ParamView(
                scope.claim(naming.snake(p.name), f"parameter '{p.name}'"),
                p.name,
                self.types.annotation(p.ty, ctx),
                self.types.converter(p.ty, ctx),
            )
            for p in func.params
        ]
        result = self.types.result_of(func.result)
        raises = None
        if result is not None:
            result_annotation = self.types.annotation(result.ok, ctx)
            err = self.types.annotation(result.err, ctx)
            raises = f"Raises `Err` (its `.value` a `{err}`) when the function returns `err`."
        else:
            result_annotation = self.types.annotation(func.result, ctx)
        unsupported = ASYNC if func.kind.tag.startswith("async") else None
        for t in [*(p.ty for p in func.params), func.result]:
            unsupported = unsupported or self.types.unsupported(t)
        if unsupported is not None:
            self.warnings.append(
                f"{where} function '{func.name}': {unsupported} are not supported by these bindings"
                " yet; calling it raises NotImplementedError"
            )
        return FuncView(
            py,
            func.name,
            label,
            docstring(func.docs, raises),
            params,
            result_annotation,
            self.types.converter(func.result, ctx),
            result is not None,
            ASYNC if func.kind.tag.startswith("async") else None,
        )

    # --- modules ---

    def interface_view(self, use: InterfaceUse, ctx: ModuleCtx, attr: str) -> InterfaceView:
        iface = use.interface
        funcs = list(iface.functions.values())
        host_funcs: list[FuncView] = []
        export_funcs: list[FuncView] = []
        if use.imported:
            scope = Scope(
                f"the protocol of interface '{use.instance_name}'", naming.ANNOTATION_BUILTINS
            )
            host_funcs = self.func_views(funcs, ctx, scope, f"{attr}.", "imported")
        if use.exported:
            scope = Scope(
                f"the exports of interface '{use.instance_name}'", naming.ANNOTATION_BUILTINS
            )
            export_funcs = self.func_views(funcs, ctx, scope, f"{attr}.", "exported")
        return InterfaceView(
            self.modules[use.id],
            alias(self.modules[use.id]),
            attr,
            attr,
            use.instance_name,
            docstring(iface.docs),
            host_funcs,
            export_funcs,
            use.exported,
            bool(host_funcs) and not use.provided_by_wasi,
        )

    def build(self) -> PackageViews:
        walk = self.walk
        world = walk.world
        world_ctx = ModuleCtx("")
        # Attribute names: exported interfaces on the world class, imported ones on the protocol.
        class_scope = Scope(
            f"class {self.class_name}", (*WORLD_CLASS_NAMES, *naming.ANNOTATION_BUILTINS)
        )
        proto_scope = Scope(f"protocol {self.imports_name}", naming.ANNOTATION_BUILTINS)
        modules: list[ModuleView] = []
        host_ifaces: list[InterfaceView] = []
        export_ifaces: list[InterfaceView] = []
        import_funcs = self.func_views(walk.import_funcs, world_ctx, proto_scope, "", "imported")
        export_funcs = self.func_views(walk.export_funcs, world_ctx, class_scope, "", "exported")
        for use in walk.interfaces:
            module = self.modules[use.id]
            ctx = ModuleCtx(module)
            attr = module
            item = f"interface '{use.instance_name}'"
            if use.exported:
                attr = class_scope.claim(module, item)
            view = self.interface_view(use, ctx, attr)
            if view.needs_host:
                view.host_attr = proto_scope.claim(module, item)
            types = self.type_views(list(use.interface.types.values()), ctx)
            modules.append(
                ModuleView(
                    module,
                    docstring(use.interface.docs, f"Bindings for interface `{use.instance_name}`."),
                    sorted((u, alias(u)) for u in ctx.uses),
                    types,
                    view,
                )
            )
            if view.needs_host:
                host_ifaces.append(view)
            if use.exported:
                export_ifaces.append(view)
            world_ctx.uses.add(module)
        world_types = self.type_views(walk.types, world_ctx)
        public = sorted(
            {self.class_name, self.imports_name, *RUNTIME_EXPORTS}
            | {t.py_name for t in world_types}
            | {c.py_name for t in world_types if t.kind == "variant" for c in t.cases}
        )
        needs_host = bool(import_funcs or host_ifaces)
        world_view = WorldView(
            self.class_name,
            self.imports_name,
            world.name,
            docstring(world.docs, f"Host bindings for world `{world.name}`."),
            docstring(f"What the host provides to a `{self.class_name}` component."),
            sorted((u, alias(u)) for u in world_ctx.uses),
            world_types,
            import_funcs,
            host_ifaces,
            export_funcs,
            export_ifaces,
            needs_host,
            public,
        )
        return PackageViews(world_view, modules, self.warnings)
