"""Generate other spellings of the same program: the imports bind other names, the code is the same.

``as_alias`` keeps every position outside the import lines (each alias has the canonical name's length), so the
findings must be the very same ``line:col``; ``as_member_imports`` and ``as_full_path`` move columns but not lines.
"""

from __future__ import annotations

import io
import re
import tokenize

# a canonical import line -> the same import binding {alias}, and the name it binds
IMPORTS = [
    (r"^(\s*)from flax import nnx$", r"\1from flax import nnx as {alias}", "nnx"),
    (r"^(\s*)import flax\.nnx as nnx$", r"\1import flax.nnx as {alias}", "nnx"),
    (r"^(\s*)import flax\.linen as nn$", r"\1import flax.linen as {alias}", "nn"),
    (r"^(\s*)from flax import linen as nn$", r"\1from flax import linen as {alias}", "nn"),
    (r"^(\s*)from flax import nn$", r"\1from flax import nn as {alias}", "nn"),
    (r"^(\s*)from flax import optim$", r"\1from flax import optim as {alias}", "optim"),
    (r"^(\s*)import jax\.numpy as jnp$", r"\1import jax.numpy as {alias}", "jnp"),
    (r"^(\s*)import optax$", r"\1import optax as {alias}", "optax"),
]
ALIAS = {"nnx": "fnx", "nn": "ln", "optim": "optz_", "jnp": "jnq", "optax": "optx_"}  # equal lengths


def rename(source: str, old: str, new: str) -> str | None:
    """Rename the name ``old`` (not attributes ``x.old``, not strings or comments); None if it cannot tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    lines = source.splitlines(keepends=True)
    places = [t.start for i, t in enumerate(tokens)  # not attributes, not a module's name imported from it
              if t.type == tokenize.NAME and t.string == old and not (i and tokens[i - 1].string in (".", "import"))
              and not (i + 1 < len(tokens) and tokens[i + 1].string == "as")]
    for row, col in reversed(places):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return "".join(lines)


def as_alias(source: str, aliases: dict[str, str] | None = None) -> tuple[str, dict[str, str]] | None:
    """Each canonical import bound to an alias of the same length (``ALIAS``, or ``aliases``), every use renamed;
    with the aliases used. None if the program has no such import (or already uses an alias name)."""
    out, used = source, {}
    for pattern, replacement, name in IMPORTS:
        alias = (aliases or ALIAS).get(name)
        if alias is None or not re.search(pattern, out, re.M) or (name not in used and re.search(rf"\b{alias}\b", out)):
            continue
        renamed = rename(out, name, alias) if name not in used else out
        if renamed is None:
            return None
        old_lines, new_lines = out.splitlines(keepends=True), renamed.splitlines(keepends=True)
        for i, line in enumerate(old_lines):
            body = line.rstrip("\r\n")
            if re.match(pattern, body):
                new_lines[i] = re.sub(pattern, replacement.format(alias=alias), body) + line[len(body):]
        out, used[name] = "".join(new_lines), alias
    return (out, used) if used else None


MODULES = [  # a canonical import line, the module it imports, the name it binds
    (r"^from flax import nnx$", "flax.nnx", "nnx"),
    (r"^import flax\.linen as nn$", "flax.linen", "nn"),
    (r"^from flax import nn$", "flax.nn", "nn"),
    (r"^from flax import optim$", "flax.optim", "optim"),
]


def _uses(source: str, name: str) -> list[tuple[tuple[int, int], tuple[int, int], str]] | None:
    """Every ``name.attr`` as (start, end, attr); None if ``name`` is also used otherwise or cannot tokenize."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)]
    except (tokenize.TokenError, SyntaxError):
        return None
    uses = []
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string != name or (i and tokens[i - 1].string == "."):
            continue
        if i and tokens[i - 1].string == "import":
            continue
        if i + 2 >= len(tokens) or tokens[i + 1].string != "." or tokens[i + 2].type != tokenize.NAME:
            return None
        uses.append((token.start, tokens[i + 2].end, tokens[i + 2].string))
    return uses


def respelled(source: str, style: str) -> str | None:
    """The program with one canonical module import written another way: ``member`` (``from flax.nnx import
    Optimizer`` and ``Optimizer(...)``) or ``full`` (``import flax`` and ``flax.nnx.Optimizer(...)``). Lines
    stay where they are. None if the program has no such import or the respelling would be ambiguous."""
    lines = source.splitlines(keepends=True)
    for pattern, module, name in MODULES:
        rows = [i for i, line in enumerate(lines) if re.match(pattern, line.rstrip("\r\n"))]
        if len(rows) != 1:
            continue
        uses = _uses(source, name)
        if not uses:
            continue
        attrs = sorted({attr for _, _, attr in uses})
        words = set(re.findall(r"\w+", re.sub(rf"\b{name}\.\w+", "", source)))
        if style == "member" and words & set(attrs):
            continue  # a name the program already uses otherwise
        for (row, col), (_, end), attr in reversed(uses):
            line = lines[row - 1]
            new = attr if style == "member" else f"{module}.{attr}"
            lines[row - 1] = line[:col] + new + line[end:]
        ending = lines[rows[0]][len(lines[rows[0]].rstrip("\r\n")):]
        head = f"from {module} import {', '.join(attrs)}" if style == "member" else "import flax"
        lines[rows[0]] = head + ending
        return "".join(lines)
    return None
