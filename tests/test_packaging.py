"""The wheel ships the rules: build it, install it into a fresh virtual environment, lint an example."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_flake8_finds_the_examples(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("flake8_flax-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "flake8_flax/rules/FLX201.yml" in names and "flake8_flax/rule-utils/compat-shim.yml" in names
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    run = subprocess.run([str(python), "-m", "flake8", "--isolated", "--select", "FLX", "nnx_010_training.py"],
                         cwd=ROOT / "examples", capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "nnx_010_training.py:21:13: FLX201 nnx.Optimizer needs wrt= since Flax 0.11.0" in run.stdout
    where = subprocess.run([str(python), "-c", "import flake8_flax.catalog as c; print(c.bundled_rules_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(env) in where  # the rules came from the installed wheel, not from this checkout
