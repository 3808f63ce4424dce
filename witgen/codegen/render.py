"""Template rendering (code generation): view models in, unformatted Python source out.

One strict jinja environment for every generator: `StrictUndefined` (a misspelt field is an error,
never an empty string), `trim_blocks`/`lstrip_blocks` (tags take no room in the output), no
autoescaping (the output is Python, not HTML). Templates live in the top-level `templates/` folder
(`witgen.data` finds it in a checkout and in the wheel) and hold no logic beyond `for` and `if`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from witgen.data import data_path


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_path("templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context: Any) -> str:
    """Render `templates/<template>` (e.g. "host/world.py.j2") with `context`."""
    return environment().get_template(template).render(**context)
