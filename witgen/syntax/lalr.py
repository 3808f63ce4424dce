"""Stage 1, parsing machinery: tokens in, whatever the builder's methods make of them out.

A table-driven LALR(1) parser over the tables `witgen.syntax.lalr_build` writes from the grammar
(`grammars/wit.tables.json`). It does what lark's LALR parser does with an inline transformer and
`maybe_placeholders`, no more: on a shift, a builder method named after the token type (if any)
turns the token into a value; on a reduction, the rule's kept children (see the tables' `keep`)
go to the builder method named by the rule's callback, or, for a `_rule` without one, stay a list
that the parent splices in. lark itself is needed only to build the tables.

The lexer reads `state_stack` (the parser's states, top last) to tell context-dependent tokens
apart, which is why the token source is given the stack before the parse starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from witgen.data import data_path

# What the lexer yields and the builder gets: (type, value, start, end), the type a terminal
# name, the span global. Plain tuples: a quarter of a million of them in a 1 MiB file.
Lexeme = tuple[str, Any, int, int]


class Token:
    """The token the parser stopped at: type (a terminal name), value and span."""

    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, kind: str, value: Any, start: int, end: int) -> None:
        self.type = kind
        self.value = value
        self.start_pos = start
        self.end_pos = end

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.start_pos}, {self.end_pos})"


# (Plain classes: `dataclasses` imports `inspect`, and a `NamedTuple` compiles its annotations,
# both a noticeable part of `witgen check`'s start-up.)


class Rule:
    __slots__ = ("origin", "size")

    def __init__(self, origin: str, size: int) -> None:
        self.origin = origin  # the rule's name: the symbol the parser goes to after reducing it
        self.size = size  # how many symbols it reduces


class Tables:
    __slots__ = ("start", "end", "states", "rules", "shapes")

    def __init__(
        self,
        start: dict[str, int],
        end: dict[str, int],
        states: list[dict[str, int]],
        rules: list[Rule],
        shapes: list[tuple[int, str, bool, Any, int]],
    ) -> None:
        self.start = start
        self.end = end
        # per state: symbol -> n >= 0 shift/go to state n; n < 0 reduce by rule -1 - n
        self.states = states
        self.rules = rules
        # per rule: (size, callback name, expand1, keep, trailing nones), as in the tables file
        self.shapes = shapes


def load_tables() -> Tables:
    path = data_path("grammars", "wit.tables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = [Rule(origin, size) for origin, size, *_ in data["rules"]]
    shapes = [
        (size, callback, expand1, keep, trailing)
        for _origin, size, callback, expand1, keep, trailing in data["rules"]
    ]
    return Tables(data["start"], data["end"], data["states"], rules, shapes)


class UnexpectedToken(Exception):
    """The parser has no action for `token` in the state on top of `state_stack`."""

    def __init__(self, token: Token, state_stack: list[int]) -> None:
        super().__init__(token.type)
        self.token = token
        self.state_stack = state_stack


# a rule's children: a list as on the stack, or a tuple of the kept ones
Reducer = Callable[[Any], Any]


def _reducer(builder: object, shape: tuple[int, str, bool, Any, int]) -> Reducer | None:
    """The function turning a rule's children (as on the stack) into its value; None: the list.

    The common shapes get their own small functions: a ~1 MiB file has ~200,000 reductions.
    """
    _size, name, expand1, keep, trailing = shape
    method: Reducer | None = getattr(builder, name, None) if not name.startswith("_") else None

    def shaped(children: list[Any]) -> Any:
        if expand1 and len(children) == 1:
            return children[0]
        return method(children) if method is not None else children

    finish: Reducer | None = shaped if expand1 else method
    if keep is None:
        return finish
    if keep == [[0, 1, 0], [1, 0, 0]] and not trailing and finish is None:
        # `_rule: _rule item`, the left recursion of `item*`: the list grows in place

        def grow(children: list[Any]) -> Any:
            items: list[Any] = children[0]
            items.append(children[1])
            return items

        return grow
    if finish is not None and not trailing and not any(s or n for _, s, n in keep):
        # some children dropped, none spliced: the builder gets a tuple of the kept ones
        picked = [index for index, _, _ in keep]
        if not picked:
            return lambda children: finish(())
        if len(picked) == 1:
            (only,) = picked
            return lambda children: finish((children[only],))
        pick = itemgetter(*picked)
        return lambda children: finish(pick(children))

    def filtered(children: list[Any]) -> Any:
        out: list[Any] = []
        for index, splice, nones in keep:
            if nones:
                out += [None] * nones
            if splice:
                if out:
                    out += children[index]
                else:  # a spliced list is the rule's own, from the stack: take it over
                    out = children[index]
            else:
                out.append(children[index])
        if trailing:
            out += [None] * trailing
        return finish(out) if finish is not None else out

    return filtered


class Parser:
    """One grammar's tables bound to one builder; `parse` is not reentrant (one stack per call)."""

    def __init__(self, tables: Tables, builder: object) -> None:
        self.tables = tables
        # The actions by symbol, then state: `columns[symbol][state]` (None: no action). A token
        # looks up its column once, then each step of the loop indexes a list by state.
        n = len(tables.states)
        self.columns: dict[str, list[int | None]] = {}
        for state, actions in enumerate(tables.states):
            for symbol, code in actions.items():
                column = self.columns.get(symbol)
                if column is None:
                    column = self.columns[symbol] = [None] * n
                column[state] = code
        # per rule: (size, the column of its origin (where to go after it), reducer)
        self.reductions = [
            (rule.size, self.columns[rule.origin], _reducer(builder, shape))
            for rule, shape in zip(tables.rules, tables.shapes, strict=True)
        ]
        # the terminals a builder method turns into a value when shifted; others are pushed as
        # their lexemes (and most of those dropped by the rule that reduces them)
        self.on_shift: dict[str, Callable[[Lexeme], Any]] = {}
        for name in self.columns:
            method = getattr(builder, name, None) if name.isupper() else None
            if method is not None:
                self.on_shift[name] = method

    def parse(self, tokens: Callable[[list[int]], Iterable[Lexeme]], start: str, eof: int) -> Any:
        """Parse the tokens `tokens(state_stack)` yields from the start symbol `start`.

        The lexer reads `state_stack`; `state` is its top, kept in a local for speed.
        """
        columns = self.columns
        nothing: list[int | None] = [None] * len(self.tables.states)  # a token no state takes
        reductions = self.reductions
        on_shift = self.on_shift
        end_state = self.tables.end[start]
        state = self.tables.start[start]
        state_stack = [state]
        value_stack: list[Any] = []
        push_state, push_value = state_stack.append, value_stack.append
        for lexeme in tokens(state_stack):
            kind = lexeme[0]
            column = columns.get(kind, nothing)
            shift = on_shift.get(kind)
            while True:
                code = column[state]
                if code is None:
                    raise UnexpectedToken(Token(*lexeme), state_stack)
                if code >= 0:
                    state = code
                    push_state(code)
                    push_value(lexeme if shift is None else shift(lexeme))
                    break
                size, goto, reducer = reductions[-1 - code]
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                push_value(children if reducer is None else reducer(children))
                state = goto[state_stack[-1]]  # type: ignore[assignment]  # the table has one
                push_state(state)
        end = Token("$END", "", eof, eof)
        column = columns.get("$END", nothing)
        while True:
            code = column[state]
            if code is None or code >= 0:
                raise UnexpectedToken(end, state_stack)
            size, goto, reducer = reductions[-1 - code]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            push_value(children if reducer is None else reducer(children))
            state = goto[state_stack[-1]]  # type: ignore[assignment]  # the table has one
            push_state(state)
            if state == end_state:
                return value_stack[-1]
