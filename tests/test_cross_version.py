"""Old code on the Flax it was written for and fixed code on today's Flax print the same results.

For every rule whose ``proof.written_for`` names the old release, and for the NNX-era examples: the deprecated
program runs on that release (a cached venv), ``flake8-flax fix --unsafe-fixes`` (our engine) ports it, the
result runs on the pinned versions, and the two outputs must be equal. A rule whose point is that the old code
was silently wrong states ``proof.differs: {old: ..., new: ...}`` and the test asserts that difference instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import oldenv
from flake8_flax.catalog import load_catalog
from flake8_flax.fixer import fix_source
from oldenv import CURRENT, old_python, run_with

ROOT = Path(__file__).resolve().parent.parent
NNX_010 = "flax==0.10.7 jax==0.6.2 jaxlib==0.6.2 optax==0.2.5"
CASES = {name: proof for name, (_, proof) in load_catalog().proofs().items() if proof.get("written_for")}
MUTABLE_ARRAYS = "flax==0.11.0 jax==0.7.0 jaxlib==0.7.0 optax==0.2.5"
EXAMPLES = {"examples/nnx_010_training.py": NNX_010, "examples/mutable_arrays_era.py": MUTABLE_ARRAYS}


def _compare(program: str, written_for: str, differs: dict | None, tmp_path: Path) -> None:
    old = run_with(old_python(written_for), program, tmp_path)
    assert old.returncode == 0, f"the old program fails on {written_for}:\n{old.stderr[-2000:]}"
    result = fix_source(program, load_catalog(), unsafe=True)
    assert result.error is None and result.source != program
    new = run_with(CURRENT, result.source, tmp_path)
    assert new.returncode == 0, new.stderr[-2000:]
    if differs:
        assert differs["old"] in old.stdout and differs["new"] in new.stdout, (old.stdout, new.stdout)
    else:
        assert old.stdout.strip(), "the program prints nothing to compare"
        assert old.stdout == new.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_behaviour_is_preserved(name, tmp_path):
    proof = CASES[name]
    _compare(proof["program"], proof["written_for"], proof.get("differs"), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_migration_preserves_behaviour(example, tmp_path):
    _compare((ROOT / example).read_text(), EXAMPLES[example], None, tmp_path)


@pytest.mark.parametrize("ci,outcome", [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_an_old_release_that_cannot_be_installed_fails_under_ci(tmp_path, monkeypatch, ci, outcome):
    monkeypatch.setattr(oldenv, "CACHE", tmp_path)
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no network: the install fails at once
    with pytest.raises(outcome, match="cannot install flax==0.10.7"):
        old_python("flax==0.10.7")
    assert not (oldenv.PINS / "flax-0.10.7.txt").exists()


def test_old_releases_are_pinned_fully():
    runs_on = [proof["runs_on"] for _, proof in load_catalog().proofs().values() if proof.get("runs_on")]
    specs = {spec for spec in [NNX_010, MUTABLE_ARRAYS, *runs_on, *(p["written_for"] for p in CASES.values())]}
    for spec in specs:
        pins = oldenv.PINS / f"{oldenv.venv_name(spec)}.txt"
        assert pins.exists(), f"record {pins.name}: pip freeze of a working install of {spec}"
        pinned = dict(line.split("==") for line in pins.read_text().split())
        assert {"numpy", "scipy", "ml_dtypes"} <= set(pinned)
        assert all(pinned[name] == version for name, version in (p.split("==") for p in spec.split())), spec
