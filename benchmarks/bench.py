"""What flake8-flax costs flake8, measured as issue 12 asks, and whether its findings changed.

    python benchmarks/bench.py                    # the full method (about 15 minutes); the README quotes it
    python benchmarks/bench.py --quick            # fewer pairs, for a look while working
    python benchmarks/bench.py --rows file,flax   # only some rows (file, flax, jax, check, cache)
    python benchmarks/bench.py --update-findings  # accept the current findings as the new baseline
    python benchmarks/bench.py --rows flax --tree ../my-project   # the flax row's measurement over your code too

Two virtual environments, identical but for the plugin, are created once under
``~/.cache/flake8-flax/bench-venvs`` with the same flake8, pyflakes, pycodestyle and mccabe versions as the
running Python; the "with" one also gets ast-grep-py and PyYAML (same versions) and this project, installed
non-editable from ``git archive HEAD`` (or ``--commit REV``): the figures belong to one commit, not to whatever
other work sits uncommitted in the tree. It is reinstalled when that tree changes (commit first, then measure).
``--commit worktree`` installs the work tree as it is (uncommitted files too), e.g. while HEAD does not load.

Each timing is the CPU time (user + system) of the child process, which a busy machine disturbs less than wall
time; the two commands of a pair run back to back, in alternating order, and the rows report medians over the
pairs, with the lowest and highest pair beside them (how far the host moved while measuring). Before the table,
``flake8-flax check --flax-advisory`` runs over the installed flax and jax packages (and this project's examples/
and tests/gallery/, old-era programs with much more to find) and its findings are compared
with ``benchmarks/findings-flax-jax.txt``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import platform
import shutil
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FINDINGS = HERE / "findings-flax-jax.txt"
VENVS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flake8-flax" / "bench-venvs"
FLAKE8 = ("flake8", "pyflakes", "pycodestyle", "mccabe")
PLUGIN_DEPS = ("ast-grep-py", "PyYAML")
ONE_FILE = "flax/nnx/helpers.py"
ROWS = ("file", "flax", "jax", "check", "cache")


def site_tree() -> list[str]:
    import flax
    import jax

    return [str(Path(flax.__file__).parent), str(Path(jax.__file__).parent)]


def count_lines(paths: list[str]) -> int:
    return sum(file.read_bytes().count(b"\n") for path in paths for file in Path(path).rglob("*.py"))


def _pins(names: tuple[str, ...]) -> list[str]:
    return [f"{name}=={metadata.version(name)}" for name in names]


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _venv(name: str, pins: list[str]) -> Path:
    """``VENVS/name`` with exactly ``pins`` installed; made again when the pins change."""
    directory = VENVS / name
    stamp = directory / "bench-pins.txt"
    if not stamp.is_file() or stamp.read_text() != "\n".join(pins):
        shutil.rmtree(directory, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
        subprocess.run([directory / "bin" / "python", "-m", "pip", "install", "-qq", *pins], check=True)
        stamp.write_text("\n".join(pins))
    return directory


def worktree() -> str:
    """The tree object of the work tree as it is (uncommitted and untracked files too), built in a temporary index
    so that git's own index is not touched."""
    index = VENVS / "bench-index"
    index.unlink(missing_ok=True)
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    subprocess.run(["git", "add", "-A"], cwd=ROOT, env=env, check=True)
    return subprocess.run(["git", "write-tree"], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def environments(revision: str) -> tuple[Path, Path, Path, str]:
    """The two venvs, the extracted revision (its rules and sgconfig.yml serve ``ast-grep scan``), its name."""
    without = _venv("without", _pins(FLAKE8))
    with_ = _venv("with", _pins(FLAKE8) + _pins(PLUGIN_DEPS))
    if revision == "worktree":
        tree = worktree()
        name = f"{_git('rev-parse', '--short', 'HEAD')} + uncommitted changes (tree {tree[:7]})"
    else:
        tree, name = _git("rev-parse", revision + "^{tree}"), _git("rev-parse", "--short", revision)
    source, stamp = VENVS / "source", with_ / "bench-tree.txt"
    if not stamp.is_file() or stamp.read_text() != tree or not source.is_dir():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", tree], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        subprocess.run([with_ / "bin" / "python", "-m", "pip", "install", "-qq", "--no-deps", "--force-reinstall",
                        str(source)], check=True)
        stamp.write_text(tree)
    return without, with_, source, name


