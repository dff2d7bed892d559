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


class SourceError(Exception):
    """A file that cannot be read as Python source (binary, undecodable, broken notebook)."""


@dataclass
class Unit:
    """One piece of Python text to lint: a whole file, or one notebook code cell (``cell`` is 1-based)."""

    path: Path
    text: str
    cell: int | None = None


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
    if lines and lines[0].lstrip().startswith("%%"):
        return ""  # a cell magic makes the whole cell non-Python
    out = []
    for i, line in enumerate(lines):
        if MAGIC_RE.match(line):
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


def read_units(path: Path) -> list[Unit]:
    data = path.read_bytes()
    if path.suffix != ".ipynb":
        return [Unit(path, decode(data, path))]
    try:
        notebook = json.loads(data.decode("utf-8"))
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{path}: not a readable notebook: {exc}") from None
    units = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            units.append(Unit(path, mask_magics(text), cell=number))
    return units


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


def notebook_with_cells(path: Path, new_cells: dict[int, str]) -> bytes:
    """The notebook's JSON with the given code cells' sources replaced (nbformat's own layout)."""
    raw = path.read_bytes().decode("utf-8")
    notebook = json.loads(raw)
    for number, masked in new_cells.items():
        cell = notebook["cells"][number - 1]
        source = cell.get("source", "")
        original = "".join(source) if isinstance(source, list) else source
        text = unmask_magics(masked, original)
        cell["source"] = text.splitlines(keepends=True) if isinstance(source, list) else text
    indent = 1
    match = re.search(r"\n( +)\"", raw)
    if match:
        indent = len(match.group(1))
    trailing = "\n" if raw.endswith("\n") else ""
    return (json.dumps(notebook, indent=indent, ensure_ascii=False) + trailing).encode("utf-8")
