"""The ``flake8-flax`` command: check, fix, explain, rules.

Exit codes: 0 clean, 1 findings (or, with ``fix --exit-non-zero-on-fix``, files changed), 2 usage or
internal error.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import sys
from pathlib import Path

from flake8.exceptions import ExecutionError

from flake8_flax import __version__, docs, report
from flake8_flax.catalog import Catalog, RuleError, load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import MAX_ROUNDS, fix_source
from flake8_flax.noqa import NoqaFilter, file_is_ignored
from flake8_flax.settings import Settings
from flake8_flax.sources import SourceError, Unit, encode, read_unit, write_back
from flake8_flax.targets import parse_targets


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to report")
    parser.add_argument("--extend-select", type=_codes, help="codes or prefixes to report in addition")
    parser.add_argument("--ignore", type=_codes, help="codes or prefixes not to report (replaces the config's)")
    parser.add_argument("--extend-ignore", type=_codes, help="codes or prefixes not to report, in addition")
    parser.add_argument("--per-file-ignores", metavar="PATTERN:CODES", help="as flake8's: 'tests/*.py:FLX2 old.py:FLX'")
    parser.add_argument("--flax-target-version", metavar="VERSION")
    parser.add_argument("--jax-target-version", metavar="VERSION")
    parser.add_argument("--flax-extra-rules", type=_codes, metavar="DIRS", help="directories of extra rule files")
    parser.add_argument("--flax-advisory", action="store_true", help="also report the advisory rules")
    parser.add_argument("--exclude", type=_codes, help="comma-separated names or globs to skip (replaces the config's)")
    parser.add_argument("--extend-exclude", type=_codes, help="names or globs to skip, in addition")
    parser.add_argument("--stdin-display-name", default="stdin", metavar="NAME", help="the name of - (stdin)")


def _codes(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flake8-flax",
                                     description="Find and fix removed or deprecated Flax/JAX APIs.")
    parser.add_argument("--version", action="version", version=f"flake8-flax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="report findings")
    _common(check)
    check.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text")
    check.add_argument("--statistics", action="store_true", help="count findings per code")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    fix = sub.add_parser("fix", help="apply fixes")
    _common(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fix.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a file was (or would be) changed")
    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code")
    sub.add_parser("rules", help="list the rules")
    sub.add_parser("lsp", help="run the language server on stdio (pip install 'flake8-flax[lsp]')")
    return parser


class Session:
    """Settings, rules and targets for one command run; flake8's config is the one found from ``root``
    (default: the working directory, as flake8 looks)."""

    def __init__(self, args: argparse.Namespace, root: Path | None = None):
        self.settings = settings = Settings(vars(args), root)
        self.catalog: Catalog = load_catalog(settings.extra_rules)
        self.targets = parse_targets(settings.flax_target, settings.jax_target)
        self.stdin_name = getattr(args, "stdin_display_name", "stdin")

    def findings(self, unit: Unit) -> list[report.Located]:
        """The unsuppressed findings; none in a file that does not compile (E999)."""
        text = unit.text.removeprefix("\ufeff")
        if file_is_ignored(text) or unit.broken and not unit.notebook:
            return []
        noqa = NoqaFilter(text)
        located = []
        for finding in lint(text, self.catalog, self.targets, self.settings.wanted_for(unit.path)):
            if not noqa.suppressed(finding.line, finding.col, finding.code):
                cell, line = unit.locate(finding.line)
                located.append(report.Located(str(unit.path), cell, line, finding))
        return located

    def read(self, path: Path) -> Unit:
        """The file's unit; what cannot be checked in it (cells skipped, E999) is said on stderr."""
        unit = read_unit(path, self.stdin_name)
        for note in unit.skipped:
            print(f"flake8-flax: {unit.path}:{note}", file=sys.stderr)
        for problem in unit.broken:
            print(f"{unit.path}:{problem}", file=sys.stderr)
        return unit


def run_check(args: argparse.Namespace, session: Session) -> int:
    items: list[report.Located] = []
    errors = 0
    for path in session.settings.files(args.paths):
        try:
            unit = session.read(path)
            errors += bool(unit.broken)
            items.extend(session.findings(unit))
        except SourceError as exc:
            print(f"flake8-flax: {exc}", file=sys.stderr)
            errors += 1
    if args.format == "json":
        sys.stdout.write(report.as_json(items))
    elif args.format == "sarif":
        sys.stdout.write(report.sarif(items, session.catalog))
    elif args.format == "github":
        sys.stdout.write(report.github(items))
    else:
        sys.stdout.write(report.text(items))
    if args.statistics:
        sys.stdout.write(report.statistics(items))
    if errors:
        return 2
    return 0 if args.exit_zero or not items else 1


