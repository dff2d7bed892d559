"""Generated from the rule files: the same programs under other import spellings give the same findings.

Every example and look-alike is re-checked with its Flax/JAX imports bound to aliases of equal length
(``from flax import nnx as fnx``, ``import flax.linen as ln``, ...): the findings must be at the very same
positions, the fixes must give the aliased fixed form (``wrt=fnx.Param``), and look-alikes stay silent. With the
module's names imported one by one (``from flax.nnx import Optimizer``) or spelled in full (``import flax``,
``flax.nnx.Optimizer``), the findings are on the same lines, the fix converges and look-alikes stay silent.
"""

from __future__ import annotations

import pytest

from aliases import as_alias, respelled
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source, parses

STYLES = ("member", "full")


def _cases(kind):
    seen, out = set(), []
    for rule in load_catalog().rules:
        for item in rule.meta[kind]:
            source = item["deprecated"] if kind == "examples" else item
            aliased = as_alias(source)
            key = (rule.code, source)
            if aliased is not None and key not in seen:
                seen.add(key)
                out.append(pytest.param(rule.code, item, aliased, id=f"{rule.code}-{len(seen)}"))
    return out


def _positions(source, catalog, code):
    return [f"{f.line}:{f.col + 1}" for f in lint(source, catalog) if f.code == code]


@pytest.mark.parametrize("code,example,aliased", _cases("examples"))
def test_aliased_example_is_reported_at_the_same_positions(catalog, code, example, aliased):
    assert _positions(aliased[0], catalog, code) == example["at"]


@pytest.mark.parametrize("code,example,aliased", [c for c in _cases("examples") if "fixed" in c.values[1]])
def test_aliased_fix_is_written_in_the_files_spelling(catalog, code, example, aliased):
    source, used = aliased
    result = fix_source(source, catalog, unsafe=True, wanted=lambda rule: rule.code == code)
    assert result.error is None
    assert result.source == (as_alias(example["fixed"], used) or [example["fixed"]])[0]


@pytest.mark.parametrize("code,source,aliased", _cases("lookalikes"))
def test_aliased_lookalike_is_silent(catalog, code, source, aliased):
    assert _positions(aliased[0], catalog, code) == []


def _respelled_cases(kind):
    seen, out = set(), []
    for rule in load_catalog().rules:
        for item in rule.meta[kind]:
            source = item["deprecated"] if kind == "examples" else item
            for style in STYLES:
                other = respelled(source, style)
                if other is not None and (rule.code, other) not in seen:
                    seen.add((rule.code, other))
                    out.append(pytest.param(rule.code, item, other, id=f"{rule.code}-{style}-{len(seen)}"))
    return out


def _lines(source, catalog, code, import_line):
    """Lines reported for ``code``, not counting the respelled import line: ``import flax`` is fine where
    ``from flax import optim`` was not, and ``from flax.nnx import VariableState`` is reported at the import,
    which stands for its uses (fixing the import keeps them working)."""
    return sorted({f.line for f in lint(source, catalog) if f.code == code} - {import_line})


def _import_line(source, other):
    return next(i for i, (a, b) in enumerate(zip(source.splitlines(), other.splitlines()), 1) if a != b)


@pytest.mark.parametrize("code,example,other", _respelled_cases("examples"))
def test_respelled_example_is_reported_on_the_same_lines(catalog, code, example, other):
    row = _import_line(example["deprecated"], other)
    expected = sorted({int(at.split(":")[0]) for at in example["at"]} - {row})
    found = _lines(other, catalog, code, row)
    at_import = any(f.line == row for f in lint(other, catalog) if f.code == code)
    assert found == expected or (at_import and set(found) <= set(expected))
    if "fixed" in example:
        result = fix_source(other, catalog, unsafe=True, wanted=lambda rule: rule.code == code)
        assert result.error is None and parses(result.source)
        assert [f for f in lint(result.source, catalog) if f.code == code and f.edit is not None] == []


@pytest.mark.parametrize("code,source,other", _respelled_cases("lookalikes"))
def test_respelled_lookalike_is_silent(catalog, code, source, other):
    assert _lines(other, catalog, code, _import_line(source, other)) == []
