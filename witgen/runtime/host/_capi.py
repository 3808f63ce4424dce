"""The pieces of wasmtime's C API (through wasmtime-py's ctypes layer) the runtime uses: value
and type kinds, the raw functions (the `_b.wasmtime_*` wrappers add a Python call to each).
"""

from __future__ import annotations

import ctypes
from typing import Any

from wasmtime import _bindings as _b  # the C API's ctypes declarations (no public alternative)
from wasmtime._ffi import dll as _dll

# --------------------------------------------------------------------------------------------
# The C API pieces used here

_Val = _b.wasmtime_component_val_t
_ByteVec = _b.wasm_byte_vec_t

K_BOOL = 0
K_S8 = 1
K_U8 = 2
K_S16 = 3
K_U16 = 4
K_S32 = 5
K_U32 = 6
K_S64 = 7
K_U64 = 8
K_F32 = 9
K_F64 = 10
K_CHAR = 11
K_STRING = 12
K_LIST = 13
K_RECORD = 14
K_TUPLE = 15
K_VARIANT = 16
K_ENUM = 17
K_OPTION = 18
K_RESULT = 19
K_FLAGS = 20

# The kinds of `wasmtime_component_valtype_t` (not those of values, `K_*`).
VT_BOOL, VT_S8, VT_S16, VT_S32, VT_S64, VT_U8, VT_U16, VT_U32, VT_U64 = range(9)
VT_F32, VT_F64, VT_CHAR, VT_STRING, VT_LIST, VT_RECORD, VT_TUPLE, VT_VARIANT = range(9, 17)
VT_ENUM, VT_OPTION, VT_RESULT, VT_FLAGS, VT_OWN, VT_BORROW, VT_FUTURE, VT_STREAM = range(17, 25)
VT_ERROR_CONTEXT, VT_MAP = 25, 26
_VT_NAMES = (
    "bool s8 s16 s32 s64 u8 u16 u32 u64 f32 f64 char string list record tuple variant enum"
    " option result flags own borrow future stream error-context map"
).split()
_VT_OF = {name: i for i, name in enumerate(_VT_NAMES)}  # a primitive's WIT name -> its kind

# The raw ctypes functions (the `_b.wasmtime_*` wrappers add a Python call to each).
_func_call = _b._wasmtime_component_func_call
_val_delete = _b._wasmtime_component_val_delete
_val_new = _b._wasmtime_component_val_new
_vallist_new = _b._wasmtime_component_vallist_new
_vallist_new_uninit = _b._wasmtime_component_vallist_new_uninit
_vallist_delete = _b._wasmtime_component_vallist_delete
_valtuple_new_uninit = _b._wasmtime_component_valtuple_new_uninit
_valtuple_delete = _b._wasmtime_component_valtuple_delete
_valrecord_new_uninit = _b._wasmtime_component_valrecord_new_uninit
_valrecord_delete = _b._wasmtime_component_valrecord_delete
_valflags_new_uninit = _b._wasmtime_component_valflags_new_uninit
_error_new = _b._wasmtime_error_new
_add_func = _b._wasmtime_component_linker_instance_add_func
_string_at = ctypes.string_at

# `wasm_byte_vec_new` declared with a `char *` source, so `bytes` pass without a copy-cast.
_byte_vec_new = ctypes.CFUNCTYPE(None, ctypes.POINTER(_ByteVec), ctypes.c_size_t, ctypes.c_char_p)(
    ("wasm_byte_vec_new", _dll)
)

# Looking up one export of a component instance (see `ExportFunc`): the name passed as `bytes`
# (a `char *` prototype, as above), the index freed once the function is found.
_get_export_index = ctypes.CFUNCTYPE(
    ctypes.POINTER(_b.wasmtime_component_export_index_t),
    ctypes.POINTER(_b.wasmtime_component_t),
    ctypes.POINTER(_b.wasmtime_component_export_index_t),
    ctypes.c_char_p,
    ctypes.c_size_t,
)(("wasmtime_component_get_export_index", _dll))
_export_index_delete = _b._wasmtime_component_export_index_delete
_instance_get_func = _b._wasmtime_component_instance_get_func
_RawFunc = _b.wasmtime_component_func_t

_VAL_SIZE = ctypes.sizeof(_Val)  # 32: kind at offset 0, the payload union at offset 8
_VAL_PAYLOAD = _Val.of.offset


def _text(vec: Any) -> bytes:
    return _string_at(vec.data, vec.size)


K_RESOURCE = 21

_ResAnyPtr = ctypes.POINTER(_b.wasmtime_component_resource_any_t)
_ResHostPtr = ctypes.POINTER(_b.wasmtime_component_resource_host_t)
_res_any_clone = _b._wasmtime_component_resource_any_clone
_res_any_delete = _b._wasmtime_component_resource_any_delete
_res_any_drop = _b._wasmtime_component_resource_any_drop
_res_any_to_host = _b._wasmtime_component_resource_any_to_host
_res_host_new = _b._wasmtime_component_resource_host_new
_res_host_rep = _b._wasmtime_component_resource_host_rep
_res_host_type = _b._wasmtime_component_resource_host_type
_res_host_delete = _b._wasmtime_component_resource_host_delete
_res_host_to_any = _b._wasmtime_component_resource_host_to_any
_add_resource = _b._wasmtime_component_linker_instance_add_resource

# The kinds of `wasmtime_component_item_t`.
_ITEM_INSTANCE = 1
_ITEM_FUNC = 3
_ITEM_RESOURCE = 4
_ITEM_KINDS = (
    "a component",
    "an instance",
    "a core module",
    "a function",
    "a resource",
    "a core function",
    "a type",
)

_ValType = _b.wasmtime_component_valtype_t
_Item = _b.wasmtime_component_item_t
_ExternPtr = ctypes.POINTER(_b.wasmtime_component_extern_t)
_CharPtr = ctypes.POINTER(ctypes.c_char)
_valtype_delete = _b._wasmtime_component_valtype_delete
_item_delete = _b._wasmtime_component_item_delete
_extern_delete = _b._wasmtime_component_extern_delete
_extern_type = _b._wasmtime_component_extern_type
_resource_type_equal = _b._wasmtime_component_resource_type_equal
