"""What generated code needs at run time.

`wasmtime_rt` is not imported by witgen: the host generator copies its text into every generated
package as `_rt.py` (see `witgen.codegen.host`), so applications need only wasmtime at run time.
"""
