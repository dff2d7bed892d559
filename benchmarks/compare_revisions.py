"""The engine's speed at two git revisions, as a ratio measured in one run.

    python benchmarks/compare_revisions.py OLD NEW [--tree DIR ...] [--repeat 3]

Each revision is extracted (``git archive``) into a temporary directory; a fresh process per run imports that
revision's engine, loads its rules and lints every ``.py`` file of the tree (default: the installed flax and
jax packages) with the default selection. Runs alternate between the revisions; each figure is the best CPU time
(user + system) of ``--repeat`` runs. Also prints how many findings each revision reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import count_lines, site_tree

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import os, resource, sys
sys.path.insert(0, sys.argv[1])
os.environ["FLAKE8_FLAX_CACHE_DIR"] = sys.argv[2]
from flake8_flax.catalog import load_catalog
from flake8_flax.engine import lint
catalog = load_catalog()
wanted = lambda rule: not rule.advisory
found = 0
for tree in sys.argv[3:]:
    for path in sorted(__import__("pathlib").Path(tree).rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found += len(lint(source, catalog, None, wanted))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(usage.ru_utime + usage.ru_stime, found)
"""


def extract(revision: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--tree", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = args.tree or site_tree()
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {rev: extract(rev, Path(tmp) / f"rev{i}") for i, rev in enumerate((args.old, args.new))}
        best: dict[str, float] = {}
        counts: dict[str, int] = {}
        for _ in range(args.repeat):
            for rev, directory in dirs.items():
                out = subprocess.run([sys.executable, "-c", CHILD, str(directory), str(directory / ".cache"), *tree],
                                     check=True, capture_output=True, text=True).stdout.split()
                best[rev] = min(best.get(rev, float("inf")), float(out[0]))
                counts[rev] = int(out[1])
    print(f"tree: {count_lines(tree):,} lines of Python; best of {args.repeat} interleaved runs, CPU seconds")
    print("| revision | CPU | findings |\n|---|---|---|")
    for rev in dirs:
        print(f"| {rev} | {best[rev]:.2f} s | {counts[rev]} |")
    print(f"ratio new/old: {best[args.new] / best[args.old]:.3f}")


if __name__ == "__main__":
    main()
