"""Generated from the rule files: each rule's proof program runs on the pinned JAX/Flax.

The deprecated program must fail or warn exactly as the rule says; the fixed program (the program after all
fixes of our engine, this rule's included, or ``fixed_program`` for rules without a fix) must run with
DeprecationWarnings as errors and pass its own assertions.
"""

from __future__ import annotations

import pytest

from conftest import run_python
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source

PROOFS = {rule.code: rule.meta["proof"] for rule in reversed(load_catalog().rules)}


def fixed_program(code, proof, catalog):
    """``fixed_program``, or what ``flake8-flax fix --unsafe-fixes`` makes of ``program`` (this rule's own fix
    must be among the applied ones; the other rules' fixes port the rest of the old program)."""
    if "fixed_program" in proof:
        return proof["fixed_program"]
    result = fix_source(proof["program"], catalog, unsafe=True)
    assert result.error is None
    assert code in {f.code for f in result.fixed}, "the rule's own fix does not apply to its proof program"
    return result.source


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(PROOFS))
def test_fixed_program_runs(catalog, code, tmp_path):
    proof = PROOFS[code]
    fixed = fixed_program(code, proof, catalog)
    assert [f for f in lint(fixed, catalog) if f.code == code] == []
    run = run_python(fixed, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(c for c, p in PROOFS.items() if "fails_with" in p))
def test_deprecated_program_fails_as_the_rule_says(catalog, code, tmp_path):
    proof = PROOFS[code]
    assert any(f.code == code for f in lint(proof["program"], catalog)), "the rule does not flag its own proof"
    run = run_python(proof["program"], tmp_path)
    assert run.returncode != 0, "the deprecated program ran cleanly"
    assert proof["fails_with"] in run.stderr, run.stderr[-3000:]
