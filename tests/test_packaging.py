"""The wheel works on its own: build it, install it into a fresh virtual environment, and use it as a new user
would (flake8, every rule's `explain`, `rules`, `check | head -1`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_in_a_fresh_venv(tmp_path):
    """One build and one venv (most of the time), then each use as its own check."""
    installed = _install_the_wheel(tmp_path / "wheel")
    work = tmp_path / "work"
    for check in (_flake8_finds_the_examples, _explain_works_for_every_rule, _check_into_head_ends_quietly):
        work.mkdir()
        check(installed, work)
        shutil.rmtree(work)


def _install_the_wheel(tmp: Path) -> Path:
    """The bin/ directory of a fresh venv with only the wheel (and its dependencies) installed."""
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("flake8_flax-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "flake8_flax/rules/FLX201.yml" in names and "flake8_flax/rule-utils/compat-shim.yml" in names
    assert "pyproject.toml" not in {Path(name).name for name in names}  # explain must not need it
    venv.create(tmp / "venv", with_pip=True)
    bin_dir = tmp / "venv" / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True)
    return bin_dir


def _flake8_finds_the_examples(installed: Path, tmp_path: Path) -> None:
    python = installed / "python"
    run = subprocess.run([str(python), "-m", "flake8", "--isolated", "--select", "FLX", "nnx_010_training.py"],
                         cwd=ROOT / "examples", capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "nnx_010_training.py:21:13: FLX201 nnx.Optimizer needs wrt= since Flax 0.11.0" in run.stdout
    where = subprocess.run([str(python), "-c", "import flake8_flax.catalog as c; print(c.bundled_rules_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(installed.parent) in where  # the rules came from the installed wheel, not from this checkout


def _explain_works_for_every_rule(installed: Path, tmp_path: Path) -> None:
    """`explain` reads the pinned versions from the installed metadata (the wheel has no pyproject.toml)."""
    pins = dict(re.findall(r'"(flax|jax)==([\w.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    run = subprocess.run([str(installed / "flake8-flax"), "explain", "FLX201"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert f"Behaviour compared across releases (flax 0.10.7 → {pins['flax']}, jax 0.6.2 → {pins['jax']})" in run.stdout
    every = ("import sys\nfrom flake8_flax import cli, docs\nfrom flake8_flax.catalog import load_catalog\n"
             "codes = list(docs.codes(load_catalog()))\n"
             "failed = [c for c in codes if cli.main(['explain', c]) != 0]\n"
             "print(len(codes), 'codes; failed:', failed, file=sys.stderr)\n")
    run = subprocess.run([str(installed / "python"), "-c", every], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    count = int(run.stderr.split()[0])
    assert run.stderr.strip().endswith("failed: []") and count >= 70 and run.stdout.count("\n## Verified") == count
    assert not re.search(r"\$[A-Z]", re.sub(r"```python\n.*?```", "", run.stdout, flags=re.S))
    rules = subprocess.run([str(installed / "flake8-flax"), "rules"], cwd=tmp_path, capture_output=True, text=True)
    assert rules.returncode == 0 and rules.stdout.count("| [FLX") == count


def _check_into_head_ends_quietly(installed: Path, tmp_path: Path) -> None:
    """`check | head -1` on more output than a pipe holds: one line, no traceback."""
    for copy in range(150):
        for example in (ROOT / "examples").glob("*.py"):
            shutil.copy(example, tmp_path / f"{example.stem}_{copy}.py")
    run = subprocess.run(f"'{installed / 'flake8-flax'}' check . | head -1", shell=True, cwd=tmp_path,
                         capture_output=True, text=True, executable="/bin/bash")
    assert len(run.stdout.splitlines()) == 1 and ": FLX" in run.stdout
    assert run.stderr == "", run.stderr
