"""Generated from the rule files: the same programs under other import spellings give the same findings.

Every example and look-alike is re-checked with its Flax/JAX imports bound to aliases of equal length
(``from flax import nnx as fnx``, ``import flax.linen as ln``, ...): the findings must be at the very same
positions, the fixes must give the aliased fixed form (``wrt=fnx.Param``), and look-alikes stay silent.
"""

from __future__ import annotations

import pytest

from aliases import as_alias
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source


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
