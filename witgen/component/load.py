"""The entry point for binary input: the bytes of a `.wasm` to a `Resolve`, or one clear error.

In: the file's bytes and its path (for messages). Out: a `decode.Decoded`: the `Resolve`, its main
package and, for a component, the world `root`. Runs the three stages (`section_reader`,
`typecheck`, `decode`) and injects the `package-docs` metadata, as `wasm-tools component wit
X.wasm` does.

Every failure is a `ComponentError` (a `WitError`, so the command line prints it and exits 1):
`PATH: MESSAGE`, with `(at byte offset N)` when the bytes themselves are at fault.
"""

from __future__ import annotations

from witgen.collector import collector_paused
from witgen.component.byte_reader import BinaryError
from witgen.component.decode import Decoded, DecodeError, decode_typed
from witgen.component.preamble import binary_kind
from witgen.component.section_reader import read_component
from witgen.component.typecheck import typecheck
from witgen.errors import WitError


class ComponentError(WitError):
    """A `.wasm` witgen cannot read as WIT."""


def decode_component(data: bytes, path: str) -> Decoded:
    kind = binary_kind(data)
    if kind == "a core module":
        raise ComponentError(
            f"{path} is a core module, not a component: witgen reads the interface of a"
            " component (made with `wasm-tools component new`, componentize-py, ...)",
            path=path,
        )
    if kind is None:
        raise ComponentError(f"{path} is not a WebAssembly binary", path=path)
    with collector_paused():
        try:
            typed = typecheck(read_component(data))
            decoded = decode_typed(typed)
            docs = [c for c in typed.custom if c[0] == "package-docs"]
            if len(docs) > 1:
                raise DecodeError('multiple "package-docs" sections')
            if docs:
                from witgen.component.metadata import inject

                _, start, end = docs[0]
                inject(data[start:end], decoded.resolve, decoded.package)
        except BinaryError as err:
            raise ComponentError(
                f"{path}: invalid component: {err.message} (at byte offset {err.offset})",
                path=path,
            ) from None
        except DecodeError as err:
            raise ComponentError(
                f"{path}: cannot read the component's interface as WIT: {err.message}",
                path=path,
            ) from None
        except RecursionError:
            raise ComponentError(f"{path}: the component is nested too deeply", path=path) from None
    return decoded
