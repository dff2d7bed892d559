"""The ``flake8-flax`` command: check, fix, explain, rules.

Exit codes: 0 clean, 1 findings (or, with ``fix --exit-non-zero-on-fix``, files changed), 2 usage or
internal error.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from flake8.exceptions import ExecutionError

from flake8_flax import __version__, docs, report
from flake8_flax.catalog import Catalog, RuleError, load_catalog
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source
from flake8_flax.noqa import NoqaFilter, file_is_ignored
from flake8_flax.settings import Settings
from flake8_flax.sources import SourceError, Unit, encoding_of, notebook_with_text, read_unit, write_atomic
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

    def findings(self, unit: Unit) -> list[report.Located]:
        text = unit.text.lstrip("\ufeff")
        lines = text.splitlines(keepends=True)
        if file_is_ignored(lines):
            return []
        noqa = NoqaFilter(lines)
        located = []
        for finding in lint(text, self.catalog, self.targets, self.settings.wanted_for(unit.path)):
            if not noqa.suppressed(finding.line, finding.code):
                cell, line = unit.locate(finding.line)
                located.append(report.Located(str(unit.path), cell, line, finding))
        return located


def run_check(args: argparse.Namespace, session: Session) -> int:
    items: list[report.Located] = []
    errors = 0
    for path in session.settings.files(args.paths):
        try:
            items.extend(session.findings(read_unit(path)))
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


def _fix_text(path: Path, text: str, session: Session, unsafe: bool) -> tuple[str, list, str | None]:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    result = fix_source(text[len(bom):], session.catalog, session.targets, unsafe=unsafe,
                        wanted=session.settings.wanted_for(path))
    return bom + result.source, result.fixed, result.error


def run_fix(args: argparse.Namespace, session: Session) -> int:
    changed_files = 0
    errors = 0
    remaining = 0
    for path in session.settings.files(args.paths):
        try:
            unit = read_unit(path)
        except SourceError as exc:
            print(f"flake8-flax: {exc}", file=sys.stderr)
            errors += 1
            continue
        new_text, fixed, error = _fix_text(path, unit.text, session, args.unsafe_fixes)
        if error:
            print(f"flake8-flax: {path}: {error}", file=sys.stderr)
            errors += 1
        for finding in fixed:
            print(f"{path}: fixed {finding.code} {finding.message}", file=sys.stderr)
        left = session.findings(Unit(path, new_text, unit.notebook))
        for item in left:
            print(f"{item.where}: {item.finding.code} {item.finding.text} (left for a human"
                  f"{'; use --unsafe-fixes' if item.finding.edit else ''})", file=sys.stderr)
        remaining += len(left)
        if new_text == unit.text:
            continue
        changed_files += 1
        old_bytes = path.read_bytes()
        if path.suffix == ".ipynb":
            new_bytes = notebook_with_text(path, new_text)
        else:
            new_bytes = new_text.encode(encoding_of(old_bytes))
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                old_bytes.decode("utf-8", "replace").splitlines(keepends=True),
                new_bytes.decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=f"a/{path}", tofile=f"b/{path}"))
        else:
            write_atomic(path, new_bytes)
    verb = "would fix" if args.diff else "fixed"
    print(f"flake8-flax: {verb} {changed_files} file(s); {remaining} finding(s) left", file=sys.stderr)
    if errors:
        return 2
    if args.exit_non_zero_on_fix and changed_files:
        return 1
    return 1 if remaining else 0


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
    except KeyboardInterrupt:
        return 130
