"""Code generation: a resolved world (`witgen.resolve.model`) in, Python source files out.

Stages inside: `walk` (one walk over a world: imports, then exports) -> `views/` (frozen view
models carrying Python names, annotations, converter expressions and docstrings, computed once;
one view class and builder per kind of named type; names from `naming`, type references from
`pytypes`) -> `render` (strict jinja templates: `templates/shared/` for the shapes host and guest
share, `templates/host/`, `templates/guest/`) -> `fmt` (black, in process, pinned mode).
`host.generate_host` drives them for wasmtime host bindings, `guest.GuestViews` (views derived
from the host's) for guest wrappers. Nothing here is imported by `witgen check`/`witgen json`.
"""

from __future__ import annotations

from witgen.errors import WitError


class CodegenError(WitError):
    """A valid world that witgen cannot turn into Python (e.g. two WIT names that clash after
    conversion); the message names the WIT items involved."""
