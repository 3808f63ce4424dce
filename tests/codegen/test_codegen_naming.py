"""Naming rules of the host generator: case conversion, the keyword table, reserved names of the
generated API, per-scope collisions (reported with both WIT names) and module qualification."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest

from codegen.support import generate, generate_and_import
from witgen.codegen import CodegenError
from witgen.codegen.host import runtime_files
from witgen.codegen.naming import KEYWORDS, Scope, shouty, snake, upper_camel


@pytest.mark.parametrize(
    ("wit", "snake_name", "camel", "shout"),
    [
        ("point", "point", "Point", "POINT"),
        ("first-name", "first_name", "FirstName", "FIRST_NAME"),
        ("HTTP-get", "http_get", "HttpGet", "HTTP_GET"),
        ("a1-b2c", "a1_b2c", "A1B2c", "A1_B2C"),
        ("class", "class_", "Class", "CLASS"),
        ("none", "none", "None_", "NONE"),
        ("true", "true", "True_", "TRUE"),
        ("match", "match_", "Match", "MATCH"),
        ("type", "type_", "Type", "TYPE"),
        ("async", "async_", "Async", "ASYNC"),
    ],
)
def test_case_conversion_and_keywords(wit: str, snake_name: str, camel: str, shout: str) -> None:
    assert snake(wit) == snake_name
    assert upper_camel(wit) == camel
    assert shouty(wit) == shout


def test_keyword_table_covers_this_python() -> None:
    # The table is fixed (the union over 3.11-3.14); it must include whatever this interpreter has.
    assert set(keyword.kwlist) <= KEYWORDS
    assert set(keyword.softkwlist) <= KEYWORDS
    assert {"match", "case", "type", "_"} <= KEYWORDS  # `type` is soft only from 3.12 on


def test_scope_escapes_reserved_names_and_reports_both_items() -> None:
    scope = Scope("class Plugin", reserved=("load", "close"))
    assert scope.claim("load", "function 'load'") == "load_"
    assert scope.claim("run", "function 'run'") == "run"
    with pytest.raises(CodegenError) as err:
        scope.claim("run", "interface 'run'")
    message = str(err.value)
    assert "function 'run'" in message and "interface 'run'" in message
    assert "'run'" in message and "class Plugin" in message


def test_clash_after_conversion_is_an_error_naming_both(tmp_path: Path) -> None:
    # WIT itself rejects names that differ only by case, so clashes come from different kinds of
    # item meeting in one Python scope: here a world-level function and an exported interface.
    wit = """
package t:clash;
interface api { f: func(); }
world w {
  export api: func();
  export api;
}
"""
    with pytest.raises(CodegenError) as err:
        generate(wit, tmp_path)
    message = str(err.value)
    assert "function 'api'" in message and "interface 't:clash/api'" in message
    assert "'api'" in message and "class W" in message


def test_interfaces_sharing_a_name_are_qualified_by_package(tmp_path: Path) -> None:
    wit = """
package t:app;
world w {
  import t:http/types;
  import t:filesystem/types;
  import t:http/handler;
  export run: func(a: t:http/types.req, b: t:filesystem/types.req);
}
package t:http { interface types { record req { x: u32 } } interface handler { h: func(); } }
package t:filesystem { interface types { record req { y: u32 } } }
"""
    # `use` through a qualified path needs a `use` statement in WIT; keep the world simple instead.
    wit = wit.replace("  export run: func(a: t:http/types.req, b: t:filesystem/types.req);\n", "")
    package = generate(wit, tmp_path)
    assert set(package.files) - set(runtime_files("host")) == {
        "__init__.py",
        "filesystem_types.py",
        "handler.py",
        "http_types.py",
        "py.typed",
    }
    init = package.files["__init__.py"]
    assert "def handler(self) -> _m_handler.Host:" in init
    assert 'root.add_instance("t:http/handler")' in init


def test_generated_api_names_get_a_trailing_underscore(tmp_path: Path) -> None:
    wit = """
package t:names;
world w {
  export load: func();
  export close: func();
  export instantiate: func();
  export str: func(self: u32, int: string) -> string;
  export plain: func();
}
"""
    init = generate(wit, tmp_path).files["__init__.py"]
    for name in ("load_", "close_", "instantiate_", "str_", "plain"):
        assert f"    def {name}(self" in init, name
    assert "def str_(self, self_: int, int_: str) -> str:" in init
    # The API itself is intact.
    assert "    def load(\n" in init and "    def close(self) -> None:" in init


def test_same_name_imported_and_exported_is_not_a_collision(tmp_path: Path) -> None:
    # Found by the conformance corpus (`since-and-unstable.wit`): two interfaces the world names
    # itself, `y` on each side, have no package to be qualified by; they are qualified by
    # direction, and keep their name as attributes (imports and exports are separate scopes).
    # One interface both imported and exported (`z`) is one module.
    wit = """
package t:both;
interface z { record r { x: u32 } zf: func(a: r) -> r; }
world w {
  import y: interface { f: func(a: u32) -> u32; }
  export y: interface { g: func(a: string) -> string; }
  import z;
  export z;
  import x: func();
  export x: func();
}
"""
    package = generate_and_import(wit, tmp_path)
    files = sorted(p.name for p in (tmp_path / "w").iterdir())
    assert files == [
        "__init__.py",
        "_rt",
        "_values.py",
        "exports_y.py",
        "imports_y.py",
        "py.typed",
        "z.py",
    ]
    init = (tmp_path / "w" / "__init__.py").read_text()
    assert "def y(self) -> _m_imports_y.Host:" in init
    assert "def z(self) -> _m_z.Host:" in init
    assert "self.y = _m_exports_y.Exports(self._state)" in init
    assert "self.z = _m_z.Exports(self._state)" in init
    assert package.imports_y.Host is not package.exports_y.Exports


def test_generated_packages_reexport_exactly_the_runtime_public_names() -> None:
    # The generator reads the run time's `__all__` from its source (it must not import wasmtime to
    # name them): what it reads is what the run time exports.
    from witgen.codegen.naming import RUNTIME_EXPORTS
    from witgen.runtime import host

    assert RUNTIME_EXPORTS == tuple(host.__all__) and "ComponentExit" in RUNTIME_EXPORTS
