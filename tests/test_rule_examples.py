"""Generated from the rule files: every example is found where it says, every look-alike stays silent,
and every fix gives exactly the fixed form, re-parses, converges and is idempotent."""

from __future__ import annotations

import pytest

from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source, parses


def _by_code():
    codes: dict[str, list] = {}
    for rule in load_catalog().rules:
        codes.setdefault(rule.code, []).append(rule)
    return codes


def _unique(items):
    seen, out = set(), []
    for item in items:
        key = repr(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


EXAMPLES = [
    pytest.param(code, example, id=f"{code}-{i}")
    for code, rules in _by_code().items()
    for i, example in enumerate(_unique(ex for rule in rules for ex in rule.meta["examples"]))
]
LOOKALIKES = [
    pytest.param(code, source, id=f"{code}-{i}")
    for code, rules in _by_code().items()
    for i, source in enumerate(_unique(src for rule in rules for src in rule.meta["lookalikes"]))
]


def _positions(source, catalog, code):
    return [f"{f.line}:{f.col + 1}" for f in lint(source, catalog) if f.code == code]


def _fix(source, catalog, code):
    return fix_source(source, catalog, unsafe=True, wanted=lambda rule: rule.code == code)


@pytest.mark.parametrize("code,example", EXAMPLES)
def test_example_is_reported_at_its_position(catalog, code, example):
    assert _positions(example["deprecated"], catalog, code) == example["at"]


@pytest.mark.parametrize("code,example", EXAMPLES)
def test_fix_gives_the_fixed_form(catalog, code, example):
    expected = example.get("fixed", example["deprecated"])
    result = _fix(example["deprecated"], catalog, code)
    assert result.error is None
    assert result.source == expected
    assert parses(result.source)
    if "fixed" in example:
        assert _positions(result.source, catalog, code) == []
    assert _fix(result.source, catalog, code).source == result.source  # idempotent


@pytest.mark.parametrize("code,source", LOOKALIKES)
def test_lookalike_is_silent(catalog, code, source):
    assert _positions(source, catalog, code) == []
