"""Run the rules over one source text: ast-grep-py matching, version gating and fix templates."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from ast_grep_py import SgNode, SgRoot

from flake8_flax.catalog import Catalog, Rule

METAVAR_RE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)")
HINT_WIDTH = 120


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (character offsets) with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    """One match of one rule. ``line`` is 1-based, ``col`` 0-based (flake8's convention)."""

    rule: Rule
    line: int
    col: int
    end_line: int
    message: str
    edit: Edit | None  # None when the rule has no fix or the target version lacks the replacement
    fixed_lines: str = ""  # the edited lines as they read after the fix, for the hint

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def hint(self) -> str:
        if self.edit is None:
            return self.rule.meta.get("hint") or "no automatic fix for the targeted version"
        return _one_line(self.fixed_lines) or "delete the line"

    @property
    def text(self) -> str:
        """The one-line flake8 message: ``<message>; fix: <hint>`` (without the code)."""
        return f"{self.message}; fix: {self.hint}"


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= HINT_WIDTH else flat[: HINT_WIDTH - 3] + "..."


def _substitute(template: str, node: SgNode, source: str) -> str:
    def value(match: re.Match[str]) -> str:
        many, one = match.groups()
        if many:
            nodes = node.get_multiple_matches(many)
            if not nodes:
                return ""
            if nodes[-1].kind() == ",":  # a trailing comma would double up in `f($$$A, extra)`
                nodes = nodes[:-1]
            return source[nodes[0].range().start.index : nodes[-1].range().end.index] if nodes else ""
        transformed = node.get_transformed(one)
        if transformed is not None:
            return transformed
        captured = node.get_match(one)
        return captured.text() if captured is not None else ""

    return METAVAR_RE.sub(value, template)


def _line_bounds(source: str, start: int, end: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", end)
    return line_start, len(source) if line_end == -1 else line_end + 1


def make_edit(rule: Rule, node: SgNode, source: str) -> Edit:
    """Fill the fix template like the ast-grep CLI: metavariables, and re-indented continuation lines.

    An empty fix on a node that stands alone on its lines deletes those lines entirely.
    """
    rng = node.range()
    start, end = rng.start.index, rng.end.index
    line_start, line_end = _line_bounds(source, start, end)
    indent = re.match(r"[ \t]*", source[line_start:start]).group(0)
    template = (rule.fix or "").rstrip("\n").replace("\n", "\n" + indent)
    text = _substitute(template, node, source)
    if not text and not source[line_start:start].strip() and not source[end:line_end].strip():
        return Edit(line_start, line_end, "")
    return Edit(start, end, text)


def _fixed_lines(source: str, edit: Edit) -> str:
    """The whole lines an edit touches, as they read after it."""
    line_start, line_end = _line_bounds(source, edit.start, edit.end)
    return source[line_start : edit.start] + edit.text + source[edit.end : line_end]


_PLANS: dict[tuple, tuple[Catalog, tuple[Rule, ...]]] = {}


def _plan(catalog: Catalog, targets: dict[str, tuple[int, ...]],
          wanted: Callable[[Rule], bool] | None) -> tuple[Rule, ...]:
    """The wanted rules that apply to the targeted versions: worked out once per run, not once per file."""
    key = (id(catalog), tuple(sorted(targets.items())), wanted)
    hit = _PLANS.get(key)
    if hit is None or hit[0] is not catalog:
        if len(_PLANS) > 64:
            _PLANS.clear()
        rules = tuple(rule for rule in catalog.rules if (wanted is None or wanted(rule)) and rule.applies_to(targets))
        hit = _PLANS[key] = (catalog, rules)
    return hit[1]


def active_rules(catalog: Catalog, targets: dict[str, tuple[int, ...]], source: str,
                 wanted: Callable[[Rule], bool] | None = None) -> list[Rule]:
    """Wanted rules that apply to the targeted versions and whose trigger words occur in ``source``."""
    seen: dict[str, bool] = {}

    def occurs(word: str) -> bool:  # each word is searched at most once per file, and only when asked
        if word not in seen:
            seen[word] = word in source
        return seen[word]

    return [rule for rule in _plan(catalog, targets, wanted)
            if all(any(occurs(word) for word in group) for group in rule.triggers)]


def _may_match(root: SgNode, rules: list[Rule]) -> list[Rule]:
    """One combined pass over the tree (``any`` of the rules without constraints): when nothing matches, only
    the rules with constraints, which cannot join an ``any``, still need their own pass."""
    probes = [rule for rule in rules if rule.probe is not None]
    if not probes:
        return rules
    utils: dict = {}
    for rule in probes:
        utils.update(rule.probe["utils"])
    if root.find({"rule": {"any": [rule.probe["rule"] for rule in probes]}, "utils": utils}) is not None:
        return rules
    return [rule for rule in rules if rule.probe is None]


def lint(source: str, catalog: Catalog, targets: dict[str, tuple[int, ...]] | None = None,
         wanted: Callable[[Rule], bool] | None = None) -> list[Finding]:
    """All findings of the wanted rules in ``source``, sorted by position; one finding per rule and node."""
    targets = {**catalog.newest, **(targets or {})}
    rules = active_rules(catalog, targets, source, wanted)
    if not rules:
        return []
    root = SgRoot(source, "python").root()
    file_facts: dict[str, bool] = {}

    def holds(condition: dict) -> bool:
        key = json.dumps(condition, sort_keys=True)
        if key not in file_facts:
            file_facts[key] = root.matches(**condition)
        return file_facts[key]

    rules = [rule for rule in rules if all(holds(c) for c in rule.file_conditions)]
    findings: dict[tuple[str, int, int], Finding] = {}
    for rule in _may_match(root, rules):
        with_fix = rule.fix_available(targets)
        for node in root.find_all(rule.config):
            rng = node.range()
            key = (rule.code, rng.start.index, rng.end.index)
            if key in findings:
                continue
            edit = make_edit(rule, node, source) if with_fix else None
            findings[key] = Finding(
                rule=rule,
                line=rng.start.line + 1,
                col=rng.start.column,
                end_line=rng.end.line + 1,
                message=_one_line(_substitute(rule.message, node, source)),
                edit=edit,
                fixed_lines=_fixed_lines(source, edit) if edit else "",
            )
    return sorted(findings.values(), key=lambda f: (f.line, f.col, f.code))
