"""Stage 1, build time: `grammars/wit.lark` in, the LALR(1) tables `witgen.syntax.lalr` runs out.

lark analyses the grammar (LALR(1), `maybe_placeholders`) and this module writes what its parser
would do as plain data, `grammars/wit.tables.json`, so that parsing needs neither lark nor its
table cache at run time: importing lark and loading its cache cost more than resolving a small
file. The data is canonical (states numbered breadth-first from the start symbols, symbols in
sorted order), so the file does not depend on hash seeds and a test can check it is up to date.

Run `python -m witgen.syntax.lalr_build` after editing the grammar (a unit test fails until then).

The file holds:
- `start` / `end`: per start symbol, the initial state and the state after its symbol is reduced;
- `states`: per state, symbol -> action; `n >= 0` shifts (or, for a rule name, goes) to state n,
  `n < 0` reduces by rule `-1 - n`;
- `rules`: `[origin, size, callback, expand1, keep, trailing_nones]` with lark's tree shaping made
  explicit: `callback` is the name the parser's builder method would have (alias or rule name),
  `expand1` is lark's `?rule` (a single child stands for the rule), `keep` lists the kept children
  as `[index, splice, nones_before]` (or is null when every child is kept as it is; `splice`
  inlines a `_rule`'s children, `nones_before` are `[optional]` placeholders).
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from witgen.data import data_path

TABLES_NAME = "wit.tables.json"
START_SYMBOLS = ("start", "world_spec")


def _keep(rule: Any) -> tuple[list[list[int]] | None, int]:
    """lark's child filter for `rule` (parse_tree_builder.maybe_create_child_filter)."""
    expansion = rule.expansion
    empty = rule.options.empty_indices
    if empty:
        ones = "".join(str(int(b)) for b in empty).split("0")
        nones = [len(run) for run in ones]
    else:
        nones = [0] * (len(expansion) + 1)
    keep: list[list[int]] = []
    pending = 0
    for i, sym in enumerate(expansion):
        pending += nones[i]
        if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out):
            splice = not sym.is_term and sym.name.startswith("_")
            keep.append([i, int(splice), pending])
            pending = 0
    pending += nones[len(expansion)]
    identity = len(keep) == len(expansion) and not any(s or n for _, s, n in keep)
    if identity and not pending:
        return None, 0
    return keep, pending


def build_tables(grammar: str) -> dict[str, Any]:
    """The canonical tables of `grammar` (see the module docstring)."""
    from lark import Lark
    from lark.parsers.lalr_analysis import Reduce

    lark = Lark(
        grammar, parser="lalr", lexer="basic", maybe_placeholders=True, start=list(START_SYMBOLS)
    )
    table = lark.parser.parser.parser.parse_table
    states: dict[Any, dict[str, tuple[Any, Any]]] = table.states

    # number the states breadth-first from the start states, following symbols in sorted order
    number: dict[Any, int] = {}
    queue: deque[Any] = deque()
    for name in START_SYMBOLS:
        for state in (table.start_states[name],):
            if state not in number:
                number[state] = len(number)
                queue.append(state)
    while queue:
        state = queue.popleft()
        for symbol in sorted(states[state]):
            action, arg = states[state][symbol]
            if action is not Reduce and arg not in number:
                number[arg] = len(number)
                queue.append(arg)
    for name in START_SYMBOLS:
        if table.end_states[name] not in number:
            number[table.end_states[name]] = len(number)
    assert len(number) == len(states), "unreachable LALR states"

    rule_ids: dict[Any, int] = {}
    rules: list[list[Any]] = []
    out_states: list[dict[str, int]] = [{} for _ in number]
    for state, index in number.items():
        actions = out_states[index]
        for symbol in sorted(states[state]):
            action, arg = states[state][symbol]
            if action is not Reduce:
                actions[symbol] = number[arg]
                continue
            if arg not in rule_ids:
                rule_ids[arg] = len(rules)
                keep, trailing = _keep(arg)
                callback = arg.alias or arg.options.template_source or arg.origin.name
                expand1 = bool(arg.options.expand1 and not arg.alias)
                rules.append(
                    [
                        str(arg.origin.name),
                        len(arg.expansion),
                        str(callback),
                        expand1,
                        keep,
                        trailing,
                    ]
                )
            actions[symbol] = -1 - rule_ids[arg]
    return {
        "grammar": "wit.lark",
        "start": {name: number[table.start_states[name]] for name in START_SYMBOLS},
        "end": {name: number[table.end_states[name]] for name in START_SYMBOLS},
        "states": out_states,
        "rules": rules,
    }


def tables_text(grammar: str) -> str:
    """The file's text: one state or rule per line, so a grammar change reads as a small diff."""
    data = build_tables(grammar)
    dump = json.dumps
    lines = ["{"]
    lines.append(f'"grammar": {dump(data["grammar"])},')
    lines.append(f'"start": {dump(data["start"], sort_keys=True)},')
    lines.append(f'"end": {dump(data["end"], sort_keys=True)},')
    lines.append('"states": [')
    states = [dump(s, separators=(",", ":")) for s in data["states"]]
    lines.append(",\n".join(states))
    lines.append("],")
    lines.append('"rules": [')
    lines.append(",\n".join(dump(r, separators=(",", ":")) for r in data["rules"]))
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    grammar = data_path("grammars", "wit.lark").read_text(encoding="utf-8")
    target: Path = data_path("grammars", "wit.lark").with_name(TABLES_NAME)
    target.write_text(tables_text(grammar), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
