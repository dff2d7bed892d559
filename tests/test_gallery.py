"""Migration gallery: real Flax 0.10/0.11 programs that nobody here wrote, ported by the installed command.

Each program in ``tests/gallery/`` is kept byte for byte as published (a documentation page: its python code
cells, concatenated; source and licence in ``gallery/manifest.toml``). The test prepares it the same way for both
sides (plots dropped, NumPy seeded, the training loop shortened: the manifest's ``edits``), ports the prepared
program with the installed ``flake8-flax fix --unsafe-fixes`` (no hand edit), runs the port on the pinned JAX/Flax
with DeprecationWarnings as errors and compares every number it prints with the output recorded on the old release
(``gallery/<name>.old.txt``; ``python tests/test_gallery.py --record`` re-records it in the old-release venvs).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oldenv import CURRENT, old_python, run_with  # noqa: E402

GALLERY = Path(__file__).resolve().parent / "gallery"
MANIFEST = tomllib.loads((GALLERY / "manifest.toml").read_text())
PROGRAMS = MANIFEST["program"]
RELEASES = MANIFEST["releases"]
# same on both sides: no plotting (matplotlib is in neither environment) and no ASCII-art sharding pictures
HEADLESS = re.compile(r"^\s*(import matplotlib\b.*|from matplotlib import .*|plt\..*"
                      r"|jax\.debug\.visualize_array_sharding\(.*\))(\n|\Z)", re.M)
RTOL = 1e-4  # float noise between XLA versions
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def prepared(program: dict) -> str:
    """The published program with the manifest's edits, identical for the old and the new release."""
    source = HEADLESS.sub("", (GALLERY / program["file"]).read_text())
    for old, new in program.get("edits", []):
        assert source.count(old) == 1, f"{program['file']}: edit {old!r} does not match exactly once"
        source = source.replace(old, new)
    return source


# repr details that change between releases and say nothing about results: object addresses, size comments
NOISE = re.compile(r" at 0x[0-9a-f]+|# (\w+: )?\d+ \([\d.]+ [KMG]?B\)")


def numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(NOISE.sub("", text))]


def compared(program: dict, output: str) -> str:
    """The lines of ``output`` whose numbers are compared (the manifest may select or drop lines)."""
    lines = output.splitlines()
    if "compare_lines" in program:
        lines = [line for line in lines if re.search(program["compare_lines"], line)]
    if "ignore_lines" in program:
        lines = [line for line in lines if not re.search(program["ignore_lines"], line)]
    return "\n".join(lines)


def same_numbers(old: str, new: str, rtol: float) -> bool:
    a, b = numbers(old), numbers(new)
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=rtol, abs_tol=rtol) for x, y in zip(a, b))


def port(source: str, directory: Path) -> str:
    """The installed command's port of ``source`` (all fixes, unsafe included)."""
    path = directory / "program.py"
    path.write_text(source, encoding="utf-8")
    fix = subprocess.run(["flake8-flax", "fix", "--unsafe-fixes", path.name], cwd=directory, capture_output=True,
                         text=True, timeout=300)
    assert fix.returncode in (0, 1), fix.stdout + fix.stderr  # 1: findings without a fix are left
    return path.read_text(encoding="utf-8")


def run(python: Path | str, source: str, directory: Path) -> subprocess.CompletedProcess:
    return run_with(python, source, directory)


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p["name"])
def test_ported_program_runs_and_prints_the_old_numbers(program, tmp_path):
    new = run(CURRENT, port(prepared(program), tmp_path), tmp_path)
    assert new.returncode == 0, new.stderr[-3000:]
    old = compared(program, (GALLERY / f"{program['name']}.old.txt").read_text())
    assert numbers(old), "the program prints no numbers to compare"
    assert same_numbers(old, compared(program, new.stdout), RTOL), (old, new.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p["name"])
def test_recorded_output_is_what_the_old_release_prints(program, tmp_path):
    old = run(old_python(RELEASES[program["written_for"]]), prepared(program), tmp_path)
    assert old.returncode == 0, old.stderr[-3000:]
    recorded = (GALLERY / f"{program['name']}.old.txt").read_text()
    assert same_numbers(compared(program, recorded), compared(program, old.stdout), RTOL), (recorded, old.stdout)


def test_gallery_is_real_and_recorded():
    assert len(PROGRAMS) >= 10
    for program in PROGRAMS:
        assert program["source"].startswith("https://") and program["licence"]
        assert (GALLERY / f"{program['name']}.old.txt").read_text().strip()
        prepared(program)  # every edit still applies


def record(names: list[str]) -> None:
    """Run the prepared programs on their old release and store what they print."""
    import tempfile
    for program in PROGRAMS:
        if names and program["name"] not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            old = run(old_python(RELEASES[program["written_for"]]), prepared(program), Path(tmp))
        if old.returncode != 0:
            print(f"{program['name']}: fails on its release\n{old.stderr[-1500:]}")
            continue
        (GALLERY / f"{program['name']}.old.txt").write_text(old.stdout)
        print(f"{program['name']}: recorded {len(numbers(old.stdout))} numbers")


def last_result(text: str) -> str:
    """The last compared line that holds a number (the final loss, shape or value), for the README table."""
    lines = [line.strip() for line in text.splitlines() if numbers(line)]
    return lines[-1][:60].replace("|", "\\|") if lines else ""


def table() -> None:
    """Port and run every program; print the README table rows."""
    import difflib
    import tempfile
    print("| program | written for | lines changed by the port | old release prints (last value) "
          "| port on today's Flax prints | same numbers |")
    print("|---|---|---|---|---|---|")
    for program in PROGRAMS:
        with tempfile.TemporaryDirectory() as tmp:
            source = prepared(program)
            ported = port(source, Path(tmp))
            diff = difflib.ndiff(source.splitlines(), ported.splitlines())
            fixes = sum(1 for line in diff if line.startswith("- "))
            new = run(CURRENT, ported, Path(tmp))
        old = compared(program, (GALLERY / f"{program['name']}.old.txt").read_text())
        if new.returncode:
            row = (last_result(old), "fails: " + new.stderr.strip().splitlines()[-1][:60], "no")
        else:
            same = same_numbers(old, compared(program, new.stdout), RTOL)
            row = (last_result(old), last_result(compared(program, new.stdout)), "yes" if same else "no")
        link = f"[{program['name']}]({program['source']})"
        print(f"| {link} | {program['written_for']} | {fixes} | `{row[0]}` | `{row[1]}` | {row[2]} |")


if __name__ == "__main__" and sys.argv[1:2] == ["--record"]:
    record(sys.argv[2:])
elif __name__ == "__main__" and sys.argv[1:2] == ["--table"]:
    table()
