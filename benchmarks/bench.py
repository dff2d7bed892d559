"""Speed and scale of flake8-flax, measured as ratios in one run.

    python benchmarks/bench.py                 # the installed flax + jax packages (~360k lines)
    python benchmarks/bench.py --tree DIR ...  # any other tree

Prints a Markdown table (the README quotes it). Each timing is the best of ``--repeat`` runs of a fresh
process; peak memory is the child's max RSS.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WITHOUT = [sys.executable, str(HERE / "flake8_without_plugin.py")]
WITH = [sys.executable, "-m", "flake8"]
CHECK = [sys.executable, "-m", "flake8_flax", "check", "--exit-zero", "--flax-advisory"]
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL); "
           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode); "
           "sys.stderr.buffer.write(p.stdout)")


def run(command: list[str], repeat: int) -> tuple[float, int, str]:
    """Best wall time (s), peak RSS (KiB) of the child, and its stdout."""
    best, rss, out = float("inf"), 0, ""
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, cwd=ROOT)
        seconds, peak, _code = proc.stdout.split()
        if float(seconds) < best:
            best, rss, out = float(seconds), int(peak), proc.stderr
    return best, rss, out


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

    base, base_rss, base_out = run([*WITHOUT, "--isolated", "-j", "1", *tree], args.repeat)
    plug, plug_rss, plug_out = run([*WITH, "--isolated", "-j", "1", *tree], args.repeat)
    rows.append(("flake8 default checks, with / without the plugin (-j 1)", f"{plug:.2f} s / {base:.2f} s",
                 f"{plug / base:.3f}x", "<= 1.05x"))

    ours, ours_rss, ours_out = run([*CHECK, *tree], args.repeat)
    sg_time, _, _ = run([shutil.which("ast-grep"), "scan", "-j", "1", *tree], args.repeat)
    same = findings_of_check(ours_out) == findings_of_ast_grep(tree)
    rows.append(("`flake8-flax check` / `ast-grep scan -j 1`, same rules", f"{ours:.2f} s / {sg_time:.2f} s",
                 f"{ours / sg_time:.2f}x", f"<= 1.3x; same findings: {'yes' if same else 'NO'}"))

    one = Path(args.file)
    lat_with, _, _ = run([*WITH, "--isolated", str(one)], max(args.repeat, 5))
    lat_without, _, _ = run([*WITHOUT, "--isolated", str(one)], max(args.repeat, 5))
    rows.append((f"editor: `flake8 {one.name}` ({one.read_text().count(chr(10))} lines), with / without",
                 f"{lat_with * 1000:.0f} ms / {lat_without * 1000:.0f} ms",
                 f"+{(lat_with - lat_without) * 1000:.0f} ms", "< 20 ms added"))

    j2, _, j2_out = run([*WITH, "--isolated", "-j", "2", *tree], args.repeat)
    same_j = sorted(j2_out.splitlines()) == sorted(plug_out.splitlines())
    rows.append(("flake8 with the plugin, -j 2 / -j 1", f"{j2:.2f} s / {plug:.2f} s", f"{j2 / plug:.2f}x",
                 f"faster; same findings: {'yes' if same_j else 'NO'}"))

    if not args.skip_scaling:
        with tempfile.TemporaryDirectory() as tmp:
            figures = []
            for times in (1, 2, 4):
                copies = replicate(tree, times, Path(tmp) / f"x{times}")
                seconds, rss, _ = run([*CHECK, *copies], 1)
                figures.append((times, seconds, rss))
            t1 = figures[0][1]
            text = ", ".join(f"{n}x: {s:.1f} s {r // 1024} MiB" for n, s, r in figures)
            ratio = " / ".join(f"{s / t1:.2f}" for _, s, _ in figures)
            rows.append(("scaling of `flake8-flax check` (1x, 2x, 4x the tree)", text, ratio, "linear (1 / 2 / 4)"))

    versions = {name: metadata.version(name) for name in ("flake8", "ast-grep-py", "ast-grep-cli", "flax", "jax")}
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"Tree: {' '.join(Path(p).name for p in tree)} ({lines} lines); best of {args.repeat}\n")
    print("| measurement | time | ratio | goal |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
