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
from witgen.codegen.pytypes import (
    ACCESSORS,
    ASYNC,
    EXPORTED,
    IMPORTED,
    RESOURCES,
    WASI_RESOURCES,
    ModuleCtx,
    TypeMapper,
    alias,
    converter_name,
    first_found,
)
from witgen.codegen.walk import InterfaceUse, WorldWalk
from witgen.resolve import model as m

FREESTANDING = ("freestanding", "async-freestanding")


# --------------------------------------------------------------------------------------------
# Docstrings
#
# Doc text only ever lands in string literals, never in `#` comments: tools read directives in
# comments (`# type: ignore`, `# noqa`, `# fmt: off`, `# mypy: ...`, `# -*- coding ...`), so a doc
# comment holding one would change how the generated file is checked or formatted. Fields and
# enum members get attribute docstrings (a string after the member, as Sphinx and editors read).


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
    body = _escape_text(text)
    if body.endswith('"'):  # first, so that it is never the end of an escaped `\"\"\"`
        body = body[:-1] + '\\"'
    body = body.replace('"""', '\\"\\"\\"')
    return f'"""{body}"""'


# --------------------------------------------------------------------------------------------
# View models


@dataclass
class FieldView:
    py_name: str
    wit_name: str
    annotation: str
    converter: str
    docstring: str | None  # an attribute docstring, after the field


@dataclass
class CaseView:
    """A variant case (a class), an enum member or a flag (a SHOUTY member with `value`)."""

    py_name: str
    wit_name: str
    value: int
    annotation: str | None  # variant payload; None when the case has none
    converter: str
    docstring: str | None  # a variant case's class docstring; a member's attribute docstring


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
    resource: ResourceView | None = None  # a resource these bindings carry
    guest_docstring: str | None = None  # a resource's, in the guest wrappers (`guest`)


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
    resources: bool = False  # its parameters or result can hold resource handles
    spec: str = ""  # the module-level `FuncSpec` (`_X_<py_name>` exported, `_I_...` imported)
    attr: str = ""  # exported: the attribute holding the bound export (default `_f_<py_name>`)

    def __post_init__(self) -> None:
        self.spec = self.spec or f"_X_{self.py_name}"
        self.attr = self.attr or f"_f_{self.py_name}"

    @property
    def returns(self) -> bool:
        return self.result_annotation != "None"

    @property
    def export_class(self) -> str:
        """The run-time class calling it as an export. A function that can never be called (see
        `unsupported`) needs no export to look up, as with `bind_resource`'s resource members."""
        if self.unsupported is not None:
            return "UnavailableFunc"
        return "ResourceExportFunc" if self.resources else "ExportFunc"

    @property
    def host_class(self) -> str:
        """The run-time class wrapping the host's implementation of it as an import."""
        return "ResourceHostFunc" if self.resources else "HostFunc"


@dataclass
class MemberView:
    """A constructor, method, static function, getter or setter of a resource."""

    kind: str  # "constructor", "method", "static", "getter" or "setter"
    py_name: str  # the Python name ("__init__" for a constructor, the property's for accessors)
    func: FuncView  # `func.params` are all the WIT parameters, `self` included
    py_params: list[ParamView]  # the parameters of the Python method (without `self`)
    attr: str  # exported: the class attribute holding the function bound to an instance
    spec: str  # the module-level `FuncSpec`
    callable: str  # exported: the annotation of `attr`
    impl: str  # imported: the expression that implements it on the host


@dataclass
class PropertyView:
    py_name: str
    getter: MemberView
    setter: MemberView | None


@dataclass
class AccessorView:
    """A getter of an interface or a world (`prop: get() -> T`, WIT.md "Item: func"), with its
    setter if it has one: a Python property, like a resource's (`PropertyView`). Exported, the
    property calls the component; imported, the host object has the property and the bindings
    read and write it."""

    py_name: str
    getter: FuncView
    setter: FuncView | None

    @property
    def getter_impl(self) -> str:
        """Imported: the host function reading the property of the host object `host`."""
        return f'_rt.property_getter(host, "{self.py_name}")'

    @property
    def setter_impl(self) -> str:
        """Imported: the host function writing the property of the host object `host`."""
        return f'_rt.property_setter(host, "{self.py_name}")'

    @property
    def funcs(self) -> list[FuncView]:
        return [self.getter] if self.setter is None else [self.getter, self.setter]


