"""View models (code generation): what the templates print, computed once.

In: a `WorldWalk` (from `walk`) and its `Resolve`. Out: `PackageViews` (`ViewBuilder.build`): one
`ModuleView` per interface module and one `WorldView` for the package's `__init__`, whose fields
already hold Python names (from `naming`, checked per scope), annotations and converter
expressions (from `pytypes` and `converters`), and docstring literals (`docs`). Templates only
loop over these and print them. The modules, in the order they build on each other:
* `state`: the names and sides of the world's types, computed before any view;
* `funcs`, `resources`: functions, properties, resources and their members;
* `types`: one view class and one builder function per kind of named type;
* `reexports`, `interfaces`: the package's `__init__` and its interface modules.
"""

from witgen.codegen.views.docs import docstring
from witgen.codegen.views.funcs import AccessorView, FuncView, ParamView
from witgen.codegen.views.interfaces import (
    InterfaceView,
    ModuleView,
    PackageViews,
    ViewBuilder,
    WorldView,
)
from witgen.codegen.views.reexports import ReexportView
from witgen.codegen.views.resources import MemberView, PropertyView, ResourceView
from witgen.codegen.views.types import (
    AliasView,
    EnumView,
    PlaceholderView,
    RecordView,
    ResourceClassView,
    TypeView,
    VariantView,
)

__all__ = [
    "AccessorView",
    "AliasView",
    "EnumView",
    "FuncView",
    "InterfaceView",
    "MemberView",
    "ModuleView",
    "PackageViews",
    "ParamView",
    "PlaceholderView",
    "PropertyView",
    "RecordView",
    "ReexportView",
    "ResourceClassView",
    "ResourceView",
    "TypeView",
    "VariantView",
    "ViewBuilder",
    "WorldView",
    "docstring",
]
