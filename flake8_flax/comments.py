"""The text ast-grep parses: the file with its comments blanked and its lone carriage returns made newlines.

ast-grep-py 0.51's parse is quadratic in a block of comment lines that follows code (4,000 trailing comment lines:
seconds; see docs/upstream/ast-grep-comment-parse.md). Rules never match comments, so the engine parses a copy of
the file whose comments are spaces. And tree-sitter ends a line (and a comment) only at ``\\n`` where Python also
ends one at a lone ``\\r``. Every character offset stays the same.
"""

from __future__ import annotations

import re

LONE_CR = re.compile(r"\r(?!\n)")

# One regular expression finds string literals (skipped, so a '#' inside one is kept) and comments, in one C-speed
# pass; the tokenize module gives the same comments but is about 3x slower than the parse it is meant to speed up.
_TOKENS = re.compile(
    r"""
      '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
    | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
    | '[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'
    | "[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"
    | (?P<comment>\#[^\r\n]*)
    """,
    re.VERBOSE | re.DOTALL,
)


def blank_comments(source: str) -> str:
    """``source`` with each comment (from ``#`` to the end of its line) replaced by as many spaces.

    Strings are skipped, so a ``#`` inside one is kept. On text that is not valid Python an unterminated quote
    can make a later ``#`` count as a comment; the result is still the same length, line for line.
    """
    pieces: list[str] = []
    last = 0
    for match in _TOKENS.finditer(source):
        start, end = match.span("comment")
        if start < 0:
            continue
        pieces += (source[last:start], " " * (end - start))
        last = end
    if not pieces:
        return source
    pieces.append(source[last:])
    return "".join(pieces)


def for_ast_grep(source: str) -> str:
    """``blank_comments(source)`` with each lone ``\\r`` replaced by ``\\n``, so that tree-sitter sees Python's lines
    (line numbers then match flake8's too). Same length; only take offsets from the result, never text."""
    return LONE_CR.sub("\\n", blank_comments(source))