@dataclass
class ResourceView:
    side: str  # EXPORTED (a class wrapping handles) or IMPORTED (the host implements it)
    py_name: str
    wit_name: str
    converter_name: str
    label: str  # how messages name the class, e.g. "api.Counter"
    host_attr: str  # imported: the attribute of the host object that gives the host's class
    instance: str | None  # the instance the component has it in; None at the world's top level
    constructor: MemberView | None = None
    methods: list[MemberView] = field(default_factory=list)
    statics: list[MemberView] = field(default_factory=list)
    properties: list[PropertyView] = field(default_factory=list)

    @property
    def instance_literal(self) -> str:
        """`instance` as a Python expression."""
        return "None" if self.instance is None else f'"{self.instance}"'

    @property
    def members(self) -> list[MemberView]:
        out = [self.constructor] if self.constructor is not None else []
        out += self.methods + self.statics
        for p in self.properties:
            out += [p.getter] if p.setter is None else [p.getter, p.setter]
        return out


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
    needs_host: bool  # imported, has functions or resources, and not provided by WASI
    host_resources: list[ResourceView] = field(default_factory=list)  # the host implements
    export_resources: list[ResourceView] = field(default_factory=list)  # the component exports
    host_props: list[AccessorView] = field(default_factory=list)  # imported getters (setters)
    export_props: list[AccessorView] = field(default_factory=list)  # exported getters (setters)
    class_name: str = ""  # exported, in the guest wrappers: the base class `exports.<Name>`

    @property
    def import_specs(self) -> list[str]:
        """The `FuncSpec`s of what the host implements here, for the world's `Contract`."""
        return _specs(self.host_resources, self.host_funcs, self.host_props)

    @property
    def export_specs(self) -> list[str]:
        """The `FuncSpec`s of what the component exports here, for the world's `Contract`."""
        return _specs(self.export_resources, self.export_funcs, self.export_props)


@dataclass
class ModuleView:
    name: str
    docstring: str | None
    import_pairs: list[tuple[str, str]]  # (module, alias) of the other generated modules it uses
    types: list[TypeView]
    interface: InterfaceView


@dataclass
class ReexportView:
    """A type of an interface module that the package's `__init__` re-exports."""

    py_name: str
    target: str  # where it is defined, e.g. `_m_types.FilterError_Empty`


@dataclass
class WorldView:
    class_name: str
    imports_name: str
    wit_name: str
    qualified_name: str  # "ns:pkg/world@version", as the run time's messages name it
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
    host_resources: list[ResourceView] = field(default_factory=list)  # world-level resources
    import_props: list[AccessorView] = field(default_factory=list)  # world-level, the host's
    export_props: list[AccessorView] = field(default_factory=list)  # world-level, the component's
    reexports: list[ReexportView] = field(default_factory=list)  # see `ViewBuilder.reexports`
    # The component-level names of everything the world imports (interfaces, functions, types):
    # `load` refuses a component that imports anything else, WASI aside.
    import_names: list[str] = field(default_factory=list)

    @property
    def import_specs(self) -> list[str]:
        """The world-level `FuncSpec`s of what the host implements."""
        return _specs(self.host_resources, self.import_funcs, self.import_props)

    @property
    def export_specs(self) -> list[str]:
        """The world-level `FuncSpec`s of what the component exports."""
        return _specs([], self.export_funcs, self.export_props)


def _specs(
    resources: list[ResourceView], funcs: list[FuncView], props: list[AccessorView]
) -> list[str]:
    out = [mb.spec for r in resources for mb in r.members]
    out += [f.spec for f in funcs]
    out += [f.spec for p in props for f in p.funcs]
    return out


@dataclass
class PackageViews:
    world: WorldView
    modules: list[ModuleView]
    warnings: list[str]


# --------------------------------------------------------------------------------------------
# Building


def spec_prefix(where: str) -> str:
    """How the module-level `FuncSpec` of a function starts: `_X` for what the component exports,
    `_I` for what it imports (the host implements): one interface may be both."""
    return "_I" if where == "imported" else "_X"


