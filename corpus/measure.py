"""Per-code precision and recall of flake8-flax on the hand-labelled corpus (corpus/labels.csv).

Fetches nothing. Each labelled file is read either from an extracted checkout
``ROOT/<owner>+<name>@<commit>/<path>`` (``--root``) or from a bare git mirror
``MIRRORS/<owner>+<name>/repo`` (``--mirrors``, read with ``git show commit:path``), then linted with the
engine's default selection (advisory rules off, newest targets), the same findings ``flake8-flax check`` reports.

    python corpus/measure.py --mirrors /work/.mirror            # or --root /tmp/corpus
    python corpus/measure.py --mirrors /work/.mirror --markdown # the README table

A finding on a labelled file at a (line, code) nobody labelled is listed as unlabelled and is not counted.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint

HERE = Path(__file__).resolve().parent


def read_source(repo: str, commit: str, path: str, root: Path | None, mirrors: Path | None) -> str:
    slug = repo.replace("/", "+", 1)
    if root is not None:
        return (root / f"{slug}@{commit}" / path).read_text(encoding="utf-8")
    git_dir = mirrors / slug / "repo"
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True, encoding="utf-8").stdout


def load_labels(path: Path) -> dict[tuple, dict[tuple[int, str], tuple[str, str]]]:
    """{(repo, commit, path): {(line, code): (label, note)}}"""
    files: dict[tuple, dict] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["label"] not in ("deprecated", "lookalike"):
                raise SystemExit(f"bad label {row['label']!r} in {row}")
            files[(row["repo"], row["commit"], row["path"])][(int(row["line"]), row["code"])] = (
                row["label"], row["note"])
    return files


def measure(files, root, mirrors):
    catalog = load_catalog()
    advisory = set(catalog.advisory_codes)
    wanted = lambda rule: rule.code not in advisory  # noqa: E731 - the default selection
    counts: dict[str, Counter] = defaultdict(Counter)
    misses, false_pos, unlabelled = [], [], []
    for (repo, commit, path), labels in sorted(files.items()):
        source = read_source(repo, commit, path, root, mirrors)
        found = {(f.line, f.code) for f in lint(source, catalog, None, wanted)}
        where = f"{repo}@{commit[:10]}:{path}"
        for (line, code), (label, note) in sorted(labels.items()):
            hit = (line, code) in found
            kind = {("deprecated", True): "TP", ("deprecated", False): "FN",
                    ("lookalike", True): "FP", ("lookalike", False): "TN"}[(label, hit)]
            counts[code][kind] += 1
            if kind == "FN":
                misses.append(f"{where}:{line} {code} ({note})")
            elif kind == "FP":
                false_pos.append(f"{where}:{line} {code} ({note})")
        for line, code in sorted(found - set(labels)):
            counts[code]["unlabelled"] += 1
            unlabelled.append(f"{where}:{line} {code}")
    return counts, misses, false_pos, unlabelled


def ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "-"


def table(counts: dict[str, Counter], markdown: bool) -> list[str]:
    head = ["code", "precision", "recall", "TP", "FP", "FN", "TN", "unlabelled"]
    rows = []
    total = Counter()
    for code in sorted(counts):
        c = counts[code]
        total.update(c)
        rows.append([code, ratio(c["TP"], c["TP"] + c["FP"]), ratio(c["TP"], c["TP"] + c["FN"]),
                     *(str(c[k]) for k in ("TP", "FP", "FN", "TN", "unlabelled"))])
    rows.append(["all", ratio(total["TP"], total["TP"] + total["FP"]), ratio(total["TP"], total["TP"] + total["FN"]),
                 *(str(total[k]) for k in ("TP", "FP", "FN", "TN", "unlabelled"))])
    if markdown:
        return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    return [" ".join(f"{cell:>10}" for cell in r) for r in [head] + rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--root", type=Path, help="directory of extracted checkouts <owner>+<name>@<commit>/")
    source.add_argument("--mirrors", type=Path, help="directory of bare mirrors <owner>+<name>/repo")
    parser.add_argument("--labels", type=Path, default=HERE / "labels.csv")
    parser.add_argument("--markdown", action="store_true", help="print only the table, as markdown")
    args = parser.parse_args(argv)
    counts, misses, false_pos, unlabelled = measure(load_labels(args.labels), args.root, args.mirrors)
    print("\n".join(table(counts, args.markdown)))
    if not args.markdown:
        for title, items in (("false negatives", misses), ("false positives", false_pos),
                             ("unlabelled findings", unlabelled)):
            print(f"\n{title} ({len(items)}):")
            print("\n".join(f"  {item}" for item in items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
