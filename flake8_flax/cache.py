"""The validated catalog, pickled per set of rule files, so that a flake8 run in an editor does not re-read and
re-validate ~100 YAML files (about 0.5 s) on every save.

A catalog is fresh while every file it was built from (the rule files, bundled or a team's, and this package's
modules) keeps its path, size and modification time, for the same Python and package version: a stat of each file,
not a read, so checking costs an editor run about a millisecond. The full key is stored with the catalog and compared
on load. ``FLAKE8_FLAX_CACHE_DIR`` moves the cache; an unwritable cache directory only costs the speed.
"""

from __future__ import annotations

import binascii
import gc
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from flake8_flax import __version__

KEEP = 16  # files kept: a full and a lean catalog per set of rule files in use (bundled, a team's, one being edited)


def cache_dir() -> Path:
    if os.environ.get("FLAKE8_FLAX_CACHE_DIR"):
        return Path(os.environ["FLAKE8_FLAX_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flake8-flax"


def fingerprint(directories: list[Path]) -> str:
    """Every file the catalog is built from, with its size and modification time (raises OSError)."""
    lines = [sys.version, __version__]
    _stat_lines(str(Path(__file__).parent), (".py", ".yml"), False, lines)
    for directory in directories:
        _stat_lines(str(directory), (".yml",), True, lines)
    return "\n".join(lines)


def _stat_lines(directory: str, suffixes: tuple[str, ...], deep: bool, lines: list[str]) -> None:
    """``path, size, mtime`` of the files with those suffixes, sorted (os.scandir: the start-up of every run)."""
    with os.scandir(directory) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if deep and entry.is_dir():
            _stat_lines(entry.path, suffixes, deep, lines)
        elif entry.name.endswith(suffixes) and entry.is_file():
            stat = entry.stat()
            lines.append(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}")


def _path(kind: str, key: str) -> Path:
    data = key.encode("utf-8", "surrogateescape")
    return cache_dir() / f"{kind}-{binascii.crc32(data):08x}{binascii.crc_hqx(data, 0):04x}{len(data):x}.pickle"


def load(kind: str, key: str) -> Any | None:
    collecting = gc.isenabled()
    gc.disable()  # (else the collector walks the objects as they arrive: the lean catalog 0.66-0.71 vs 0.75-0.78 ms)
    try:
        with open(_path(kind, key), "rb") as handle:
            stored_key, value = pickle.load(handle)
    except Exception:  # absent, truncated or from an incompatible build: rebuild
        return None
    finally:
        if collecting:
            gc.enable()
    return value if stored_key == key else None


def store(kind: str, key: str, value: Any) -> None:
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False) as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, _path(kind, key))
        for old in sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink()
    except OSError:
        pass