def module_names(walk: WorldWalk) -> dict[int, str]:
    """A module name per interface: snake_case of its name, qualified by package (then namespace,
    then version) only when two interfaces of the world share it (`http_types`).

    An interface the world names itself (`import y: interface {...}`) has no package to qualify
    it by; the only other such interface that can share its name is the one of the same name on
    the other side (`export y: interface {...}`), so it is qualified by direction (`imports_y`,
    `exports_y`, the way wit-bindgen's `exports::` namespace keeps them apart). One interface
    that the world both imports and exports (`import z; export z;`) is a single module."""

    def candidates(use: InterfaceUse) -> list[str]:
        name = use.interface.name or use.instance_name
        base = naming.snake(name)
        if use.package is None:
            direction = "exports" if use.exported else "imports"
            return [base, naming.snake(f"{direction}-{name}")]
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
        # The world class lives beside the run time's names in the package's `__init__`.
        self.class_name = Scope("the package's __init__", naming.RUNTIME_EXPORTS).claim(
            naming.upper_camel(walk.world.name), f"world '{walk.world.name}'"
        )
        self.imports_name = f"{self.class_name}Imports"
        self.type_names: dict[int, tuple[str, str]] = {}
        self.case_names: dict[tuple[int, int], str] = {}
        self.scopes: dict[str, Scope] = {}  # module -> the scope its type names come from
        self._name_types()
        sides = self._resource_sides()
        self.types = TypeMapper(resolve, self.type_names, sides)
        # An interface the world both imports and exports (`import api; export api;`) has one
        # WIT resource `r` but two at run time: the component's (`R`, as for any export) and the
        # host's (`ImportedR`). The types containing its handles get an import-side copy too.
        self.dual = {
            type_id
            for use in walk.interfaces
            if use.imported and use.exported and not use.provided_by_wasi
            for type_id in use.interface.types.values()
            if isinstance(resolve.types[type_id].kind, m.ResourceKind)
        }
        # Whose side a named type is on follows its owner, as in the component wit-component
        # builds (checked against `wasm-tools print`): the world's own types (its `use`s
        # included) and those of interfaces it only imports are imports, so their handles are
        # the host's; an interface it only exports sees the component's. Only an interface on
        # both sides has two copies of its types (`Boxed` and `ImportedBoxed`).
        self.import_side = {"", *(self.modules[u.id] for u in walk.interfaces if not u.exported)}
        self.host_names = dict(self.type_names)
        self.host_case_names = dict(self.case_names)
        self._dual_types: dict[int, bool | None] = {}
        self._name_host_copies()
        host_sides: dict[int, str] = {**sides, **{t: IMPORTED for t in self.dual}}
        # Imported functions see the host's side of every resource.
        self.host_types = TypeMapper(resolve, self.host_names, host_sides)
        self.resource_views: dict[int, ResourceView] = {}  # filled before the types are viewed
        self.host_resource_views: dict[int, ResourceView] = {}  # the host's copies (dual)
        self.interface_names = {use.id: use.instance_name for use in walk.interfaces}

    # --- names ---

    def _name_types(self) -> None:
        for use in self.walk.interfaces:
            module = self.modules[use.id]
            scope = Scope(
                f"module '{module}' (interface '{use.instance_name}')",
                naming.INTERFACE_MODULE_NAMES,
            )
            self.scopes[module] = scope
            for type_id in sorted(use.interface.types.values()):
                self._name_type(type_id, module, scope)
        world_scope = Scope(
            "the package's __init__",
            (self.class_name, self.imports_name, *naming.RUNTIME_EXPORTS),
        )
        self.scopes[""] = world_scope
        for type_id in sorted(self.walk.types):
            self._name_type(type_id, "", world_scope)

    def mentions_dual(self, ref: m.TypeRef | None) -> bool:
        """Whether type `ref` is, names or contains a resource of `self.dual` (remembered per
        type, and walked without recursion, as `TypeMapper`'s walks are)."""

        def local(type_id: m.TypeId, k: m.TypeDefKind) -> tuple[bool, bool | None]:
            if isinstance(k, m.ResourceKind):
                return True, type_id in self.dual or None
            if isinstance(k, m.HandleKind):
                return True, self.types.resource_id(k.resource) in self.dual or None
            return False, None

        return first_found(self.resolve, ref, self._dual_types, local) is True

    def _name_host_copies(self) -> None:
        """Names of the import-side copies of the named types that mention a resource of an
        interface the world both imports and exports, when they are defined (or `use`d) in such
        an interface: `Imported<Name>` in the same module (followed by `_` while that is taken),
        their variant cases `Imported<Name>_<Case>`. Types of other modules have one side only
        (see `import_side`)."""
        both = {self.modules[u.id] for u in self.walk.interfaces if u.imported and u.exported}
        for type_id in sorted(self.type_names):
            module, py = self.type_names[type_id]
            if module not in both or not self.mentions_dual(m.TypeId(type_id)):
                continue
            td = self.resolve.types[type_id]
            scope = self.scopes[module]
            copy = self._free_name(scope, f"Imported{py}")
            scope.claim(copy, f"the imported copy of type '{td.name}'")
            self.host_names[type_id] = (module, copy)
            if isinstance(td.kind, m.VariantKind):
                for i, case in enumerate(td.kind.cases):
                    name = f"{copy.rstrip('_')}_{naming.upper_camel(case.name).rstrip('_')}"
                    name = self._free_name(scope, name)
                    item = f"case '{case.name}' of the imported copy of variant '{td.name}'"
                    self.host_case_names[(type_id, i)] = scope.claim(name, item)

    @staticmethod
    def _free_name(scope: Scope, name: str) -> str:
        while name in scope.owners or name in scope.reserved:
            name += "_"
        return name

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

    def _resource_sides(self) -> dict[int, str]:
        """Who defines each resource of the world: the component when its interface is exported,
        else the host (wasmtime, for WASI's, which these bindings cannot carry)."""
        sides: dict[int, str] = {}
        for use in self.walk.interfaces:
            for type_id in use.interface.types.values():
                if isinstance(self.resolve.types[type_id].kind, m.ResourceKind):
                    if use.exported:
                        sides[type_id] = EXPORTED
                    elif use.provided_by_wasi:
                        sides[type_id] = WASI_RESOURCES
                    else:
                        sides[type_id] = IMPORTED
        for type_id in self.walk.types:  # a world's own types are imports
            if isinstance(self.resolve.types[type_id].kind, m.ResourceKind):
                sides[type_id] = IMPORTED
        return sides

    # --- types ---

    def type_views(self, type_ids: list[m.TypeId], ctx: ModuleCtx) -> list[TypeView]:
        """The views of `type_ids` (of module `ctx.module`), in definition order, each followed
        by its import-side copy when it has one (so each converter still comes after those it
        uses)."""
        out = []
        imported = ctx.module in self.import_side
        for t in sorted(type_ids):
            out.append(self.type_view(t, ctx, imported))
            if self.host_names[t] != self.type_names[t]:
                out.append(self.type_view(t, ctx, True))
        return out

    def type_view(self, type_id: int, ctx: ModuleCtx, host: bool = False) -> TypeView:
        """The view of type `type_id`, with the host's side of its resources when `host` (its
        import-side copy, when it has one)."""
        td = self.resolve.types[type_id]
        assert td.name is not None
        types = self.host_types if host else self.types
        py = (self.host_names if host else self.type_names)[type_id][1]
        case_names = self.host_case_names if host else self.case_names
        is_copy = host and self.host_names[type_id] != self.type_names[type_id]
        k = td.kind
        # Every type gets a docstring, so a class body is never empty.
        doc = td.docs or f"WIT type `{td.name}`."
        copy = None
        if is_copy:
            original = self.type_names[type_id][1]
            copy = (
                f"The copy of `{original}` that the imported interface uses: its resources are"
                " the ones the host implements."
            )
        view = TypeView("alias", py, td.name, converter_name(py), docstring(doc, copy))
        if isinstance(k, m.RecordKind):
            view.kind = "record"
            scope = Scope(f"record '{td.name}'", naming.ANNOTATION_BUILTINS)
            for f in k.fields:
                name = scope.claim(naming.snake(f.name), f"field '{f.name}'")
                view.fields.append(
                    FieldView(
                        name,
                        f.name,
                        types.annotation(f.ty, ctx),
                        types.converter(f.ty, ctx),
                        docstring(f.docs),
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
                view.cases.append(CaseView(name, wit_name, value, None, "None", docstring(docs)))
        elif isinstance(k, m.VariantKind):
            view.kind = "variant"
            for i, c in enumerate(k.cases):
                view.cases.append(
                    CaseView(
                        case_names[(type_id, i)],
                        c.name,
                        i,
                        None if c.ty is None else types.annotation(c.ty, ctx),
                        types.converter(c.ty, ctx),
                        docstring(c.docs, f"The `{c.name}` case of `{py}`."),
                    )
                )
            view.annotation = " | ".join(c.py_name for c in view.cases)
        elif isinstance(k, m.ResourceKind):
            view.kind = "resource"
            views = self.host_resource_views if is_copy else self.resource_views
            view.resource = views.get(type_id)
            if view.resource is None:
                problem = types.resource_sides.get(type_id, RESOURCES)
                view.converter = f'_rt.Unsupported("{problem}")'
                view.docstring = docstring(
                    td.docs, f"A placeholder: {problem} are not supported by these bindings yet."
                )
                # No warning here: the functions that reach it warn, where the user's code can
                # meet it (`func_view`); WASI's, which wasmtime provides, mostly never do.
            else:
                usage = self.resource_usage(view.resource, type_id)
                view.docstring = docstring(td.docs, usage, copy)
        else:
            view.annotation = types.structure_annotation(type_id, ctx)
            view.converter = types.structure_converter(type_id, ctx)
        return view

    # --- functions ---

    def func_views(
        self,
        funcs: list[m.Function],
        ctx: ModuleCtx,
        scope: Scope,
        prefix: str,
        where: str,
        *,
        warn: bool = True,
    ) -> list[FuncView]:
        out = []
        for func in funcs:
            if func.kind.tag not in FREESTANDING:
                # Resource constructors, methods and statics come with resource support.
                continue
            py = scope.claim(naming.snake(func.name), f"function '{func.name}'")
            out.append(self.func_view(func, py, ctx, f"{prefix}{py}()", where, warn=warn))
        return out

    def accessor_views(
        self,
        funcs: list[m.Function],
        ctx: ModuleCtx,
        scope: Scope,
        prefix: str,
        where: str,
        *,
        warn: bool = True,
    ) -> list[AccessorView]:
        """The getters among `funcs` (kind `getter`, named `[get]x`), each with its setter
        (`[set]x`), as properties named in `scope`. A getter `[get]x` clashes with a function `x`
        in WIT itself (wit-parser's name check), so the property can share the functions' scope."""
        props: dict[str, AccessorView] = {}
        for func in funcs:
            name = func.name.split("]", 1)[-1]  # `[get]x` -> `x`
            if func.kind.tag == "getter":
                py = scope.claim(naming.snake(name), f"function '{func.name}'")
                getter = self.func_view(func, py, ctx, f"{prefix}{py}", where, warn=warn)
                getter.spec, getter.attr = f"{spec_prefix(where)}G_{py}", f"_g_{py}"
                props[name] = AccessorView(py, getter, None)
            elif func.kind.tag == "setter":
                prop = props[name]  # the resolver checked that every setter has its getter
                label = f"{prefix}{prop.py_name} (setter)"
                setter = self.func_view(func, prop.py_name, ctx, label, where, warn=warn)
                setter.spec = f"{spec_prefix(where)}S_{prop.py_name}"
                setter.attr = f"_s_{prop.py_name}"
                prop.setter = setter
        return list(props.values())

    def func_view(
        self,
        func: m.Function,
        py: str,
        ctx: ModuleCtx,
        label: str,
        where: str,
        *,
        method: bool = False,
        warn: bool = True,
    ) -> FuncView:
        """The view of `func`; for a resource's `method` the first parameter (WIT's `self`) is
        the Python `self`. Unless `warn` is false, a feature it reaches that the run time cannot
        carry is a warning."""
        types = self.host_types if where == "imported" else self.types
        in_resource = func.kind.tag not in FREESTANDING
        reserved = naming.RESOURCE_PARAM_RESERVED if in_resource else naming.PARAM_RESERVED
        scope = Scope(f"the parameters of '{func.name}'", reserved)
        params = [
            ParamView(
                (
                    "self"
                    if method and i == 0
                    else scope.claim(naming.snake(p.name), f"parameter '{p.name}'")
                ),
                p.name,
                types.annotation(p.ty, ctx),
                types.converter(p.ty, ctx),
            )
            for i, p in enumerate(func.params)
        ]
        result = types.result_of(func.result)
        raises = None
        if result is not None:
            result_annotation = types.annotation(result.ok, ctx)
            err = types.annotation(result.err, ctx)
            raises = f"Raises `Err` (its `.value` a `{err}`) when the function returns `err`."
        else:
            result_annotation = types.annotation(func.result, ctx)
        spec = f"{spec_prefix(where)}_{py}"
        unsupported = ASYNC if func.kind.tag.startswith("async") else None
        if func.kind.tag.endswith(("getter", "setter")):
            unsupported = ACCESSORS  # wasmtime 50 cannot compile components that have them
        refs = [*(p.ty for p in func.params), func.result]
        for t in refs:
            unsupported = unsupported or types.unsupported(t)
        if unsupported is not None and warn:
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
            types.converter(func.result, ctx),
            result is not None,
            # The run time finds other features in the converters; these it cannot see there.
            unsupported if unsupported in (ASYNC, ACCESSORS) else None,
            any(types.has_handles(t) for t in refs),
            spec,
        )

    # --- resources ---

    def resource_view(
        self,
        type_id: int,
        funcs: list[m.Function],
        ctx: ModuleCtx,
        prefix: str,
        host_attr: str,
        side: str,
        instance: str | None,
    ) -> ResourceView:
        """The view of resource `type_id` and its functions (from `funcs`, the functions of its
        interface or world); `prefix` starts its label ("api."); `host_attr` names the host's
        class on the host object (imported resources)."""
        td = self.resolve.types[type_id]
        assert td.name is not None
        py = (self.type_names if side == EXPORTED else self.host_names)[type_id][1]
        exported = side == EXPORTED
        where = "exported" if exported else "imported"
        view = ResourceView(
            side, py, td.name, converter_name(py), f"{prefix}{py}", host_attr, instance
        )
        scope = Scope(
            f"resource '{td.name}'",
            (
                *naming.ANNOTATION_BUILTINS,
                *naming.RESOURCE_NAMES,
            ),
        )
        getters: dict[str, PropertyView] = {}
        for func in funcs:
            if func.kind.resource != type_id or func.kind.tag in FREESTANDING:
                continue
            tag = func.kind.tag.removeprefix("async-")
            name = func.name.rsplit("]", 1)[1].split(".", 1)[-1]  # `[method][get]r.x` -> `x`
            item = f"function '{func.name}'"
            if tag == "constructor":
                view.constructor = self.member_view(func, "constructor", "__init__", view, ctx)
            elif tag == "method":
                py_name = scope.claim(naming.snake(name), item)
                view.methods.append(self.member_view(func, "method", py_name, view, ctx))
            elif tag in ("static", "static-getter", "static-setter"):
                # No static properties in Python: `x` and `set_x` functions.
                wit = f"set-{name}" if tag == "static-setter" else name
                py_name = scope.claim(naming.snake(wit), item)
                view.statics.append(self.member_view(func, "static", py_name, view, ctx))
            elif tag == "method-getter":
                py_name = scope.claim(naming.snake(name), item)
                getter = self.member_view(func, "getter", py_name, view, ctx)
                getters[name] = PropertyView(py_name, getter, None)
                view.properties.append(getters[name])
            elif tag == "method-setter":
                prop = getters[name]  # the resolver checked that every setter has its getter
                prop.setter = self.member_view(func, "setter", prop.py_name, view, ctx)
            else:
                raise AssertionError(f"unknown function kind {func.kind.tag} ({where})")
        return view

    def member_view(
        self, func: m.Function, kind: str, py_name: str, res: ResourceView, ctx: ModuleCtx
    ) -> MemberView:
        exported = res.side == EXPORTED
        method = kind in ("method", "getter", "setter")
        if kind == "constructor":
            label, attr = f"{res.label}()", "_new"
        elif kind in ("getter", "setter"):
            label, attr = f"{res.label}.{py_name}", f"_{kind[:3]}_{py_name}"
            if kind == "setter":
                label += " (setter)"
        else:
            label, attr = f"{res.label}.{py_name}()", f"_f_{py_name}"
        where = "exported" if exported else "imported"
        view = self.func_view(func, py_name, ctx, label, where, method=method)
        view.spec = f"{spec_prefix(where)}_{res.py_name}{attr}"
        params = ", ".join(p.annotation for p in view.params)
        if kind == "constructor":
            impl = f"host.{res.host_attr}"
        elif kind == "static":
            impl = f"host.{res.host_attr}.{py_name}"
        elif kind == "method":
            impl = f'_rt.method("{py_name}")'
        else:
            impl = f'_rt.{kind}("{py_name}")'
        return MemberView(
            kind,
            py_name,
            view,
            view.params[1:] if method else view.params,
            attr,
            view.spec,
            f"_t.Callable[[{params}], {view.result_annotation}]",
            impl,
        )

    def resource_usage(self, res: ResourceView, type_id: int) -> str:
        """The paragraph of a resource class's docstring that says how to use it."""
        name = res.wit_name
        if res.side == EXPORTED:
            uses = []
            if res.constructor is not None:
                uses.append(f"`instance.{res.label}(...)` constructs one")
            if res.statics:
                uses.append(
                    f"its static functions are called on it (`instance.{res.label}."
                    f"{res.statics[0].py_name}(...)`)"
                )
            uses.append("the component's functions return instances of it")
            return (
                "A resource the component exports. A loaded instance provides this class bound to"
                f" it, as `instance.{res.label}`: {'; '.join(uses)}. `close()`, or the end of a"
                " `with` block, drops the handle, which runs the component's destructor. Passed"
                f" as an `own<{name}>` argument the object moves into the component and is"
                f" closed; passed as `borrow<{name}>` it stays usable. Using a closed object"
                " raises `ValueError`; garbage collection alone runs no destructor."
            )
        owner = self.resolve.types[type_id].owner
        if isinstance(owner, m.OwnerInterface):
            where = f"of the host object for interface `{self.interface_names[owner.id]}`"
        else:
            where = "of the host object given to `load`"
        return (
            f"A resource the host implements: subclass `{res.py_name}`, implement its"
            f" constructor, methods and static functions, and give the subclass as the"
            f" `{res.host_attr}` attribute {where}. The bindings keep the objects the component"
            " holds handles to; host functions receive the objects themselves. `drop()` runs"
            f" once, when the component has dropped the last `own<{name}>` handle it held of"
            " the object."
        )

    # --- modules ---

    def interface_view(self, use: InterfaceUse, ctx: ModuleCtx, attr: str) -> InterfaceView:
        iface = use.interface
        funcs = list(iface.functions.values())
        host_funcs: list[FuncView] = []
        export_funcs: list[FuncView] = []
        host_scope = Scope(
            f"the protocol of interface '{use.instance_name}'", naming.MODULE_LEVEL_RESERVED
        )
        host_props: list[AccessorView] = []
        export_props: list[AccessorView] = []
        if use.imported:
            # An imported WASI interface is wasmtime's: neither implemented nor called by the
            # host's code, so what it cannot carry is no warning (an exported one is called).
            warn = not use.provided_by_wasi
            host_funcs = self.func_views(funcs, ctx, host_scope, f"{attr}.", "imported", warn=warn)
            host_props = self.accessor_views(
                funcs, ctx, host_scope, f"{attr}.", "imported", warn=warn
            )
        export_scope = Scope(
            f"the exports of interface '{use.instance_name}'", naming.ANNOTATION_BUILTINS
        )
        if use.exported:
            export_funcs = self.func_views(funcs, ctx, export_scope, f"{attr}.", "exported")
            export_props = self.accessor_views(funcs, ctx, export_scope, f"{attr}.", "exported")
        host_resources: list[ResourceView] = []
        export_resources: list[ResourceView] = []
        for type_id in sorted(iface.types.values()):
            td = self.resolve.types[type_id]
            side = self.types.resource_sides.get(type_id)
            item = f"resource '{td.name}'"
            if side == EXPORTED:
                # `instance.api.Counter`: an attribute of the exports, like their functions.
                export_scope.claim(self.type_names[type_id][1], item)
                view = self.resource_view(
                    type_id, funcs, ctx, f"{attr}.", "", EXPORTED, use.instance_name
                )
                export_resources.append(view)
                self.resource_views[type_id] = view
            if side == IMPORTED or type_id in self.dual:
                # Imported (and exported too: then the host's copy, `ImportedR`).
                assert td.name is not None
                host_attr = host_scope.claim(naming.snake(td.name), item)
                view = self.resource_view(
                    type_id, funcs, ctx, f"{attr}.", host_attr, IMPORTED, use.instance_name
                )
                host_resources.append(view)
                if type_id in self.dual:
                    self.host_resource_views[type_id] = view
                else:
                    self.resource_views[type_id] = view
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
            bool(host_funcs or host_resources or host_props) and not use.provided_by_wasi,
            host_resources,
            export_resources,
            host_props,
            export_props,
        )

    def qualified_name(self) -> str:
        world = self.walk.world
        if world.package is None:
            return world.name
        pkg = self.resolve.packages[world.package].name
        base = f"{pkg.namespace}:{pkg.name}/{world.name}"
        return f"{base}@{pkg.version}" if pkg.version is not None else base

    def build(self) -> PackageViews:
        walk = self.walk
        world = walk.world
        world_ctx = ModuleCtx("")
        # Attribute names: exported interfaces on the world class, imported ones on the protocol.
        class_scope = Scope(
            f"class {self.class_name}", (*naming.WORLD_CLASS_NAMES, *naming.ANNOTATION_BUILTINS)
        )
        proto_scope = Scope(f"protocol {self.imports_name}", naming.MODULE_LEVEL_RESERVED)
        modules: list[ModuleView] = []
        host_ifaces: list[InterfaceView] = []
        export_ifaces: list[InterfaceView] = []
        import_funcs = self.func_views(walk.import_funcs, world_ctx, proto_scope, "", "imported")
        import_props = self.accessor_views(
            walk.import_funcs, world_ctx, proto_scope, "", "imported"
        )
        world_resources: list[ResourceView] = []
        for type_id in sorted(walk.types):
            td = self.resolve.types[type_id]
            if self.types.resource_sides.get(type_id) == IMPORTED:
                assert td.name is not None
                host_attr = proto_scope.claim(naming.snake(td.name), f"resource '{td.name}'")
                res = self.resource_view(
                    type_id, walk.import_funcs, world_ctx, "", host_attr, IMPORTED, None
                )
                self.resource_views[type_id] = res
                world_resources.append(res)
        export_funcs = self.func_views(walk.export_funcs, world_ctx, class_scope, "", "exported")
        export_props = self.accessor_views(
            walk.export_funcs, world_ctx, class_scope, "", "exported"
        )
        for use in walk.interfaces:
            module = self.modules[use.id]
            ctx = ModuleCtx(module)
            # The attribute is the module's name, except that an interface the world names
            # itself keeps its own name there even when its module is qualified by direction
            # (`instance.y`, `host.y`): the exports and the imports are separate scopes.
            name = module
            if use.package is None:
                name = naming.snake(use.interface.name or use.instance_name)
            attr = name
            item = f"interface '{use.instance_name}'"
            if use.exported:
                attr = class_scope.claim(name, item)
            view = self.interface_view(use, ctx, attr)
            if view.needs_host:
                view.host_attr = proto_scope.claim(name, item)
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
        reexports = self.reexports(world_ctx)
        public = sorted(
            {self.class_name, self.imports_name, *naming.RUNTIME_EXPORTS}
            | {t.py_name for t in world_types}
            | {c.py_name for t in world_types if t.kind == "variant" for c in t.cases}
            | {r.py_name for r in reexports}
        )
        needs_host = bool(import_funcs or import_props or host_ifaces or world_resources)
        world_view = WorldView(
            self.class_name,
            self.imports_name,
            world.name,
            self.qualified_name(),
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
            world_resources,
            import_props,
            export_props,
            reexports,
            sorted(
                {use.instance_name for use in walk.interfaces if use.imported}
                | {f.name for f in walk.import_funcs}
                | {self.resolve.types[t].name or "" for t in walk.types}
            ),
        )
        return PackageViews(world_view, modules, self.warnings)

    # --- re-exports ---

    def reexports(self, ctx: ModuleCtx) -> list[ReexportView]:
        """The public types of interface modules that the world's functions reach, to be
        re-exported by the package's `__init__` (where the world's own types and `use`s are
        defined): every named type inside the world's types, through fields, cases, lists,
        handles and aliases, and the case classes of every variant among them.

        A name the package already defines (the world's types, the runtime's names, the world
        class) keeps its meaning, and a name that two different types would take is given to
        neither: both stay in their modules. One type reached under several names (`j.thing`,
        an alias of `i.thing`) counts once, and one the package already has under another name
        (the world's `Thing` standing for `ImportedThing`) is not repeated."""
        world_scope = self.scopes[""]
        taken = set(world_scope.owners) | world_scope.reserved
        present = {self._canonical(t) for t in self.walk.types}
        found: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}  # name -> canon -> where
        seen: set[int] = set()

        def offer(name: str, canon: tuple[str, str], where: tuple[str, str]) -> None:
            found.setdefault(name, {}).setdefault(canon, where)

        # Depth first, each type when first reached, without recursion (named types nest as
        # deep as WIT likes).
        stack: list[m.TypeRef | None] = list(reversed(sorted(self.walk.types)))
        while stack:
            ref = stack.pop()
            if not isinstance(ref, int) or ref in seen:
                continue
            seen.add(ref)
            k = self.resolve.types[ref].kind
            where = self.host_names.get(ref)
            if where is not None and where[0] != "":
                canon = self._canonical(ref)
                if canon not in present:
                    offer(where[1], canon, where)
                if isinstance(k, m.VariantKind):
                    for i in range(len(k.cases)):
                        case = (where[0], self.host_case_names[(ref, i)])
                        offer(case[1], case, case)
            stack.extend(reversed(self._reached(k)))
        out = []
        for name, candidates in sorted(found.items()):
            if name in taken or len(candidates) > 1:
                continue
            (module, py), *_ = candidates.values()
            out.append(ReexportView(name, ctx.ref(module, py)))
        return out

    def _canonical(self, ref: int) -> tuple[str, str]:
        """Where the type that named type `ref` stands for is defined: aliases of named types
        followed to the end (with the names of the host's side, as world types use them)."""
        while True:
            k = self.resolve.types[ref].kind
            if not isinstance(k, m.AliasKind) or not isinstance(k.ty, int):
                break
            if self.resolve.types[k.ty].name is None:
                break
            ref = k.ty
        return self.host_names[ref]

    def _reached(self, k: m.TypeDefKind) -> list[m.TypeRef | None]:
        """The types directly inside a type of kind `k`, handles' resources included."""
        if isinstance(k, m.HandleKind):
            return [k.resource]
        if isinstance(k, m.MapKind):
            return [k.key, k.value]
        if isinstance(k, (m.FixedLengthListKind, m.FutureKind, m.StreamKind)):
            return [k.ty]
        return list(self.types.inner_types(k))
