"""End-to-end tests of the installed ``flake8-flax`` command (subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPRECATED = "from flax import nnx\nimport optax\n\noptimizer = nnx.Optimizer(model, optax.adam(1e-3))\n"
FIXED = "from flax import nnx\nimport optax\n\noptimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)\n"

TEAM_RULES = textwrap.dedent("""\
    id: team-old-partial
    language: python
    severity: warning
    message: old_partial() is gone
    note: Use functools.partial.
    rule: {pattern: old_partial($$$A)}
    fix: functools.partial($$$A)
    metadata:
      code: FLX992
      name: old-partial
      tier: default
      guide: team notes
      package: flax
      deprecated: "0.0"
      replacement: "0.0"
      fix_safety: unsafe
      imports: ["import functools"]
      examples: [{deprecated: "old_partial(f)\\n", at: ["1:1"], fixed: "import functools\\nfunctools.partial(f)\\n"}]
      lookalikes: ["functools.partial(f)\\n"]
      proof: {program: "old_partial(f)\\n", fails_with: NameError}
    ---
    id: team-breaks-syntax
    language: python
    severity: warning
    message: broken_fix() demo
    note: A fix that does not parse.
    rule: {pattern: broken_call($A)}
    fix: "broken_call($A"
    metadata:
      fix_safety: safe
