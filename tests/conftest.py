"""Shared fixtures: the bundled catalog, and running Python programs on the pinned JAX/Flax."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from flake8_flax.catalog import load_catalog
from oldenv import CURRENT, run_with

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


def run_python(source: str, directory: Path) -> subprocess.CompletedProcess:
    """Run ``source`` on the pinned JAX/Flax in a fresh interpreter (DeprecationWarnings raised as errors)."""
    return run_with(CURRENT, source, directory)
