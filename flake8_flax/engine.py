"""Run the rules over one source text: ast-grep-py matching, version gating and fix templates."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from flake8_flax.catalog import Catalog, Rule, decoded
from flake8_flax.comments import for_ast_grep
from flake8_flax.names import NAME_RE, View, canonical_view

if TYPE_CHECKING:
    from ast_grep_py import SgNode

# (patterns compiled when first used, by re, which keeps them: a file without findings needs none)
INDENT = r"[ \t]*"
METAVAR = r"\$\$\$([A-Z_][A-Z0-9_]*)|\$([A-Z_][A-Z0-9_]*)"


class Edit(NamedTuple):
    """Replace ``source[start:end]`` (character offsets) with ``text``."""

    start: int
    end: int
    text: str


class Finding(NamedTuple):
    """One match of one rule. ``line`` is 1-based, ``col`` 0-based (flake8's convention)."""

    rule: Rule
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    edit: Edit | None  # None when the rule has no fix or the target version lacks the replacement
    source: str = ""  # the linted text, for the hint (made when asked)
    imports: tuple[str, ...] = ()  # import statements the fix needs (the fixer adds those the file lacks)
    view_range: tuple[int, int] = (0, 0)  # the matched node in the text the rules saw

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def hint(self) -> str:
        if self.edit is None:
            return self.rule.meta.get("hint") or "no automatic fix for the targeted version"
        return _one_line(_fixed_lines(self.source, self.edit)) or "delete the line"

    @property
    def text(self) -> str:
        """The one-line flake8 message: ``<message>; fix: <hint>`` (without the code)."""
        return f"{self.message}; fix: {self.hint}"


def _one_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space: flake8 shows one line per finding, never cut."""
    return " ".join(text.split())


class Spelling:
    """How template text reaches the file: captures as the file's own text, literal names in its spelling.
    Without a canonical view both are the identity."""

    def __init__(self, source: str, view: View | None = None, names: bool = True):
        self.source, self.view, self.names = source, view, names
        self.imports: list[str] = []  # the imports the spelled text needs
        self.failed = False  # a name that cannot be spelled in this file

    def captured(self, start: int, end: int) -> str:
        if self.view is None:
            return self.source[start:end]
        return self._checked(self.view.source_text(start, end, self.imports))

    def literal(self, text: str) -> str:
        if self.view is None or not self.names:  # messages name the API as the rules do
            return text
        return self._checked(self.view.spell_back(text, self.imports))

    def _checked(self, text: str | None) -> str:
        if text is None:
            self.failed = True
            return ""
        return text


def _substitute(template: str, node: SgNode, spelling: Spelling) -> str:
    def value(match: re.Match[str]) -> str:
        many, one = match.groups()
        if many:
            nodes = node.get_multiple_matches(many)
            if not nodes:
                return ""
            if nodes[-1].kind() == ",":  # a trailing comma would double up in `f($$$A, extra)`
                nodes = nodes[:-1]
            return spelling.captured(nodes[0].range().start.index, nodes[-1].range().end.index) if nodes else ""
        transformed = node.get_transformed(one)
        if transformed is not None:
            return spelling.literal(transformed)
        captured = node.get_match(one)
        if captured is None:
            return ""
        rng = captured.range()
        return spelling.captured(rng.start.index, rng.end.index)

    out, last = [], 0
    for match in re.finditer(METAVAR, template):
        out += [spelling.literal(template[last:match.start()]), value(match)]
        last = match.end()
    out.append(spelling.literal(template[last:]))
    return "".join(out)


def _line_bounds(source: str, start: int, end: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", end)
    return line_start, len(source) if line_end == -1 else line_end + 1


def make_edit(rule: Rule, node: SgNode, source: str, view: View | None = None,
              rng: Any = None) -> tuple[Edit, list[str]] | None:
    """Fill the fix template like the ast-grep CLI: metavariables, and re-indented continuation lines; with the
    imports the fix needs. ``node`` is from ``view.text`` when there is a view; the edit is on ``source``.

    An empty fix on a node that stands alone on its lines deletes those lines entirely. None when the fix
    cannot be written in this file's spelling, or would edit a base that the view respelled.
    """
    rng = rng or node.range()  # (ast-grep-py's range() costs the length of the line before the node)
    start, end = rng.start.index, rng.end.index
    spelling = Spelling(source, view)
    prefix = suffix = ""
    if view is not None:
        if view.overlaps(start, end, derived=True):
            return None
        inner = view.span_at(start)  # an edit that starts or ends inside a respelled name takes the whole name
        if inner is not None:
            prefix, start = view.text[inner.view_start:start], inner.view_start
        inner = view.span_at(end)
        if inner is not None:
            suffix, end = view.text[end:inner.view_end], inner.view_end
        start, end = view.to_source(start), view.to_source(end)
        if start is None or end is None:
            return None
    template = (rule.fix or "").rstrip("\n")
    if "\n" in template:  # (line bounds only when needed: many findings on one long line stay linear)
        indent = re.compile(INDENT).match(source, source.rfind("\n", 0, start) + 1, start).group(0)
        template = template.replace("\n", "\n" + indent)
    text = spelling.literal(prefix) + _substitute(template, node, spelling) + spelling.literal(suffix)
    if spelling.failed:
        return None
    imports = spelling.imports + [imp for imp in rule.meta.get("imports", []) if _binds_a_word_of(imp, text)]
    if not text:
        line_start, line_end = _line_bounds(source, start, end)
        if not source[line_start:start].strip() and not source[end:line_end].strip():
            return Edit(line_start, line_end, ""), imports
    return Edit(start, end, text), imports


def _binds_a_word_of(statement: str, text: str) -> bool:
    """Is the name an import statement binds (``import jax`` -> jax) used in ``text``?"""
    bound = statement.split(" as ")[-1] if " as " in statement else statement.split()[-1].split(".")[0]
    return re.search(rf"(?<![\w.]){re.escape(bound)}(?!\w)", text) is not None


def _fixed_lines(source: str, edit: Edit) -> str:
    """The whole lines an edit touches, as they read after it."""
    line_start, line_end = _line_bounds(source, edit.start, edit.end)
    return source[line_start : edit.start] + edit.text + source[edit.end : line_end]


class Text:
    """A text the pre-filter looks words up in, with what makes the lookups cheap, each made when first needed."""

    def __init__(self, text: str, words: set[str] | None = None):
        self.text = text
        self._partial: dict[str, bool] = {}
        self._literal: dict[tuple[str, bool], bool] = {}
        if words is not None:
            self.words = words

    @functools.cached_property
    def words(self) -> set[str]:
        """The names of the text (those in its strings and comments too). A name right after digits is a name of
        its own: ``1if x`` holds ``if``."""
        return set(NAME_RE.findall(self.text))

    def has_part(self, word: str) -> bool:
        """Does ``word`` occur, maybe inside a longer word (as a regex may find it)?"""
        found = self._partial.get(word)
        if found is None:
            found = self._partial[word] = word in self.words or word in (
                self._runs if word[0].isalpha() or word[0] == "_" else self.text)
        return found

    @functools.cached_property
    def _runs(self) -> str:
        return "\n".join(self.words)  # a few KB, not the whole text

    def has_literal(self, literal: str, whole: bool) -> bool:
        """Does ``literal`` (``jax.experimental.pjit``) occur, maybe written with blanks, line continuations or
        comments between its tokens as Python allows (``jax .experimental``)? ``whole``: its first and last names
        are whole names (``.value`` is not in ``.values()``)."""
        key = (literal, whole)
        found = self._literal.get(key)
        if found is None:
            text = self.text
            after_word = whole and is_word_char(literal[0])  # (checked here: a look-behind would keep re from
            before_word = whole and is_word_char(literal[-1])  # skipping ahead to the literal's first token)

            def glued(before: int, after: int) -> bool:  # part of a longer name at its start or its end
                return (after_word and before >= 0 and is_word_char(text[before]) or
                        before_word and after < len(text) and is_word_char(text[after]))

            start = text.find(literal)  # as written, most often: no regex to compile
            while start >= 0 and not found:
                found = not glued(start - 1, start + len(literal))
                start = text.find(literal, start + 1)
            found = self._literal[key] = found or (key in _SPACED or _may_be_spaced(text, literal)) and any(
                not glued(match.start() - 1, len(text)) for match in _spaced(literal, whole).finditer(text))
        return found


def active_rules(catalog: Catalog, targets: dict[str, tuple[int, ...]], source: str | Text,
                 wanted: Callable[[Rule], bool] | None = None, hidden: frozenset[str] | None = None,
                 among: list[Rule] | None = None) -> list[Rule]:
    """Wanted rules (``among`` them, if given) that apply to the targeted versions and whose trigger words occur
    in ``source``. ``hidden``: the file's names are not canonical yet and these words may come with their
    respelling, so they count as present, and a literal such as ``nnx.mutable`` only needs its words."""
    text = source if isinstance(source, Text) else Text(source)
    plan = _plan(catalog, targets, wanted)
    loose = hidden is not None
    present = plan.names & text.words
    if hidden:
        present |= plan.names & hidden
    known: dict[str, bool] = {}

    def hit(trigger: str) -> bool:
        found = known.get(trigger)
        if found is None:
            partial = trigger[0] == "~"  # (from a regex: may be part of a longer word)
            body = trigger[1:] if partial else trigger
            parts = _words(body)
            found = all(word in text.words or loose and word in hidden or partial and text.has_part(word)
                        for word in parts or (body,))
            found = known[trigger] = found and (parts is None or loose or text.has_literal(body, whole=not partial))
        return found

    if among is None:  # only the rules with a name of their key in the file, or without a key
        chosen = set(plan.unkeyed).union(*(plan.keyed[name] for name in present if name in plan.keyed))
        among = [plan.rules[i] for i in sorted(chosen)]  # (in the catalog's order)
    return [rule for rule in among if all(not names.isdisjoint(present) or any(hit(trigger) for trigger in others)
                                          for names, others, _ in rule.triggers)]


class Plan(NamedTuple):
    """The rules that apply to the targeted versions, the names the pre-filter looks up, and an index: for each
    name, the rules whose smallest trigger key (see triggers.py) holds it; ``unkeyed``, those without one."""

    rules: tuple[Rule, ...]
    names: frozenset[str]
    keyed: dict[str, tuple[int, ...]]
    unkeyed: tuple[int, ...]


_PLANS: dict[tuple, tuple[Catalog, Plan]] = {}


def _plan(catalog: Catalog, targets: dict[str, tuple[int, ...]], wanted: Callable[[Rule], bool] | None) -> Plan:
    """Worked out once per run, not once per file."""
    key = (id(catalog), tuple(sorted(targets.items())), wanted)
    hit = _PLANS.get(key)
    if hit is None or hit[0] is not catalog:
        if len(_PLANS) > 64:
            _PLANS.clear()
        rules = tuple(rule for rule in catalog.rules if (wanted is None or wanted(rule)) and rule.applies_to(targets))
        keyed: dict[str, list[int]] = {}
        unkeyed = []
        for i, rule in enumerate(rules):
            keys = [key for _, _, key in rule.triggers if key is not None]
            for name in min(keys, key=len) if keys else ():
                keyed.setdefault(name, []).append(i)
            if not keys:
                unkeyed.append(i)
        names = frozenset(keyed).union(*(names for rule in rules for names, _, _ in rule.triggers))
        hit = _PLANS[key] = (catalog, Plan(rules, names, {k: tuple(v) for k, v in keyed.items()}, tuple(unkeyed)))
    return hit[1]


@functools.lru_cache(maxsize=None)
def _words(trigger: str) -> tuple[str, ...] | None:
    """The words of a literal trigger (``nnx.mutable``); None for a trigger that is one word."""
    return None if trigger.isidentifier() else tuple(t for t in literal_tokens(trigger) if is_word_char(t[0]))


_SPACED: dict[tuple[str, bool], re.Pattern[str]] = {}
GAP_STARTS, GAP_ENDS = " \t\r\n\f\\#", " \t\r\n\f\\"  # the characters a gap between tokens starts and ends with


def _spaced(literal: str, whole: bool) -> re.Pattern[str]:
    """``literal`` with any whitespace, line continuation or comment between its tokens (as Python allows)."""
    pattern = _SPACED.get((literal, whole))
    if pattern is None:
        tokens = literal_tokens(literal)
        blank = r"[ \t\r\n\f\\]*"  # (a comment runs to its line's end: one way to match, no backtracking blow-up)
        body = rf"{blank}(?:#[^\r\n]*[\r\n]{blank})*".join(re.escape(t) for t in tokens)
        if whole and is_word_char(tokens[-1][-1]):
            body += r"(?!\w)"  # (the start is checked by the caller)
        pattern = _SPACED[(literal, whole)] = re.compile(body)
    return pattern


def _may_be_spaced(text: str, literal: str) -> bool:
    """Could ``_spaced(literal)`` find what a plain search did not? Its first non-empty gap, after token ``i``,
    needs ``tokens[:i+1]`` glued and then a gap, and a gap before ``tokens[i+1]``: a few plain searches, which a
    process runs instead of compiling the regex (~0.15 ms each) until some file needs it."""
    tokens = literal_tokens(literal)
    return any(any("".join(tokens[:i + 1]) + c in text for c in GAP_STARTS) and any(c + after in text for c in GAP_ENDS)
               for i, after in enumerate(tokens[1:]))


@functools.lru_cache(maxsize=None)
def literal_tokens(literal: str) -> tuple[str, ...]:
    """A literal's tokens (names and single characters), between which a file may have blanks or comments."""
    return tuple(re.findall(r"\w+|\S", literal))


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # (what re's \w matches)


def _may_match(root: SgNode, rules: list[Rule]) -> list[Rule]:
    """One combined pass over the tree (``any`` of the rules without constraints): when nothing matches, only
    the rules with constraints, which cannot join an ``any``, still need their own pass."""
    probes = [rule for rule in rules if rule.probe is not None]
    if not probes:
        return rules
    utils: dict = {}
    for rule in probes:
        utils.update(rule.probe["utils"])
    if root.find({"rule": {"any": [rule.probe["rule"] for rule in probes]}, "utils": utils}) is not None:
        return rules
    return [rule for rule in rules if rule.probe is None]


def lint(source: str, catalog: Catalog, targets: dict[str, tuple[int, ...]] | None = None,
         wanted: Callable[[Rule], bool] | None = None) -> list[Finding]:
    """All findings of the wanted rules in ``source``, sorted by position; one finding per rule and node.

    The rules see the file in canonical spelling (``names.canonical_view``); positions and fixes are the file's.
    """
    targets = {**catalog.newest, **(targets or {})}
    hidden = frozenset(catalog.names.hidden_words(source))  # words a respelling may bring in
    original = Text(source)
    candidates = active_rules(catalog, targets, original, wanted, hidden)
    if not candidates:
        return []
    respell = catalog.names.may_respell(source, original.words)
    if not respell:  # the rules see the file as it is: judge the literals now, maybe without parsing at all
        candidates = active_rules(catalog, targets, original, wanted, among=candidates)
        if not candidates:
            return []
    from ast_grep_py import SgRoot  # (a file without the rules' words never loads the parser)

    root = SgRoot(for_ast_grep(source), "python").root()  # offsets and line numbers as in `source`
    view = canonical_view(source, root, catalog.names) if respell else None
    if view is None:
        rules = active_rules(catalog, targets, original, wanted, among=candidates) if respell else candidates
    else:  # (the view's names: at most the file's and those the respelling wrote)
        words = original.words.union(*(NAME_RE.findall(text) for text in view.inserted))
        rules = active_rules(catalog, targets, Text(view.text, words), wanted, among=candidates)
    if not rules:
        return []
    if view is not None:
        root = SgRoot(for_ast_grep(view.text), "python").root()
    file_facts: dict[str, bool] = {}

    def holds(condition: str) -> bool:
        if condition not in file_facts:
            file_facts[condition] = root.matches(**decoded(condition))
        return file_facts[condition]

    rules = [rule for rule in rules if all(holds(c) for c in rule.condition_texts)]
    findings: dict[tuple[str, int, int], Finding] = {}
    for rule in _may_match(root, rules):
        with_fix = rule.fix_available(targets)
        for node in root.find_all(rule.config):
            rng = node.range()
            key = (rule.code, rng.start.index, rng.end.index)
            if key in findings:
                continue
            finding = _finding(rule, node, rng, source, view, with_fix)
            if finding is not None:
                findings[key] = finding
    if view is not None:
        findings = _without_import_echoes(findings, view)
    return sorted(findings.values(), key=lambda f: (f.line, f.col, f.code))


def _finding(rule: Rule, node: SgNode, rng: Any, source: str, view: View | None, with_fix: bool) -> Finding | None:
    made = make_edit(rule, node, source, view, rng) if with_fix else None
    edit, imports = made if made is not None else (None, [])
    message = _one_line(_substitute(rule.message, node, Spelling(source, view, names=False)))
    if view is None:
        line, col, end_line, end_col = rng.start.line + 1, rng.start.column, rng.end.line + 1, rng.end.column
    else:
        start, end = rng.start.index, rng.end.index
        if view.overlaps(start, end, derived=True) and not _strictly_contains(start, end, view):
            return None  # the finding belongs to the class that derives from Flax directly
        first, last = view.span_at(start), view.span_at(end)  # a node that starts or ends in a respelled name
        start_at = view.to_source(start if first is None else first.view_start)
        end_at = view.to_source(end if last is None else last.view_end)
        if start_at is None or end_at is None:
            return None  # in the imports appended for the rules
        (line, col), (end_line, end_col) = view.position(start_at), view.position(end_at)
    return Finding(rule=rule, line=line, col=col, end_line=end_line, end_col=end_col, message=message, edit=edit,
                   source=source, imports=tuple(imports),
                   view_range=(rng.start.index, rng.end.index))


def _strictly_contains(start: int, end: int, view: View) -> bool:
    return all(start < s.view_start and s.view_end <= end for s in view.overlaps(start, end, derived=True))


def _without_import_echoes(findings: dict, view: View) -> dict:
    """``from flax.nnx import VariableState`` is reported (and fixed) at the import, which keeps the uses of the
    name working: a finding on a use respelled from that import, of the same code, is the same finding again."""
    statements = {span.statement for span in view.spans if span.statement[0] >= 0}
    flagged = set()
    for finding in findings.values():
        start = view.to_source(finding.view_range[0])
        flagged |= {(finding.code, s) for s in statements if start is not None and s[0] <= start < s[1]}
    if not flagged:
        return findings
    return {key: finding for key, finding in findings.items()
            if not any((finding.code, span.statement) in flagged
                       for span in view.overlaps(*finding.view_range, derived=False))}
