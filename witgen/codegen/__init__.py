"""Code generation: a resolved world (`witgen.resolve.model`) in, Python source files out.

Stages inside: `walk` (one walk over a world: imports, then exports) -> `views` (view models
carrying Python names, annotations and docstrings, computed once; names from `naming`, Python
shapes of WIT types from `pytypes`) -> `render` (strict jinja templates under `templates/host/`)
-> `fmt` (black, in process, pinned mode). `host.generate_host` drives them for wasmtime host
bindings. Nothing here is imported by `witgen check`/`witgen json`.
"""

from __future__ import annotations

from witgen.errors import WitError


class CodegenError(WitError):
    """A valid world that witgen cannot turn into Python (e.g. two WIT names that clash after
    conversion); the message names the WIT items involved."""
