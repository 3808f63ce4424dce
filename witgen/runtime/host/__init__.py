"""Run-time support for witgen's wasmtime host bindings (copied into each generated package as
its `_rt` package).

Stage: run time. Generated code builds, once at import, one converter object per WIT type (`U32`,
`List(STRING)`, `Record(Point, ...)`, ...: `convert`) and one `FuncSpec` per function the world
exports or imports, gathered in the world's `Contract` (`specs`). `load` (`loading`) compiles a
component or takes it from the cache (`cache`), checks its types against the contract
(`typecheck`), gives its store limits (`limits`) and instantiates it; the world class then calls
exports through `ExportFunc`s and the component calls the host through `HostFunc`s (`calls`),
resources crossing as `exported` and `imported` say, with their handles' bookkeeping in
`handles`. Python values go in, `wasmtime_component_val_t` C values come out (and back), written
directly rather than through `wasmtime.component`'s converters, whose representation depends on
the shape of the type and which silently truncate integers, confuse `bool` with `int`, cannot lower
some results and abort the process on a lone surrogate `char` (shared/notes/wasmtime-py-50.md
§2, §7). A failed call says why (`traps`); code wasmtime calls back into is in `callbacks`;
in-process plugins are `inprocess`'s.

This package imports only the standard library and `wasmtime` (including its private ctypes layer,
`wasmtime._bindings`, pinned by the generated package's `wasmtime>=50,<51` requirement), because it
ships inside every generated package: applications never need witgen itself at run time.

Thread-safety: a loaded component (its Store) belongs to one thread at a time. The slot that
carries a host function's exception back to the export caller is thread-local, so different
stores may be used from different threads.
"""

from __future__ import annotations

from .._values import Err as Err
from .._values import Ok as Ok
from .._values import Some as Some
from .callbacks import register_entries as register_entries
from .calls import ExportFunc as ExportFunc
from .calls import HostFunc as HostFunc
from .calls import InstanceState as InstanceState
from .calls import UnavailableFunc as UnavailableFunc
from .calls import _host_entry as _host_entry
from .calls import add_host_func as add_host_func
from .calls import admit as admit
from .calls import admit_store as admit_store
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
from .errors import CacheWarning as CacheWarning
from .errors import ComponentError as ComponentError
from .errors import ComponentExit as ComponentExit
from .errors import DeadlineExceeded as DeadlineExceeded
from .errors import InstanceUnusable as InstanceUnusable
from .errors import OutOfFuel as OutOfFuel
from .errors import WasmTrap as WasmTrap
from .exported import ExportedResource as ExportedResource
from .exported import Resource as Resource
from .exported import ResourceExportFunc as ResourceExportFunc
from .exported import bind_resource as bind_resource
from .exported import resource_functions as resource_functions
from .imported import ImportedResource as ImportedResource
from .imported import ResourceHostFunc as ResourceHostFunc
from .imported import _resource_dtor as _resource_dtor
from .imported import _resource_host_entry as _resource_host_entry
from .imported import add_host_resource as add_host_resource
from .imported import getter as getter
from .imported import method as method
from .imported import property_getter as property_getter
from .imported import property_setter as property_setter
from .imported import setter as setter
from .inprocess import export_func as export_func
from .inprocess import in_process as in_process
from .limits import DEFAULT_DEADLINE as DEFAULT_DEADLINE
from .limits import DEFAULT_MEMORY_LIMIT as DEFAULT_MEMORY_LIMIT
from .limits import _epoch_reached as _epoch_reached
from .loading import prepare_load as prepare_load
from .specs import Contract as Contract
from .specs import FuncSpec as FuncSpec
from .traps import _stderr_entry as _stderr_entry
from .traps import trap_reason as trap_reason
from .typecheck import check_component as check_component
from .typecheck import check_host as check_host

# The names a generated package re-exports (its `from ._rt import ...` and `__all__`): the values
# and exceptions users of the bindings handle.
__all__ = [
    "Ok",
    "Err",
    "Some",
    "ComponentError",
    "WasmTrap",
    "InstanceUnusable",
    "DeadlineExceeded",
    "OutOfFuel",
    "ComponentExit",
    "CacheWarning",
]

# The C callbacks on whose first line a SIGINT is kept for later (see `callbacks.watch_sigint`).
register_entries(_host_entry, _resource_host_entry, _resource_dtor, _epoch_reached, _stderr_entry)
