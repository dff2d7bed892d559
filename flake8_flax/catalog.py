"""Load and validate the rule files (ast-grep YAML with our fields under ``metadata:``)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from flake8_flax import cache
from flake8_flax.names import Names

if TYPE_CHECKING:
    from flake8_flax.triggers import Trigger

PACKAGE_DATA = Path(__file__).parent  # an installed wheel holds rules/ and rule-utils/ here
SOURCE_DATA = Path(__file__).resolve().parent.parent  # a source checkout / editable install
NAMES_FILE = PACKAGE_DATA / "canonical-names.yml"

TOP_KEYS = {"id", "language", "rule", "constraints", "utils", "transform", "fix", "message", "note",
            "severity", "url", "metadata", "files", "ignores"}
REQUIRED_TOP = {"id", "language", "rule", "message", "note", "severity", "metadata"}
META_KEYS = {"code", "name", "tier", "guide", "package", "deprecated", "removed", "replacement", "until",
             "fix_safety", "hint", "imports", "guide_errata", "examples", "lookalikes", "proof"}
REQUIRED_META = {"code", "name", "tier", "guide", "package", "deprecated", "replacement", "fix_safety",
                 "examples", "lookalikes", "proof"}
LINT_META = {"code", "name", "tier", "package", "deprecated", "removed", "replacement", "until", "fix_safety", "hint",
             "imports"}  # the metadata linting and fixing read (the lean catalog)
EXAMPLE_KEYS = {"deprecated", "at", "fixed"}
PROOF_KEYS = {"program", "fixed_program", "fails_with", "written_for", "differs", "counterfeits", "runs_on"}
COUNTERFEIT_KEYS = {"fix", "fails_with", "id"}
# (patterns only building a catalog needs stay uncompiled until then: re keeps what it compiles)
METAVAR = r"\$[A-Z_]"
CODE = r"^FLX[0-9]{3}$"
SEVERITIES = {"error", "warning", "info", "hint"}
# bundled codes with a fix whose proof names no counterfeit yet (the list only shrinks)
COUNTERFEITS_PENDING = frozenset("""
""".split())
# bundled codes without a look-alike of a shape, one CODE:shape a line (lookalikes.py; the list only shrinks)
LOOKALIKE_SHAPES_PENDING = frozenset("""
""".split())


class RuleError(Exception):
    """A rule file is invalid; the message names the file and the field."""


@functools.lru_cache(maxsize=None)  # (a few distinct versions, asked for by every rule in every run's plan)
def parse_version(text: str) -> tuple[int, ...]:
    """'0.12.6' -> (0, 12, 6)."""
    parts = str(text).split(".")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part) for part in parts)


def _is_version(text: Any) -> bool:
    try:
        parse_version(text)
    except ValueError:
        return False
    return True


class Rule(NamedTuple):
    """One rule document: the ast-grep config plus our metadata. (Named tuples, not dataclasses, for the rule and
    the catalog: a flake8 run creates both classes before its first file, and a dataclass costs ~0.7 ms to make.)"""

    path: Path
    id: str
    code: str
    message: str
    note: str
    severity: str
    url: str
    config_text: str  # JSON of what ast-grep-py's find_all receives: rule, constraints, utils, transform
    fix: str | None
    meta: dict[str, Any]
    triggers: tuple[Trigger, ...] = ()  # each needs one of its words in the file (see triggers.py)
    index: int = 0  # position of the document in its file; later documents inherit the first's metadata
    condition_texts: tuple[str, ...] = ()  # JSON of the module-level parts of the rule, checked once per file
    probe_text: str | None = None  # JSON of the rule with its local utils renamed apart, for the combined pass

    # The rule's parts for ast-grep are kept as JSON texts, decoded when a file first reaches them: a run loads
    # the catalog whole but most files need few rules, and thousands of small dicts cost the garbage collector.
    @property
    def config(self) -> dict[str, Any]:
        return decoded(self.config_text)

    @property
    def probe(self) -> dict[str, Any] | None:
        return None if self.probe_text is None else decoded(self.probe_text)

    @property
    def advisory(self) -> bool:
        return self.meta["tier"] == "advisory"

    @property
    def fix_safety(self) -> str:
        return self.meta["fix_safety"]

    def applies_to(self, targets: dict[str, tuple[int, ...]]) -> bool:
        """True when the old form is a problem in the targeted version of ``meta['package']``."""
        target = targets.get(self.meta["package"])
        if target is None:
            return True
        until = self.meta.get("until")
        return target >= parse_version(self.meta["deprecated"]) and (until is None or target < parse_version(until))

    def fix_available(self, targets: dict[str, tuple[int, ...]]) -> bool:
        """True when the rule has a fix and its replacement exists in the targeted version."""
        target = targets.get(self.meta["package"])
        return self.fix is not None and (target is None or target >= parse_version(self.meta["replacement"]))


@functools.lru_cache(maxsize=None)
def decoded(text: str) -> Any:
    """A rule part from its JSON text, once per process (shared: never to be changed)."""
    return json.loads(text)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class Catalog(NamedTuple):
    """All loaded rules and the newest version each package is known at (the default target)."""

    rules: tuple[Rule, ...]
    newest: dict[str, tuple[int, ...]]
    names: Names  # how the rules spell names (canonical-names.yml)

    def by_code(self, code: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.code == code]

    def proofs(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Every proof program with its code: the first document's (key: the code) and the one a later document
        states for itself (key: ``CODE:id``), for forms that no release shares with the first program."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for rule in self.rules:
            if rule.code not in found:
                found[rule.code] = (rule.code, rule.meta["proof"])
            elif rule.meta["proof"] != found[rule.code][1]:
                found[f"{rule.code}:{rule.id}"] = (rule.code, rule.meta["proof"])
        return found

    @property
    def advisory_codes(self) -> list[str]:
        return sorted({rule.code for rule in self.rules if rule.advisory})


def advisory_wanted(code: str, explicit_select: list[str], flag: bool) -> bool:
    """An advisory code is reported only with ``--flax-advisory`` or when selected more specifically than
    ``FLX`` (``--select FLX9``, ``--extend-select FLX207``), so ``--select FLX`` keeps the advice off."""
    return flag or any(code.startswith(p) and len(p) > 3 for p in explicit_select)


def _fail(path: Path, where: str, problem: str) -> RuleError:
    return RuleError(f"{path}: {where}: {problem}")


def _read_yaml(path: Path) -> list[Any]:
    import yaml  # only when the catalog is built, not when it comes from the cache

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's loader is several times faster
    try:
        return [doc for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader) if doc is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _fail(path, "YAML", str(exc).replace("\n", " ")) from None


def load_utils(directory: Path) -> dict[str, Any]:
    """Shared utility rules (ast-grep ``utilDirs``): id -> rule."""
    utils: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yml")):
        for doc in _read_yaml(path):
            if not isinstance(doc, dict) or set(doc) - {"id", "language", "rule"} or "rule" not in doc:
                raise _fail(path, "top level", "a utility file holds only 'id', 'language' and 'rule'")
            utils[doc["id"]] = doc["rule"]
    return utils


def _referenced_utils(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "matches" and isinstance(value, str):
                found.add(value)
            else:
                _referenced_utils(value, found)
    elif isinstance(node, list):
        for item in node:
            _referenced_utils(item, found)


def _check_rule(path: Path, doc: Any, utils: dict[str, Any]) -> Rule:
    if not isinstance(doc, dict):
        raise _fail(path, "top level", "a rule document must be a mapping")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise _fail(path, sorted(unknown)[0], "unknown top-level key (ast-grep rejects it; put ours under metadata)")
    missing = REQUIRED_TOP - set(doc)
    if missing:
        raise _fail(path, sorted(missing)[0], "required key is missing")
    if doc["language"] not in ("python", "Python", "py"):
        raise _fail(path, "language", "must be python")
    if doc["severity"] not in SEVERITIES:
        raise _fail(path, "severity", f"must be one of {sorted(SEVERITIES)}")
    if "fix" in doc and not isinstance(doc["fix"], str):
        raise _fail(path, "fix", "only a string template is supported")
    meta = doc["metadata"]
    if not isinstance(meta, dict):
        raise _fail(path, "metadata", "must be a mapping")
    unknown = set(meta) - META_KEYS
    if unknown:
        raise _fail(path, f"metadata.{sorted(unknown)[0]}", f"unknown metadata key (known: {sorted(META_KEYS)})")
    missing = REQUIRED_META - set(meta)
    if missing:
        raise _fail(path, f"metadata.{sorted(missing)[0]}", "required metadata key is missing")
    if not re.match(CODE, str(meta["code"])):
        raise _fail(path, "metadata.code", f"{meta['code']!r} is not of the form FLXnnn")
    if meta["tier"] not in ("default", "advisory"):
        raise _fail(path, "metadata.tier", "must be 'default' or 'advisory'")
    if meta["package"] not in ("flax", "jax"):
        raise _fail(path, "metadata.package", "must be 'flax' or 'jax'")
    for key in ("deprecated", "removed", "replacement", "until"):
        if meta.get(key) is not None and not _is_version(meta[key]):
            raise _fail(path, f"metadata.{key}", f"{meta[key]!r} is not a version like 0.11.0")
    if meta["fix_safety"] not in ("safe", "unsafe", "none"):
        raise _fail(path, "metadata.fix_safety", "must be safe, unsafe or none")
    if (meta["fix_safety"] == "none") != ("fix" not in doc):
        raise _fail(path, "metadata.fix_safety", "is 'none' exactly when the rule has no 'fix'")
    if "fix" not in doc and not meta.get("hint"):
        raise _fail(path, "metadata.hint", "a rule without 'fix' needs a hint saying what to do by hand")
    examples = meta["examples"]
    if not isinstance(examples, list) or not examples:
        raise _fail(path, "metadata.examples", "needs at least one example")
    for i, example in enumerate(examples):
        if not isinstance(example, dict) or set(example) - EXAMPLE_KEYS or "deprecated" not in example:
            raise _fail(path, f"metadata.examples[{i}]", f"keys are {sorted(EXAMPLE_KEYS)}, 'deprecated' required")
    if not isinstance(meta["lookalikes"], list) or not meta["lookalikes"]:
        raise _fail(path, "metadata.lookalikes", "needs at least one look-alike that must stay silent")
    proof = meta["proof"]
    if not isinstance(proof, dict) or set(proof) - PROOF_KEYS or "program" not in proof:
        raise _fail(path, "metadata.proof", f"keys are {sorted(PROOF_KEYS)}, 'program' required")
    if meta["tier"] != "advisory" and "fails_with" not in proof:
        raise _fail(path, "metadata.proof.fails_with", "say how the deprecated program fails or warns today")
    counterfeits = proof.get("counterfeits", [])
    if not isinstance(counterfeits, list):
        raise _fail(path, "metadata.proof.counterfeits", "must be a list of wrong fixes")
    for i, fake in enumerate(counterfeits):
        if (not isinstance(fake, dict) or set(fake) - COUNTERFEIT_KEYS or {"fix", "fails_with"} - set(fake)
                or not all(isinstance(value, str) for value in fake.values())):
            raise _fail(path, f"metadata.proof.counterfeits[{i}]",
                        f"keys are {sorted(COUNTERFEIT_KEYS)} (strings), 'fix' and 'fails_with' required")
    refs: set[str] = set()
    _referenced_utils([doc["rule"], doc.get("constraints"), doc.get("utils")], refs)
    local = doc.get("utils") or {}
    unknown_refs = refs - set(local) - set(utils)
    if unknown_refs:
        raise _fail(path, "rule", f"'matches: {sorted(unknown_refs)[0]}' names no utility rule")
    used = {name: utils[name] for name in _closure(refs - set(local), utils)}
    config = {"rule": doc["rule"], "utils": {**used, **local}}
    for key in ("constraints", "transform"):
        if key in doc:
            config[key] = doc[key]
    _validate_with_ast_grep(path, config)
    residual, file_conditions = split_file_conditions(doc["rule"], config["utils"])
    from flake8_flax.regexes import cheap_rule, cheapen  # (building only: a cached catalog needs neither)
    from flake8_flax.triggers import triggers

    still_used: set[str] = set()  # ast-grep compiles every utility it is given, on every call: keep those the
    _referenced_utils([residual, doc.get("constraints")], still_used)  # rule still references, once the file
    still_used = _closure(still_used, config["utils"])  # conditions are taken out
    kept = {name: body for name, body in config["utils"].items() if name in still_used}
    probe = None if "constraints" in doc else _probe(doc["id"], residual, kept, set(local))
    return Rule(path=path, id=doc["id"], code=meta["code"], message=str(doc["message"]).strip(),
                note=str(doc["note"]).strip(), severity=doc["severity"], url=doc.get("url", ""),
                config_text=_json(cheapen({**config, "rule": residual, "utils": kept})),
                probe_text=None if probe is None else _json(cheapen(probe)),
                condition_texts=tuple(_json(cheap_rule(condition)) for condition in file_conditions),
                fix=doc.get("fix"), meta=meta,
                triggers=triggers(doc["rule"], {**utils, **local}, doc.get("constraints")))


def _closure(names: set[str], utils: dict[str, Any]) -> set[str]:
    """The named utilities and every utility they reference in turn."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in utils:
            continue
        seen.add(name)
        refs: set[str] = set()
        _referenced_utils(utils[name], refs)
        todo.extend(refs)
    return seen


