"""Stage 1, parsing: the text of one WIT file in, its typed AST (`ast.PackageFile`) out.

The LALR(1) parser of `witgen.syntax.lalr` runs the tables of `grammars/wit.lark` (built by lark
ahead of time, `witgen.syntax.lalr_build`) over the tokens of `witgen.syntax.lexer` with the builder
`_Builder`, so AST nodes are built as rules are reduced and no parse tree exists. Spans are global
offsets (the file's `base` in the `SourceMap` plus the index in its text).

Every failure is a `WitError` carrying wit-parser's message and location (ast.rs). wit-parser is
recursive descent; its "expected X, found Y" names the token it wanted last, after trying the
optional ones. `_syntax_error` recovers that from the LALR state in which the parser stopped.
"""

from __future__ import annotations

import threading
from typing import Any

from witgen.collector import collector_paused
from witgen.errors import Span, WitError
from witgen.records import replace
from witgen.syntax import ast
from witgen.syntax.identifiers import validate_id
from witgen.syntax.lalr import Lexeme, Parser, Tables, Token, UnexpectedToken, load_tables
from witgen.syntax.lexer import Source
from witgen.syntax.tokens import describe, unsigned

# wit-parser's `MAX_ITEM_DEPTH`: nested `package ... { }` blocks.
MAX_PACKAGE_DEPTH = 100


# The docs and attributes before an item (grammar rule `prelude`).
_Prelude = tuple[ast.Docs, tuple[ast.Attribute, ...]]


def _span(lexeme: Lexeme) -> Span:
    return (lexeme[2], lexeme[3])


def _token_span(token: Token) -> Span:
    return (token.start_pos, token.end_pos)


