"""The plugin inside real flake8 runs: positions, noqa, stdin, -j, options, advisory tier, bad rule files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOURCE = textwrap.dedent("""\
    from flax import nnx
    import optax

    a = nnx.Optimizer(model, optax.sgd(0.1))
    b = nnx.Optimizer(model, optax.sgd(0.1))  # noqa: FLX201
    c = nnx.Optimizer(model, optax.sgd(0.1))  # noqa
    d = nnx.Optimizer(model, optax.sgd(0.1))  # noqa: E501
    e = nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)
""")
EXPECTED = ("m.py:4:5: FLX201 nnx.Optimizer needs wrt= since Flax 0.11.0; "
            "fix: a = nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)")

ADVISORY_RULE = textwrap.dedent("""\
    id: team-print
    language: python
    severity: info
    message: print() in library code
    note: Use logging.
    rule: {pattern: print($$$A)}
    metadata:
      code: FLX990
      name: team-print
      tier: advisory
      guide: team style guide
      package: flax
      deprecated: "0.0"
      replacement: "0.0"
      fix_safety: none
      hint: use logging
      examples: [{deprecated: "print(1)\\n", at: ["1:1"]}]
      lookalikes: ["log(1)\\n"]
      proof: {program: "print(1)\\n", fixed_program: "import logging\\n"}
""")


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    return tmp_path


def test_reports_line_and_true_column_and_honours_noqa(project):
    run = flake8("--select", "FLX", "m.py", cwd=project)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0] == EXPECTED
    assert [line.split(":")[1] for line in lines] == ["4", "7"]  # b and c are suppressed, d is not


def test_stdin_with_display_name_does_not_read_the_file(project):
    run = flake8("--select", "FLX", "-", "--stdin-display-name", "m.py", cwd=project / "..", stdin=SOURCE)
    assert run.stdout.splitlines()[0] == EXPECTED


def test_per_file_ignores(project):
    run = flake8("--select", "FLX", "--per-file-ignores", "m.py:FLX201", "m.py", cwd=project)
    assert run.returncode == 0 and run.stdout == ""


def test_parallel_jobs_give_the_same_findings(project):
    for i in range(6):
        (project / f"copy{i}.py").write_text(SOURCE)
    one = flake8("--select", "FLX", "-j", "1", ".", cwd=project)
    two = flake8("--select", "FLX", "-j", "2", ".", cwd=project)
    assert one.stdout and sorted(one.stdout.splitlines()) == sorted(two.stdout.splitlines())


def test_target_version_before_the_change_is_silent(project):
    assert flake8("--select", "FLX", "--flax-target-version", "0.10.7", "m.py", cwd=project).stdout == ""


def test_target_version_from_config(project):
    (project / "setup.cfg").write_text("[flake8]\nflax-target-version = 0.10.7\n")
    run = subprocess.run([sys.executable, "-m", "flake8", "--select", "FLX", "m.py"], cwd=project,
                         capture_output=True, text=True)
    assert run.stdout == ""


def test_advisory_rules_are_opt_in(project):
    rules = project / "team-rules"
    rules.mkdir()
    (rules / "FLX990.yml").write_text(ADVISORY_RULE)
    (project / "p.py").write_text("print('hi')\n")
    base = ["--flax-extra-rules", str(rules), "p.py"]
    assert flake8("--select", "FLX", *base, cwd=project).stdout == ""
    assert "FLX990" in flake8("--select", "FLX", "--flax-advisory", *base, cwd=project).stdout
    assert "FLX990" in flake8("--select", "FLX990", *base, cwd=project).stdout
    assert "FLX990" in flake8("--flax-advisory", *base, cwd=project).stdout  # no --select needed
    assert "FLX990" not in flake8("--flax-advisory", "--extend-ignore", "FLX990", *base, cwd=project).stdout
    check = [sys.executable, "-m", "flake8_flax", "check", "--flax-extra-rules", str(rules), "p.py"]
    assert "FLX990" not in subprocess.run(check, cwd=project, capture_output=True, text=True).stdout
    assert "FLX990" in subprocess.run([*check, "--flax-advisory"], cwd=project, capture_output=True, text=True).stdout


def test_bad_extra_rule_file_is_one_clear_error(project):
    rules = project / "team-rules"
    rules.mkdir()
    (rules / "bad.yml").write_text(ADVISORY_RULE.replace("severity: info", "severity: info\ncolour: red"))
    run = flake8("--select", "FLX", "--flax-extra-rules", str(rules), "m.py", cwd=project)
    assert run.returncode == 2
    assert "bad.yml: colour: unknown top-level key" in run.stderr
    assert "Traceback" not in run.stderr