def _validate_with_ast_grep(path: Path, config: dict[str, Any]) -> None:
    from ast_grep_py import SgRoot

    try:
        SgRoot("", "python").root().find_all(config)
    except BaseException as exc:  # plain exceptions for bad configs; pyo3's PanicException is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise _fail(path, "rule", f"ast-grep rejects it: {_error_chain(exc)}") from None


def _error_chain(exc: BaseException) -> str:
    """ast-grep's error and its causes on one line, without the Rust backtrace that ``RUST_BACKTRACE`` adds."""
    text = str(exc).split("Stack backtrace:")[0]
    parts = [re.sub(r"^\s*\d+:\s*", "", line).strip() for line in text.splitlines()]
    return "; ".join(part.rstrip(".") for part in parts if part and part != "Caused by:")


def _file_condition(clause: Any, utils: dict[str, Any]) -> dict[str, Any] | None:
    """The module-level rule of ``inside: {stopBy: end, ...}`` when it can only match the module node."""
    allowed = {"stopBy", "kind", "has", "matches", "all"}
    if not isinstance(clause, dict) or clause.get("stopBy") != "end" or set(clause) - allowed:
        return None
    body = {key: value for key, value in clause.items() if key != "stopBy"}
    target = utils.get(body["matches"], {}) if set(body) == {"matches"} else body
    if not isinstance(target, dict) or target.get("kind") != "module":
        return None
    body = _inline(body, utils)
    return None if re.search(METAVAR, json.dumps(body)) else body  # a shared metavariable ties it to the node


