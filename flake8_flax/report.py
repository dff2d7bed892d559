"""Output formats of ``flake8-flax check``: text, json, sarif, github."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from flake8_flax import __version__, docs
from flake8_flax.catalog import Catalog
from flake8_flax.engine import Finding


@dataclass(frozen=True)
class Located:
    """A finding in a file (``cell`` is the notebook cell number, or None for a .py file)."""

    path: str
    cell: int | None
    line: int  # within the cell for a notebook
    finding: Finding

    @property
    def where(self) -> str:
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.finding.col + 1}"


def text(items: list[Located]) -> str:
    return "".join(f"{i.where}: {i.finding.code} {i.finding.text}\n" for i in items)


def github(items: list[Located]) -> str:
    def esc(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    out = []
    for item in items:
        f = item.finding
        level = "error" if f.rule.severity == "error" else "warning"
        cell = f" (cell {item.cell})" if item.cell is not None else ""
        out.append(f"::{level} file={esc(item.path)},line={item.line},col={f.col + 1},title={f.code}::"
                   f"{esc(f.code + ' ' + f.text + cell)}\n")
    return "".join(out)


def as_json(items: list[Located]) -> str:
    rows = [{
        "path": item.path, "cell": item.cell, "line": item.line, "column": item.finding.col + 1,
        "end_line": item.line + item.finding.end_line - item.finding.line, "end_column": item.finding.end_col + 1,
        "code": item.finding.code, "message": item.finding.message,
        "fix": item.finding.hint, "fix_safety": item.finding.rule.fix_safety if item.finding.edit else "none",
        "severity": item.finding.rule.severity,
    } for item in items]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def sarif(items: list[Located], catalog: Catalog) -> str:
    levels = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}
    used = sorted({item.finding.code for item in items})
    rules = []
    for code in used:
        head = catalog.by_code(code)[0]
        rules.append({"id": code, "name": head.meta["name"], "shortDescription": {"text": docs.summary(catalog, head)},
                      "fullDescription": {"text": docs.filled(catalog, head, head.note)},
                      "helpUri": head.url or None})
    results = []
    for item in items:
        f = item.finding
        region = {"startLine": item.line, "startColumn": f.col + 1,
                  "endLine": item.line + f.end_line - f.line, "endColumn": f.end_col + 1}
        results.append({
            "ruleId": f.code, "level": levels[f.rule.severity],
            "message": {"text": f.text + (f" (cell {item.cell})" if item.cell is not None else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": item.path}, "region": region}}],
        })
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "flake8-flax", "version": __version__, "rules": rules}},
                  "results": results}],
    }
    return json.dumps(log, indent=2) + "\n"


def statistics(items: list[Located]) -> str:
    counts = Counter(item.finding.code for item in items)
    messages = {item.finding.code: item.finding.message for item in items}
    return "".join(f"{counts[code]:<5} {code} {messages[code]}\n" for code in sorted(counts))
