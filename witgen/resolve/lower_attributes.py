"""Stage 2: what an item's docs and attributes mean: its docs text, its gate, its external id.

Shared by the lowering of types, functions, interfaces and worlds (`witgen.resolve.lower`), and
checked where wit-parser checks them, so that the first error reported is the same.
"""

from __future__ import annotations

from witgen.errors import WitError
from witgen.resolve import model as m
from witgen.syntax import ast


def docs_text(docs: ast.Docs) -> str | None:
    """wit-parser's `Resolver::docs`: comment markers stripped, common indent removed."""
    pieces: list[str] = []
    for comment in docs.comments:
        if comment.startswith("/**"):
            body = comment[3:]
            body = body[:-2] if body.endswith("*/") else body
        else:
            body = comment.lstrip("/")
        pieces.append(body.rstrip())
    if not pieces:
        return None
    indents = [len(p) - len(p.lstrip(" \t\n\r\f")) for p in pieces if p]
    indent = min(indents) if indents else 0
    if indent:
        pad = " " * indent
        pieces = [p[indent:] if p.startswith(pad) else p for p in pieces]
    out: list[str] = []
    for piece in pieces:
        if not piece:
            out.append("\n")
        else:
            # Rust's `str::lines` splits on "\n" and drops one trailing "\r" per line.
            lines = piece.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            out.extend((ln[:-1] if ln.endswith("\r") else ln) + "\n" for ln in lines)
    return "".join(out).rstrip("\n")


def stability(attrs: tuple[ast.Attribute, ...]) -> m.Stability:
    """wit-parser's `Resolver::stability`: the gate written on an item, checked for consistency."""
    since: ast.Since | None = None
    deprecated: ast.Deprecated | None = None
    unstable: ast.Unstable | None = None
    for attr in attrs:
        if isinstance(attr, ast.Since):
            if since is not None:
                raise WitError("cannot specify @since twice", attr.span)
            since = attr
        elif isinstance(attr, ast.Deprecated):
            if deprecated is not None:
                raise WitError("cannot specify @deprecated twice", attr.span)
            deprecated = attr
        elif isinstance(attr, ast.Unstable):
            if unstable is not None:
                raise WitError("cannot specify @unstable twice", attr.span)
            unstable = attr
    dep = deprecated.version.text if deprecated is not None else None
    if since is not None and unstable is not None:
        raise WitError("cannot specify both @since and @unstable", since.span)
    if since is not None:
        return m.Stable(since.version.text, dep)
    if unstable is not None:
        return m.Unstable(unstable.feature.name, dep)
    if deprecated is not None:
        raise WitError(
            "cannot specify both @deprecated without @since or @unstable", deprecated.span
        )
    return None


def external_id(attrs: tuple[ast.Attribute, ...]) -> str | None:
    found: str | None = None
    for attr in attrs:
        if isinstance(attr, ast.ExternalId):
            if found is not None:
                raise WitError("cannot specify @external-id twice", attr.span)
            found = attr.value
    return found
