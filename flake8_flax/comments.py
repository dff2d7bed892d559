"""The text ast-grep parses: the file with its comments blanked and its lone carriage returns made newlines.

ast-grep-py 0.51's parse is quadratic in a block of comment lines that follows code (4,000 trailing comment lines:
seconds; see docs/upstream/ast-grep-comment-parse.md). Rules never match comments, so the engine parses a copy of
the file whose comments are spaces. And tree-sitter ends a line (and a comment) only at ``\\n`` where Python also
ends one at a lone ``\\r``. Every character offset stays the same.
"""

from __future__ import annotations

import re

LONE_CR = r"\r(?!\n)"
LINE_END = re.compile(r"\r\n?|\n")  # how Python counts lines (a form feed or U+2028 ends none)
BLOCK = 20  # consecutive comment-only lines from which a block is blanked before parsing
# What a block needs, in "\n" + source, found faster than its comments: a line that starts with '#', then {n} more '#',
# each after the rest of a line and blanks ("(?=(x))\1" takes all of x, never less, so a failed try never backtracks).
_BLOCK_START = r"\n[ \t\f]*#(?:(?=([^\r\n]*))\1(?=(\s*))\2#){%d}"

# One regular expression finds string literals (skipped, so a '#' inside one is kept) and comments, in one C-speed
# pass; the tokenize module gives the same comments but is about 3x slower than the parse it is meant to speed up.
# Every branch starts with a literal character, so that re skips ahead to the next quote or '#'. Compiled on first use
# (re keeps it): a file without Flax names is never parsed.
_TOKENS = r"""(?xs)
      '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
    | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
    | '[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'
    | "[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"
    | \#(?P<comment>[^\r\n]*)
"""


def blank_comments(source: str) -> str:
    """``source`` with each comment (from ``#`` to the end of its line) replaced by as many spaces.

    Strings are skipped, so a ``#`` inside one is kept. On text that is not valid Python an unterminated quote
    can make a later ``#`` count as a comment; the result is still the same length, line for line.
    """
    pieces: list[str] = []
    last = 0
    for match in re.finditer(_TOKENS, source):
        if match.lastgroup != "comment":
            continue
        start, end = match.span()
        pieces += (source[last:start], " " * (end - start))
        last = end
    if not pieces:
        return source
    pieces.append(source[last:])
    return "".join(pieces)


def blank_comment_blocks(source: str, run: int = BLOCK) -> str:
    """``source`` with the comments of each run of at least ``run`` consecutive comment-only lines blanked: those
    runs are what makes the parse quadratic. Other comments stay, so rules that look at comment nodes (a call with a
    comment among its arguments gets no fix) still see them."""
    if run > 1 and not re.search(_BLOCK_START % (run - 1), "\n" + source):
        return source
    lines = []
    for match in re.finditer(_TOKENS, source):
        if match.lastgroup != "comment":
            continue
        begin, end = match.span()
        line_start = source.rfind("\n", 0, begin) + 1
        if source[line_start:begin].strip(" \t\f"):
            continue  # a comment after code
        lines.append((begin, end))
    pieces, last, i = [], 0, 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and not source[lines[j][1]:lines[j + 1][0]].strip():
            j += 1
        if j - i + 1 >= run:
            for begin, end in lines[i:j + 1]:
                pieces += (source[last:begin], " " * (end - begin))
                last = end
        i = j + 1
    if not pieces:
        return source
    pieces.append(source[last:])
    return "".join(pieces)


def for_ast_grep(source: str) -> str:
    """The text the engine parses: long comment blocks blanked (``blank_comment_blocks``) and each lone ``\r`` made
    a ``\n``, so that tree-sitter sees Python's lines (line numbers then match flake8's too). Same length; take only
    offsets from the result, never text."""
    return re.sub(LONE_CR, "\n", blank_comment_blocks(source))


def line_starts(text: str) -> list[int]:
    """The offset at which each of Python's lines of ``text`` starts."""
    if "\r" in text:
        return [0] + [match.end() for match in LINE_END.finditer(text)]
    starts, at = [0], text.find("\n")
    while at >= 0:  # (about twice as fast as the regular expression)
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts
