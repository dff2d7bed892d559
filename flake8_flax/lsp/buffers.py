"""Editor documents as the engine sees them: one Python text per file or notebook, mapped back to LSP positions
and turned into minimal edits. No pygls here, only text."""

from __future__ import annotations

import bisect
import difflib
import io
import os
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

from flake8 import defaults

from flake8_flax.sources import CELL, CELL_RE, mask_magics, unmask_magics

LSP_BREAK = re.compile(r"\r\n|\r|\n")  # LSP's line ends; str.splitlines also splits on \f, \x85, U+2028...
Span = tuple[int, int, str]  # replace text[start:end] by the string


def newline_starts(text: str) -> list[int]:
    """Offsets where lines start when only ``\\n`` ends a line (ast-grep's and tokenize's line numbers)."""
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


class Positions:
    """Character offsets into one document's text as LSP (line, character) in the negotiated code units."""

    def __init__(self, text: str, units: Callable[[str], int]):
        self.text = text
        self.units = units  # code units of a string: UTF-16 unless the client chose otherwise
        self.starts = [0] + [m.end() for m in LSP_BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, self.units(self.text[self.starts[line] : offset])


@dataclass(frozen=True)
class Part:
    """One editor document: a file, or one code cell of a notebook."""

    uri: str
    version: int | None
    text: str


class Buffer:
    """The Python text the engine lints: a file without its BOM, or a notebook's code cells joined in order
    behind ``CELL`` marker lines (magics masked), as ``flake8-flax check`` reads a notebook."""

    def __init__(self, parts: list[Part], notebook: bool):
        self.parts = parts
        self.notebook = notebook
        if notebook:
            pieces = []
            for number, part in enumerate(parts, start=1):
                code = mask_magics(part.text)
                pieces.append(CELL.format(number) + code + ("" if code.endswith("\n") or not code else "\n"))
            self.text = "".join(pieces)
        else:
            self.bom = 1 if parts[0].text.startswith("\ufeff") else 0
            self.text = parts[0].text[self.bom :]
        self.lines = newline_starts(self.text)
        self.bodies = [self.text.index("\n", m.start()) + 1 for m in CELL_RE.finditer(self.text)]  # cell starts

    def line_offset(self, line: int, col: int) -> int:
        """Offset of a 1-based line (``\\n``-counted) and 0-based character column."""
        return self.lines[min(line, len(self.lines)) - 1] + col

    def locate(self, offset: int) -> tuple[int, int]:
        """(part index, offset in that part's text) of an offset into :attr:`text`."""
        if not self.notebook:
            return 0, offset + self.bom
        index = max(bisect.bisect_right(self.bodies, offset) - 1, 0)
        offset = max(offset, self.bodies[index])
        line = self.text.count("\n", self.bodies[index], offset)
        col = offset - self.lines[bisect.bisect_right(self.lines, offset) - 1]
        own = self.parts[index].text
        starts = newline_starts(own)
        if line >= len(starts):
            return index, len(own)
        line_end = own.find("\n", starts[line])
        return index, min(starts[line] + col, len(own) if line_end == -1 else line_end)

    def split(self, new_text: str) -> list[str]:
        """Each part's text after the whole buffer became ``new_text`` (lines put above the first cell join it)."""
        if not self.notebook:
            return [self.parts[0].text[: self.bom] + new_text]
        texts = [part.text for part in self.parts]
        pieces = CELL_RE.split(new_text)
        head = pieces[0]
        for number, code in zip(pieces[1::2], pieces[2::2]):
            index = int(number) - 1
            if not 0 <= index < len(texts):
                continue
            original = self.parts[index].text
            code, head = head + code[1:], ""
            if not original.endswith("\n") and code.endswith("\n"):
                code = code[:-1]
            texts[index] = unmask_magics(code, original)
        return texts

    def edits(self, new_text: str) -> dict[int, list[Span]]:
        """Minimal edits per changed part that turn the buffer into ``new_text``."""
        changed = {}
        for index, (part, text) in enumerate(zip(self.parts, self.split(new_text))):
            if text != part.text:
                changed[index] = minimal_edits(part.text, text)
        return changed


def minimal_edits(old: str, new: str) -> list[Span]:
    """Line diff, then each changed block trimmed to the characters that differ."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    spans = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        start, end = offsets[i1], offsets[i2]
        before, after = old[start:end], "".join(b[j1:j2])
        head = len(os.path.commonprefix([before, after]))
        tail = len(os.path.commonprefix([before[head:][::-1], after[head:][::-1]]))
        spans.append((start + head, end - tail, after[head : len(after) - tail]))
    return spans


def with_noqa(text: str, line: int, code: str) -> str | None:
    """``text`` with ``code`` added to the ``# noqa:`` of the (1-based) line's token run, or such a comment put
    at the run's end (after any comment): where flake8 and our noqa filter look. None when tokenize fails first."""
    low = None
    comments = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            low = tok.start[0] if low is None else low
            if tok.type == tokenize.COMMENT:
                comments.append(tok)
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                if low <= line <= tok.start[0]:
                    return _add_code(text, comments, tok, code)
                low, comments = None, []
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _add_code(text: str, comments: list[tokenize.TokenInfo], end: tokenize.TokenInfo, code: str) -> str:
    starts = newline_starts(text)
    for tok in comments:
        match = defaults.NOQA_INLINE_REGEXP.search(tok.string)
        if match and match.group("codes"):
            at = starts[tok.start[0] - 1] + tok.start[1] + match.start("codes") + len(
                match.group("codes").rstrip(", \t"))
            return text[:at] + "," + code + text[at:]
    at = starts[end.start[0] - 1] + end.start[1]
    return text[:at] + f"  # noqa: {code}" + text[at:]
