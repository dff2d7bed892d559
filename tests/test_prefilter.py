"""The engine's shortcuts change nothing: the trigger pre-filter never skips a rule that would have matched, and the
cheaper regexes the loader hands to ast-grep match exactly the nodes the rule files' regexes match."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ast_grep_py import SgRoot
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aliases import as_alias, respelled
from flake8_flax import engine
from flake8_flax.catalog import bundled_rules_dir, bundled_utils_dir, load_catalog
from flake8_flax.engine import Text, _spaced, active_rules, lint
from flake8_flax.names import canonical_view
from flake8_flax.regexes import _cheap_regex, anchored_texts, cheap_rule, cheapen, literals
from flake8_flax.triggers import _implies_another


def _sources(rules) -> list[str]:
    """A code's examples, fixed forms, look-alikes and proof programs, and each as other imports spell it."""
    found = []
    for rule in rules:
        meta = rule.meta
        found += [text for ex in meta["examples"] for text in (ex["deprecated"], ex.get("fixed"))]
        found += list(meta["lookalikes"]) + [meta["proof"].get(k) for k in ("program", "fixed_program")]
    base = list(dict.fromkeys(text for text in found if text))
    variants = [as_alias(text) for text in base]
    variants += [respelled(text, style) for text in base for style in ("member", "full")]
    return base + [v[0] if isinstance(v, tuple) else v for v in variants if v]


CODES: dict[str, list] = {}
for _rule in load_catalog().rules:
    CODES.setdefault(_rule.code, []).append(_rule)


