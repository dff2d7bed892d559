"""Read the files the command works on (Python files and Jupyter notebooks) and write fixes back safely.

What ``fix`` promises (README, "Safety"): a file is written only when its bytes are still those that were read,
through a temporary file renamed over it (the target of a symbolic link, never the link), with its mode and
owner; read-only and hard-linked files are refused. A file, or a notebook cell, that Python cannot compile is
reported as E999 and never changed.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import stat
import sys
import tempfile
import time
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# IPython lines that are not Python: magics, shell escapes, `x = !cmd`, help (`obj?`, `?obj`)
MAGIC_RE = re.compile(r"^\s*[%!?]|^\s*\w+\s*=\s*[!%]|^\s*[\w.]+\?\??\s*$")
PLACEHOLDER = "# flake8-flax: magic line {}"
CELL_MAGIC_PLACEHOLDER = "# flake8-flax: cell magic line {}"  # first line of a cell that is not plain Python
PLACEHOLDER_RE = re.compile(r"^# flake8-flax: (?:cell )?magic line (\d+)$")
CELL = "# flake8-flax: cell {}\n"
CELL_RE = re.compile(r"^# flake8-flax: cell (\d+)$", re.M)
# Cell magics whose body is Python run in the notebook's namespace or a copy of it: their cells are linted.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
STALE_TMP_SECONDS = 600  # a temporary file older than this was left by a killed run


class SourceError(Exception):
    """A file that cannot be read or written (the message names it and says why)."""


@dataclass
class Unit:
    """The Python text of one file. A notebook's code cells are joined into one text (they share one
    namespace, so an import in one cell counts in the next), each cell after a ``CELL`` marker line."""

    path: Path
    text: str
    notebook: bool = False
    data: bytes | None = None  # the bytes read; the file is written only while it still holds them
    stdin: bool = False
    skipped: list[str] = field(default_factory=list)  # "cell 3: %%bash cell, not Python"
    broken: list[str] = field(default_factory=list)  # "2:13: E999 SyntaxError: invalid syntax" (cell-prefixed)

    def locate(self, line: int) -> tuple[int | None, int]:
        """(cell number, line within the cell) of a line of ``text``; (None, line) for a .py file."""
        if not self.notebook:
            return None, line
        cell, start = None, 1
        for match in CELL_RE.finditer(self.text):
            marker_line = self.text.count("\n", 0, match.start()) + 1
            if marker_line >= line:
                break
            cell, start = int(match.group(1)), marker_line + 1
        return cell, line - start + 1


def decode(data: bytes, path: Path) -> str:
    """Decode Python source as Python does (coding cookie, BOM kept as text)."""
    if b"\0" in data:
        raise SourceError(f"{path}: binary file, not Python source")
    try:
        return data.decode(encoding_of(data))
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: cannot decode: {exc}") from None


def encoding_of(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8" if encoding == "utf-8-sig" else encoding


def syntax_error(text: str, flags: int = 0) -> str | None:
    """``"line:col: E999 SyntaxError: message"`` (flake8's wording and position) when Python cannot compile
    ``text``, else None. Also for code too deeply nested for the compiler (RecursionError)."""
    try:
        compile(text.removeprefix("\ufeff"), "<file>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.lineno or 1}:{(exc.offset or 0) + 1}: E999 {type(exc).__name__}: {exc.args[0]}"
    except (RecursionError, MemoryError) as exc:
        return f"1:1: E999 {type(exc).__name__}: too deeply nested for Python to compile"
    except ValueError as exc:  # null bytes
        return f"1:1: E999 ValueError: {exc}"
    return None


def _lines(text: str) -> list[str]:
    """Lines ended by ``\\n`` only (``str.splitlines`` also splits on form feeds, U+2028 and others)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def cell_magic(text: str) -> str | None:
    """The name of the cell magic that opens a cell (``%%time`` -> ``time``), or None."""
    match = re.match(r"\s*%%(\S*)", text)
    return match.group(1) if match else None


def mask_magics(text: str, whole: bool = False) -> str:
    """Replace IPython magics and shell lines by numbered comments so the cell parses as Python.

    A cell whose cell magic runs something else than Python (``%%bash``) is masked whole, or any cell when
    ``whole``; lines that look like our own marker comments are masked too, so that user text cannot fake one.
    """
    lines = _lines(text)
    magic = cell_magic(text)
    whole = whole or (magic is not None and magic not in PYTHON_CELL_MAGICS)
    out = []
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if i == 0 and (magic is not None or whole):
            out.append(CELL_MAGIC_PLACEHOLDER.format(i) + line[len(body):])
        elif whole or MAGIC_RE.match(line) or PLACEHOLDER_RE.match(body) or CELL_RE.match(body):
            out.append(PLACEHOLDER.format(i) + line[len(body):])
        else:
            out.append(line)
    return "".join(out)


def unmask_magics(masked: str, original: str) -> str:
    originals = _lines(original)
    out = []
    for line in _lines(masked):
        match = PLACEHOLDER_RE.match(line.rstrip("\r\n"))
        out.append(originals[int(match.group(1))] if match else line)
    return "".join(out)


def import_floor(text: str) -> int:
    """Offset from which imports may be added to a joined notebook text: the start of the first plain Python
    cell (0 when there is none). A cell under a cell magic or skipped does not share the namespace for sure."""
    for match in CELL_RE.finditer(text):
        body = match.end() + 1
        if not text.startswith("# flake8-flax: cell magic line", body):
            return body
    return 0


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _notebook_cells(data: bytes, path: Path) -> list[dict]:
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SourceError(f"{path}: not a readable notebook: {exc}") from None
    if not isinstance(notebook, dict):
        raise SourceError(f"{path}: not a notebook: the JSON is not an object")
    if notebook.get("nbformat", 4) != 4 or "worksheets" in notebook:
        raise SourceError(f"{path}: nbformat {notebook.get('nbformat')} notebook; only nbformat 4 is read "
                          "(convert it: jupyter nbconvert --to notebook --nbformat 4)")
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SourceError(f"{path}: not a notebook: 'cells' is not a list")
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise SourceError(f"{path}: not a notebook: cell {number} is not an object with a text 'source'")
    return cells


def _read_bytes(path: Path) -> bytes:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            os.listdir(path)  # raises why a directory given or found could not be walked
            raise SourceError(f"{path}: is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{path}: not a regular file (use - for standard input)")
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if os.path.islink(path) and isinstance(exc, FileNotFoundError):
            reason = "dangling symbolic link"
        raise SourceError(f"{path}: cannot read: {reason}") from None


def read_unit(path: Path, stdin_name: str = "stdin") -> Unit:
    """The unit of a file, or of standard input when ``path`` is ``-`` (shown as ``stdin_name``)."""
    stdin = str(path) == "-"
    data = sys.stdin.buffer.read() if stdin else _read_bytes(path)
    if stdin:
        path = Path(stdin_name)
    if path.suffix != ".ipynb":
        text = decode(data, path)
        problem = syntax_error(text)
        return Unit(path, text, data=data, stdin=stdin, broken=[problem] if problem else [])
    unit = Unit(path, "", notebook=True, data=data, stdin=stdin)
    parts = []
    for number, cell in enumerate(_notebook_cells(data, path), start=1):
        if cell.get("cell_type") != "code":
            continue
        original = _cell_text(cell)
        code = mask_magics(original)
        magic = cell_magic(original)
        if magic is not None and magic not in PYTHON_CELL_MAGICS:
            unit.skipped.append(f"cell {number}: skipped, a %%{magic} cell is not Python")
        else:
            problem = syntax_error(code, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            if problem:
                unit.broken.append(f"cell {number}:{problem}")
                code = mask_magics(original, whole=True)
        parts.append(CELL.format(number) + code + ("" if code.endswith("\n") or not code else "\n"))
    unit.text = "".join(parts)
    return unit


def _json_spans(raw: str) -> list[tuple[int, int] | None]:
    """Where each cell's ``"source"`` value lies in a notebook's JSON text (None for a cell without one)."""
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")

    def skip(at: int) -> int:
        return space.match(raw, at).end()

    def members(at: int) -> Iterator[tuple[str, int, int]]:  # (key, value start, value end) of an object
        at = skip(at + 1)
        while raw[at] != "}":
            key, at = json.decoder.scanstring(raw, at + 1)
            start = skip(skip(at) + 1)
            _, end = decoder.raw_decode(raw, start)
            yield key, start, end
            at = skip(end)
            at = skip(at + 1) if raw[at] == "," else at

    for key, start, _ in members(skip(0)):
        if key != "cells":
            continue
        spans: list[tuple[int, int] | None] = []
        at = skip(start + 1)
        while raw[at] != "]":
            _, end = decoder.raw_decode(raw, at)
            spans.append(next(((s, e) for k, s, e in members(at) if k == "source"), None))
            at = skip(end)
            at = skip(at + 1) if raw[at] == "," else at
        return spans
    return []


def notebook_with_text(unit: Unit, text: str) -> bytes:
    """The notebook's bytes with its code cells taken from a fixed joined ``text``: only the ``source`` values of
    changed cells are rewritten, in the layout nbformat uses; every other byte is kept."""
    raw = unit.data.decode("utf-8")
    cells = json.loads(raw)["cells"]
    spans = _json_spans(raw)
    pieces = CELL_RE.split(text)
    indent_match = re.search(r"\n( +)\"", raw)
    indent = len(indent_match.group(1)) if indent_match else 1
    replaced = []
    head = pieces[0]  # nothing is put above the first marker, but if it were, it would join the first cell
    for number, code in zip(pieces[1::2], pieces[2::2]):
        index = int(number) - 1
        cell, original = cells[index], _cell_text(cells[index])
        code, head = head + code[1:], ""
        if not original.endswith("\n") and code.endswith("\n"):
            code = code[:-1]
        code = unmask_magics(code, original)
        if code == original:
            continue
        start, end = spans[index]
        if isinstance(cell["source"], list):
            value = json.dumps(code.splitlines(keepends=True), ensure_ascii=False,
                               indent=indent if "\n" in raw[start:end] else None)
            line_start = raw.rfind("\n", 0, start) + 1
            value = value.replace("\n", "\n" + re.match(r"[ \t]*", raw[line_start:]).group(0))
        else:
            value = json.dumps(code, ensure_ascii=False)
        replaced.append((start, end, value))
    for start, end, value in reversed(replaced):
        raw = raw[:start] + value + raw[end:]
    return raw.encode("utf-8")


def encode(unit: Unit, text: str) -> bytes:
    """The bytes of ``unit`` after its text became ``text``. Raises SourceError when they would not read back
    as the same text with the file's own encoding."""
    if unit.notebook:
        return notebook_with_text(unit, text)
    encoding = encoding_of(unit.data)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(f"{unit.path}: the fixed code cannot be written in the file's encoding "
                          f"({encoding}: {exc.reason}); not fixed") from None
    try:
        same = data.decode(encoding_of(data)) == text
    except (SyntaxError, UnicodeDecodeError, LookupError):
        same = False
    if not same:
        raise SourceError(f"{unit.path}: the fixed code would not decode as {encoding}; not fixed")
    return data


def write_back(unit: Unit, data: bytes) -> Path:
    """Replace the file ``unit`` was read from by ``data`` and return the path written (a symbolic link's
    target). Refuses read-only and hard-linked files, files that changed since they were read and files whose
    owner cannot be kept. Atomic: a temporary file in the same directory, renamed over the target."""
    target = Path(os.path.realpath(unit.path))
    try:
        info = os.stat(target)
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise SourceError(f"{unit.path}: read-only file; not fixed")
        if info.st_nlink > 1:
            raise SourceError(f"{unit.path}: has {info.st_nlink} hard links, which a rewrite would split; not fixed")
        _remove_stale(target)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise SourceError(f"{unit.path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, stat.S_IMODE(info.st_mode))
        made = os.stat(tmp)
        if (info.st_uid, info.st_gid) != (made.st_uid, made.st_gid):
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except PermissionError:
                raise SourceError(f"{unit.path}: owned by another user or group, which a rewrite would "
                                  "change; not fixed") from None
        if target.read_bytes() != unit.data:
            raise SourceError(f"{unit.path}: changed on disk since it was read; not fixed (run again)")
        os.replace(tmp, target)
    except OSError as exc:
        raise SourceError(f"{unit.path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _remove_stale(target: Path) -> None:
    """Delete temporary files of ``target`` that a killed run left behind."""
    escaped = re.sub(r"([*?[])", r"[\1]", target.name)  # a glob character in the name matches itself
    for old in target.parent.glob(f".{escaped}.*.tmp"):
        try:
            if time.time() - old.lstat().st_mtime > STALE_TMP_SECONDS:
                old.unlink()
        except OSError:
            pass