""")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("flake8-flax")
    command = [exe] if exe else [sys.executable, "-m", "flake8_flax"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def tree(tmp_path):
    (tmp_path / "m.py").write_text(DEPRECATED)
    (tmp_path / "clean.py").write_text("from flax import nnx\n")
    rules = tmp_path / "team"
    rules.mkdir()
    (rules / "FLX992.yml").write_text(TEAM_RULES)
    return tmp_path


def test_check_exit_codes(tree):
    assert cli("check", "clean.py", cwd=tree).returncode == 0
    run = cli("check", "m.py", cwd=tree)
    assert run.returncode == 1
    assert run.stdout.startswith("m.py:4:13: FLX201 nnx.Optimizer needs wrt= since Flax 0.11.0; fix: ")
    assert cli("check", "--exit-zero", "m.py", cwd=tree).returncode == 0
    assert cli("check", "missing.py", cwd=tree).returncode == 2
    assert cli("check", "--flax-target-version", "soon", "m.py", cwd=tree).returncode == 2
    assert cli("explain", "FLX000", cwd=tree).returncode == 2


def test_check_on_zero_files(tmp_path):
    run = cli("check", ".", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (0, "")


def test_selection(tree):
    assert cli("check", "--ignore", "FLX2", "m.py", cwd=tree).stdout == ""
    assert cli("check", "--select", "FLX1", "m.py", cwd=tree).stdout == ""
    assert "FLX201" in cli("check", "--select", "FLX1", "--extend-select", "FLX201", "m.py", cwd=tree).stdout
    assert "FLX201" in cli("check", "--ignore", "FLX2", "--select", "FLX201", "m.py", cwd=tree).stdout


def test_formats(tree):
    rows = json.loads(cli("check", "--format", "json", "m.py", cwd=tree).stdout)
    assert rows[0]["code"] == "FLX201" and rows[0]["line"] == 4 and rows[0]["column"] == 13
    assert rows[0]["fix_safety"] == "safe"
    sarif = json.loads(cli("check", "--format", "sarif", "m.py", cwd=tree).stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "FLX201"
    region = {"startLine": 4, "startColumn": 13, "endLine": 4, "endColumn": 51}
    assert result["locations"][0]["physicalLocation"]["region"] == region
    assert (rows[0]["end_line"], rows[0]["end_column"]) == (4, 51)  # the matched call, end exclusive
    github = cli("check", "--format", "github", "m.py", cwd=tree).stdout
    assert github.startswith("::error file=m.py,line=4,col=13,title=FLX201::FLX201 ")
    stats = cli("check", "--statistics", "m.py", cwd=tree).stdout
    assert stats.splitlines()[-1].startswith("1     FLX201 ")


def test_rules_and_explain(tree):
    table = cli("rules", cwd=tree).stdout
    assert "| [FLX201](FLX201.md) | optimizer-without-wrt |" in table
    page = cli("explain", "flx201", cwd=tree).stdout
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in page


def test_fix_writes_in_place_and_keeps_the_file_mode(tree):
    path = tree / "m.py"
    path.chmod(0o640)
    run = cli("fix", "m.py", cwd=tree)
    assert run.returncode == 0, run.stderr
    assert path.read_text() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "fixed FLX201" in run.stderr
    assert not [p for p in tree.iterdir() if p.name.endswith(".tmp")]
    assert cli("fix", "m.py", cwd=tree).returncode == 0 and path.read_text() == FIXED  # idempotent


def test_fix_diff_writes_nothing(tree):
    run = cli("fix", "--diff", "m.py", cwd=tree)
    assert "+optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)" in run.stdout
    assert (tree / "m.py").read_text() == DEPRECATED


def test_fix_exit_non_zero_on_fix(tree):
    assert cli("fix", "--exit-non-zero-on-fix", "m.py", cwd=tree).returncode == 1
    assert cli("fix", "--exit-non-zero-on-fix", "m.py", cwd=tree).returncode == 0


def test_fix_keeps_every_byte_outside_the_edit(tree):
    original = ("\ufeff# -*- coding: utf-8 -*-\r\nfrom flax import nnx\r\n\r\nif True:\r\n"
                "\topt = nnx.Optimizer(m, tx)  # keep me\r\n\tx = 'é'")  # BOM, CRLF, tabs, no final newline
    path = tree / "bytes.py"
    path.write_bytes(original.encode("utf-8"))
    assert cli("fix", "bytes.py", cwd=tree).returncode == 0
    assert path.read_bytes() == original.replace("(m, tx)", "(m, tx, wrt=nnx.Param)").encode("utf-8")


def test_fix_honours_noqa_like_flake8(tree):
    source = ("from flax import nnx\n"
              "a = nnx.Optimizer(m, tx)  # noqa\n"
              "b = nnx.Optimizer(m, tx)  # noqa: FLX201\n"
              "c = nnx.Optimizer(m, tx)  # noqa: E501\n")
    (tree / "n.py").write_text(source)
    cli("fix", "n.py", cwd=tree)
    fixed = source.replace("c = nnx.Optimizer(m, tx)", "c = nnx.Optimizer(m, tx, wrt=nnx.Param)")
    assert (tree / "n.py").read_text() == fixed
    (tree / "f.py").write_text("# flake8: noqa\n" + DEPRECATED)
    cli("fix", "f.py", cwd=tree)
    assert (tree / "f.py").read_text() == "# flake8: noqa\n" + DEPRECATED


def test_unsafe_fixes_only_when_asked_and_imports_are_added_once(tree):
    source = '"""Doc."""\nimport os\n\nold_partial(f, 1)\n'
    (tree / "u.py").write_text(source)
    run = cli("fix", "--flax-extra-rules", "team", "u.py", cwd=tree)
    assert run.returncode == 1 and (tree / "u.py").read_text() == source
    assert "left for a human; use --unsafe-fixes" in run.stderr
    cli("fix", "--unsafe-fixes", "--flax-extra-rules", "team", "u.py", cwd=tree)
    assert (tree / "u.py").read_text() == '"""Doc."""\nimport os\nimport functools\n\nfunctools.partial(f, 1)\n'
    (tree / "v.py").write_text("import functools\nold_partial(g)\n")
    cli("fix", "--unsafe-fixes", "--flax-extra-rules", "team", "v.py", cwd=tree)
    assert (tree / "v.py").read_text() == "import functools\nfunctools.partial(g)\n"


def test_a_fix_that_would_not_parse_leaves_the_file_untouched(tree):
    (tree / "b.py").write_text("broken_call(1)\n")
    run = cli("fix", "--flax-extra-rules", "team", "b.py", cwd=tree)
    assert run.returncode == 2 and "b.py: the fixed code would not compile" in run.stderr
    assert (tree / "b.py").read_text() == "broken_call(1)\n"


def test_bad_input_files_are_reported_and_the_rest_is_processed(tree):
    (tree / "binary.py").write_bytes(b"\x00\x01\x02")
    (tree / "latin.py").write_bytes(b"x = '\xe9'\n")
    (tree / "syntax.py").write_text("def broken(:\n    pass\n" + DEPRECATED)
    (tree / "empty.py").write_text("")
    run = cli("check", ".", cwd=tree)
    assert run.returncode == 2
    assert "binary.py: binary file" in run.stderr and "latin.py: cannot decode" in run.stderr
    assert "m.py:4:13: FLX201" in run.stdout
    assert "Traceback" not in run.stderr


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["nnx.Optimizer(model, tx) in prose\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["%matplotlib inline\n", "!pip install flax\n", "from flax import nnx\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["import optax\n", "optimizer = nnx.Optimizer(model, optax.adam(1e-3))"]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def test_notebooks_are_checked_and_fixed_cell_by_cell(tree):
    path = tree / "nb.ipynb"
    path.write_text(json.dumps(NOTEBOOK, indent=1) + "\n")
    run = cli("check", "nb.ipynb", cwd=tree)
    assert run.stdout.startswith("nb.ipynb:cell 3:2:13: FLX201 ")
    clean = tree / "clean.ipynb"
    clean_nb = {**NOTEBOOK, "cells": NOTEBOOK["cells"][:2]}
    clean.write_text(json.dumps(clean_nb, indent=2))
    before = clean.read_bytes()
    assert cli("fix", "clean.ipynb", cwd=tree).returncode == 0 and clean.read_bytes() == before
    cli("fix", "nb.ipynb", cwd=tree)
    cells = json.loads(path.read_text())["cells"]
    assert cells[1]["source"] == NOTEBOOK["cells"][1]["source"]
    assert cells[2]["source"][-1] == "optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)"


def _flake8_lines(paths, cwd):
    run = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "FLX", *paths], cwd=cwd,
                         capture_output=True, text=True)
    return sorted(run.stdout.splitlines())


def test_check_and_flake8_agree_on_examples_and_tests():
    paths = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "examples").glob("*.py"))]
    paths += [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests").glob("*.py"))]
    ours = sorted(cli("check", "--exit-zero", *paths, cwd=ROOT).stdout.splitlines())
    assert ours == _flake8_lines(paths, ROOT)
    assert ours  # the examples do have findings


@pytest.mark.parametrize("broken,where", [
    (lambda text: text.replace("rule: {pattern: old_partial($$$A)}", "rule: {pattern: old_partial($$$A)"), "YAML"),
    (lambda text: text.replace("severity: warning\n", "severity: warning\ncolour: red\n", 1), "colour"),
    (lambda text: text.replace("rule: {pattern: old_partial($$$A)}", "rule: {kind: no_such_kind}"), "rule"),
    (lambda text: text.replace("code: FLX992", "code: FLX201"), "metadata.code"),
])
def test_a_bad_team_rule_file_is_one_line_and_exit_2(tree, broken, where):
    (tree / "team" / "FLX992.yml").write_text(broken(TEAM_RULES))
    for command in ("check", "fix"):
        run = cli(command, "--flax-extra-rules", "team", "m.py", cwd=tree)
        assert run.returncode == 2 and "Traceback" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "FLX992.yml" in run.stderr and where in run.stderr


# [flake8] sections as projects write them; `check` must drop exactly what flake8 drops.
FLAKE8_CONFIGS = {
    "extend-ignore": "extend-ignore = FLX201,FLX30\n",
    "ignore replaces the default list": "ignore = FLX1,E,W\n",
    "per-file-ignores": "per-file-ignores =\n  legacy/*.py:FLX1\n  */nnx_*.py:FLX202\n  mutable_arrays_era.py:FLX3\n",
    "exclude": "exclude = vendored,*_era.py\n",
    "extend-exclude and select": "extend-exclude = legacy\nselect = F,E\nextend-ignore = FLX110\n",
}


@pytest.fixture()
def project(tmp_path):
    """The examples at three places: the top, legacy/ and vendored/ (findings from many codes)."""
    for directory in (tmp_path, tmp_path / "legacy", tmp_path / "vendored"):
        directory.mkdir(exist_ok=True)
        for example in (ROOT / "examples").glob("*.py"):
            shutil.copy(example, directory / example.name)
    return tmp_path


def _flake8_findings(cwd: Path, *args: str) -> set[tuple]:
    run = subprocess.run([sys.executable, "-m", "flake8", *args, "."], cwd=cwd, capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    rows = [line.split(":", 3) for line in run.stdout.splitlines()]
    return {(os.path.normpath(p), int(line), int(col), rest.split()[0]) for p, line, col, rest in rows
            if rest.split()[0].startswith("FLX")}


def _check_findings(cwd: Path, *args: str) -> set[tuple]:
    run = cli("check", "--format", "json", *args, ".", cwd=cwd)
    assert run.returncode in (0, 1), run.stderr
    return {(os.path.normpath(r["path"]), r["line"], r["column"], r["code"]) for r in json.loads(run.stdout)}


@pytest.mark.parametrize("name", FLAKE8_CONFIGS)
def test_check_drops_what_flake8_drops_by_the_config(project, name):
    everything = _check_findings(project)
    (project / "setup.cfg").write_text("[flake8]\n" + FLAKE8_CONFIGS[name])
    ours = _check_findings(project)
    assert ours == _flake8_findings(project)
    assert ours and ours < everything  # the config dropped some findings, not all


def test_check_takes_flake8s_ignore_options_on_the_command_line(project):
    args = ("--extend-ignore=FLX2", "--per-file-ignores=legacy/*:FLX1", "--extend-exclude=vendored")
    ours = _check_findings(project, *args)
    assert ours == _flake8_findings(project, *args) and ours


def test_fix_leaves_what_the_config_ignores(project):
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores = legacy/*.py:FLX2\nexclude = vendored\n")
    run = cli("fix", "--diff", ".", cwd=project)
    assert "+++ b/nnx_010_training.py" in run.stdout and "wrt=nnx.Param" in run.stdout
    assert "legacy/nnx_010_training.py" not in run.stdout and "legacy/mutable_arrays_era.py" in run.stdout
    assert "vendored" not in run.stdout + run.stderr


def test_a_select_in_the_config_does_not_switch_the_command_off(project):
    (project / "setup.cfg").write_text("[flake8]\nselect = E,W\n")
    assert not _flake8_findings(project)
    assert _check_findings(project) == _check_findings(project, "--select=FLX")


LONG_MESSAGE = ("old_partial() is gone since the team moved to functools, and every call must now be written as "
                "functools.partial(callable, *arguments) so that the configuration loader can introspect it later")


def test_messages_are_never_cut(tree):
    """JSON and SARIF carry the whole message; the text line too, as flake8 prints a plugin's message."""
    assert len(LONG_MESSAGE) > 150
    team_rules = TEAM_RULES.replace("message: old_partial() is gone", f"message: {LONG_MESSAGE}")
    (tree / "team" / "FLX992.yml").write_text(team_rules)
    (tree / "p.py").write_text("old_partial(f, 1)\n")
    rows = json.loads(cli("check", "--format", "json", "--flax-extra-rules", "team", "p.py", cwd=tree).stdout)
    assert rows[0]["message"] == LONG_MESSAGE, "needs the engine's Finding.message uncut"
    sarif = json.loads(cli("check", "--format", "sarif", "--flax-extra-rules", "team", "p.py", cwd=tree).stdout)
    assert sarif["runs"][0]["results"][0]["message"]["text"].startswith(LONG_MESSAGE + "; fix: ")
    text = cli("check", "--flax-extra-rules", "team", "p.py", cwd=tree).stdout
    assert text.startswith(f"p.py:1:1: FLX992 {LONG_MESSAGE}; fix: ")


@pytest.mark.parametrize("name", ["src/model.py", "legacy/old_era.py", "tests/test_model.py"])
def test_standard_input_is_named_excluded_and_ignored_as_flake8_does(project, name):
    (project / "setup.cfg").write_text("[flake8]\nextend-exclude = *_era.py\nper-file-ignores = tests/*.py:FLX201\n")
    source = (ROOT / "examples" / "nnx_010_training.py").read_text()
    runs = [subprocess.run(command, cwd=project, input=source, capture_output=True, text=True)
            for command in ([sys.executable, "-m", "flake8", "--select", "FLX", "-", "--stdin-display-name", name],
                            [shutil.which("flake8-flax") or "flake8-flax", "check", "-", "--stdin-display-name", name])]
    assert runs[0].stdout == runs[1].stdout and runs[0].returncode == runs[1].returncode
    assert ("FLX201" in runs[1].stdout) == (name == "src/model.py")