def _inline(rule: Any, utils: dict[str, Any]) -> Any:
    """The rule with every ``matches: util`` replaced by the util's body (``SgNode.matches`` takes no utils)."""
    if isinstance(rule, list):
        return [_inline(item, utils) for item in rule]
    if not isinstance(rule, dict):
        return rule
    inlined = {key: _inline(value, utils) for key, value in rule.items() if key != "matches"}
    if "matches" not in rule:
        return inlined
    body = _inline(utils[rule["matches"]], utils)
    return {**inlined, "all": [*inlined.get("all", []), body]} if inlined else body


def _probe(rule_id: str, rule: dict[str, Any], utils: dict[str, Any], local: set[str]) -> dict[str, Any]:
    """``{"rule": ..., "utils": ...}`` with this file's local utils prefixed by the rule id, so that the probes of
    all rules can share one ``utils`` table in the engine's combined pass."""
    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (f"{rule_id}:{v}" if k == "matches" and v in local else rename(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [rename(item) for item in node]
        return node

    return {"rule": rename(from_parent(rule)),
            "utils": {(f"{rule_id}:{name}" if name in local else name): rename(body) for name, body in utils.items()}}


def from_parent(rule: dict[str, Any]) -> dict[str, Any]:
    """For the probe, which only asks whether a file has a match: a rule on the node in field F of its parent,
    ``inside: {kind: K, field: F}``, as a rule on the parent, ``{kind: K, has: {field: F, <the rest>}}``. Both hold
    in the same files; the second lets ast-grep skip all but the K nodes, where the first goes up from every
    candidate (tree-sitter finds a node's parent by walking down from the root). FLX413 over flax: 0.72x."""
    clause, rest = None, dict(rule)
    if _parent_clause(rest.get("inside")):
        clause = rest.pop("inside")
    else:
        parts = rest.get("all", [])
        for i, part in enumerate(parts):
            if isinstance(part, dict) and set(part) == {"inside"} and _parent_clause(part["inside"]):
                clause, rest["all"] = part["inside"], parts[:i] + parts[i + 1:]
                if not rest["all"]:
                    del rest["all"]
                break
    if clause is None or not rest:
        return rule
    return {"kind": clause["kind"], "has": {"field": clause["field"], **rest}}


def _parent_clause(clause: Any) -> bool:
    """Only a parent known by its kind alone: with more to check (FLX206's enclosing class), the parent-first probe
    checks it on every node of that kind and was 17x slower over flax."""
    return isinstance(clause, dict) and set(clause) == {"kind", "field"}


def split_file_conditions(rule: dict[str, Any], utils: dict[str, Any]) -> tuple[dict[str, Any], tuple]:
    """Take the ``inside`` clauses that only the module node can satisfy (e.g. "the file imports flax.nn") out of
    the rule: they hold for every node of a file or for none, so the engine checks them once per file instead
    of once per candidate node. Returns the rest of the rule and the conditions."""
    rule = dict(rule)
    conditions = []
    condition = _file_condition(rule.get("inside"), utils)
    if condition is not None:
        conditions.append(condition)
        del rule["inside"]
    if isinstance(rule.get("all"), list):
        kept = []
        for part in rule["all"]:
            condition = _file_condition(part.get("inside"), utils) if isinstance(part, dict) and set(part) == {
                "inside"} else None
            if condition is None:
                kept.append(part)
            else:
                conditions.append(condition)
        rule["all"] = kept
        if not kept:
            del rule["all"]
    return rule, tuple(conditions)


def load_directory(directory: Path, utils: dict[str, Any], bundled: bool = False) -> list[Rule]:
    """Every rule document of ``directory/*.yml`` (not recursive: a team directory's ``utils/`` is separate)."""
    if not directory.is_dir():
        raise RuleError(f"{directory}: not a directory of rule files")
    rules: list[Rule] = []
    for path in sorted(directory.glob("*.yml")):
        docs = _read_yaml(path)
        if not docs:
            raise _fail(path, "top level", "the file holds no rule")
        file_rules = [_check_rule(path, doc, utils)._replace(index=i)
                      for i, doc in enumerate(_inherit_metadata(path, docs))]
        if len({rule.code for rule in file_rules}) != 1:
            raise _fail(path, "metadata.code", "all documents of one file share one code")
        if all(rule.fix is None for rule in file_rules) and "fixed_program" not in file_rules[0].meta["proof"]:
            raise _fail(path, "metadata.proof.fixed_program", "a rule without 'fix' shows the fixed program")
        _check_counterfeits(path, file_rules, bundled)
        if bundled:
            _check_lookalike_shapes(path, file_rules, utils["compat-shim"])
        rules.extend(file_rules)
    return rules


def _check_counterfeits(path: Path, file_rules: list[Rule], bundled: bool) -> None:
    """Each counterfeit replaces the fix of a document of the file (``id``, default the first) by another text.
    A bundled file with a fix needs at least one (codes in COUNTERFEITS_PENDING are still being written)."""
    fixes = {rule.id: rule.fix for rule in file_rules}
    counterfeits = file_rules[0].meta["proof"].get("counterfeits", [])
    for i, fake in enumerate(counterfeits):
        target = fake.get("id", file_rules[0].id)
        if fixes.get(target) is None:
            raise _fail(path, f"metadata.proof.counterfeits[{i}].id", f"{target!r} is no document with a fix here")
        if fake["fix"] == fixes[target]:
            raise _fail(path, f"metadata.proof.counterfeits[{i}].fix", "is the document's own fix")
    code = file_rules[0].code
    fixable = any(fix is not None for fix in fixes.values())
    if bundled and fixable and not counterfeits and code not in COUNTERFEITS_PENDING:
        raise _fail(path, "metadata.proof.counterfeits", "a rule with a fix names a plausible wrong fix that "
                    "its proof must catch")


def _check_lookalike_shapes(path: Path, file_rules: list[Rule], shim_rule: dict[str, Any]) -> None:
    """A bundled code has a look-alike of each shape (shim, foreign, migrated; see lookalikes.py)."""
    from flake8_flax import lookalikes  # only when the catalog is built, not when it comes from the cache

    code = file_rules[0].code
    for shape in lookalikes.missing(file_rules, shim_rule):
        if f"{code}:{shape}" not in LOOKALIKE_SHAPES_PENDING:
            raise _fail(path, "metadata.lookalikes", f"{code} has no look-alike of shape {shape!r} "
                        "(docs/writing-rules.md, Look-alikes)")


def _inherit_metadata(path: Path, docs: list[Any]) -> list[Any]:
    """Later documents of a file inherit the first one's metadata and state only what differs."""
    first = docs[0].get("metadata") if isinstance(docs[0], dict) else None
    if len(docs) == 1 or not isinstance(first, dict):
        return docs
    for i, doc in enumerate(docs[1:], start=2):
        if not isinstance(doc, dict) or not isinstance(doc.get("metadata", {}), dict):
            raise _fail(path, f"document {i}", "a rule document and its metadata must be mappings")
    return [docs[0]] + [{**doc, "metadata": {**first, **doc.get("metadata", {})}} for doc in docs[1:]]


def bundled_rules_dir() -> Path:
    return PACKAGE_DATA / "rules" if (PACKAGE_DATA / "rules").is_dir() else SOURCE_DATA / "rules"


def bundled_utils_dir() -> Path:
    """Shared utility rules: beside ``rules/``, not in it, since ``ast-grep scan`` reads ruleDirs recursively."""
    return bundled_rules_dir().parent / "rule-utils"


def build_catalog(extra_dirs: tuple[str, ...] = ()) -> Catalog:
    """Bundled rules plus a team's own directories; codes and ids must be unique across files."""
    base = bundled_rules_dir()
    utils = load_utils(bundled_utils_dir())
    rules = load_directory(base, utils, bundled=True)
    for extra in extra_dirs:
        extra_path = Path(extra)
        extra_utils = {**utils, **load_utils(extra_path / "utils")} if (extra_path / "utils").is_dir() else utils
        rules.extend(load_directory(extra_path, extra_utils))
    owner: dict[str, Path] = {}
    ids: set[str] = set()
    for rule in rules:
        if owner.setdefault(rule.code, rule.path) != rule.path:
            raise _fail(rule.path, "metadata.code", f"{rule.code} is already used by {owner[rule.code]}")
        if rule.id in ids:
            raise _fail(rule.path, "id", f"{rule.id!r} is not unique")
        ids.add(rule.id)
    newest: dict[str, tuple[int, ...]] = {}
    for rule in rules:
        for key in ("deprecated", "removed", "replacement"):
            if rule.meta.get(key) is not None:
                version = parse_version(rule.meta[key])
                package = rule.meta["package"]
                newest[package] = max(newest.get(package, version), version)
    names = Names.from_data(_read_yaml(NAMES_FILE)[0])
    table: dict[Any, Any] = {}  # one object for equal parts of rules (a file condition, a trigger): pickled once
    rules = [rule._replace(condition_texts=tuple(table.setdefault(t, t) for t in rule.condition_texts),
                           triggers=tuple(_shared_trigger(t, table) for t in rule.triggers)) for rule in rules]
    return Catalog(rules=tuple(sorted(rules, key=lambda r: (r.code, r.index))), newest=newest, names=names)


def _shared_trigger(trigger: Trigger, table: dict[Any, Any]) -> Trigger:
    names, others, key = trigger
    return table.setdefault(trigger, (table.setdefault(names, names), others, key and table.setdefault(key, key)))


@functools.lru_cache(maxsize=8)
def load_catalog(extra_dirs: tuple[str, ...] = (), lean: bool = False) -> Catalog:
    """Once per process and per set of extra directories; from the on-disk cache while no rule file changed.
    ``lean``: without the metadata only docs and tests read (examples, look-alikes, proofs), for the flake8 plugin,
    which loads it on every run. An extra directory that does not exist or holds no rule file is an error, cache or
    not."""
    for extra in extra_dirs:
        if not Path(extra).is_dir() or not any(Path(extra).glob("*.yml")):
            raise RuleError(f"{extra}: --flax-extra-rules: not a directory of rule files (*.yml)")
    try:
        key = catalog_key(extra_dirs)
    except OSError as exc:
        raise RuleError(f"{exc.filename}: cannot read: {exc.strerror}") from None
    kind = "lint" if lean else "catalog"
    catalog = cache.load(kind, key)
    if not isinstance(catalog, Catalog):
        catalog = _lean(load_catalog(extra_dirs)) if lean else build_catalog(extra_dirs)
        cache.store(kind, key, catalog)
    return catalog


def catalog_key(extra_dirs: tuple[str, ...] = ()) -> str:
    """The on-disk cache key of the catalog of these directories (``cache.fingerprint``); the findings cache keys
    on it too (raises OSError)."""
    return cache.fingerprint([bundled_rules_dir(), bundled_utils_dir(), *(Path(d) for d in extra_dirs)])


def _lean(catalog: Catalog) -> Catalog:
    rules = tuple(rule._replace(note="", meta={k: v for k, v in rule.meta.items() if k in LINT_META})
                  for rule in catalog.rules)
    return catalog._replace(rules=rules)
