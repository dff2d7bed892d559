"""The on-disk findings cache (flake8_flax/results.py): hits give the same findings, any change of text, settings or
rules misses, broken entries are ignored, parallel writers leave whole entries, and the switches work."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_flax.engine import lint
from flake8_flax.results import Results, open_results, prune

ROOT = Path(__file__).resolve().parent.parent
SOURCE = textwrap.dedent("""\
    from flax import nnx
    import optax

    optimizer = nnx.Optimizer(model, optax.sgd(0.1))
""")


class Counting:
    """The plugin's rows for a text, counting how often it really lints."""

    def __init__(self, catalog):
        self.catalog, self.calls = catalog, 0

    def __call__(self, source: str) -> list[tuple[int, int, str]]:
        self.calls += 1
        return [(f.line, f.col, f"{f.code} {f.text}") for f in lint(source, self.catalog, {}, lambda rule: True)]


def test_a_hit_returns_the_same_rows_without_linting(tmp_path, catalog):
    cache, compute = Results(tmp_path, "settings"), Counting(catalog)
    first = cache.rows(SOURCE, compute)
    assert first and first[0][2].startswith("FLX201 ")
    assert cache.rows(SOURCE, compute) == first
    assert compute.calls == 1
    assert Results(tmp_path, "settings").rows(SOURCE, compute) == first and compute.calls == 1  # another process
    clean = "from flax import nnx\n"
    assert cache.rows(clean, compute) == [] and cache.rows(clean, compute) == [] and compute.calls == 2


def test_other_text_or_settings_miss(tmp_path, catalog):
    compute = Counting(catalog)
    Results(tmp_path, "settings").rows(SOURCE, compute)
    Results(tmp_path, "settings").rows(SOURCE + "\n", compute)
    Results(tmp_path, "other settings").rows(SOURCE, compute)
    assert compute.calls == 3
    assert len(list(tmp_path.glob("*.json"))) == 3


def settings_of(monkeypatch, tmp_path, **changes) -> str:
    monkeypatch.setenv("FLAKE8_FLAX_CACHE_DIR", str(tmp_path / "cache"))
    arguments = {"enabled": True, "extra_dirs": (), "rules": ["a", "b"], "targets": {"flax": (0, 12)}} | changes
    cache = open_results(**arguments)
    assert cache is not None and cache.directory == tmp_path / "cache" / "results"
    return cache.settings


def test_settings_name_the_rules_targets_and_every_rule_file(monkeypatch, tmp_path):
    extra = tmp_path / "team"
    extra.mkdir()
    (extra / "team.yml").write_text("id: one\n")
    base = settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),))
    assert settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),), rules=["b", "a"]) == base  # a set
    variants = [settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),), rules=["a"]),
                settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),), targets={"flax": (0, 11)}),
                settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),), targets={}),
                settings_of(monkeypatch, tmp_path)]
    (extra / "team.yml").write_text("id: two-two\n")  # a rule file edited: the catalog's fingerprint changes
    variants.append(settings_of(monkeypatch, tmp_path, extra_dirs=(str(extra),)))
    assert len({base, *variants}) == 1 + len(variants)


@pytest.mark.parametrize("entry", [
    b"", b"{", b"\xff\xfe", b"[]", b"null", b'{"key": "x", "rows": []}', b'{"rows": [[1, 2, "FLX201 x"]]}',
    b'{"key": "KEY", "rows": [[1, "2", "FLX201 x"]]}', b'{"key": "KEY", "rows": [[1, 2]]}',
    b'{"key": "KEY", "rows": {"a": 1}}', b'{"key": "KEY", "rows": [[true, 2, "x"]]}', b"[" * 100_000,
])
def test_a_broken_entry_is_ignored_and_rewritten(tmp_path, catalog, entry):
    cache, compute = Results(tmp_path, "settings"), Counting(catalog)
    expected = cache.rows(SOURCE, compute)
    (path,) = tmp_path.glob("*.json")
    path.write_bytes(entry.replace(b"KEY", path.stem.encode()))
    assert cache.rows(SOURCE, compute) == expected and compute.calls == 2
    assert json.loads(path.read_bytes()) == {"key": path.stem, "rows": [list(row) for row in expected]}


def _partial_entries(directory: Path) -> int:
    """Entries that do not read back whole right now (one vanishing meanwhile is fine)."""
    partial = 0
    for path in directory.glob("*.json"):
        try:
            json.loads(path.read_bytes())
        except FileNotFoundError:
            continue
        except ValueError:
            partial += 1
    return partial


