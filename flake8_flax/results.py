"""The plugin's findings per file text, kept on disk (``--flax-cache``) for CI re-runs and pre-commit, as ruff does.

An entry's key hashes the text, the settings (the rules that run, the target versions), ast-grep-py's installed
files and the catalog's fingerprint (every rule file, bundled or a team's, and this package's modules): whatever
could change a finding changes the key, so an entry is never stale, only unused. One small JSON file per entry,
written under a per-process temporary name and renamed (``os.replace`` is atomic), so ``flake8 -j`` workers share
the cache without locks and never read half an entry; an entry that does not read back as rows for its own key is
ignored and rewritten. Hits refresh the entry's mtime; past ``MAX_ENTRIES`` the least recently used go.

Off by default: ``--flax-cache`` (or ``flax-cache = true`` in the flake8 configuration) turns it on,
``--flax-no-cache`` or ``FLAKE8_FLAX_NO_CACHE=1`` off. It costs a few ms CPU per process to open (2.4-6 ms
measured on a busy host: imports, the catalog's key and ast-grep-py's stamp) and ~0.09 ms per file missed, which
an editor linting unsaved text on every change would pay for nothing, and it writes an entry for every text it
sees.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

Row = tuple[int, int, str]  # line, column, "FLXnnn message; fix: hint": what the plugin yields
MAX_ENTRIES = 20_000  # ~80 MB of 4 KB blocks at most; a 1,000-file project re-linted with 20 settings fits
PRUNE_TO = 16_000  # pruning goes below the bound, so it runs rarely
STALE_TEMP = 3600.0  # seconds after which a temporary file is a crashed writer's


class Results:
    """Rows per file text under one set of settings (``settings`` is any string that names them)."""

    def __init__(self, directory: Path, settings: str):
        import hashlib

        self.directory = directory
        self.settings = hashlib.sha256(settings.encode("utf-8", "surrogateescape")).digest()

    def rows(self, source: str, compute: Callable[[str], list[Row]]) -> list[Row]:
        """``compute(source)``, from the cache when an entry for this text and these settings exists."""
        import hashlib

        digest = hashlib.sha256(self.settings + b"\0" + source.encode("utf-8", "surrogatepass")).hexdigest()
        path = self.directory / f"{digest}.json"
        found = _read(path, digest)
        if found is None:
            found = compute(source)
            self._write(path, digest, found)
        return found

    def _write(self, path: Path, digest: str, rows: list[Row]) -> None:
        import json

        temp = self.directory / f".tmp-{os.getpid()}-{digest}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temp.write_text(json.dumps({"key": digest, "rows": rows}), encoding="utf-8")
            os.replace(temp, path)
        except OSError:  # an unwritable cache only costs the speed
            temp.unlink(missing_ok=True)
            return
        if digest.startswith("00"):  # one write in 256 looks at the size
            prune(self.directory)


def _read(path: Path, digest: str) -> list[Row] | None:
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # absent, or not JSON (UnicodeDecodeError is a ValueError)
        return None
    rows = data.get("rows") if isinstance(data, dict) and data.get("key") == digest else None
    if not isinstance(rows, list) or not all(
            isinstance(row, list) and len(row) == 3 and type(row[0]) is int and type(row[1]) is int
            and isinstance(row[2], str) for row in rows):
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return [tuple(row) for row in rows]


def prune(directory: Path, keep: int = PRUNE_TO, bound: int = MAX_ENTRIES) -> None:
    """Past ``bound`` entries, delete the least recently used down to ``keep``; temporary files of crashed writers
    go too. Another process pruning at the same time only makes some deletions fail, which is fine."""
    import time

    entries, now = [], time.time()
    try:
        with os.scandir(directory) as items:
            for item in items:
                try:
                    mtime = item.stat().st_mtime
                    if item.name.startswith(".tmp-") and now - mtime > STALE_TEMP:
                        os.unlink(item.path)
                    elif item.name.endswith(".json"):
                        entries.append((mtime, item.path))
                except OSError:
                    continue
    except OSError:
        return
    if len(entries) > bound:
        for _, path in sorted(entries)[:len(entries) - keep]:
            try:
                os.unlink(path)
            except OSError:
                pass


def open_results(enabled: bool, extra_dirs: tuple[str, ...], rules: list[str],
                 targets: dict[str, tuple[int, ...]]) -> Results | None:
    """The cache for these settings (``rules``: the ids of the rules that run), or None when it is off."""
    if not enabled or os.environ.get("FLAKE8_FLAX_NO_CACHE", "") not in ("", "0"):
        return None
    import json

    from flake8_flax import cache
    from flake8_flax.catalog import catalog_key

    # the catalog's own key, which covers the rule files and this package's code
    settings = json.dumps([catalog_key(extra_dirs), _ast_grep_stamp(), sorted(rules), sorted(targets.items())])
    return Results(cache.cache_dir() / "results", settings)


def _ast_grep_stamp() -> list[tuple[str, int, int]]:
    """Name, size and mtime of ast-grep-py's files: another install changes them (``importlib.metadata.version``
    costs ~45 ms, importing the native library ~5 ms; this ~0.1 ms)."""
    from importlib.util import find_spec

    with os.scandir(find_spec("ast_grep_py").submodule_search_locations[0]) as items:
        return sorted((item.name, item.stat().st_size, item.stat().st_mtime_ns) for item in items if item.is_file())
