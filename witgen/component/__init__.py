"""Reading the interface of a WebAssembly component, in pure Python (no wasm-tools at run time).

Three stages, like the WIT front end's:

* `section_reader`: the bytes to the syntax of the sections that carry types (`sections`: types,
  imports, exports, aliases, instances, nested components, `canon lift`), over the cursor of
  `byte_reader`; core modules are stepped over by their size, never parsed, and core types inside
  instance and component types by `skip_core_types`;
* `typecheck` (with the type arena `arena`): that syntax to the component's types, with the
  identities wasmparser's validator gives them (aliases, resources freshened on import and on
  instantiation, types substituted through `instantiate`), which is what decides how the WIT
  looks;
* `decode`: those types to a `witgen.resolve.model.Resolve`, as wit-component's decoder builds it
  (`wasm-tools component wit --json X.wasm`): a component becomes the world `root` of the package
  `root:component`, a WIT package encoded as a component (`wasm-tools component wit --wasm`)
  becomes that package; `metadata` adds the docs and gates of the `package-docs` custom section.

`decode_component(data, path)` runs them; everything downstream (JSON, the WIT printer, code
generation) takes the `Resolve` unchanged. Bad input is a `ComponentError` (a `WitError`) naming
the file and, for malformed bytes, the byte offset.
"""

from __future__ import annotations
