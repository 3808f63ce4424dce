"""The world package re-exports every public type its functions reach, host and guest alike: the
types the world `use`s were only aliases (`FilterError`), so their case classes
(`FilterError_Empty`) and the types inside them (`Inner`) had to be found in the interface's module.

A name two of them would share, or one the package already defines (the world's own types, `Ok`,
`Err`, the world class, ...), is not re-exported: the package's own meaning stays, and the others
are imported from their modules.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from codegen.support import load_world
from witgen.codegen.guest import generate_guest
from witgen.codegen.host import generate_host
from witgen.codegen.writer import write_package

REACH_WIT = """
package t:reach;

interface i {
  variant filter-error { empty, too-long(u32) }
  record inner { n: u32 }
  record outer { inner: inner, err: filter-error }
  enum mode { fast, slow }
  filter: func(x: string) -> result<string, filter-error>;
}

world w {
  use i.{filter-error, outer};
  export check: func(s: string) -> result<_, filter-error>;
  export wrap: func(o: outer) -> u32;
}
"""

CLASH_WIT = """
package t:clash;

interface a {
  record point { x: u32 }
  record ok { v: u32 }
  record ra { p: point, o: ok }
}

interface b {
  record point { y: u32 }
  record label { s: string }
  record rb { p: point, l: label }
}

interface c {
  record label { t: string }
  record rc { l: label }
}

world cw {
  use a.{ra};
  use b.{rb};
  use c.{rc};
  record point { z: u32 }
  export f: func(x: ra, y: rb, z: rc) -> point;
}
"""


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """`w`, `w_guest`, `cw`, `cw_guest`, imported from a folder of their own, written under
    prefixed names (`rx_w`, ...: other tests import packages named `w`; the generated code
    imports its own modules relatively, so the folder's name is free)."""
    root = tmp_path_factory.mktemp("reexports")
    names = []
    for stem, wit in (("reach", REACH_WIT), ("clash", CLASH_WIT)):
        path = root / f"{stem}.wit"
        path.write_text(wit, encoding="utf-8")
        resolve, world = load_world(path)
        for generate in (generate_host, generate_guest):
            package = generate(resolve, world)
            package.name = f"rx_{package.name}"
            write_package(package, root / "out")
            names.append(package.name)
    sys.path.insert(0, str(root / "out"))
    try:
        yield {name[3:]: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(root / "out"))
        for name in [n for n in sys.modules if n.split(".")[0] in names]:
            del sys.modules[name]


@pytest.mark.parametrize(("package", "module"), [("w", "i"), ("w_guest", "imports.i")])
def test_reached_types_and_case_classes_are_reexported(
    packages: dict[str, ModuleType], package: str, module: str
) -> None:
    pkg = packages[package]
    i = importlib.import_module(f"rx_{package}.{module}")
    # By hand, from the WIT: `check` and `wrap` reach filter-error (its two cases), outer, and
    # through outer's fields inner; `mode` is reached by nothing of the world.
    for name in ("FilterError_Empty", "FilterError_TooLong", "Inner", "Outer", "FilterError"):
        assert getattr(pkg, name) is getattr(i, name), name
        assert name in pkg.__all__, name
    assert not hasattr(pkg, "Mode") and "Mode" not in pkg.__all__
    assert pkg.Outer(pkg.Inner(1), pkg.FilterError_TooLong(3)).err.value == 3


@pytest.mark.parametrize(("package", "prefix"), [("cw", "cw"), ("cw_guest", "cw_guest.imports")])
def test_clashing_names_are_not_reexported(
    packages: dict[str, ModuleType], package: str, prefix: str
) -> None:
    pkg = packages[package]
    a, b, c = (importlib.import_module(f"rx_{prefix}.{m}") for m in "abc")
    # The world's own `point` keeps the name; a's and b's points stay in their modules.
    assert pkg.Point.__dataclass_fields__.keys() == {"z"}
    assert pkg.Point is not a.Point and pkg.Point is not b.Point
    # a's `ok` would hide the package's `Ok` (the result wrapper): not re-exported.
    assert pkg.Ok is pkg._rt.Ok and pkg.Ok is not a.Ok
    # b's and c's `label` would share the name: neither is re-exported.
    assert not hasattr(pkg, "Label") and "Label" not in pkg.__all__
    # Unambiguous ones are.
    assert (pkg.Ra, pkg.Rb, pkg.Rc) == (a.Ra, b.Rb, c.Rc)
