"""The rule pages in docs/rules/ and the README's rule table are generated and must be current."""

from flake8_flax import docs


def test_generated_docs_are_current():
    assert docs.main(["--check"]) == 0, "run: python -m flake8_flax.docs"


def test_every_code_has_a_page_and_a_table_row(catalog):
    table = docs.render_table(catalog)
    for code in {rule.code for rule in catalog.rules}:
        assert f"[{code}](docs/rules/{code}.md)" in table