def _hammer(directory: str, seed: int) -> tuple[list[list[tuple[int, int, str]]], int]:
    """Reads and writes of the same 40 entries; every third round this process deletes them all (prune with
    bound 0), so writers, readers and pruners of the same files overlap throughout. Returns the rows and how
    many partial entries it saw on the way."""
    cache = Results(Path(directory), "settings")
    texts = [f"x = {i}\n" * (1 + i % 7) for i in range(40)]
    out, partial = [], 0
    for round_ in range(30):
        if round_ % 3 == seed % 3:
            prune(Path(directory), keep=0, bound=0)
        for i in range(seed, seed + 40):
            out.append(cache.rows(texts[i % 40], lambda source: [(n, 0, f"FLX000 {source!r}") for n in range(1, 4)]))
            if i % 8 == 0:
                partial += _partial_entries(Path(directory))
    return out, partial


def test_parallel_writers_leave_only_whole_entries(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(_hammer, [(str(tmp_path), seed) for seed in range(4)])
    assert sum(len(rows) for rows, _ in results) == 4 * 30 * 40
    assert [partial for _, partial in results] == [0, 0, 0, 0]
    for rows_per_call, _ in results:
        for rows in rows_per_call:
            assert len(rows) == 3 and rows[0][2].startswith("FLX000 'x = ") and rows[0][:2] == (1, 0)
    entries = list(tmp_path.iterdir())
    assert entries and all(path.suffix == ".json" for path in entries)  # no temporary file left
    for path in entries:
        data = json.loads(path.read_bytes())
        assert data["key"] == path.stem and len(data["rows"]) == 3


def test_pruning_keeps_the_most_recently_used(tmp_path):
    for i in range(12):
        (tmp_path / f"{i:02}.json").write_text("{}")
        os.utime(tmp_path / f"{i:02}.json", (1000 + i, 1000 + i))
    (tmp_path / ".tmp-1-ab").write_text("")
    os.utime(tmp_path / ".tmp-1-ab", (1000, 1000))
    (tmp_path / ".tmp-2-cd").write_text("")  # a writer at work now
    prune(tmp_path, keep=5, bound=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-2-cd", "07.json", "08.json", "09.json", "10.json",
                                                          "11.json"]
    prune(tmp_path, keep=2, bound=10)  # within the bound: nothing goes
    assert len(list(tmp_path.iterdir())) == 6


def test_off_unless_asked_and_the_environment_wins(monkeypatch):
    monkeypatch.delenv("FLAKE8_FLAX_NO_CACHE", raising=False)
    assert open_results(False, (), [], {}) is None
    assert open_results(True, (), [], {}) is not None
    monkeypatch.setenv("FLAKE8_FLAX_NO_CACHE", "1")
    assert open_results(True, (), [], {}) is None


def flake8(*args: str, cwd: Path, cache: Path, **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "FLAKE8_FLAX_NO_CACHE"}
    environment |= {"FLAKE8_FLAX_CACHE_DIR": str(cache), **env}
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "FLX", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.splitlines()


def test_flake8_switches(tmp_path):
    """In real flake8 runs (-j 2 included): off by default; on from the option or the configuration; an entry
    is what a run reports (shown by planting one); --flax-no-cache and FLAKE8_FLAX_NO_CACHE=1 turn it off."""
    cache, results = tmp_path / "cache", tmp_path / "cache" / "results"
    (tmp_path / "m.py").write_text(SOURCE)
    found = flake8("m.py", cwd=tmp_path, cache=cache)
    assert len(found) == 1 and found[0].startswith("m.py:4:13: FLX201 ") and not results.exists()
    assert flake8("--flax-cache", "-j", "2", "m.py", cwd=tmp_path, cache=cache) == found
    (entry,) = results.iterdir()
    planted = json.loads(entry.read_text())
    planted["rows"][0][2] = "FLX201 from the cache"
    entry.write_text(json.dumps(planted))
    assert flake8("--flax-cache", "m.py", cwd=tmp_path, cache=cache) == ["m.py:4:13: FLX201 from the cache"]
    assert flake8("--flax-cache", "--flax-no-cache", "m.py", cwd=tmp_path, cache=cache) == found
    assert flake8("--flax-cache", "m.py", cwd=tmp_path, cache=cache, FLAKE8_FLAX_NO_CACHE="1") == found
    (tmp_path / "setup.cfg").write_text("[flake8]\nflax-cache = true\n")
    assert flake8("m.py", cwd=tmp_path, cache=cache) == ["m.py:4:13: FLX201 from the cache"]
    assert flake8("--flax-no-cache", "m.py", cwd=tmp_path, cache=cache) == found
    assert flake8("--extend-ignore", "FLX201", "m.py", cwd=tmp_path, cache=cache) == []  # other rules: a miss
    assert len(list(results.iterdir())) == 2
