"""Read the files the command works on: Python files and Jupyter notebooks, written back atomically."""

from __future__ import annotations

import fnmatch
import io
import json
import os
import re
import tempfile
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EXCLUDE = (".git", "__pycache__", ".venv", "venv", ".tox", ".nox", "build", "dist", "*.egg-info",
                   ".ipynb_checkpoints", "node_modules")
MAGIC_RE = re.compile(r"^\s*[%!]|^\s*\w+\s*=\s*!")
PLACEHOLDER = "# flake8-flax: magic line {}"
PLACEHOLDER_RE = re.compile(r"^# flake8-flax: magic line (\d+)$")
CELL = "# flake8-flax: cell {}\n"
CELL_RE = re.compile(r"^# flake8-flax: cell (\d+)$", re.M)


class SourceError(Exception):
    """A file that cannot be read as Python source (binary, undecodable, broken notebook)."""


@dataclass
class Unit:
    """The Python text of one file. A notebook's code cells are joined into one text (they share one
    namespace, so an import in one cell counts in the next), each cell after a ``CELL`` marker line."""

    path: Path
    text: str
    notebook: bool = False

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


def iter_files(paths: list[str], exclude: tuple[str, ...] = ()) -> Iterator[Path]:
    """Python files and notebooks under ``paths``, skipping excluded names and globs."""
    patterns = DEFAULT_EXCLUDE + tuple(exclude)

    def excluded(path: Path) -> bool:
        return any(fnmatch.fnmatch(path.name, pat) or fnmatch.fnmatch(str(path), pat) for pat in patterns)

    for name in paths:
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not excluded(Path(root, d)))
                for file in sorted(files):
                    candidate = Path(root, file)
                    if candidate.suffix in (".py", ".pyi", ".ipynb") and not excluded(candidate):
                        yield candidate
        elif path.exists():
            yield path
        else:
            raise SourceError(f"{name}: no such file or directory")


def decode(data: bytes, path: Path) -> str:
    """Decode Python source as Python does (coding cookie, BOM kept as text)."""
    if b"\0" in data:
        raise SourceError(f"{path}: binary file, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: cannot decode: {exc}") from None


def encoding_of(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8" if encoding == "utf-8-sig" else encoding


def mask_magics(text: str) -> str:
    """Replace IPython magics and shell lines by numbered comments so the cell parses as Python."""
    lines = text.splitlines(keepends=True)
    cell_magic = bool(lines) and lines[0].lstrip().startswith("%%")  # the whole cell is not Python
    out = []
    for i, line in enumerate(lines):
        if cell_magic or MAGIC_RE.match(line):
            ending = line[len(line.rstrip("\r\n")):]
            out.append(PLACEHOLDER.format(i) + ending)
        else:
            out.append(line)
    return "".join(out)


def unmask_magics(masked: str, original: str) -> str:
    originals = original.splitlines(keepends=True)
    out = []
    for line in masked.splitlines(keepends=True):
        match = PLACEHOLDER_RE.match(line.rstrip("\r\n"))
        out.append(originals[int(match.group(1))] if match else line)
    return "".join(out)


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def read_unit(path: Path) -> Unit:
    data = path.read_bytes()
    if path.suffix != ".ipynb":
        return Unit(path, decode(data, path))
    try:
        cells = json.loads(data.decode("utf-8"))["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{path}: not a readable notebook: {exc}") from None
    parts = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "code":
            code = mask_magics(_cell_text(cell))
            parts.append(CELL.format(number) + code + ("" if code.endswith("\n") or not code else "\n"))
    return Unit(path, "".join(parts), notebook=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory and rename it over ``path``, keeping the mode."""
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def notebook_with_text(path: Path, text: str) -> bytes:
    """The notebook's JSON with its code cells taken from a fixed joined ``text`` (nbformat's own layout)."""
    raw = path.read_bytes().decode("utf-8")
    notebook = json.loads(raw)
    pieces = CELL_RE.split(text)
    head, rest = pieces[0], pieces[1:]
    for number, code in zip(rest[::2], rest[1::2]):
        cell = notebook["cells"][int(number) - 1]
        original = _cell_text(cell)
        code = head + code[1:]  # lines a fix put above the first marker (new imports) join the first cell
        head = ""
        if not original.endswith("\n") and code.endswith("\n"):
            code = code[:-1]
        code = unmask_magics(code, original)
        if code != original:
            cell["source"] = code.splitlines(keepends=True) if isinstance(cell.get("source"), list) else code
    match = re.search(r"\n( +)\"", raw)
    indent = len(match.group(1)) if match else 1
    trailing = "\n" if raw.endswith("\n") else ""
    return (json.dumps(notebook, indent=indent, ensure_ascii=False) + trailing).encode("utf-8")