def child_env(cache: Path) -> dict[str, str]:
    """A plain environment: no PYTHONPATH, no results cache unless asked, the catalog cached apart."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env["FLAKE8_FLAX_CACHE_DIR"] = str(cache)
    return env


def cpu(command: list[str], env: dict[str, str], cwd: Path, out: Path | None = None) -> float:
    """CPU seconds (user + system) of ``command`` and its waited-for children; stdout to ``out``."""
    with open(out or os.devnull, "wb") as stdout, open(VENVS / "stderr.txt", "wb") as stderr:
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = (VENVS / "stderr.txt").read_text()
    if proc.returncode not in (0, 1) or errors.strip():
        raise SystemExit(f"{' '.join(map(str, command))} -> exit {proc.returncode}\n{errors}")
    return usage.ru_utime + usage.ru_stime


def pairs(first: list[str], second: list[str], count: int, env: dict[str, str], cwd: Path,
          out: Path | None = None) -> list[tuple[float, float]]:
    """``count`` (first, second) CPU times, run back to back in alternating order."""
    result = []
    for i in range(count):
        if i % 2:
            b = cpu(second, env, cwd, out)
            a = cpu(first, env, cwd)
        else:
            a = cpu(first, env, cwd)
            b = cpu(second, env, cwd, out)
        result.append((a, b))
    return result


def findings(check: Path, trees: dict[str, Path], env: dict[str, str], cwd: Path) -> list[str]:
    """``flake8-flax check --flax-advisory`` over the trees, each path relative to its tree's parent."""
    out = subprocess.run([str(check), "check", "--exit-zero", "--flax-advisory", *map(str, trees.values())],
                         env=env, cwd=cwd, check=True, capture_output=True, text=True).stdout
    lines = []
    for line in out.splitlines():
        for name, tree in trees.items():
            line = line.replace(str(tree), name, 1)
        lines.append(line)
    where = (lambda line: (line.split(":")[0], *map(int, line.split(":")[1:3])))
    return sorted(lines, key=where)


