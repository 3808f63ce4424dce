"""Run-time support for witgen's guest wrappers (copied into each generated guest package as its
`_rt` package).

Stage: run time, inside a plugin. A plugin is Python code written against the guest package's own
classes (dataclasses, enums, `Ok`/`Err`/`Some`, resource base classes: the same shapes as the host
bindings). Something else carries its calls: componentize-py's generated bindings inside a built
component, or the host bindings themselves when a host runs the plugin in-process. Both are a
`Side` (`sides`): a family of classes of the same shapes, found by module and class name. The
converters (`convert`, `compound`, and `resources` for handles) carry values between the guest
package's classes and a side's:

* into the guest package: a side's value -> the guest package's. The side produced it from a
  checked value, so this only rebuilds it (or nothing, where the side shares the class);
* out of it: a guest value -> the side's. Plugin code produced it, so this checks it and raises
  `TypeError`/`ValueError` naming the path and the WIT type.

Generated code builds one converter per WIT type at import (`U32`, `List(STRING)`, `Record(Point,
...)`; the host runtime's names), one `ImportSpec` per imported function (`imports`: an imported
function calls `call_import(spec, args)`, which the active `Backend` carries out) and one
`ExportSpec` per exported function (`exports`: what a carrier calls).

This package imports only the standard library: it runs inside componentize-py's CPython.
"""

from __future__ import annotations

from .._values import Bad as Bad
from .._values import Err as Err
from .._values import Ok as Ok
from .._values import Some as Some
from .._values import short as short
from .._values import wrong_type as wrong_type
from .compound import Enum as Enum
from .compound import Flags as Flags
from .compound import List as List
from .compound import Option as Option
from .compound import Record as Record
from .compound import Result as Result
from .compound import Tuple as Tuple
from .compound import Variant as Variant
from .convert import BOOL as BOOL
from .convert import BYTES as BYTES
from .convert import CHAR as CHAR
from .convert import ERROR_CONTEXT as ERROR_CONTEXT
from .convert import F32 as F32
from .convert import F64 as F64
from .convert import S8 as S8
from .convert import S16 as S16
from .convert import S32 as S32
from .convert import S64 as S64
from .convert import STRING as STRING
from .convert import U8 as U8
from .convert import U16 as U16
from .convert import U32 as U32
from .convert import U64 as U64
from .convert import Conv as Conv
from .convert import Future as Future
from .convert import Stream as Stream
from .convert import Unsupported as Unsupported
from .exports import ExportSpec as ExportSpec
from .exports import call_export as call_export
from .exports import implementation as implementation
from .imports import Backend as Backend
from .imports import ImportSpec as ImportSpec
from .imports import backend as backend
from .imports import call_import as call_import
from .imports import use_backend as use_backend
from .resources import ExportedResource as ExportedResource
from .resources import Handle as Handle
from .resources import ImportedResource as ImportedResource
from .resources import Resource as Resource
from .sides import PACKAGE as PACKAGE
from .sides import ModuleSide as ModuleSide
from .sides import Side as Side
