"""Generated from the rule files: every counterfeit fix (``proof.counterfeits``) fails the rule's proof.

A counterfeit is a plausible wrong fix: the rule's ``fix`` template replaced by another. The engine applies it
(with every other rule's real fix) to the proof program, and the result must fail on the pinned JAX/Flax (or the
proof's ``runs_on`` release) with the counterfeit's ``fails_with`` in stderr. A proof that a wrong fix passes cannot
tell a right fix from a wrong one.
"""

from __future__ import annotations

import re

import pytest
import yaml

from flake8_flax.catalog import COUNTERFEITS_PENDING, Catalog, RuleError, build_catalog, load_catalog
from flake8_flax.docs import proof_targets
from flake8_flax.fixer import fix_source
from test_catalog import GOOD, write
from test_rule_proofs import run_proof

FIRST = {}
for _rule in load_catalog().rules:
    FIRST.setdefault(_rule.code, _rule)
CASES = {f"{code}-{i}": (rule, fake) for code, rule in FIRST.items()
         for i, fake in enumerate(rule.meta["proof"].get("counterfeits", []))}


def with_fix(catalog: Catalog, rule_id: str, fix: str) -> Catalog:
    """The catalog with one document's fix template replaced."""
    rules = tuple(r._replace(fix=fix) if r.id == rule_id else r for r in catalog.rules)
    return catalog._replace(rules=rules)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_counterfeit_fix_fails_the_proof(catalog, case, tmp_path):
    first, fake = CASES[case]
    rule_id = fake.get("id", first.id)
    proof = first.meta["proof"]
    program, targets = proof["program"], proof_targets(proof)
    real = fix_source(program, catalog, targets, unsafe=True)
    result = fix_source(program, with_fix(catalog, rule_id, fake["fix"]), targets, unsafe=True)
    assert result.error is None, result.error
    assert rule_id in {f.rule.id for f in result.fixed}, "the counterfeit is not applied to the proof program"
    assert result.source != real.source, "the counterfeit makes the same program as the real fix"
    run = run_proof(proof, result.source, tmp_path)
    assert run.returncode != 0, f"the proof passes with the counterfeit fix:\n{result.source}"
    assert fake["fails_with"] in run.stderr, run.stderr[-3000:]


@pytest.mark.parametrize("counterfeits,problem", [
    ("new_api($$$A, 2)", "metadata.proof.counterfeits: must be a list"),
    ([{"fix": "new_api()"}], "metadata.proof.counterfeits[0]: keys are"),
    ([{"fix": "new_api($$$A)", "fails_with": "X"}], "counterfeits[0].fix: is the document's own fix"),
    ([{"fix": "new_api()", "fails_with": "X", "id": "other"}], "counterfeits[0].id: 'other' is no document"),
])
def test_invalid_counterfeits_are_named(tmp_path, counterfeits, problem):
    doc = yaml.safe_load(GOOD)
    doc["metadata"]["proof"]["counterfeits"] = counterfeits
    with pytest.raises(RuleError, match=re.escape(problem)):
        build_catalog(write(tmp_path, yaml.safe_dump(doc)))


def test_bundled_fixable_rules_name_counterfeits_unless_pending():
    fixable = {rule.code for rule in load_catalog().rules if rule.fix is not None}
    missing = {code for code in fixable if "counterfeits" not in FIRST[code].meta["proof"]}
    assert missing == COUNTERFEITS_PENDING