def _raw_regexes() -> set[str]:
    """Every ``regex`` of the bundled rule files and utilities, as written."""
    found: set[str] = set()

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                found.add(value) if key == "regex" and isinstance(value, str) else collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in sorted(bundled_rules_dir().glob("*.yml")) + sorted(bundled_utils_dir().glob("*.yml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            collect({key: value for key, value in (doc or {}).items() if key != "metadata"})
    return found


def _seen(findings):
    return [(f.rule.id, f.line, f.col, f.end_line, f.end_col, f.edit) for f in findings]


@pytest.mark.parametrize("code", sorted(CODES))
def test_prefilter_skips_no_finding(catalog, code):
    """Each rule's findings with its trigger words and without them, on every program its file holds, spelled
    every way the alias tests spell it."""
    unfiltered = catalog._replace(rules=tuple(r._replace(triggers=()) for r in catalog.rules))
    wanted = (lambda rule: rule.code == code)  # noqa: E731
    for source in _sources(CODES[code]):
        assert _seen(lint(source, catalog, {}, wanted)) == _seen(lint(source, unfiltered, {}, wanted)), source


@pytest.mark.parametrize("regex,required", [
    (r"^(flax\.)?nnx\.(state|pop)$", {"nnx.state", "nnx.pop"}),
    (r"^nnx\.mutable$", {"nnx.mutable"}),
    (r"^jax\.tree_(leaves|flatten)$", {"jax.tree_leaves", "jax.tree_flatten"}),
    (r"(^|\.)iter_(modules|children)$", {"iter_modules", "iter_children"}),
    (r"^nnx\.[A-Z]\w*$", {"nnx."}),
    (r"^(mutable|has_ref)$", {"mutable", "has_ref"}),
    (r"(?i)shape", None),  # any case: no literal is certain
    (r"[\s\S]", None),
    (r"^a+b$", {"a"}),
    (r"[^]a]\w(x)", {"x"}),  # `]` right after `[^` belongs to the class, and so does the `a`
])
def test_literals_a_regex_requires(regex, required):
    assert literals(regex) == (None if required is None else frozenset(required))


def test_literals_are_required_by_every_regex_of_the_catalog():
    """Checked with Python's re on the texts the catalog's own examples are made of: a string the regex matches
    contains one of its literals."""
    regexes = _raw_regexes()
    texts = {t for code in CODES for source in _sources(CODES[code])[:4] for t in re.split(r"[\s(),=:\[\]]+", source)}
    checked = 0
    for regex in regexes:
        required = literals(regex)
        try:
            compiled = re.compile(regex)
        except re.error:
            continue
        for text in texts:
            if required is not None and compiled.search(text):
                checked += 1
                assert any(literal in text for literal in required), (regex, text)
    assert checked > 100


def test_cheap_regexes_match_the_same_nodes():
    """Every regex of the rule files, and its cheaper form, on a text with Unicode identifiers and strings."""
    source = "\n".join(text for code in CODES for text in _sources(CODES[code])[:2])
    source += "\nmodèle = nnx.Linéar(2, 3)\nx.σ.value += 1\n# « commentaire »\ns = 'ηopt'\n"
    root = SgRoot(source, "python").root()
    regexes = _raw_regexes()
    assert len(regexes) > 100
    for regex in sorted(regexes):
        plain = [n.range() for n in root.find_all({"rule": {"regex": regex}})]
        config = cheapen({"rule": {"regex": regex}})
        assert [n.range() for n in root.find_all(config)] == plain, (regex, _cheap_regex(regex))
        assert [n.range() for n in root.find_all(kind="identifier", **cheap_rule({"regex": regex}))] == [
            n.range() for n in root.find_all(kind="identifier", regex=regex)]


@pytest.mark.parametrize("regex,texts", [
    (r"^(flax\.)?nnx\.(state|pop)$", {"nnx.state", "nnx.pop", "flax.nnx.state", "flax.nnx.pop"}),
    (r"^jax$", {"jax"}),
    (r"^flax\.(deprecated\.)?nn(\.|$)", {"flax.nn", "flax.nn.", "flax.deprecated.nn", "flax.deprecated.nn."}),
    (r"^jax\.tree(_util)?\.\w+$", {"jax.tree.", "jax.tree_util."}),  # kept up to the last dot
    (r"^nnx\.[A-Z]\w*$", {"nnx."}),
    (r"^a$|^b\.c$", {"a", "b.c"}),
    (r"^a$|b", None),  # one alternative is not anchored
    (r"^jax", None),  # a name that may go on (`jaxlib`)
    (r"^a+$", None),
    (r"^x\($", None),
])
def test_anchored_texts(regex, texts):
    assert anchored_texts(regex) == (None if texts is None else frozenset(texts))


def test_anchored_texts_start_every_match_of_the_catalog_regexes():
    """A text a regex matches starts with one of its anchored texts, and that text ends there, or at a dot."""
    texts = {t for code in CODES for source in _sources(CODES[code])[:4] for t in re.split(r"[\s(),=:\[\]]+", source)}
    checked = 0
    for regex in _raw_regexes():
        anchored = anchored_texts(regex)
        if anchored is None:
            continue
        compiled = re.compile(regex)
        for text in texts:
            if compiled.search(text):
                checked += 1
                assert any(text.startswith(a) and (a.endswith(".") or text[len(a):len(a) + 1] in ("", ".", "("))
                           for a in anchored), (regex, text)
    assert checked > 100


@given(st.lists(st.sampled_from(["jax", "nnx", "x", "1", "é", "_", ".", "(", " ", "\t", "\f", "\n", "\r", "\\\n",
                                 "#c.\n", "# jax .nnx\n", "'#'"]), max_size=14),
       st.sampled_from(["jax.nnx", ".nnx", "nnx(", "jax.nnx.x", "x.jax"]), st.booleans())
@example(["jax", "#c.\n", ".nnx"], "jax.nnx", True)  # a gap that is only a comment
@example(["jax.", "\f", "nnx"], "jax.nnx", False)
@settings(max_examples=1000)
def test_has_literal_reads_python_tokens(pieces, literal, whole):
    """``Text.has_literal`` is the literal with any blanks, continuations or comments between its tokens, not
    inside a longer name where ``whole`` (the reference: one regex with a look-behind)."""
    text = "".join(pieces)
    starts_with_name = literal[0].isalnum() or literal[0] == "_"
    reference = re.compile(("(?<!\\w)" if whole and starts_with_name else "") + _spaced(literal, whole).pattern)
    expected = bool(reference.search(text))
    assert Text(text).has_literal(literal, whole) == expected
    engine._SPACED.clear()  # a process that has not compiled the regex yet first tries plain searches
    assert Text(text).has_literal(literal, whole) == expected


@given(st.lists(st.sampled_from(["jax", "nnx", "x", "1", "_", ".", " ", "\n", "\\\n", "#c.\n", "(", "from",
                                 "import"]), max_size=14),
       st.sampled_from([("jax.nnx.x", "nnx.x"), ("jax.nnx.x", "jax.nnx"), ("jax.nnx", "nnx"), ("jax.", "jax"),
                        ("nnx(", "nnx"), ("jax.nnx(", "nnx(")]))
@settings(max_examples=500)
def test_a_literal_that_holds_another_word_of_its_set_is_left_out(pieces, pair):
    """``triggers`` drops ``jax.nnx.x`` from a set that has ``nnx.x``: wherever the pre-filter finds the first, it
    finds the second (a name among the text's words, a literal by ``has_literal``). Not so for a part next to a
    name of the literal, which an empty gap may glue to it (``from jax import`` in ``fromjax import``)."""
    longer, shorter = pair
    assert _implies_another(longer, frozenset(pair)) and not _implies_another(shorter, frozenset(pair))
    assert not _implies_another("from jax import", frozenset({"jax", "from jax"}))
    assert not _implies_another("jax.nnx", frozenset({"jax.nnx", "jax . nnx"}))  # two spellings: both kept
    text = Text("".join(pieces))
    if text.has_literal(longer, True):
        assert shorter in text.words if shorter.isidentifier() else text.has_literal(shorter, True)


def test_triggers_read_imports_and_constrained_metavariables(catalog):
    """What makes the pre-filter selective where the rules' words are everyday words: ``from jax import`` for
    a rule on an import's module name, and the constraint of a metavariable captured by an inner pattern
    (FLX307's ``isinstance($X, $T)`` with ``T: nnx.Variable...``)."""
    triggers = {rule.id: rule.triggers for rule in catalog.rules}
    assert (frozenset(), ("from jax import",), frozenset({"jax"})) in triggers["flx605-jax-tree-aliases-import"]
    assert any("nnx.Variable" in others for _, others, _ in triggers["flx307-isinstance-variable-mutable-attribute"])
    # a member of a keyword's name is selective where the bare word is not: FLX401 needs `.value`, not `value`
    module = "from flax import nnx\n\nclass M(nnx.Module):\n    def __init__(self):\n        self.v = nnx.Variable(0)\n"
    active = {rule.code for rule in active_rules(catalog, catalog.newest, module + "value = 1\n")}
    assert "FLX401" not in active
    assert "FLX401" in {rule.code for rule in active_rules(catalog, catalog.newest, module + "print(m.v.value)\n")}


def test_no_flax_rule_reaches_jax_code(catalog):
    """A file that never names flax cannot use it: the pre-filter keeps every Flax rule (and so the parse) out of
    the installed JAX package. The selectivity the trigger weights are for: a regression here costs CI time."""
    import jax

    sources = [path.read_text(encoding="utf-8") for path in Path(jax.__file__).parent.rglob("*.py")]
    sources = [text for text in sources if "flax" not in text]
    assert len(sources) > 300
    flax_rules = [rule for rule in catalog.rules if rule.meta["package"] == "flax"]
    assert len(flax_rules) > 100
    assert [(rule.id, text[:80]) for text in sources
            for rule in active_rules(catalog, catalog.newest, text, among=flax_rules)] == []
    # (and the same check finds them where the file is Flax code)
    assert active_rules(catalog, catalog.newest, "from flax import nnx\nopt = nnx.Optimizer(m, tx)\n",
                        among=flax_rules)


def test_triggers_do_not_depend_on_the_hash_seed(tmp_path):
    """The sets kept for a rule are chosen the same way in every process: a catalog built under another
    PYTHONHASHSEED (as each CI run and each user's first run is) pre-filters alike."""
    script = ("import json; from flake8_flax.catalog import build_catalog; print(json.dumps({r.id: [[sorted(n), "
              "list(o), sorted(k) if k is not None else None] for n, o, k in r.triggers] "
              "for r in build_catalog().rules}))")
    built = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "FLAKE8_FLAX_CACHE_DIR": str(tmp_path / seed)}
        built.append(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                    env=env).stdout)
    assert built[0] == built[1] and len(built[0]) > 1000


