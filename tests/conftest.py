"""Shared fixtures: the bundled catalog, and running Python programs on the pinned JAX/Flax."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_flax.catalog import load_catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


def run_python(source: str, directory: Path, *, werror: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``source`` as a script in a fresh interpreter (DeprecationWarnings raised as errors)."""
    script = directory / "program.py"
    script.write_text(source, encoding="utf-8")
    flags = ["-W", "error::DeprecationWarning"] if werror else []
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, *flags, str(script)], capture_output=True, text=True,
                          cwd=directory, env=env, timeout=timeout)