def run_fix(args: argparse.Namespace, session: Session) -> int:
    changed_files = errors = remaining = 0
    for path in session.settings.files(args.paths):
        try:
            changed, left, failed = _fix_file(path, args, session)
        except SourceError as exc:
            print(f"flake8-flax: {exc}", file=sys.stderr)
            changed, left, failed = False, 0, True
        changed_files += changed
        remaining += left
        errors += failed
    verb = "would fix" if args.diff else "fixed"
    print(f"flake8-flax: {verb} {changed_files} file(s); {remaining} finding(s) left", file=sys.stderr)
    if errors:
        return 2
    if args.exit_non_zero_on_fix and changed_files:
        return 1
    return 1 if remaining else 0


def _fix_file(path: Path, args: argparse.Namespace, session: Session) -> tuple[bool, int, bool]:
    """Fix one file (or standard input, printed to stdout): (changed, findings left, failed)."""
    unit = session.read(path)
    path = unit.path
    if unit.broken and not unit.notebook:  # E999, said by read(): never changed
        if unit.stdin and not args.diff:
            sys.stdout.buffer.write(unit.data)
        return False, 0, True
    bom = "\ufeff" if unit.text.startswith("\ufeff") else ""
    result = fix_source(unit.text[len(bom):], session.catalog, session.targets, unsafe=args.unsafe_fixes,
                        wanted=session.settings.wanted_for(path), notebook=unit.notebook)
    failed = bool(unit.broken) or result.error is not None
    if result.error:
        print(f"flake8-flax: {path}: {result.error}", file=sys.stderr)
    if not result.converged:
        print(f"flake8-flax: {path}: the fixes did not reach a fixed point in {MAX_ROUNDS} rounds (a rule whose fix "
              "matches again?)", file=sys.stderr)
    new_text = bom + result.source
    new_bytes = encode(unit, new_text) if new_text != unit.text else unit.data
    if unit.stdin and not args.diff:
        sys.stdout.buffer.write(new_bytes)
    elif args.diff and new_bytes != unit.data:
        sys.stdout.writelines(difflib.unified_diff(
            unit.data.decode("utf-8", "replace").splitlines(keepends=True),
            new_bytes.decode("utf-8", "replace").splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"))
    elif new_bytes != unit.data:
        write_back(unit, new_bytes)
    verb = "would fix" if args.diff else "fixed"
    for finding in result.fixed:
        print(f"{path}: {verb} {finding.code} {finding.message}", file=sys.stderr)
    left = session.findings(dataclasses.replace(unit, text=new_text))
    for item in left:
        why = _why_left(item, args, result)
        print(f"{item.where}: {item.finding.code} {item.finding.text} (left for a human{why})", file=sys.stderr)
    return new_bytes != unit.data, len(left), failed


def _why_left(item: report.Located, args: argparse.Namespace, result) -> str:
    if item.finding.edit is None:
        return ""
    if result.error:
        return "; the file's fixes were rejected"
    if item.finding.rule.fix_safety == "unsafe" and not args.unsafe_fixes:
        return "; use --unsafe-fixes"
    return "; its fix overlaps another or did not apply"


def run_explain(args: argparse.Namespace, catalog: Catalog) -> int:
    rules = catalog.by_code(args.code.upper())
    if not rules:
        print(f"flake8-flax: unknown rule {args.code}", file=sys.stderr)
        return 2
    sys.stdout.write(docs.render_page(catalog, args.code.upper()))
    return 0


def run_rules(catalog: Catalog) -> int:
    sys.stdout.write(docs.render_table(catalog).replace("](docs/rules/", "](") + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "explain":
            return run_explain(args, load_catalog())
        if args.command == "rules":
            return run_rules(load_catalog())
        if args.command == "lsp":
            from flake8_flax.lsp import serve  # imports pygls only here
            return serve()
        session = Session(args)
        return run_check(args, session) if args.command == "check" else run_fix(args, session)
    except (RuleError, SourceError, ValueError, ExecutionError) as exc:
        print(f"flake8-flax: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `check | head`: the reader is gone; stop quietly, as a tool killed by SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130
