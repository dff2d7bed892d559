"""`rules/` is a working ast-grep project: `ast-grep scan` finds exactly what our engine finds.

The engine shows rules a file in canonical spelling (names.py); the comparison is over the snippets that are
spelled canonically already, where the CLI and the engine see the same text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ast_grep_py import SgRoot

from flake8_flax.catalog import load_catalog
from flake8_flax.names import canonical_view

ROOT = Path(__file__).resolve().parent.parent


def test_ast_grep_scan_and_our_engine_agree_on_every_example_and_lookalike(tmp_path):
    catalog = load_catalog()
    snippets = [ex["deprecated"] for rule in catalog.rules for ex in rule.meta["examples"]]
    snippets += [source for rule in catalog.rules for source in rule.meta["lookalikes"]]
    snippets = [s for s in snippets if canonical_view(s, SgRoot(s, "python").root(), catalog.names) is None]
    for i, source in enumerate(snippets):
        (tmp_path / f"snippet_{i}.py").write_text(source)
    scan = subprocess.run(["ast-grep", "scan", "--json=compact", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert scan.stdout, scan.stderr
    code = {rule.id: rule.code for rule in catalog.rules}
    theirs = {(Path(m["file"]).name, m["range"]["start"]["line"] + 1, m["range"]["start"]["column"] + 1,
               code[m["ruleId"]]) for m in json.loads(scan.stdout)}
    check = subprocess.run([sys.executable, "-m", "flake8_flax", "check", "--flax-advisory", "--format", "json",
                            str(tmp_path)], capture_output=True, text=True, timeout=600)
    ours = {(Path(f["path"]).name, f["line"], f["column"], f["code"]) for f in json.loads(check.stdout)}
    assert len(ours) > len(snippets) // 2
    assert theirs == ours
