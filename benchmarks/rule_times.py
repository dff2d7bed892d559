"""Which rules cost the most: each rule's own tree-pass time summed over a tree, on the files that pass its text
pre-filter (the engine's ``active_rules``), without the file conditions and the combined pass.

    python benchmarks/rule_times.py [DIR ...]     # default: the installed flax and jax packages

Prints the slowest rules first, with their share of the total; use it before and after changing a rule.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from ast_grep_py import SgRoot

from flake8_flax.catalog import load_catalog
from flake8_flax.engine import active_rules


def main(argv: list[str]) -> int:
    if argv:
        roots = [Path(a) for a in argv]
    else:
        import flax
        import jax

        roots = [Path(flax.__file__).parent, Path(jax.__file__).parent]
    catalog = load_catalog()
    spent: Counter[str] = Counter()
    for path in (p for root in roots for p in sorted(root.rglob("*.py"))):
        try:
            source = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        node = SgRoot(source, "python").root()
        for rule in active_rules(catalog, catalog.newest, source):
            start = time.perf_counter()
            node.find_all(rule.config)
            spent[rule.id] += time.perf_counter() - start
    total = sum(spent.values())
    print(f"all rules, triggered files only: {total:.2f} s")
    for rule_id, seconds in spent.most_common(15):
        print(f"{seconds:7.2f} s {seconds / total:6.1%}  {rule_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
