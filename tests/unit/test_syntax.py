"""Unit tests of stage 1's parser (`witgen.syntax.parser.parse_source`): AST shape, spans, errors.

Expected messages and locations are wit-parser's, taken from wasm-tools 1.262.0 on the same input;
the conformance test at the end checks every syntax case of the shared corpus the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lark import Lark

from witgen.data import data_path
from witgen.errors import WitError
from witgen.syntax import ast
from witgen.syntax.lalr_build import TABLES_NAME, tables_text
from witgen.syntax.parser import _CONTEXTS, _parser, parse_source
from witgen.syntax.source import SourceMap

HEADER = "package a:b;\n"


def parse(text: str, base: int = 0) -> ast.PackageFile:
    return parse_source(text, base)


def items(body: str) -> tuple[ast.InterfaceItem, ...]:
    """The items of `interface i { body }`."""
    (interface,) = parse(HEADER + "interface i {" + body + "}").items
    assert isinstance(interface, ast.Interface)
    return interface.items


def world_items(body: str) -> tuple[ast.WorldItem, ...]:
    (world,) = parse(HEADER + "world w {" + body + "}").items
    assert isinstance(world, ast.World)
    return world.items


def alias(ty: str) -> ast.Type:
    (typedef,) = items(f"type t = {ty};")
    assert isinstance(typedef, ast.TypeDef)
    return typedef.ty


def text_of(text: str, span: tuple[int, int] | None, base: int = 0) -> str:
    assert span is not None
    return text[span[0] - base : span[1] - base]


def error(text: str) -> tuple[str, int, int]:
    """(message, line, column) of the error, as wit-parser would locate it."""
    source_map = SourceMap()
    base = source_map.push("t.wit", text)
    with pytest.raises(WitError) as err:
        parse_source(text, base)
    assert err.value.span is not None
    _, line, col, _ = source_map.location(err.value.span[0])
    return err.value.message, line, col


# --- the grammar -----------------------------------------------------------------------------


def test_grammar_is_lalr_without_conflicts_or_terminal_collisions() -> None:
    # strict mode: shift/reduce conflicts and regex terminal collisions (interegular) are errors
    grammar = data_path("grammars", "wit.lark").read_text()
    Lark(grammar, parser="lalr", lexer="basic", strict=True, start=["start", "world_spec"])


def test_data_path_finds_the_grammar() -> None:
    assert data_path("grammars", "wit.lark").is_file()


def test_the_parse_tables_are_built_from_the_grammar_as_it_is() -> None:
    # grammars/wit.tables.json is lark's analysis of grammars/wit.lark, written ahead of time;
    # after a grammar edit, `python -m witgen.syntax.lalr_build` rewrites it
    grammar = data_path("grammars", "wit.lark").read_text(encoding="utf-8")
    written = data_path("grammars", TABLES_NAME).read_text(encoding="utf-8")
    assert written == tables_text(grammar)


def test_every_lalr_state_has_wit_parser_wording() -> None:
    # a state reports an error in wit-parser's words if it is known by a marker token or
    # accepts one token only (the one wit-parser demands)
    states = _parser().tables.states
    assert len(states) > 300  # the whole grammar, not a stub
    for actions in states:
        reductions = {code for code in actions.values() if code < 0}
        expected = frozenset(name for name in actions if name.isupper()) - {"$END"}
        if len(reductions) == 1 or not expected:
            continue  # reduced before an error is reported, or the final state
        assert any(marker in expected for marker, _ in _CONTEXTS) or len(expected) == 1, expected


# --- AST: packages, paths, worlds --------------------------------------------------------------


def test_package_header_version_and_span() -> None:
    text = "/// docs\npackage ns:pkg@1.2.3-rc.1+b.7;"
    header = parse(text).package_id
    assert header is not None
    assert (header.namespace.name, header.name.name) == ("ns", "pkg")
    assert text_of(text, header.span) == "ns:pkg@1.2.3-rc.1+b.7"
    assert header.docs.comments == ("/// docs\n",)
    version = header.version
    assert version is not None
    assert (version.major, version.minor, version.patch, version.pre, version.build) == (
        1,
        2,
        3,
        "rc.1",
        "b.7",
    )
    assert version.text == text_of(text, version.span) == "1.2.3-rc.1+b.7"


def test_no_header_and_empty_file() -> None:
    assert parse("") == ast.PackageFile(None, ())
    assert parse("interface i {}").package_id is None


def test_nested_packages() -> None:
    text = HEADER + "// nested\npackage c:d@0.1.0 { interface x {} package e:f {} }"
    (nested,) = parse(text).items
    assert isinstance(nested, ast.NestedPackage)
    assert text_of(text, nested.span) == "package"
    inner = nested.package
    assert inner.package_id is not None and inner.package_id.docs.comments == ("// nested\n",)
    assert [type(i).__name__ for i in inner.items] == ["Interface", "NestedPackage"]


def test_import_a_colon_b_is_a_name_implementing_a_local_interface() -> None:
    (item,) = world_items("import a:b;")
    assert isinstance(item, ast.Import) and isinstance(item.kind, ast.ExternNamedPath)
    assert item.kind.name.name == "a"
    assert item.kind.path == ast.LocalPath(ast.Id("b", item.kind.path.name.span))


def test_extern_kinds() -> None:
    text = (
        "import a:b/c@1.0.0; export d: e:f/g; import h: func(); export i: interface { j: func(); }"
        " import k; export l: async func() -> u8;"
    )
    kinds = [item.kind for item in world_items(text)]  # type: ignore[union-attr]
    assert [type(k).__name__ for k in kinds] == [
        "ExternPath",
        "ExternNamedPath",
        "ExternFunc",
        "ExternInterface",
        "ExternPath",
        "ExternFunc",
    ]
    path = kinds[0].path  # type: ignore[union-attr]
    assert isinstance(path, ast.PackagePath)
    assert path.name.name == "c" and path.package.version is not None
    full = HEADER + "world w {" + text + "}"
    assert text_of(full, path.package.span) == "a:b"  # no version, as in wit-parser
    assert kinds[5].func.async_ is True  # type: ignore[union-attr]


def test_toplevel_use_and_interface_use() -> None:
    text = HEADER + "use x:y/z@1.0.0 as w;\ninterface i { use c:d/e@1.0.0-a.{t, u as v,}; }"
    use, interface = parse(text).items
    assert isinstance(use, ast.ToplevelUse) and isinstance(interface, ast.Interface)
    assert text_of(text, use.span) == "use"
    assert use.as_ is not None and use.as_.name == "w"
    (inner,) = interface.items
    assert isinstance(inner, ast.Use) and isinstance(inner.from_, ast.PackagePath)
    assert inner.from_.package.version is not None
    assert inner.from_.package.version.text == "1.0.0-a"  # the `.` before `{` is the use's
    assert [(n.name.name, n.as_ and n.as_.name) for n in inner.names] == [("t", None), ("u", "v")]


def test_include_with_renames() -> None:
    (include,) = world_items("include a:b/c with { x as y, }")
    assert isinstance(include, ast.Include)
    assert [(n.name.name, n.as_.name) for n in include.names] == [("x", "y")]


# --- AST: functions and resources ----------------------------------------------------------------


def test_functions_spans_and_params() -> None:
    text = HEADER + "interface i { f: async func(a: u8, b: string,) -> u32; }"
    (interface,) = parse(text).items
    (func,) = interface.items  # type: ignore[union-attr]
    assert isinstance(func, ast.NamedFunc)
    assert text_of(text, func.func.span) == "func"
    assert func.func.async_ and func.func.accessor is None
    assert [p.name.name for p in func.func.params] == ["a", "b"]


def test_getters_and_setters_and_get_set_as_names() -> None:
    text = HEADER + (
        "interface i { p: get() -> u64; p: set(v: u64) -> result<_, e>; get: func();"
        " set: func(); variant v { get(u8), set } }"
    )
    (interface,) = parse(text).items
    getter, setter, get, set_, variant = interface.items  # type: ignore[union-attr]
    assert isinstance(getter, ast.NamedFunc) and isinstance(setter, ast.NamedFunc)
    assert (getter.func.accessor, setter.func.accessor) == ("get", "set")
    assert text_of(text, getter.func.span) == "get"
    assert [p.name.name for p in setter.func.params] == ["v"]
    assert isinstance(get, ast.NamedFunc) and get.name.name == "get" and get.func.accessor is None
    assert isinstance(set_, ast.NamedFunc) and set_.name.name == "set"
    assert isinstance(variant, ast.TypeDef) and isinstance(variant.ty, ast.Variant)
    assert [c.name.name for c in variant.ty.cases] == ["get", "set"]


def test_world_accessors() -> None:
    imp, exp = world_items("import p: get() -> u64; export p: set(v: u64);")
    assert isinstance(imp, ast.Import) and isinstance(imp.kind, ast.ExternFunc)
    assert imp.kind.func.accessor == "get"
    assert isinstance(exp, ast.Export) and isinstance(exp.kind, ast.ExternFunc)
    assert exp.kind.func.accessor == "set"


def test_resource_functions() -> None:
    text = HEADER + (
        "interface i { resource r { constructor(x: u8) -> result<r, e>; m: func();"
        " s: static func(); p: get() -> u8; q: static get() -> u8; q: static set(v: u8); } }"
    )
    (interface,) = parse(text).items
    (typedef,) = interface.items  # type: ignore[union-attr]
    assert isinstance(typedef, ast.TypeDef) and isinstance(typedef.ty, ast.Resource)
    assert text_of(text, typedef.ty.span) == "r"
    funcs = typedef.ty.funcs
    assert [(f.kind, f.func.name.name, f.func.func.accessor) for f in funcs] == [
        ("constructor", "constructor", None),
        ("method", "m", None),
        ("static", "s", None),
        ("method", "p", "get"),
        ("static", "q", "get"),
        ("static", "q", "set"),
    ]
    constructor = funcs[0].func
    assert text_of(text, constructor.name.span) == text_of(text, constructor.func.span)
    assert text_of(text, constructor.func.span) == "constructor"


def test_bodyless_resource() -> None:
    (typedef,) = items("resource r;")
    assert isinstance(typedef, ast.TypeDef) and typedef.ty == ast.Resource(typedef.name.span, ())


# --- AST: types ----------------------------------------------------------------------------


def test_primitive_and_named_types() -> None:
    assert isinstance(alias("error-context"), ast.Primitive)
    assert alias("error-context").name == "error-context"  # type: ignore[union-attr]
    named = alias("%record")
    assert isinstance(named, ast.Name) and named.id.name == "record"


def test_container_types() -> None:
    fixed = alias("list<u8, 4>")
    assert isinstance(fixed, ast.FixedLengthList) and fixed.size == 4
    assert isinstance(alias("list<u8>"), ast.List)
    assert isinstance(alias("map<string, u8>"), ast.Map)
    assert isinstance(alias("option<u8>"), ast.Option)
    tup = alias("tuple<u8, s8,>")
    assert isinstance(tup, ast.Tuple) and len(tup.types) == 2
    assert alias("future") == ast.Future(alias("future").span, None)
    stream = alias("stream<u8>")
    assert isinstance(stream, ast.Stream) and stream.ty is not None


@pytest.mark.parametrize(
    ("ty", "ok", "err"),
    [
        ("result", False, False),
        ("result<u8>", True, False),
        ("result<_, u8>", False, True),
        ("result<u8, u8>", True, True),
    ],
)
def test_result_forms(ty: str, ok: bool, err: bool) -> None:
    result = alias(ty)
    assert isinstance(result, ast.Result)
    assert (result.ok is not None, result.err is not None) == (ok, err)


def test_type_spans_are_the_keyword_and_handles_the_resource() -> None:
    text = HEADER + "interface i { type t = list<borrow<r>>; }"
    (interface,) = parse(text).items
    (typedef,) = interface.items  # type: ignore[union-attr]
    ty = typedef.ty  # type: ignore[union-attr]
    assert isinstance(ty, ast.List) and text_of(text, ty.span) == "list"
    assert isinstance(ty.ty, ast.Handle) and ty.ty.kind == "borrow"
    assert text_of(text, ty.ty.span) == "r"


def test_record_flags_enum_variant_spans_are_the_name() -> None:
    text = (
        HEADER + "interface i { record rr { a: u8 } flags ff { x } enum ee { y } variant vv { z } }"
    )
    (interface,) = parse(text).items
    names = [text_of(text, t.ty.span) for t in interface.items]  # type: ignore[union-attr]
    assert names == ["rr", "ff", "ee", "vv"]


# --- docs and attributes -------------------------------------------------------------------


def test_docs_are_every_comment_before_the_item_s_first_token() -> None:
    text = HEADER + (
        "// one\n/** two */\n@since(version = 1.0.0)\n// dropped: between attribute and item\n"
        "interface i {\n  /// field docs\n  record r {\n    /// a\n    a: u8,\n  }\n"
        "  // not docs: uses take none\n  use x.{y};\n  enum e { /* c */ c }\n}"
    )
    (interface,) = parse(text).items
    assert isinstance(interface, ast.Interface)
    assert interface.docs.comments == ("// one\n", "/** two */")
    assert text_of(text, interface.docs.span) == "// one\n/** two */"
    record, use, enum = interface.items
    assert isinstance(record, ast.TypeDef) and isinstance(record.ty, ast.Record)
    assert record.docs.comments == ("/// field docs\n",)
    assert record.ty.fields[0].docs.comments == ("/// a\n",)
    assert isinstance(use, ast.Use)
    assert isinstance(enum, ast.TypeDef) and isinstance(enum.ty, ast.Enum)
    assert enum.ty.cases[0].docs.comments == ("/* c */",)
    assert record.ty.fields[0].docs != ast.Docs() and enum.docs == ast.Docs()


def test_attributes() -> None:
    text = HEADER + (
        "interface i { @since(version = 1.0.0) @deprecated(version = 1.1.0) a: func();"
        ' @unstable(feature = fancy) @external-id("x\\u{41}") b: func(); }'
    )
    (interface,) = parse(text).items
    a, b = interface.items  # type: ignore[union-attr]
    since, deprecated = a.attributes  # type: ignore[union-attr]
    assert isinstance(since, ast.Since) and since.version.text == "1.0.0"
    assert text_of(text, since.span) == "since"
    assert isinstance(deprecated, ast.Deprecated) and deprecated.version.text == "1.1.0"
    unstable, external = b.attributes  # type: ignore[union-attr]
    assert isinstance(unstable, ast.Unstable) and unstable.feature.name == "fancy"
    assert isinstance(external, ast.ExternalId) and external.value == "xA"


def test_spans_are_global_offsets() -> None:
    text = HEADER + "interface i {}"
    (interface,) = parse(text, base=1000).items
    assert interface.name.span == (1000 + text.index("i {"), 1001 + text.index("i {"))  # type: ignore[union-attr]


# --- errors: wit-parser's message and location -----------------------------------------------

H = HEADER
ERRORS = [
    # lexical
    (H + "interface i { fooBar: func(); }", "invalid character in identifier 'B'", 2, 15),
    (
        H + "interface i { foo--bar: func(); }",
        "identifiers must have characters between '-'s",
        2,
        15,
    ),
    (H + "interface i { %: func(); }", "identifiers must have characters between '-'s", 2, 15),
    (
        H + "interface i { 1a: func(); }",
        "expected `type`, `resource` or `func`, found an integer",
        2,
        15,
    ),
    (
        H + "interface i { \u00e9t\u00e9: func(); }",
        "invalid character in identifier '\u00e9'",
        2,
        15,
    ),
    (H + "interface i {} $", "unexpected character '$'", 2, 16),
    (H + "interface i {}\r", "unexpected character '\\r'", 2, 15),
    (H + "/* a /* b */", "unterminated block comment", 2, 1),
    (
        H + "// \u202e\n",
        "Input contains bidirectional override codepoint EscapeUnicode(EscapeIterInner('\\u{202e}'))",
        2,
        4,
    ),
    (H + "interface i {} \x0b", "Control code '\\u{b}'", 2, 16),
    (H + 'interface i { @external-id("a\\q") x: func(); }', "invalid string escape 'q'", 2, 31),
    (
        H + 'interface i { @external-id("\\ff") x: func(); }',
        "invalid UTF-8: invalid utf-8 sequence of 1 bytes from index 0",
        2,
        28,
    ),
    (H + 'interface i { @external-id("abc', "unexpected end of file", 2, 32),
    # packages and versions
    ("package a;", "expected ':', found ';'", 1, 10),
    ("package a:b", "expected '{', found eof", 1, 12),
    ("package a:b:c;", "expected '{', found ':'", 1, 12),
    ("package a:b@1.0;", "expected '.', found ';'", 1, 16),
    ("package a:b@01.0.0;", "invalid leading zero in major version number", 1, 13),
    ("package a:b@1.0.0-01;", "invalid leading zero in pre-release identifier", 1, 13),
    ("package a:b@1.0.0 -rc;", "unexpected character ' ' after patch version number", 1, 13),
    ("@since(version = 1.0.0) package a:b;", "cannot place attributes on nested packages", 1, 25),
    (H + "record r {}", "expected `world`, `interface` or `use`, found keyword `record`", 2, 1),
    # worlds
    (H + "world w { import; }", "expected an identifier or string, found ';'", 2, 17),
    (H + "world w { import a:b@1.0.0; }", "expected ';', found `@`", 2, 21),
    (
        H + "world w { import a: static func(); }",
        "expected an identifier or string, found keyword `static`",
        2,
        21,
    ),
    (
        H + "world w { export a: async get() -> u8; }",
        "expected keyword `func`, found an identifier",
        2,
        27,
    ),
    (H + "world w { include a with { b c } }", "expected keyword `as`, found an identifier", 2, 30),
    (H + "world w { use a.{b}; flags }", "expected an identifier or string, found '}'", 2, 28),
    (
        H + "world w { func }",
        "expected `import`, `export`, `include`, `use`, or type definition, found keyword `func`",
        2,
        11,
    ),
    # interfaces, functions, types
    (H + "interface i { x: func() -> u8 }", "expected ';', found '}'", 2, 31),
    (H + "interface i { x: func(a: u8 b: u8); }", "expected ')', found an identifier", 2, 29),
    (H + "interface i { x: get -> u8; }", "expected keyword `func`, found an identifier", 2, 18),
    (H + "interface i { x: fooBar; }", "invalid character in identifier 'B'", 2, 18),
    (H + "interface i { x: get$ }", "unexpected character '$'", 2, 21),
    (
        H + "interface i { x: static func(); }",
        "expected keyword `func`, found keyword `static`",
        2,
        18,
    ),
    (
        H + "interface i { use a.{b, u32}; }",
        "expected an identifier or string, found keyword `u32`",
        2,
        25,
    ),
    (H + "interface i { type t = result x; }", "expected ';', found an identifier", 2, 31),
    (H + "interface i { type t = list<result x>; }", "expected '>', found an identifier", 2, 36),
    (
        H + "interface i { type t = list<u8, 99999999999>; }",
        "invalid list size: number too large to fit in target type",
        2,
        33,
    ),
    (
        H + "interface i { type t = list<u8, x>; }",
        "expected fixed-length, found an identifier",
        2,
        33,
    ),
    (H + "interface i { type t = tuple<u8 u8>; }", "expected '>', found keyword `u8`", 2, 33),
    (H + "interface i { type t = map<u8>; }", "expected ',', found '>'", 2, 30),
    (
        H + "interface i { type t = own<u8>; }",
        "expected an identifier or string, found keyword `u8`",
        2,
        28,
    ),
    (H + "interface i { variant v { a(u8 } }", "expected ')', found '}'", 2, 32),
    (H + "interface i { enum e { a b } }", "expected '}', found an identifier", 2, 26),
    (
        H + "interface i { resource r { x: u8; } }",
        "expected keyword `func`, found keyword `u8`",
        2,
        31,
    ),
    (
        H + "interface i { resource r { async } }",
        "expected `constructor` or identifier, found keyword `async`",
        2,
        28,
    ),
    (H + "interface i { resource r }", "expected ';', found '}'", 2, 26),
    (H + "interface i {", "expected `type`, `resource` or `func`, found eof", 2, 14),
    # attributes
    (H + "interface i { @foo x: func(); }", "unknown attribute `foo`", 2, 16),
    (
        H + "interface i { @since(feature = x) x: func(); }",
        "expected `version`, found `feature`",
        2,
        22,
    ),
    (
        H + "interface i { @unstable(version = x) x: func(); }",
        "expected `feature`, found `version`",
        2,
        25,
    ),
    (
        H + "interface i { @since(version = 1.0.0) }",
        "expected `type`, `resource` or `func`, found '}'",
        2,
        39,
    ),
]


@pytest.mark.parametrize(("text", "message", "line", "col"), ERRORS)
def test_errors_match_wit_parser(text: str, message: str, line: int, col: int) -> None:
    assert error(text) == (message, line, col)


# --- limits: deep nesting and big inputs end in a WitError -----------------------------------


def nested_types(depth: int) -> str:
    return HEADER + "interface i { x: func() -> " + "list<" * depth + "u8" + ">" * depth + "; }"


def test_type_nesting_limit_is_wit_parser_s() -> None:
    parse(nested_types(99))
    text = nested_types(100)
    message, _, col = error(text)
    assert (message, col) == ("type nesting too deep", text.index("u8") - len(HEADER) + 1)
    assert error(nested_types(10_000))[0] == "type nesting too deep"
    # `>` closing an empty tuple is looked for before a type, so it is no error at the limit
    parse(HEADER + "interface i { x: func() -> " + "tuple<" * 100 + ">" * 100 + "; }")


def test_package_nesting_limit_is_wit_parser_s() -> None:
    parse("package c:d {" * 100 + "}" * 100)
    text = "package c:d {" * 101
    message, _, col = error(text)
    assert (message, col) == ("package nesting too deep", 100 * len("package c:d {") + 1)
    assert error("package c:d {" * 10_000)[0] == "package nesting too deep"


def test_big_inputs_end_quickly_in_a_wit_error() -> None:
    size = 16 << 20
    assert error("a" * size)[0] == "expected `world`, `interface` or `use`, found an identifier"
    assert error("/*" * (size // 2))[0] == "unterminated block comment"
    assert error(HEADER + "interface i { x: func() -> " + "list<" * size)[0] == (
        "type nesting too deep"
    )


# --- the shared conformance corpus -----------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
# wit-parser's parser and lexer messages (the rest of the corpus' errors are the resolver's)
SYNTAX = re.compile(
    r"(expected |invalid character in identifier|identifiers must|unterminated block|"
    r"unexpected character|type nesting|package nesting|unknown attribute|cannot place|"
    r"invalid list size|Control code|Codepoint|Input contains)"
)
LOCATION = re.compile(r"-->\s*(\S+:\d+:\d+)")
# the loader's context for a package directory; the short form used for very long lines
PREFIXES = re.compile(r"^(failed to parse package: \S+: )?(\S+:\d+:\d+: )?")


def corpus_cases() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for kind in ("ui", "parse-fail")
        for p in (CORPUS / kind).iterdir()
        if p.suffix == ".wit" or p.is_dir()
    )


def first_syntax_error(case: Path) -> str | None:
    """Parse the case's files in the reference's order; the first error, rendered."""
    files = [case] if case.is_file() else sorted(case.glob("*.wit"))
    if case.is_dir():
        files += sorted((case / "deps").glob("**/*.wit"))
    source_map = SourceMap()
    for path in files:
        text = path.read_text(encoding="utf-8")
        base = source_map.push(str(path.relative_to(CORPUS)), text)
        try:
            parse_source(text, base)
        except WitError as err:
            return str(source_map.render(err))
    return None


@pytest.mark.skipif(not corpus_cases(), reason="../shared/conformance is not there")
def test_conformance_corpus_syntax_cases() -> None:
    mismatches = []
    for case in corpus_cases():
        verdict = case.with_name(case.name.removesuffix(".wit") + ".err")
        reference = verdict.read_text() if verdict.exists() else None
        ours = first_syntax_error(case)
        if reference is None or not SYNTAX.match(PREFIXES.sub("", reference)):
            if ours is not None:
                mismatches.append(f"{case.name}: accepted or semantic, but we say {ours!r}")
            continue
        ref_line = re.sub(r"^failed to parse package: \S+: ", "", reference.splitlines()[0])
        ref_loc = LOCATION.search(reference)
        our_loc = LOCATION.search(ours or "")
        if (
            ours is None
            or ours.splitlines()[0] != ref_line
            or (ref_loc and (our_loc is None or our_loc.group(1) != ref_loc.group(1)))
        ):
            mismatches.append(f"{case.name}: reference {ref_line!r}, we say {ours!r}")
    assert mismatches == []
