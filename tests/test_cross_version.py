"""Old code on the Flax it was written for and fixed code on today's Flax print the same results.

For every rule whose ``proof.written_for`` names the old release, and for the NNX-era examples: the deprecated
program runs on that release (a cached venv), ``flake8-flax fix --unsafe-fixes`` (our engine) ports it, the
result runs on the pinned versions, and the two outputs must be equal. A rule whose point is that the old code
was silently wrong states ``proof.differs: {old: ..., new: ...}`` and the test asserts that difference instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_flax.catalog import load_catalog
from flake8_flax.fixer import fix_source
from oldenv import CURRENT, old_python, run_with

ROOT = Path(__file__).resolve().parent.parent
NNX_010 = "flax==0.10.7 jax==0.6.2 jaxlib==0.6.2 optax==0.2.5"
CASES = {rule.code: rule.meta["proof"] for rule in reversed(load_catalog().rules)
         if rule.meta["proof"].get("written_for")}
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
@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_behaviour_is_preserved(code, tmp_path):
    proof = CASES[code]
    _compare(proof["program"], proof["written_for"], proof.get("differs"), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_migration_preserves_behaviour(example, tmp_path):
    _compare((ROOT / example).read_text(), EXAMPLES[example], None, tmp_path)