def compare_findings(found: list[str], update: bool) -> str:
    if update or not FINDINGS.is_file():
        FINDINGS.write_text("".join(line + "\n" for line in found))
        return f"baseline written ({len(found)} findings, {FINDINGS.relative_to(ROOT)})"
    baseline = FINDINGS.read_text().splitlines()
    if baseline == found:
        return f"yes ({len(found)} findings, as in {FINDINGS.relative_to(ROOT)})"
    diff = list(difflib.unified_diff(baseline, found, "baseline", "now", lineterm="", n=0))
    shown = "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else "")
    return f"NO ({len(baseline)} in the baseline, {len(found)} now; diff:)\n{shown}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="7 pairs on the file, 1 on the trees")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--commit", default="HEAD", help="the revision to measure (default: HEAD), or 'worktree'")
    parser.add_argument("--update-findings", action="store_true", help="rewrite the findings baseline")
    parser.add_argument("--tree", action="append", default=[], type=Path, metavar="DIR",
                        help="also the flax row's measurement over DIR (your own project), without a goal")
    args = parser.parse_args()
    rows_wanted = set(args.rows.split(","))
    n_file, n_tree, n_check = (7, 1, 1) if args.quick else (21, 5, 3)
    without, with_, source, commit = environments(args.commit)
    cache = VENVS / "catalog-cache"
    env, cwd = child_env(cache), VENVS  # no flake8 configuration file on the way up from here
    flax_dir, jax_dir = site_tree()
    plain = [str(without / "bin" / "flake8")]
    plugged = [str(with_ / "bin" / "flake8")]
    out = VENVS / "last-output.txt"
    one = str(Path(flax_dir).parent / ONE_FILE)
    cpu([*plugged, one], env, cwd)  # builds the catalog cache, reads the files once

    trees = {"flax": Path(flax_dir), "jax": Path(jax_dir), "examples": source / "examples",
             "gallery": source / "tests" / "gallery"}
    same = compare_findings(findings(with_ / "bin" / "flake8-flax", trees, env, cwd), args.update_findings)
    rows = []

    def flx_count() -> int:
        return sum(1 for line in out.read_text().splitlines() if ": FLX" in line)

    if "file" in rows_wanted:
        times = pairs(plain + [one], plugged + [one], n_file, env, cwd, out)
        added = statistics.median((b - a) * 1000 for a, b in times)
        rows.append((f"flake8 on one {Path(one).read_text().count(chr(10))}-line NNX file (`{ONE_FILE}`), "
                     f"added CPU, median of {n_file} interleaved pairs",
                     f"{statistics.median(b for _, b in times) * 1000:.0f} ms / "
                     f"{statistics.median(a for a, _ in times) * 1000:.0f} ms",
                     f"+{added:.0f} ms (pairs {min(b - a for a, b in times) * 1000:+.0f} to "
                     f"{max(b - a for a, b in times) * 1000:+.0f})", "<= 30 ms"))
    tree_rows = [(f"the installed {name} package", tree, goal) for name, tree, goal in (
        ("flax", flax_dir, "<= 1.15x"), ("jax", jax_dir, "<= 1.05x")) if name in rows_wanted]
    for what, tree, goal in tree_rows + [(f"`{tree.name}/`", str(tree.resolve()), "-") for tree in args.tree]:
        times = pairs(plain + ["-j1", tree], plugged + ["-j1", tree], n_tree, env, cwd, out)
        ratio = statistics.median(b / a for a, b in times)
        rows.append((f"flake8 `-j1` over {what} ({count_lines([tree]) // 1000} k lines), "
                     f"CPU ratio, median of {n_tree} pairs ({flx_count()} FLX findings)",
                     f"{statistics.median(b for _, b in times):.2f} s / "
                     f"{statistics.median(a for a, _ in times):.2f} s",
                     f"{ratio:.3f}x (pairs {min(b / a for a, b in times):.3f}-{max(b / a for a, b in times):.3f})",
                     goal))
    if "cache" in rows_wanted:
        results = cache / "results"
        runs = []
        for _ in range(n_check):  # without the plugin; with it: no cache, an empty cache, a full one (all hits)
            shutil.rmtree(results, ignore_errors=True)
            runs.append((cpu(plain + ["-j1", flax_dir], env, cwd), cpu(plugged + ["-j1", flax_dir], env, cwd),
                         cpu(plugged + ["--flax-cache", "-j1", flax_dir], env, cwd),
                         cpu(plugged + ["--flax-cache", "-j1", flax_dir], env, cwd, out)))
        base, plain_run, cold, warm = (statistics.median(run[i] for run in runs) for i in range(4))
        rows.append((f"the flax row without / with the results cache (`--flax-cache`) empty (cold) / full (warm), "
                     f"median of {n_check} runs of each ({flx_count()} FLX findings warm)",
                     f"{plain_run:.2f} s, {cold:.2f} s, {warm:.2f} s / {base:.2f} s",
                     " / ".join(f"{statistics.median(run[i] / run[0] for run in runs):.3f}x" for i in (1, 2, 3)),
                     "cold as without the cache"))
    if "check" in rows_wanted:
        sg = [shutil.which("ast-grep") or "ast-grep", "scan", "-c", str(source / "sgconfig.yml"), "-j", "1",
              flax_dir, jax_dir]
        check = [str(with_ / "bin" / "flake8-flax"), "check", "--exit-zero", "--flax-advisory", flax_dir, jax_dir]
        times = pairs(check, sg, n_check, env, cwd)
        ratio = statistics.median(a / b for a, b in times)
        rows.append((f"`flake8-flax check` / `ast-grep scan -j 1`, same rules, flax + jax, median of {n_check} pairs",
                     f"{statistics.median(a for a, _ in times):.2f} s / "
                     f"{statistics.median(b for _, b in times):.2f} s", f"{ratio:.2f}x", "<= 1.3x"))

    names = (*FLAKE8, *PLUGIN_DEPS, "ast-grep-cli", "flax", "jax")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in names)
    print(f"flake8-flax at {commit}; {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {versions}")
    print(f"CPU time (user + system) of each child; same findings: {same}\n")
    print("| measurement | CPU with / without | result | goal |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
