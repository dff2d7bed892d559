"""The rule pages in docs/rules/ and the README's rule table are generated and must be current, and no
user-facing text shows an unfilled ``$NAME`` template."""

import json
import re
from pathlib import Path

from flake8_flax import cli, docs, report
from flake8_flax.engine import lint

TEMPLATE = re.compile(r"\$\$?\$?[A-Z_][A-Z0-9_]*")
ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    assert docs.main(["--check"]) == 0, "run: python -m flake8_flax.docs"


def test_every_code_has_a_page_and_a_table_row(catalog):
    table = docs.render_table(catalog)
    for code in {rule.code for rule in catalog.rules}:
        assert f"[{code}](docs/rules/{code}.md)" in table


def _example_findings(catalog) -> list[report.Located]:
    located = []
    for code, rules in docs.codes(catalog).items():
        for example in rules[0].meta["examples"]:
            located += [report.Located(f"{code}.py", None, f.line, f) for f in lint(example["deprecated"], catalog)
                        if f.code == code]
    return located


def test_no_unfilled_template_in_user_facing_text(catalog, capsys):
    texts = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8"), "table": docs.render_table(catalog)}
    assert cli.main(["rules"]) == 0
    texts["rules"] = capsys.readouterr().out
    for code, rules in docs.codes(catalog).items():
        assert cli.main(["explain", code]) == 0
        page = capsys.readouterr().out
        prose = re.sub(r"```python\n.*?```", "", page, flags=re.S)  # example code may hold a literal `$`
        texts[f"explain {code}"] = prose
    located = _example_findings(catalog)
    assert {item.finding.code for item in located} == set(docs.codes(catalog))  # every code has a finding
    sarif = json.loads(report.sarif(located, catalog))
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
        texts[f"sarif {rule['id']}"] = rule["shortDescription"]["text"] + "\n" + rule["fullDescription"]["text"]
    unfilled = {name: TEMPLATE.findall(text) for name, text in texts.items() if TEMPLATE.search(text)}
    assert not unfilled


def test_every_case_of_a_code_is_explained_with_its_fix_and_an_example(catalog):
    for code, rules in docs.codes(catalog).items():
        page = docs.render_page(catalog, code)
        if len(rules) == 1:
            assert "## Cases" not in page and docs.SAFETY_TEXT[rules[0].fix_safety] in page, code
            continue
        cases = page.split("## Cases", 1)[1].split("\n## Example", 1)[0].split("\n### Case ")[1:]
        assert len(cases) == len(rules), code
        for case, rule in zip(cases, rules):
            assert case.startswith(f"{rules.index(rule) + 1}: `{rule.id}`"), (code, rule.id)
            assert docs.SAFETY_TEXT[rule.fix_safety] in case, (code, rule.id)
    page = docs.render_page(catalog, "FLX202")  # "the fix is unsafe" and "no automatic fix": each with its case
    by_hand = next(case for case in page.split("### Case ")[1:] if "**no automatic fix**" in case)
    assert "decided by hand" in by_hand and "def train_step(model, optimizer: nnx.Optimizer, grads):" in by_hand


def test_cross_version_claims_are_the_proofs_that_test_runs(catalog):
    import test_cross_version

    claimed = {code for code in docs.codes(catalog) if "tests/test_cross_version.py" in docs.render_page(catalog, code)}
    assert claimed == {name.split(":")[0] for name in test_cross_version.CASES}
