"""`witgen wit PATH [-o DIR]`: a PATH's WIT text on stdout, or one `.wit` file per package.

In: a `.wit` file, a package folder or a `.wasm` (anything `resolve.loader` reads) and, with `-o`,
a folder. Out: what `wasm-tools component wit PATH` prints (the main package, the others nested
after it), or the files `--out-dir DIR` writes, each announced as wasm-tools announces it
(`Writing: DIR/deps/x.wit`). The text itself is `resolve.printer`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from witgen.errors import WitError
from witgen.resolve.loader import load_package
from witgen.resolve.printer import PrintError, package_files, print_package


def run(
    path: str,
    out: str | None,
    write: Callable[[str], None],
    features: Iterable[str] = (),
    all_features: bool = False,
) -> None:
    """Print `path` as WIT with `write`, or write its packages' files under `out`."""
    resolve, main = load_package(path, features=features, all_features=all_features)
    try:
        files = (
            [("", print_package(resolve, main))] if out is None else package_files(resolve, main)
        )
    except PrintError as err:
        raise WitError(f"{path}: cannot print as WIT: {err}", path=path) from None
    if out is None:
        write(files[0][1])
        return
    for rel, text in files:
        target = os.path.join(out, rel)
        try:
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        except OSError as err:
            raise WitError(
                f"failed to write {target}: {err.strerror or err}", path=target
            ) from None
        write(f"Writing: {target}\n")
