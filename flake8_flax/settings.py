"""Settings shared with flake8: flake8's own option machinery reads ``[flake8]`` (setup.cfg, tox.ini, .flake8) and
the command line, and its style guides decide, so ``ignore``, ``extend-ignore``, ``per-file-ignores``,
``exclude`` and ``extend-exclude`` mean exactly what they mean to flake8."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from flake8.discover_files import expand_paths
from flake8.options.config import _find_config_file
from flake8.options.parse_args import parse_args
from flake8.style_guide import Decision, StyleGuide, StyleGuideManager

from flake8_flax.catalog import Rule, advisory_wanted
from flake8_flax.sources import SourceError

# The command's options that are flake8's (or the plugin's) options too, passed to flake8 as they are.
FLAKE8_OPTIONS = ("select", "extend_select", "ignore", "extend_ignore", "per_file_ignores", "exclude",
                  "extend_exclude", "flax_target_version", "jax_target_version", "flax_extra_rules")
NOTEBOOKS = "*.ipynb"
CHECKPOINTS = ".ipynb_checkpoints"  # Jupyter's copies of the notebooks


def flake8_argv(args: dict[str, object], root: Path | None = None) -> list[str]:
    """The command's values as flake8 arguments (lists joined by commas, as flake8 reads them); with ``root``,
    the config file flake8 finds from there (else none) instead of the one it finds from the working directory."""
    argv = []
    if root is not None:
        found = _find_config_file(str(root))
        argv += [f"--config={found}"] if found else ["--isolated"]
    for key in FLAKE8_OPTIONS:
        value = args.get(key)
        if value:
            argv.append(f"--{key.replace('_', '-')}={value if isinstance(value, str) else ','.join(value)}")
    if args.get("flax_advisory"):
        argv.append("--flax-advisory")
    return argv


class Settings:
    """flake8's options for this run (config file, then the command line) and its per-file style guides.

    One difference, on purpose: ``select`` comes only from the command line. A project's ``select = E,W`` is
    the list for flake8's own run and must not switch this command off; ``extend-select`` is read as flake8 does.
    """

    def __init__(self, args: dict[str, object], root: Path | None = None):
        _, options = parse_args(flake8_argv(args, root))
        options.select = list(args["select"]) if args.get("select") else None
        self.options = options
        self.flax_target: str | None = options.flax_target_version
        self.jax_target: str | None = options.jax_target_version
        self.extra_rules = tuple(options.flax_extra_rules or ())
        self.stdin_name = str(args.get("stdin_display_name") or "stdin")  # what `-` is called, as in flake8
        self.guides = StyleGuideManager(options, formatter=None)
        self._wanted: dict[int, Callable[[Rule], bool]] = {}

    def files(self, paths: list[str]) -> Iterator[Path]:
        """The files flake8 would lint under ``paths`` (same excludes and ``filename`` patterns), plus notebooks
        outside ``.ipynb_checkpoints``; each argument's files in sorted order."""
        patterns = [*self.options.filename, NOTEBOOKS]
        exclude = [*self.options.exclude, *self.options.extend_exclude, CHECKPOINTS]
        for name in paths or ["."]:
            if name != "-" and not os.path.lexists(name):
                raise SourceError(f"{name}: no such file or directory")
            found = expand_paths(paths=[name], stdin_display_name=self.stdin_name, filename_patterns=patterns,
                                 exclude=exclude)
            yield from (Path(found_name) for found_name in sorted(found))

    def wanted_for(self, path: Path | str) -> Callable[[Rule], bool]:
        """Does flake8's style guide for ``path`` (``per-file-ignores`` included) report the rule's code? One
        function per style guide, so that the engine plans the rules once per guide, not once per file."""
        guide = self.guides.style_guide_for(str(path))
        if id(guide) not in self._wanted:
            self._wanted[id(guide)] = self._wanted_by(guide)
        return self._wanted[id(guide)]

    def _wanted_by(self, guide: StyleGuide) -> Callable[[Rule], bool]:
        explicit = [*(self.options.select or []), *(self.options.extend_select or [])]
        advisory_flag = bool(self.options.flax_advisory)

        def wanted(rule: Rule) -> bool:
            if rule.advisory and not advisory_wanted(rule.code, explicit, advisory_flag):
                return False
            return guide.should_report_error(rule.code) is Decision.Selected

        return wanted
