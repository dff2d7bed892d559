"""``# noqa`` handling for our own command, identical to flake8's (same regexes, same line mapping)."""

from __future__ import annotations

import io
import tokenize

from flake8 import defaults


def file_is_ignored(lines: list[str]) -> bool:
    """A line that starts with ``# flake8: noqa`` ignores the whole file."""
    return any(defaults.NOQA_FILE.match(line) for line in lines)


def _statement_lines(lines: list[str]) -> dict[int, str]:
    """Map each line to the text of the whole (possibly multi-line) token run it belongs to, as flake8 does."""
    mapping: dict[int, str] = {}
    low, high = len(lines) + 2, -1
    try:
        for tok in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            low, high = min(low, tok.start[0]), max(high, tok.end[0])
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[low - 1 : high])
                mapping.update(dict.fromkeys(range(low, high + 1), joined))
                low, high = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {}
    return mapping


class NoqaFilter:
    """Tell whether a finding of ``code`` on ``line`` (1-based) is suppressed inline."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self._mapping: dict[int, str] | None = None

    def suppressed(self, line: int, code: str) -> bool:
        if self._mapping is None:
            self._mapping = _statement_lines(self.lines)
        physical = self._mapping.get(line)
        if physical is None:
            physical = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        match = defaults.NOQA_INLINE_REGEXP.search(physical)
        if match is None:
            return False
        codes = match.group("codes")
        if codes is None:
            return True
        wanted = {c for c in codes.replace(",", " ").split() if c}
        return code in wanted or code.startswith(tuple(wanted))
