"""Apply the fixes of findings to a source text: non-overlapping edits, needed imports, repeat until stable."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from flake8_flax.catalog import Catalog, Rule
from flake8_flax.comments import LINE_END, line_starts
from flake8_flax.engine import Edit, Finding, lint
from flake8_flax.noqa import NoqaFilter, file_is_ignored
from flake8_flax.sources import import_floor, syntax_error

MAX_ROUNDS = 10


@dataclass
class FixResult:
    source: str
    fixed: list[Finding] = field(default_factory=list)  # the findings whose fix was applied, all rounds
    error: str | None = None  # set when the file cannot be fixed; ``source`` is then the input
    converged: bool = True  # False when fixes still changed the text after MAX_ROUNDS rounds


def apply_edits(source: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply edits in one pass (linear in the text), skipping any that overlap an earlier-starting one."""
    chosen: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if chosen and edit.start < chosen[-1].end:
            continue
        chosen.append(edit)
    pieces, last = [], 0
    for edit in chosen:
        pieces += (source[last : edit.start], edit.text)
        last = edit.end
    pieces.append(source[last:])
    return "".join(pieces), chosen


def _parse(source: str) -> list[ast.stmt] | None:
    try:
        return ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _import_anchor(source: str, body: list[ast.stmt], floor: int) -> int:
    """Where new imports go: after the module docstring, ``__future__`` imports and the first import block,
    else just before the first statement (below a shebang, an encoding line and leading comments). In a notebook
    only statements from ``floor`` on count (the first plain Python cell, below its magics)."""
    starts = line_starts(source)

    def start_of(line: int) -> int:
        return starts[line - 1] if line <= len(starts) else len(source)

    anchor_line, seen = None, 0
    for node in body:
        line = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if start_of(line) < floor:
            continue
        is_doc = (seen == 0 and floor == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str))
        seen += 1
        if is_doc or isinstance(node, (ast.Import, ast.ImportFrom)):
            anchor_line = node.end_lineno + 1
            continue
        if anchor_line is None or line < anchor_line:
            anchor_line = line
        break
    return floor if anchor_line is None else start_of(anchor_line)


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


def _with_imports(source: str, statements: list[str], floor: int = 0) -> str | None:
    """``source`` plus each import statement whose names the module does not already bind the same way at top
    level; None when the module cannot be parsed to tell."""
    if not statements:
        return source
    body = _parse(source)
    if body is None:
        return None
    present = _bindings(body)
    missing = [s for s in dict.fromkeys(statements) if not _bindings(ast.parse(s).body) <= present]
    if not missing:
        return source
    found = LINE_END.search(source)
    newline = found.group(0) if found else "\n"
    anchor = _import_anchor(source, body, floor)
    prefix = newline if anchor and source[anchor - 1] not in "\r\n" else ""
    return source[:anchor] + prefix + newline.join(missing) + newline + source[anchor:]


def add_imports(source: str, statements: list[str]) -> str:
    """Add the missing import statements; the text is returned unchanged when it cannot be parsed."""
    added = _with_imports(source, statements)
    return source if added is None else added


def parses(source: str) -> bool:
    """Does Python compile ``source``?"""
    return syntax_error(source) is None


def fix_source(
    source: str,
    catalog: Catalog,
    targets: dict[str, tuple[int, ...]] | None = None,
    unsafe: bool = False,
    wanted: Callable[[Rule], bool] | None = None,
    notebook: bool = False,
) -> FixResult:
    """Fix every wanted, unsuppressed finding that has a fix (unsafe ones only when asked), to a fixed point.

    Nothing is changed in a text that Python cannot compile, and a result that would not compile, or whose
    imports cannot be added, is rejected (``error``). ``notebook``: a joined notebook text (sources.read_unit).
    """
    original = source
    result = FixResult(source=source)
    if file_is_ignored(source):
        return result
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if notebook else 0
    for _ in range(MAX_ROUNDS):
        noqa = NoqaFilter(source)
        todo = [
            f for f in lint(source, catalog, targets, wanted)
            if f.edit is not None and (unsafe or f.rule.fix_safety == "safe")
            and not noqa.suppressed(f.line, f.col, f.code)
        ]
        if not todo:
            break
        if not result.fixed and syntax_error(source, flags):
            return FixResult(source=original, error="it does not compile; not fixed")
        new_source, applied = apply_edits(source, [f.edit for f in todo])
        applied_ids = {id(e) for e in applied}
        done = [f for f in todo if id(f.edit) in applied_ids]
        imports = [imp for f in done for imp in f.imports]
        new_source = _with_imports(new_source, imports, import_floor(new_source) if notebook else 0)
        if new_source is None:
            return FixResult(source=original, error="the fixed code does not parse, so the imports its fixes "
                                                    "need cannot be added; not fixed")
        if new_source == source:
            break
        source = new_source
        result.fixed.extend(done)
    else:
        result.converged = False
    problem = syntax_error(source, flags) if source != original else None
    if problem:
        return FixResult(source=original, error=f"the fixed code would not compile ({problem}); not fixed")
    result.source = source
    return result
