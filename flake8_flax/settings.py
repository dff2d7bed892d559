"""Settings shared with the flake8 plugin: ``[flake8]`` in setup.cfg / tox.ini / .flake8, and selection."""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").replace("\n", ",").split(",") if item.strip()]


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def read_flake8_config(start: Path) -> dict[str, str]:
    """The ``[flake8]`` section of the first config file found from ``start`` upwards (as flake8 looks)."""
    for directory in [start, *start.parents]:
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(candidate, encoding="utf-8")
            except configparser.Error:
                continue
            if parser.has_section("flake8"):
                return {key.replace("_", "-"): value for key, value in parser.items("flake8")}
    return {}


def advisory_wanted(code: str, explicit_select: list[str], flag: bool) -> bool:
    """An advisory code is reported only with ``--flax-advisory`` or when selected more specifically than
    ``FLX`` (``--select FLX9``, ``--extend-select FLX207``), so ``--select FLX`` keeps the advice off."""
    return flag or any(code.startswith(p) and len(p) > 3 for p in explicit_select)


@dataclass
class Selection:
    """flake8's decision rule (explicit beats implicit; in both lists the longest prefix wins), plus the
    advisory gate of :func:`advisory_wanted`."""

    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    advisory: frozenset[str] = frozenset()
    advisory_flag: bool = False

    def __call__(self, code: str) -> bool:
        explicit = self.select + self.extend_select

        def longest(prefixes: list[str]) -> int:
            return max((len(p) for p in prefixes if code.startswith(p)), default=0)

        if code in self.advisory and not advisory_wanted(code, explicit, self.advisory_flag):
            return False
        chosen, ignored = longest(explicit), longest(self.ignore)
        if chosen and ignored:
            return chosen > ignored
        if chosen or ignored:
            return bool(chosen)
        return not self.select


@dataclass
class Settings:
    flax_target: str | None = None
    jax_target: str | None = None
    extra_rules: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    selection: Selection = field(default_factory=Selection)


def merge(config: dict[str, str], args: dict[str, object]) -> Settings:
    """Command-line values win over the config file's. From the config only the plugin's own settings and
    the excludes are read: a project's ``select = E,F,W`` for flake8 must not switch this command off."""

    def pick(key: str) -> str | None:
        value = args.get(key.replace("-", "_"))
        return value if value not in (None, [], ()) else config.get(key)

    def pick_list(key: str) -> list[str]:
        value = args.get(key.replace("-", "_"))
        return list(value) if value else _split(config.get(key))

    return Settings(
        flax_target=pick("flax-target-version"),
        jax_target=pick("jax-target-version"),
        extra_rules=tuple(pick_list("flax-extra-rules")),
        exclude=tuple(pick_list("exclude") + pick_list("extend-exclude")),
        selection=Selection(select=list(args.get("select") or []), extend_select=list(args.get("extend_select") or []),
                            ignore=list(args.get("ignore") or []),
                            advisory_flag=bool(args.get("flax_advisory")) or _true(config.get("flax-advisory"))),
    )
