"""Generated from the rule files: each proof program, with its imports bound to aliases, is fixed by the engine in
the aliases' spelling and runs on the pinned JAX/Flax like the canonical one (DeprecationWarnings as errors)."""

from __future__ import annotations

import pytest

from aliases import as_alias
from conftest import run_python
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source

ALIASED = {name: (code, *aliased) for name, (code, proof) in load_catalog().proofs().items()
           if "fixed_program" not in proof for aliased in [as_alias(proof["program"])] if aliased is not None}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ALIASED))
def test_aliased_fixed_program_runs(catalog, name, tmp_path):
    code, program, used = ALIASED[name]
    assert any(f.code == code for f in lint(program, catalog)), "the rule does not flag the aliased proof"
    result = fix_source(program, catalog, unsafe=True)
    assert result.error is None
    assert code in {f.code for f in result.fixed}
    assert [f for f in lint(result.source, catalog) if f.code == code] == []
    for name, alias in used.items():
        assert f" as {alias}" in result.source  # the program keeps its own spelling
    run = run_python(result.source, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
