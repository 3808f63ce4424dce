"""Stages 2 and 3: AST to one resolved package, packages to a `Resolve` of arenas, and its JSON."""
