"""Apply the fixes of findings to a source text: non-overlapping edits, needed imports, repeat until stable."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from flake8_flax.catalog import Catalog, Rule
from flake8_flax.engine import Edit, Finding, lint
from flake8_flax.noqa import NoqaFilter, file_is_ignored

MAX_ROUNDS = 10


@dataclass
class FixResult:
    source: str
    fixed: list[Finding] = field(default_factory=list)  # the findings whose fix was applied, all rounds
    error: str | None = None  # set when the fixed text no longer parses; ``source`` is then the input


def apply_edits(source: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply edits from the end backwards, skipping any that overlap an earlier-starting one."""
    chosen: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if chosen and edit.start < chosen[-1].end:
            continue
        chosen.append(edit)
    for edit in reversed(chosen):
        source = source[: edit.start] + edit.text + source[edit.end :]
    return source, chosen


def _import_anchor(source: str) -> int:
    """Character offset after the module docstring, ``__future__`` imports and the first import block."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return 0
    lines = source.splitlines(keepends=True)
    last = 0
    for node in body:
        is_doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is body[0]
        if is_doc or isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node.end_lineno
        else:
            break
    return sum(len(line) for line in lines[:last])


def _bindings(nodes: list[ast.stmt]) -> set[tuple[str, str]]:
    """(bound name, what it refers to) for each import statement: ``from flax import nnx`` -> (nnx, flax.nnx)."""
    bound = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                bound.add((name, alias.name if alias.asname else name))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound.add((alias.asname or alias.name, f"{'.' * node.level}{node.module or ''}.{alias.name}"))
    return bound


def add_imports(source: str, statements: list[str]) -> str:
    """Add each import statement whose names the module does not already bind the same way at top level."""
    try:
        present = _bindings(ast.parse(source).body)
    except SyntaxError:
        return source
    missing = [s for s in dict.fromkeys(statements) if not _bindings(ast.parse(s).body) <= present]
    if not missing:
        return source
    newline = "\r\n" if "\r\n" in source else "\n"
    anchor = _import_anchor(source)
    prefix = "" if anchor == 0 or source[anchor - 1] == "\n" else newline
    return source[:anchor] + prefix + newline.join(missing) + newline + source[anchor:]


def parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def fix_source(
    source: str,
    catalog: Catalog,
    targets: dict[str, tuple[int, ...]] | None = None,
    unsafe: bool = False,
    wanted: Callable[[Rule], bool] | None = None,
) -> FixResult:
    """Fix every wanted, unsuppressed finding that has a fix (unsafe ones only when asked), to a fixed point."""
    original = source
    result = FixResult(source=source)
    if file_is_ignored(source.splitlines(keepends=True)):
        return result
    for _ in range(MAX_ROUNDS):
        noqa = NoqaFilter(source.splitlines(keepends=True))
        todo = [
            f for f in lint(source, catalog, targets, wanted)
            if f.edit is not None and (unsafe or f.rule.fix_safety == "safe")
            and not noqa.suppressed(f.line, f.code)
        ]
        if not todo:
            break
        new_source, applied = apply_edits(source, [f.edit for f in todo])
        applied_ids = {id(e) for e in applied}
        done = [f for f in todo if id(f.edit) in applied_ids]
        imports = [imp for f in done for imp in f.imports]
        new_source = add_imports(new_source, imports)
        if new_source == source:
            break
        source = new_source
        result.fixed.extend(done)
    if source != original and parses(original) and not parses(source):
        return FixResult(source=original, error="the fixed code does not parse; the file was left untouched")
    result.source = source
    return result
