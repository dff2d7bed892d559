"""Where the engine's time goes over a tree, stage by stage, and how much of it no local change can remove.

    python benchmarks/stages.py [DIR ...] [--repeat 3]     # default: the installed flax package

Lints every ``.py`` file as the flake8 plugin does (lean catalog, default selection) with the engine's stages
wrapped in CPU timers (``time.process_time``): the text pre-filter (``active_rules``), the parses of the file and of
its canonical view (``ast_grep_py.SgRoot``), the view itself (``canonical_view``) and the combined pass
(``_may_match``, with the part ast-grep-py spends compiling the rules and their utilities again for every file,
measured by running each file's combined rule once more on a one-token tree). The rest of ``lint`` is the file
conditions, the rules' own passes and the findings. Each figure is the median over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

import ast_grep_py

from flake8_flax import engine
from flake8_flax.catalog import load_catalog


def timed(spent: Counter, stage: str, function):
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.process_time() - start
    return wrapper


def one_run(sources: list[str]) -> tuple[Counter, Counter]:
    spent: Counter = Counter()
    counts: Counter = Counter()
    catalog = load_catalog(lean=True)
    real_root, real_probe = ast_grep_py.SgRoot, engine._may_match
    tiny = real_root("x", "python").root()

    def parse(text: str, language: str):
        counts["file parses" if text in current else "view parses"] += 1
        return real_root(text, language)

    def probe(root, rules):
        members = [rule for rule in rules if rule.probe is not None]
        if members:  # the same combined rule on a one-token tree: what compiling it costs
            counts["combined passes"] += 1
            start = time.process_time()
            real_probe(tiny, members)
            spent["  of which compiling the rules"] += time.process_time() - start
        return real_probe(root, rules)

    patches = {"SgRoot": (ast_grep_py, timed(spent, "parse (file and view)", parse)),
               "_may_match": (engine, timed(spent, "combined pass", probe)),
               "canonical_view": (engine, timed(spent, "canonical view", engine.canonical_view)),
               "active_rules": (engine, timed(spent, "text pre-filter", engine.active_rules))}
    saved = {name: getattr(module, name) for name, (module, _) in patches.items()}
    current: set[str] = set()
    try:
        for name, (module, wrapper) in patches.items():
            setattr(module, name, wrapper)
        for source in sources:
            current = {engine.for_ast_grep(source)}
            start = time.process_time()
            engine.lint(source, catalog, wanted=lambda rule: not rule.advisory)
            spent["lint, all stages"] += time.process_time() - start
    finally:
        for name, (module, _) in patches.items():
            setattr(module, name, saved[name])
    return spent, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.dirs:
        import flax

        args.dirs = [Path(flax.__file__).parent]
    sources = [p.read_text(encoding="utf-8") for d in args.dirs for p in sorted(d.rglob("*.py"))]
    runs = [one_run(sources) for _ in range(args.repeat)]
    spent = {stage: statistics.median(run[0][stage] for run in runs) for stage in runs[0][0]}
    total = spent.pop("lint, all stages")
    compiling = spent.pop("  of which compiling the rules", 0.0)
    spent["combined pass"] -= compiling  # (the probe wrapper's own compile run is not part of lint)
    total -= compiling
    print(f"{len(sources)} files; {dict(runs[0][1])}; CPU seconds, median of {args.repeat} runs")
    for stage, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"{seconds:7.3f}  {seconds / total:6.1%}  {stage}")
        if stage == "combined pass":
            print(f"{compiling:7.3f}  {compiling / total:6.1%}    of which compiling the rules (measured apart)")
    rest = total - sum(spent.values())
    print(f"{rest:7.3f}  {rest / total:6.1%}  the rest: file conditions, rules' own passes, findings")
    print(f"{total:7.3f}  100.0%  lint, all stages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
