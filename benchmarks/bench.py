"""Speed and scale of flake8-flax, measured as ratios in one run.

    python benchmarks/bench.py                 # the installed flax + jax packages (~360k lines)
    python benchmarks/bench.py --tree DIR ...  # any other tree

Prints a Markdown table (the README quotes it). Each timing is the best of ``--repeat`` runs of a fresh process,
as CPU seconds (user + system) of the child, which a busy or throttled machine disturbs less than wall time;
runs that are compared are interleaved. Peak memory is the child's max RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WITHOUT = [sys.executable, str(HERE / "flake8_without_plugin.py")]
WITH = [sys.executable, "-m", "flake8"]
SHARE = [sys.executable, str(HERE / "flake8_plugin_share.py")]
CHECK = [sys.executable, "-m", "flake8_flax", "check", "--exit-zero", "--flax-advisory"]
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL); "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(u.ru_utime + u.ru_stime, time.perf_counter() - t, u.ru_maxrss); sys.stderr.buffer.write(p.stdout)")


class Run(NamedTuple):
    cpu: float  # seconds, user + system
    wall: float  # seconds
    rss: int  # KiB, peak
    out: str


def _once(command: list[str]) -> Run:
    proc = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, cwd=ROOT)
    cpu, wall, rss = proc.stdout.split()
    return Run(float(cpu), float(wall), int(rss), proc.stderr)


def pair(first: list[str], second: list[str], repeat: int, by: str = "cpu") -> tuple[Run, Run]:
    """Both commands, interleaved ``repeat`` times; the best run of each by ``by``."""
    runs = [(_once(first), _once(second)) for _ in range(repeat)]
    best = (lambda r: getattr(r, by))
    return min((a for a, _ in runs), key=best), min((b for _, b in runs), key=best)


def plugin_share(command: list[str]) -> tuple[float, float]:
    """CPU seconds of a whole flake8 run and of flake8-flax within it (see flake8_plugin_share.py)."""
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    _, total, spent = proc.stderr.strip().splitlines()[-1].split()
    return float(total), float(spent)


def site_tree() -> list[str]:
    import flax
    import jax

    return [str(Path(flax.__file__).parent), str(Path(jax.__file__).parent)]


def count_lines(paths: list[str]) -> int:
    total = 0
    for path in paths:
        for file in Path(path).rglob("*.py"):
            total += file.read_bytes().count(b"\n")
    return total


def findings_of_ast_grep(paths: list[str]) -> set[tuple[str, int, int, str]]:
    from flake8_flax.catalog import load_catalog

    code = {rule.id: rule.code for rule in load_catalog().rules}
    sg = shutil.which("ast-grep") or shutil.which("sg")
    proc = subprocess.run([sg, "scan", "-j", "1", "--json=stream", *paths], capture_output=True, text=True, cwd=ROOT)
    found = set()
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        start = item["range"]["start"]
        found.add((os.path.abspath(item["file"]), start["line"] + 1, start["column"] + 1, code[item["ruleId"]]))
    return found


def findings_of_check(output: str) -> set[tuple[str, int, int, str]]:
    found = set()
    for line in output.splitlines():
        where, _, rest = line.partition(": ")
        path, row, col = where.rsplit(":", 2)
        code = rest.split()[0]
        found.add((os.path.abspath(path), int(row), int(col), code))
    return found


def replicate(paths: list[str], times: int, into: Path) -> list[str]:
    """``times`` copies of the tree (symlinked files: the same bytes are read and parsed again)."""
    out = []
    for i in range(times):
        for path in paths:
            target = into / f"copy{i}" / Path(path).name
            shutil.copytree(path, target, symlinks=False, copy_function=os.symlink,
                            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc"))
            out.append(str(target))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", nargs="+", help="directories to lint (default: installed flax and jax)")
    parser.add_argument("--file", default=str(ROOT / "benchmarks" / "model_file.py"), help="the editor-latency file")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    tree = args.tree or site_tree()
    lines = count_lines(tree)
    rows = []

    base, plug = pair([*WITHOUT, "--isolated", "-j", "1", *tree], [*WITH, "--isolated", "-j", "1", *tree], args.repeat)
    rows.append(("flake8 default checks, with / without the plugin (-j 1), two processes",
                 f"{plug.cpu:.2f} s / {base.cpu:.2f} s", f"{plug.cpu / base.cpu:.3f}x", "<= 1.05x"))
    total, spent = plugin_share([*SHARE, "--isolated", "-j", "1", *tree])
    rows.append(("the same, from the plugin's share of one flake8 run", f"{spent:.2f} s of {total:.2f} s",
                 f"{total / (total - spent):.3f}x", "<= 1.05x"))

    ours, sg = pair([*CHECK, *tree], [shutil.which("ast-grep"), "scan", "-j", "1", *tree], args.repeat)
    same = findings_of_check(ours.out) == findings_of_ast_grep(tree)
    rows.append(("`flake8-flax check` / `ast-grep scan -j 1`, same rules", f"{ours.cpu:.2f} s / {sg.cpu:.2f} s",
                 f"{ours.cpu / sg.cpu:.2f}x", f"<= 1.3x; same findings: {'yes' if same else 'NO'}"))

    one = Path(args.file)
    lat_with, lat_without = pair([*WITH, "--isolated", str(one)], [*WITHOUT, "--isolated", str(one)],
                                 max(args.repeat, 7))
    rows.append((f"editor: `flake8 {one.name}` ({one.read_text().count(chr(10))} lines), with / without",
                 f"{lat_with.cpu * 1000:.0f} ms / {lat_without.cpu * 1000:.0f} ms",
                 f"+{(lat_with.cpu - lat_without.cpu) * 1000:.0f} ms", "< 20 ms added"))

    j1, j2 = pair([*WITH, "--isolated", "-j", "1", *tree], [*WITH, "--isolated", "-j", "2", *tree], args.repeat,
                  by="wall")
    same_j = sorted(j2.out.splitlines()) == sorted(j1.out.splitlines())
    rows.append(("flake8 with the plugin, -j 2 / -j 1 (wall time)", f"{j2.wall:.2f} s / {j1.wall:.2f} s",
                 f"{j2.wall / j1.wall:.2f}x", f"faster; same findings: {'yes' if same_j else 'NO'}"))

    if not args.skip_scaling:
        with tempfile.TemporaryDirectory() as tmp:
            figures = []
            for times in (1, 2, 4):
                copies = replicate(tree, times, Path(tmp) / f"x{times}")
                figures.append((times, min((_once([*CHECK, *copies]) for _ in range(args.repeat)),
                                           key=lambda r: r.cpu)))
            t1 = figures[0][1].cpu
            text = ", ".join(f"{n}x: {r.cpu:.1f} s {r.rss // 1024} MiB" for n, r in figures)
            ratio = " / ".join(f"{r.cpu / t1:.2f}" for _, r in figures)
            rows.append(("scaling of `flake8-flax check` (1x, 2x, 4x the tree)", text, ratio, "linear (1 / 2 / 4)"))

    versions = {name: metadata.version(name) for name in ("flake8", "ast-grep-py", "ast-grep-cli", "flax", "jax")}
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"Tree: {' '.join(Path(p).name for p in tree)} ({lines} lines); best of {args.repeat} interleaved runs, "
          "CPU time unless marked\n")
    print("| measurement | time | ratio | goal |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
