"""Generated from the rule files: each rule's proof program runs on the pinned JAX/Flax.

The deprecated program must fail or warn exactly as the rule says; the fixed program (the program after all
fixes of our engine, this rule's included, or ``fixed_program`` for rules without a fix) must run with
DeprecationWarnings as errors and pass its own assertions. A proof with ``runs_on`` (a fix offered only for
targets before some release) runs on that old release instead, fixed by the engine for it (tests/oldenv.py).
"""

from __future__ import annotations

import pytest

from flake8_flax.catalog import load_catalog
from flake8_flax.docs import proof_targets
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source
from oldenv import CURRENT, old_python, run_with

PROOFS = load_catalog().proofs()  # name (CODE, or CODE:id for a document's own proof) -> (code, proof)
# rule documents with a fix that no proof program executes yet (the list only shrinks; goal: empty)
UNEXECUTED_PENDING = set("""
""".split())


def run_proof(proof, source, directory):
    """Run ``source`` on the release the proof runs on (``runs_on``, else the pinned one)."""
    python = old_python(proof["runs_on"]) if proof.get("runs_on") else CURRENT
    return run_with(python, source, directory)


def fixed_program(code, proof, catalog):
    """``fixed_program``, or what ``flake8-flax fix --unsafe-fixes`` makes of ``program`` (this rule's own fix
    must be among the applied ones; the other rules' fixes port the rest of the old program). A rule with a fix
    and a ``fixed_program`` (the rest needs porting by hand) must keep its fix's text in the hand-ported program."""
    result = fix_source(proof["program"], catalog, proof_targets(proof), unsafe=True)
    assert result.error is None
    own = [f for f in result.fixed if f.code == code]
    if "fixed_program" in proof:
        missing = [f.edit.text for f in own if f.edit.text not in proof["fixed_program"]]
        assert missing == [], "fixed_program replaces the engine's fix"
        return proof["fixed_program"]
    assert own, "the rule's own fix does not apply to its proof program"
    return result.source


def test_every_fix_is_executed_by_a_proof(catalog):
    """Each rule document with a fix is applied by the engine to its rule's proof program (then run above)."""
    executed = set()
    for code, proof in PROOFS.values():
        result = fix_source(proof["program"], catalog, proof_targets(proof), unsafe=True)
        executed |= {f.rule.id for f in result.fixed if f.code == code}
    unexecuted = {rule.id for rule in catalog.rules if rule.fix is not None} - executed
    assert unexecuted == UNEXECUTED_PENDING


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROOFS))
def test_fixed_program_runs(catalog, name, tmp_path):
    code, proof = PROOFS[name]
    fixed = fixed_program(code, proof, catalog)
    assert [f for f in lint(fixed, catalog, proof_targets(proof)) if f.code == code] == []
    run = run_proof(proof, fixed, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(n for n, (_, p) in PROOFS.items() if "fails_with" in p))
def test_deprecated_program_fails_as_the_rule_says(catalog, name, tmp_path):
    code, proof = PROOFS[name]
    assert any(f.code == code for f in lint(proof["program"], catalog, proof_targets(proof))), \
        "the rule does not flag its own proof"
    run = run_proof(proof, proof["program"], tmp_path)
    assert run.returncode != 0, "the deprecated program ran cleanly"
    assert proof["fails_with"] in run.stderr, run.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(n for n, (_, p) in PROOFS.items() if "fails_with" not in p))
def test_advisory_program_runs_today(catalog, name, tmp_path):
    """An advisory rule (no ``fails_with``) flags code that still works: its program runs and passes its asserts."""
    code, proof = PROOFS[name]
    assert any(f.code == code for f in lint(proof["program"], catalog, proof_targets(proof))), \
        "the rule does not flag its own proof"
    run = run_proof(proof, proof["program"], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
