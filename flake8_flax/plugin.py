"""The flake8 adapter: ``flake8 --select FLX``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from flake8_flax import __version__
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
from flake8_flax.targets import parse_targets


class FlaxChecker:
    """Reports every rule finding as ``FLXnnn message; fix: hint``.

    flake8 hands over the buffer's ``lines`` (editors lint unsaved text through ``flake8 -``), so the file
    on disk is never read. Rules load lazily, once per process.
    """

    name = "flake8-flax"
    version = __version__
    extra_rules: tuple[str, ...] = ()
    targets: dict[str, tuple[int, ...]] = {}

    def __init__(self, tree: ast.AST, lines: list[str]):
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--flax-target-version", parse_from_config=True, default=None, metavar="VERSION",
            help="Flax version the code must run on (default: the newest the rules know). Rules whose old form "
                 "is still fine there are not reported; fixes whose replacement does not exist yet are withheld.")
        manager.add_option(
            "--jax-target-version", parse_from_config=True, default=None, metavar="VERSION",
            help="JAX version the code must run on, for the JAX rules (default: the newest the rules know).")
        manager.add_option(
            "--flax-extra-rules", parse_from_config=True, comma_separated_list=True, default=[], metavar="DIRS",
            help="Directories of a team's own rule files (same format as the bundled rules/).")
        manager.extend_default_ignore(load_catalog().advisory_codes)

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.extra_rules = tuple(options.flax_extra_rules or ())
        cls.targets = parse_targets(options.flax_target_version, options.jax_target_version)
        load_catalog(cls.extra_rules)  # fail early, in the main process, on a bad extra rule file

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in lint("".join(self.lines), load_catalog(self.extra_rules), self.targets):
            yield finding.line, finding.col, f"{finding.code} {finding.text}", type(self)
