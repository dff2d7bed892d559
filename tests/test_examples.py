"""A migration you can watch: each legacy program in ``examples/`` whose findings all have a mechanical fix is
fixed by the installed ``flake8-flax fix --unsafe-fixes`` on a copy and then runs on the pinned JAX/Flax."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["flake8-flax", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _findings(path: Path) -> list[dict]:
    return json.loads(_cli("check", "--format", "json", str(path), cwd=ROOT).stdout)


EXAMPLES = sorted(ROOT.glob("examples/*.py"))
FIXABLE = [p for p in EXAMPLES if all(f["fix_safety"] != "none" for f in _findings(p))]


def test_every_example_has_findings_and_at_least_two_are_fully_fixable():
    assert all(_findings(p) for p in EXAMPLES)
    assert len(FIXABLE) >= 2, FIXABLE


@pytest.mark.slow
@pytest.mark.parametrize("example", FIXABLE, ids=lambda p: p.name)
def test_fixed_example_runs_on_the_pinned_versions(example, tmp_path):
    copy = tmp_path / example.name
    shutil.copy(example, copy)
    old = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, timeout=600)
    assert old.returncode != 0, "the legacy program should not run on today's Flax"
    fix = _cli("fix", "--unsafe-fixes", copy.name, cwd=tmp_path)
    assert fix.returncode == 0, fix.stderr
    assert copy.read_text() != example.read_text()
    assert _cli("check", copy.name, cwd=tmp_path).returncode == 0
    new = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", str(copy)], capture_output=True,
                         text=True, timeout=600)
    assert new.returncode == 0, new.stderr[-3000:]
    assert new.stdout.strip()  # the examples print their results and assert them (a loss that goes down)
