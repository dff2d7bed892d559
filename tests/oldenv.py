"""Virtual environments with the old Flax/JAX releases the guides were written for.

Created on demand from PyPI, cached between runs under ``$FLAKE8_FLAX_VENV_CACHE`` (default
``~/.cache/flake8-flax/venvs``) and shared safely between pytest-xdist workers (a file lock). Every package is
pinned by ``tests/old-releases/<name>.txt``, recorded once (``pip freeze``) from the first working install; commit
it. When an old release cannot be installed, the tests that need it are skipped with the reason, except with the
environment variable ``CI`` set: there they fail, so that a green CI run means the old behaviour was compared.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("FLAKE8_FLAX_VENV_CACHE", Path.home() / ".cache" / "flake8-flax" / "venvs"))
PINS = Path(__file__).resolve().parent / "old-releases"


def venv_name(spec: str) -> str:
    """``flax==0.10.7 jax==0.6.2`` -> ``flax-0.10.7-jax-0.6.2``: the venv's directory and its pins' file name."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", spec).strip("-")


def old_python(spec: str) -> Path:
    """The interpreter of a cached venv holding ``spec`` (e.g. ``flax==0.10.7 jax==0.6.2 jaxlib==0.6.2``)."""
    name = venv_name(spec)
    home = CACHE / name
    python = home / "bin" / "python"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / "READY").exists():
            return python
        venv.create(home, with_pip=True, clear=True)
        pins = PINS / f"{name}.txt"
        constraints = ["-c", str(pins)] if pins.exists() else []
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", *constraints, *spec.split()],
                                 capture_output=True, text=True, timeout=1800)
        if install.returncode != 0:
            unavailable(f"cannot install {spec}: {install.stderr.strip().splitlines()[-1:]}")
        if not pins.exists():
            freeze = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude", "pip", "--exclude",
                                     "setuptools"], capture_output=True, text=True, check=True)
            pins.write_text(freeze.stdout)
        (home / "READY").write_text(spec + "\n")
    return python


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when ``CI`` is set (a skipped comparison must not pass as a proof)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: an old release that cannot be installed fails the run)")
    pytest.skip(reason)


def run_with(python: Path | str, source: str, directory: Path) -> subprocess.CompletedProcess:
    """Run ``source`` with the given interpreter, DeprecationWarnings as errors."""
    script = directory / f"program_{abs(hash(str(python)))}.py"
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONHASHSEED": "0"}
    return subprocess.run([str(python), "-W", "error::DeprecationWarning", str(script)], capture_output=True,
                          text=True, cwd=directory, env=env, timeout=600)


CURRENT = Path(sys.executable)