def test_a_dotted_literal_may_be_spread_over_lines():
    assert _spaced("jax.experimental.pjit", True).search("(jax .experimental\n  # why\n .pjit)")
    assert not _spaced("jax.experimental.pjit", False).search("jax.experimentalpjit")
    assert not _spaced(".value", True).search("x.values()")
    assert not _spaced("a.b", True).search("a" + "#" * 30 + "\n." + "#" * 5000)  # linear: no backtracking blow-up


@pytest.mark.parametrize("source", [
    "import jax\nf = (jax.experimental  # why\r    .pjit.pjit)(g, a, b)\n",  # a lone CR ends a line too
    "import jax\nf = (jax.\r\n    experimental.pjit.pjit)(g, a, b)\n",
])
def test_the_prefilter_reads_python_lines(catalog, source):
    unfiltered = catalog._replace(rules=tuple(r._replace(triggers=()) for r in catalog.rules))
    assert _seen(lint(source, catalog)) == _seen(lint(source, unfiltered))
    assert _seen(lint(source, catalog))


def test_files_judged_before_the_parse_have_nothing_to_respell(catalog):
    """``Names.may_respell`` says no only where the canonical view would be the file itself: on every program of
    the rule files (respelled as the alias tests do), the gallery and the installed flax and jax packages."""
    import flax
    import jax

    sources = [text for code in CODES for text in _sources(CODES[code])]
    for package in (flax, jax):
        sources += [path.read_text(encoding="utf-8") for path in Path(package.__file__).parent.rglob("*.py")]
    sources += [path.read_text(encoding="utf-8") for path in (Path(__file__).parent / "gallery").rglob("*.py")]
    judged = [text for text in sources if not catalog.names.may_respell(text)]
    assert len(judged) > 500
    assert [text for text in judged if canonical_view(text, SgRoot(text, "python").root(), catalog.names)] == []
