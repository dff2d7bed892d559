"""The validated catalog, pickled per set of rule files, so that a flake8 run in an editor does not re-read and
re-validate ~100 YAML files (about 0.5 s) on every save.

The key hashes the bytes of every rule file and of this package's modules, and the Python version, so any edit to
a rule file (bundled or a team's) or to the loader builds and validates the catalog afresh.
``FLAKE8_FLAX_CACHE_DIR`` moves the cache; an unwritable cache directory only costs the speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

KEEP = 8  # catalogs kept: one per set of rule files in use (bundled, a team's, a rule being edited)


def cache_dir() -> Path:
    if os.environ.get("FLAKE8_FLAX_CACHE_DIR"):
        return Path(os.environ["FLAKE8_FLAX_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flake8-flax"


def fingerprint(directories: list[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    files = sorted(Path(__file__).parent.glob("*.py")) + sorted(Path(__file__).parent.glob("*.yml"))
    for directory in directories:
        files += sorted(directory.rglob("*.yml"))
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def load(key: str) -> Any | None:
    try:
        with open(cache_dir() / f"catalog-{key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # absent, truncated or from an incompatible build: rebuild
        return None


def store(key: str, value: Any) -> None:
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, directory / f"catalog-{key}.pickle")
        for old in sorted(directory.glob("catalog-*.pickle"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink()
    except OSError:
        pass
