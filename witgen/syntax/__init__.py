"""Stage 1, syntax: source text to a typed AST with spans (see `ast`, `parser`, `source`)."""