class _Builder:
    """Builds AST nodes as the parser reduces rules; methods are named after rules (or aliases).

    Each method gets the rule's children in a sequence (anonymous punctuation and keywords
    filtered out, `[optional]` parts as None) and unpacks it on its first line. A token among them
    is its lexer tuple (`Lexeme`: type, value, start, end).

    Methods named after terminals (ID, PACKAGE, the primitive types) run when the parser
    *shifts* the token, which is when wit-parser checks it: before looking at the next token.
    """

    def __init__(self) -> None:
        self.source: Source | None = None
        self.package_depth = 0
        self.valid_names: set[str] = set()  # the identifiers of this file validated so far

    def begin(self, source: Source) -> None:
        self.source = source
        self.package_depth = 0
        self.valid_names = set()

    def _docs(self) -> ast.Docs:
        assert self.source is not None
        return self.source.lookahead_docs()

    # -- terminals --

    def ID(self, token: Lexeme) -> ast.Id:
        # parse_id / parse_explicit_id: `%` only lets a keyword through, the rules are the same
        _, text, start, end = token
        name = text[1:] if text.startswith("%") else text
        if name not in self.valid_names:  # (a file uses the same few names over and over)
            validate_id(name, start)
            self.valid_names.add(name)
        return ast.Id(name, (start, end))

    def primitive(self, keyword: Lexeme) -> ast.Primitive:
        return ast.Primitive(keyword[1], (keyword[2], keyword[3]))

    # each primitive type is its own keyword terminal, built into a node when shifted
    U8 = U16 = U32 = U64 = S8 = S16 = S32 = S64 = F32 = F64 = primitive
    CHAR = BOOL = STRING = ERROR_CONTEXT = primitive

    def PACKAGE(self, token: Lexeme) -> Lexeme:
        # PackageFile::parse_nested checks the depth right after the `package` keyword
        if self.package_depth >= MAX_PACKAGE_DEPTH:
            raise WitError("package nesting too deep", _span(token))
        self.package_depth += 1
        return token

    # -- file structure --

    def file_with_header(self, c: list[Any]) -> ast.PackageFile:
        header, *items = c
        return ast.PackageFile(header, tuple(items))

    def file(self, c: list[Any]) -> ast.PackageFile:
        return ast.PackageFile(None, tuple(c))

    def package_header(self, c: list[Any]) -> ast.PackageName:
        docs, _package, name = c
        self.package_depth -= 1
        header: ast.PackageName = replace(name, docs=docs)
        return header

    def nested_package(self, c: list[Any]) -> ast.NestedPackage:
        docs, package, name, *items = c
        self.package_depth -= 1
        file = ast.PackageFile(replace(name, docs=docs), tuple(items))
        return ast.NestedPackage(_span(package), file)

    def package_name(self, c: list[Any]) -> ast.PackageName:
        namespace, name, version = c
        end = version.span[1] if version is not None else name.span[1]
        return ast.PackageName(ast.Docs(), (namespace.span[0], end), namespace, name, version)

    def world_spec(self, c: list[Any]) -> ast.UsePath:
        (path,) = c
        result: ast.UsePath = path
        return result

    def toplevel_use(self, c: list[Any]) -> ast.ToplevelUse:
        (_docs, attributes), use, path, as_ = c
        return ast.ToplevelUse(_span(use), attributes, path, as_)

    def local_path(self, c: list[Any]) -> ast.LocalPath:
        return ast.LocalPath(*c)

    def package_path(self, c: list[Any]) -> ast.PackagePath:
        namespace, package, name, version = c
        span = (namespace.span[0], package.span[1])
        return ast.PackagePath(ast.PackageName(ast.Docs(), span, namespace, package, version), name)

    def semver(self, c: list[Any]) -> ast.Version:
        _major, rest = c
        version: ast.Version = rest[1]
        return version

    # -- what precedes an item: docs, then attributes --

    def prelude_docs(self, c: list[Any]) -> _Prelude:
        return self._docs(), ()

    def prelude_attribute(self, c: list[Any]) -> _Prelude:
        (docs, attributes), attribute = c
        return docs, (*attributes, attribute)

    def since(self, c: list[Any]) -> ast.Since:
        name, _key, version = c
        return ast.Since(_span(name), version)

    def unstable(self, c: list[Any]) -> ast.Unstable:
        name, _key, feature = c
        return ast.Unstable(_span(name), feature)

    def deprecated(self, c: list[Any]) -> ast.Deprecated:
        name, _key, version = c
        return ast.Deprecated(_span(name), version)

    def external_id(self, c: list[Any]) -> ast.ExternalId:
        name, literal = c
        return ast.ExternalId(_span(name), literal[1])

    # -- interfaces --

    def interface_decl(self, c: list[Any]) -> ast.Interface:
        (docs, attributes), name, items = c
        return ast.Interface(docs, attributes, name, items)

    def interface_body(self, c: list[Any]) -> tuple[ast.InterfaceItem, ...]:
        return tuple(c)

    def named_func(self, c: list[Any]) -> ast.NamedFunc:
        (docs, attributes), name, func = c
        return ast.NamedFunc(docs, attributes, name, func)

    def use_item(self, c: list[Any]) -> ast.Use:
        (_docs, attributes), path, *names = c
        return ast.Use(attributes, path, tuple(names))

    def use_name(self, c: list[Any]) -> ast.UseName:
        return ast.UseName(*c)

    # -- worlds --

    def world_decl(self, c: list[Any]) -> ast.World:
        (docs, attributes), name, *items = c
        return ast.World(docs, attributes, name, tuple(items))

    def import_item(self, c: list[Any]) -> ast.Import:
        (docs, attributes), kind = c
        return ast.Import(docs, attributes, kind)

    def export_item(self, c: list[Any]) -> ast.Export:
        (docs, attributes), kind = c
        return ast.Export(docs, attributes, kind)

    def extern_func(self, c: list[Any]) -> ast.ExternFunc:
        return ast.ExternFunc(*c)

    def extern_interface(self, c: list[Any]) -> ast.ExternInterface:
        return ast.ExternInterface(*c)

    def extern_named_path(self, c: list[Any]) -> ast.ExternNamedPath:
        return ast.ExternNamedPath(*c)

    def extern_path(self, c: list[Any]) -> ast.ExternPath:
        return ast.ExternPath(*c)

    def include_item(self, c: list[Any]) -> ast.Include:
        (_docs, attributes), path, *names = c
        return ast.Include(attributes, path, tuple(names))

    def include_name(self, c: list[Any]) -> ast.IncludeName:
        return ast.IncludeName(*c)

    # -- type definitions --

    def type_alias(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, ty = c
        return ast.TypeDef(docs, attributes, name, ty)

    def record_def(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, *fields = c
        return ast.TypeDef(docs, attributes, name, ast.Record(name.span, tuple(fields)))

    def field(self, c: list[Any]) -> ast.Field:
        return ast.Field(*c)

    def flags_def(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, *flags = c
        return ast.TypeDef(docs, attributes, name, ast.Flags(name.span, tuple(flags)))

    def flag(self, c: list[Any]) -> ast.Flag:
        return ast.Flag(*c)

    def variant_def(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, *cases = c
        return ast.TypeDef(docs, attributes, name, ast.Variant(name.span, tuple(cases)))

    def case(self, c: list[Any]) -> ast.Case:
        return ast.Case(*c)

    def enum_def(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, *cases = c
        return ast.TypeDef(docs, attributes, name, ast.Enum(name.span, tuple(cases)))

    def enum_case(self, c: list[Any]) -> ast.EnumCase:
        return ast.EnumCase(*c)

    def resource_def(self, c: list[Any]) -> ast.TypeDef:
        (docs, attributes), name, *funcs = c
        return ast.TypeDef(docs, attributes, name, ast.Resource(name.span, tuple(funcs)))

    def constructor(self, c: list[Any]) -> ast.ResourceFunc:
        (docs, attributes), keyword, params, result = c
        span = _span(keyword)
        func = ast.Func(span, False, params, result)
        name = ast.Id("constructor", span)
        return ast.ResourceFunc("constructor", ast.NamedFunc(docs, attributes, name, func))

    def static_func(self, c: list[Any]) -> ast.ResourceFunc:
        return ast.ResourceFunc("static", self.named_func(c))

    def method_func(self, c: list[Any]) -> ast.ResourceFunc:
        return ast.ResourceFunc("method", self.named_func(c))

    # -- functions --

    def func(self, c: list[Any]) -> ast.Func:
        async_, keyword, params, result = c
        return ast.Func(_span(keyword), async_ is not None, params, result)

    def getter(self, c: list[Any]) -> ast.Func:
        keyword, params, result = c
        return ast.Func(_span(keyword), False, params, result, accessor="get")

    def setter(self, c: list[Any]) -> ast.Func:
        keyword, params, result = c
        return ast.Func(_span(keyword), False, params, result, accessor="set")

    def params(self, c: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(c)

    def param(self, c: list[Any]) -> ast.Param:
        return ast.Param(*c)

    # -- types --

    def named_type(self, c: list[Any]) -> ast.Name:
        return ast.Name(*c)

    def list_type(self, c: list[Any]) -> ast.List:
        keyword, ty = c
        return ast.List(_span(keyword), ty)

    def fixed_list_type(self, c: list[Any]) -> ast.FixedLengthList:
        keyword, ty, size = c
        return ast.FixedLengthList(_span(keyword), ty, unsigned(size[1], 32) or 0)

    def map_type(self, c: list[Any]) -> ast.Map:
        keyword, key, value = c
        return ast.Map(_span(keyword), key, value)

    def option_type(self, c: list[Any]) -> ast.Option:
        keyword, ty = c
        return ast.Option(_span(keyword), ty)

    def result_type(self, c: list[Any]) -> ast.Result:
        (keyword,) = c
        return ast.Result(_span(keyword), None, None)

    def result_ok_type(self, c: list[Any]) -> ast.Result:
        keyword, ok = c
        return ast.Result(_span(keyword), ok, None)

    def result_ok_err_type(self, c: list[Any]) -> ast.Result:
        keyword, ok, err = c
        return ast.Result(_span(keyword), ok, err)

    def result_err_type(self, c: list[Any]) -> ast.Result:
        keyword, err = c
        return ast.Result(_span(keyword), None, err)

    def tuple_type(self, c: list[Any]) -> ast.Tuple:
        keyword, *types = c
        return ast.Tuple(_span(keyword), tuple(types))

    def future_type(self, c: list[Any]) -> ast.Future:
        keyword, ty = c
        return ast.Future(_span(keyword), ty)

    def stream_type(self, c: list[Any]) -> ast.Stream:
        keyword, ty = c
        return ast.Stream(_span(keyword), ty)

    def own_type(self, c: list[Any]) -> ast.Handle:
        return ast.Handle("own", *c)

    def borrow_type(self, c: list[Any]) -> ast.Handle:
        return ast.Handle("borrow", *c)

    # -- shared --

    def docs(self, c: list[Any]) -> ast.Docs:
        return self._docs()


# --- the parser (its tables loaded once per process) ---------------------------------------

_BUILDER = _Builder()
_LOCK = threading.Lock()
_PARSER: Parser | None = None


def _parser() -> Parser:
    global _PARSER
    if _PARSER is None:
        _PARSER = Parser(load_tables(), _BUILDER)
    return _PARSER


# --- syntax errors ---------------------------------------------------------------------------

# What wit-parser says it expected, by what the LALR state accepts. wit-parser tries optional
# tokens first and then demands one, or dispatches on the next token; each entry is a token whose
# presence identifies the parse function, checked in this order, and that function's wording.
_CONTEXTS: tuple[tuple[str, str], ...] = (
    ("U8", "a type"),  # Type::parse
    ("CONSTRUCTOR", "`constructor` or identifier"),  # ResourceFunc::parse
    ("IMPORT", "`import`, `export`, `include`, `use`, or type definition"),  # WorldItem::parse
    ("TYPE", "`type`, `resource` or `func`"),  # InterfaceItem::parse
    ("WORLD", "`world`, `interface` or `use`"),  # AstItem::parse
    ("ID", "an identifier or string"),  # parse_id; ExternKind after `name:` ends there too
    ("ATTR_SINCE", "an identifier or string"),  # Attribute::parse_list: parse_id
    ("VERSION_KEY", "an identifier or string"),  # eat_id("version"): parse_id
    ("FEATURE_KEY", "an identifier or string"),  # eat_id("feature"): parse_id
    ("FUNC", "keyword `func`"),  # Func::parse, after `async`/`static` were tried
    ("LIST_SIZE", "fixed-length"),  # `list<T,` then an integer
    ("MORETHAN", describe("MORETHAN")),  # `list<T`, `result<T`, `tuple<T`: `,` was optional
    ("RBRACE", describe("RBRACE")),  # after a list item: `,` was optional
    ("RPAR", describe("RPAR")),  # after a parameter: `,` was optional
    ("SEMICOLON", describe("SEMICOLON")),  # `as x`, `-> T`, `with {`, `{` were optional
)


def _wanted(expected: frozenset[str], after: str) -> str:
    """wit-parser's wording of what it expected, from the tokens the LALR state accepts.

    `after` is the grammar symbol just parsed, for the one place the tokens are not enough.
    """
    if expected >= {"SEMICOLON", "LBRACE"} and after == "package_name":
        # `package a:b` + `;` is the header; anything else is re-read as a nested package
        # (PackageFile::parse), which then wants `{`
        return describe("LBRACE")
    for marker, wording in _CONTEXTS:
        if marker in expected:
            return wording
    # one token left to demand (a unit test checks that every state ends up here or above)
    return " or ".join(describe(kind) for kind in sorted(expected - {"$END"}))


def _identifier_error(token: Token, expected: frozenset[str], source: Source) -> WitError | None:
    """Errors wit-parser reports on an identifier it consumed where a particular one was due."""
    name = token.value[1:] if token.value.startswith("%") else token.value
    if "ATTR_SINCE" in expected:
        validate_id(name, token.start_pos)
        return WitError(f"unknown attribute `{name}`", _token_span(token))
    for key, word in (("VERSION_KEY", "version"), ("FEATURE_KEY", "feature")):
        if key in expected:
            validate_id(name, token.start_pos)
            return WitError(f"expected `{word}`, found `{name}`", _token_span(token))
    if "GET" in expected and not token.value.startswith("%"):
        # Func::parse reads a plain identifier as a possible `get`/`set`: it validates it, and
        # for `get`/`set` looks on for a `(`, so a lexical error there is its error
        validate_id(name, token.start_pos)
        if name in ("get", "set"):
            source.scan(token.end_pos - source.base)
    return None


def _syntax_error(
    err: UnexpectedToken, source: Source, tables: Tables, start: str = "start"
) -> WitError:
    """wit-parser's error for the token the parser could not shift, at the same place."""
    token = err.token
    states = tables.states
    stack = _error_stack(tables, err.state_stack)
    expected = frozenset(name for name in states[stack[-1]] if name.isupper())
    after = _accessing_symbol(states, stack)
    if token.type == "$END":
        return WitError(f"expected {_wanted(expected, after)}, found eof", (source.eof, source.eof))
    if start == "world_spec" and not expected:
        # the whole specifier was reduced (the accepting state has no actions) and a token is
        # left: `parse_use_path` parses one path, then refuses whatever follows it
        return WitError("trailing tokens in path specifier", _token_span(token))
    if token.type == "ID":
        special = _identifier_error(token, expected, source)
        if special is not None:
            return special
    if token.type == "PACKAGE" and "WORLD" in expected:
        # only after attributes: AstItem::parse then PackageFile::parse_nested refuses them
        return WitError("cannot place attributes on nested packages", _token_span(token))
    wanted = _wanted(expected, after)
    return WitError(
        f"expected {wanted}, found {describe(token.type, token.value)}", _token_span(token)
    )


def _error_stack(tables: Tables, stack: list[int]) -> list[int]:
    """The LALR stack as wit-parser would see it: take the reductions the state can only make.

    LALR detects an error before reducing what precedes it (`result` in `type t = result x`); a
    state whose one possible move is a reduction is reduced first, as wit-parser would have
    returned from the inner function and complained in the outer one.
    """
    states = tables.states
    stack = list(stack)
    for _ in states:  # a bound: each reduction leads closer to a state that shifts
        reductions = {-1 - code for code in states[stack[-1]].values() if code < 0}
        if len(reductions) != 1:
            break
        rule = tables.rules[reductions.pop()]
        if rule.size:
            del stack[-rule.size :]
        stack.append(states[stack[-1]][rule.origin])
    return stack


def _accessing_symbol(states: list[dict[str, int]], stack: list[int]) -> str:
    """The grammar symbol whose shift (or goto) led to the top state."""
    if len(stack) < 2:
        return ""
    for symbol, target in states[stack[-2]].items():
        if target == stack[-1]:
            return symbol
    return ""


# --- the public API --------------------------------------------------------------------------


def parse_source(text: str, base: int) -> ast.PackageFile:
    """Parse one WIT file whose text starts at global offset `base`; raise WitError if invalid."""
    result: ast.PackageFile = _parse(text, base, "start")
    return result


def parse_world_spec(text: str) -> ast.UsePath:
    """A world specifier (`w`, `ns:pkg/w`, `ns:pkg/w@1.0.0`) as wit-parser's `parse_use_path`
    reads it: WIT tokens (comments and `%` escapes included) forming exactly one use path.
    Raises WitError with wit-parser's message; its span is an offset into `text`."""
    result: ast.UsePath = _parse(text, 0, "world_spec")
    return result


def _parse(text: str, base: int, start: str) -> Any:
    parser = _parser()
    source = Source(text, base, parser.tables.states)
    with _LOCK, collector_paused():
        _BUILDER.begin(source)
        try:
            return parser.parse(source.tokens, start, source.eof)
        except UnexpectedToken as err:
            raise _syntax_error(err, source, parser.tables, start) from None
        except (MemoryError, RecursionError):
            # Nesting is bounded and nothing recurses, but a file can be too big for memory;
            # the user still gets a located error rather than a traceback.
            raise WitError("file is too large to parse", (base, base)) from None
        finally:
            _BUILDER.source = None
            _BUILDER.valid_names = set()
