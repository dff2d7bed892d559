"""The flake8 adapter: ``flake8 --select FLX``."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flake8.style_guide import Decision, DecisionEngine

from flake8_flax import __version__
from flake8_flax.catalog import Rule, RuleError, advisory_wanted, load_catalog
from flake8_flax.engine import lint
from flake8_flax.targets import parse_targets

if TYPE_CHECKING:
    from flake8_flax.results import Results


class FlaxChecker:
    """Reports every rule finding as ``FLXnnn message; fix: hint``.

    flake8 hands over the buffer's ``lines`` (editors lint unsaved text through ``flake8 -``), so the file
    on disk is never read. Rules load lazily, once per process.
    """

    name = "flake8-flax"
    version = __version__
    extra_rules: tuple[str, ...] = ()
    targets: dict[str, tuple[int, ...]] = {}
    explicit_select: list[str] = []
    advisory_flag = False
    decider: DecisionEngine | None = None
    results: Results | None = None

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
        manager.add_option(
            "--flax-advisory", parse_from_config=True, action="store_true", default=False,
            help="Also report the advisory rules (Linen -> NNX advice), which are off by default.")
        manager.add_option(
            "--flax-cache", parse_from_config=True, action="store_true", default=False,
            help="Keep each file's findings in an on-disk cache keyed by its text, the settings and the rules.")
        manager.add_option(
            "--flax-no-cache", action="store_true", default=False,
            help="Do not use the findings cache (as FLAKE8_FLAX_NO_CACHE=1), even if the configuration asks for it.")
        manager.extend_default_ignore(_catalog().advisory_codes)

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.extra_rules = tuple(options.flax_extra_rules or ())
        cls.explicit_select = list(options.select or []) + list(options.extend_select or [])
        cls.advisory_flag = bool(options.flax_advisory)
        if cls.advisory_flag:  # the advisory codes are off through flake8's default ignore only: lift it
            advisory = set(_catalog(cls.extra_rules).advisory_codes)
            options.extended_default_ignore = [c for c in options.extended_default_ignore if c not in advisory]
        cls.decider = DecisionEngine(options)
        try:
            cls.targets = parse_targets(options.flax_target_version, options.jax_target_version)
        except ValueError as exc:
            _exit(f"--flax-target-version / --jax-target-version: {exc}")
        catalog = _catalog(cls.extra_rules)  # report a bad extra rule file once, in the main process
        cls.results = None
        if options.flax_cache and not options.flax_no_cache:
            from flake8_flax.results import open_results  # (only then: a plain run does not import it)

            cls.results = open_results(True, cls.extra_rules, [r.id for r in catalog.rules if cls.wanted(r)],
                                       cls.targets)

    @classmethod
    def wanted(cls, rule: Rule) -> bool:
        """Rules flake8 would drop anyway (``--select E,W``, ``--ignore FLX5``) are not run at all; per-file
        ignores only ever drop more, so flake8's own filter still has the last word."""
        if rule.advisory and not advisory_wanted(rule.code, cls.explicit_select, cls.advisory_flag):
            return False
        return cls.decider is None or cls.decider.decision_for(rule.code) is Decision.Selected

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        for line, col, text in self.results.rows(source, self._rows) if self.results else self._rows(source):
            yield line, col, text, type(self)

    def _rows(self, source: str) -> list[tuple[int, int, str]]:
        found = lint(source, _catalog(self.extra_rules), self.targets, self.wanted)
        return [(finding.line, finding.col, f"{finding.code} {finding.text}") for finding in found]


def _catalog(extra: tuple[str, ...] = ()):
    try:
        return load_catalog(extra, lean=True)
    except RuleError as exc:
        _exit(str(exc))


def _exit(message: str) -> None:
    print(f"flake8-flax: error: {message}", file=sys.stderr)
    raise SystemExit(2)
