"""Rule files are validated: one clear error naming the file and the field."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from flake8_flax.catalog import RuleError, build_catalog, from_parent, load_catalog

GOOD = textwrap.dedent("""\
    id: team-rule
    language: python
    severity: warning
    message: old_api() is gone
    note: It raises today.
    rule: {pattern: old_api($$$A)}
    fix: new_api($$$A)
    metadata:
      code: FLX991
      name: team-rule
      tier: default
      guide: team notes
      package: flax
      deprecated: "0.12.0"
      replacement: "0.12.0"
      fix_safety: safe
      examples: [{deprecated: "old_api(1)\\n", at: ["1:1"], fixed: "new_api(1)\\n"}]
      lookalikes: ["new_api(1)\\n"]
      proof: {program: "old_api(1)\\n", fails_with: NameError}
""")


def write(tmp_path, text, name="FLX991.yml"):
    (tmp_path / name).write_text(text)
    return (str(tmp_path),)


def test_a_good_extra_rule_loads(tmp_path):
    catalog = build_catalog(write(tmp_path, GOOD))
    assert [r.id for r in catalog.by_code("FLX991")] == ["team-rule"]


@pytest.mark.parametrize("change,field", [
    (lambda d: d.update(colour="red"), "colour: unknown top-level key"),
    (lambda d: d["metadata"].update(owner="me"), "metadata.owner: unknown metadata key"),
    (lambda d: d["metadata"].pop("code"), "metadata.code: required metadata key is missing"),
    (lambda d: d["metadata"].update(code="X1"), "metadata.code: 'X1' is not of the form FLXnnn"),
    (lambda d: d["metadata"].update(code="FLX201"), "metadata.code: FLX201 is already used by"),
    (lambda d: d.update(id="flx201-optimizer-without-wrt"), "id: 'flx201-optimizer-without-wrt' is not unique"),
    (lambda d: d.update(severity="fatal"), "severity: must be one of"),
    (lambda d: d["metadata"].update(fix_safety="none"), "metadata.fix_safety: is 'none' exactly when"),
    (lambda d: d["metadata"].update(deprecated="soon"), "metadata.deprecated: 'soon' is not a version"),
    (lambda d: d["metadata"].update(lookalikes=[]), "metadata.lookalikes: needs at least one"),
    (lambda d: d["metadata"]["proof"].pop("fails_with"), "metadata.proof.fails_with"),
    (lambda d: d.update(rule={"pattern": "x", "inside": {"kind": "no_such_kind"}}), "rule: ast-grep rejects it"),
    (lambda d: d.update(rule={"matches": "no-such-util"}), "rule: 'matches: no-such-util' names no utility"),
])
def test_invalid_rule_names_file_and_field(tmp_path, change, field):
    doc = yaml.safe_load(GOOD)
    change(doc)
    with pytest.raises(RuleError) as error:
        build_catalog(write(tmp_path, yaml.safe_dump(doc)))
    assert str(error.value).startswith(str(tmp_path / "FLX991.yml"))
    assert field in str(error.value)


def test_bad_yaml_names_the_file(tmp_path):
    with pytest.raises(RuleError, match=r"FLX991.yml: YAML: "):
        build_catalog(write(tmp_path, "id: [unclosed\n"))


def test_bundled_rules_are_valid_and_unique():
    catalog = load_catalog()
    codes = {rule.code for rule in catalog.rules}
    assert {"FLX101", "FLX201", "FLX301"} <= codes
    assert len({rule.id for rule in catalog.rules}) == len(catalog.rules)


def test_the_catalog_cache_is_reused_and_follows_every_edit(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAKE8_FLAX_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "team").mkdir()
    extra = write(tmp_path / "team", GOOD)
    load_catalog.cache_clear()
    assert [r.id for r in load_catalog(extra).by_code("FLX991")] == ["team-rule"]
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1
    load_catalog.cache_clear()
    assert [r.id for r in load_catalog(extra).by_code("FLX991")] == ["team-rule"]  # from the pickle
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1
    write(tmp_path / "team", GOOD.replace("id: team-rule", "id: team-rule-renamed"))
    load_catalog.cache_clear()
    assert [r.id for r in load_catalog(extra).by_code("FLX991")] == ["team-rule-renamed"]
    write(tmp_path / "team", GOOD.replace("severity: warning", "severity: fatal"))
    load_catalog.cache_clear()
    with pytest.raises(RuleError, match="severity"):
        load_catalog(extra)
    load_catalog.cache_clear()


def test_parent_first_probes_answer_as_their_rules():
    """A probe that starts at the parent (``from_parent``) finds a match in exactly the texts its rule does: the
    examples and look-alikes of every rule that has one, each as written and in canonical spelling."""
    from ast_grep_py import SgRoot

    assert from_parent({"kind": "identifier", "all": [{"inside": {"kind": "augmented_assignment", "field": "left"}}]}) \
        == {"kind": "augmented_assignment", "has": {"field": "left", "kind": "identifier"}}
    catalog = load_catalog()
    rules = [rule for rule in catalog.rules if rule.probe is not None and from_parent(rule.config["rule"]) !=
             rule.config["rule"]]
    assert {rule.code for rule in rules} >= {"FLX413", "FLX401"}
    answers = set()
    for rule in rules:
        texts = [example["deprecated"] for example in rule.meta["examples"]] + rule.meta["lookalikes"]
        for text in texts:
            root = SgRoot(text, "python").root()
            found = root.find(rule.config) is not None
            assert (root.find({**rule.config, "rule": from_parent(rule.config["rule"])}) is not None) == found
            answers.add(found)
    assert answers == {True, False}
