"""``# noqa`` for our own command, decided by flake8's own code (its line reading, its map from a line to the
physical lines of its statement, its ``Violation.is_inline_ignored``), so that the two cannot drift."""

from __future__ import annotations

import argparse
import io

from flake8 import defaults
from flake8.processor import FileProcessor
from flake8.violation import Violation

# The FileProcessor options that its noqa mapping never reads, but its constructor does.
_OPTIONS = argparse.Namespace(hang_closing=False, indent_size=4, max_line_length=79, max_doc_length=None,
                              verbose=0, disable_noqa=False, stdin_display_name="stdin")


def flake8_lines(text: str) -> list[str]:
    """The lines flake8 reads from a file: universal newlines (``\\r\\n``, ``\\r``, ``\\n``) become ``\\n``; form
    feeds, U+2028 and the other characters that ``str.splitlines`` also splits on stay inside a line."""
    return io.StringIO(text, newline=None).readlines()


def file_is_ignored(text: str) -> bool:
    """A line that starts with ``# flake8: noqa`` ignores the whole file."""
    return any(defaults.NOQA_FILE.match(line) for line in flake8_lines(text))


class NoqaFilter:
    """Tell whether a finding of ``code`` at (1-based line, 0-based column) of ``text`` is suppressed inline.
    Lines are Python's and flake8's: a lone ``\\r`` ends one (the engine parses ``comments.for_ast_grep(text)``
    so that ast-grep counts them so too)."""

    def __init__(self, text: str):
        self._processor: FileProcessor | None = None
        self._text = text

    def suppressed(self, line: int, col: int, code: str) -> bool:
        if self._processor is None:  # tokenizes only for a file that has findings
            self._processor = FileProcessor("-", _OPTIONS, lines=flake8_lines(self._text))
        lines = self._processor.lines
        physical = self._processor.noqa_line_for(line)
        if physical is None:
            physical = lines[line - 1] if 0 < line <= len(lines) else ""
        return Violation(code, "-", line, col, "", physical).is_inline_ignored(disable_noqa=False)
