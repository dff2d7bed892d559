"""Target versions given by the user (``--flax-target-version`` / ``--jax-target-version``)."""

from __future__ import annotations

from flake8_flax.catalog import parse_version


def parse_targets(flax: str | None = None, jax: str | None = None) -> dict[str, tuple[int, ...]]:
    """Only the versions the user gave; the engine fills in the newest known for the rest."""
    given = {"flax": flax, "jax": jax}
    return {package: parse_version(version) for package, version in given.items() if version}
