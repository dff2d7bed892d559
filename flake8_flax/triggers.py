"""Trigger words: a cheap text pre-filter. A rule cannot match in a file that misses one of its required word
sets, so its tree pass is skipped. The words are derived from the rule itself, never written by hand."""

from __future__ import annotations

import itertools
import re
from typing import Any

from flake8_flax.engine import is_word_char, literal_tokens
from flake8_flax.regexes import literals, anchored_texts

WORD_RE = re.compile(r"(?<![$\w])[A-Za-z_][A-Za-z0-9_]*")
MEMBER_RE = re.compile(r"(?<=[A-Z0-9_])(\.[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?![\w$])")  # after a $VAR
METAVAR_RE = re.compile(r"(?<!\$)\$([A-Z_][A-Z0-9_]*)")  # $X, not $$$X (a list may be empty)
FROM_RE = re.compile(r"^\s*from\s+([A-Za-z_][\w.]*)\s+import\b")  # a pattern that is an import statement
CHAIN_RE = re.compile(r"(?<![$\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?![\w$])")
# Words in nearly every Python file filter nothing; package names filter only other code: Flax's own names
# (FLAX) keep out JAX code, which the others (PACKAGES: jax.nn, torch.nn, jax.experimental) do not.
KEYWORDS = {"self", "def", "class", "import", "from", "as", "return", "with", "lambda", "None", "True", "False",
            "isinstance", "call", "value", "update", "init", "map", "tree"}
GLUE = {"from", "import", "as"}  # the keywords of a literal (`from flax import`) that say nothing about it
PACKAGES = {"jax", "nn", "experimental", "deprecated"}
FLAX = {"flax", "nnx", "linen"}
BRANCH_SETS = 2  # the sets taken from each branch of an `any` (their product is what the `any` requires)


def _strength(words: frozenset[str]) -> tuple[int, int]:
    """Higher is more selective: judged by the weakest word (keywords, then package names, then by length; a
    literal by the sum of its names: ``from flax import`` more than ``flax``), then by fewer words."""
    def weight(literal: str) -> int:
        names = WORD_RE.findall(literal.lstrip("~")) or ["nn"]  # (`~1`: weak as a package name)
        common = KEYWORDS if literal.isidentifier() else GLUE  # (`.value` is rarer than `value`)
        return sum(0 if name in common else 1 if name in PACKAGES else 2 if name in FLAX else 1 + len(name)
                   for name in names)

    return min(weight(w) for w in words), -len(words)


def _requirements(rule: Any, utils: dict[str, Any], constraints: dict[str, Any] | None = None,
                  visiting: frozenset[str] = frozenset()) -> list[frozenset[str]]:
    """Word sets each of which must be hit (one word of the set occurs) for ``rule`` to match.

    A pattern needs all its literal words; ``any`` needs one of its branches; ``all``, the positive
    relations, ``matches`` and the constraints must all hold, so each contributes its own requirements.
    """
    if not isinstance(rule, dict):
        return []
    found: list[frozenset[str] | None] = []
    pattern = _pattern_text(rule)
    if pattern is not None:
        found += [frozenset({w}) for w in WORD_RE.findall(pattern)]
        found += [frozenset({chain}) for chain in CHAIN_RE.findall(pattern)]  # `jax.experimental.pjit`
        found += [frozenset({member}) for member in MEMBER_RE.findall(pattern)]  # `.value` of `$X.value`
        found += [frozenset({f"from {module} import"}) for module in FROM_RE.findall(pattern)]
    if "regex" in rule:  # a regex may find its text inside a longer word: marked `~`, unless it must be whole
        required = anchored_texts(rule["regex"])
        if required is None:
            required = literals(rule["regex"])
            required = required and frozenset("~" + literal for literal in required)
        found.append(required)
    found.append(_import_from(rule))
    if "any" in rule:  # one set from each branch: (a and b) or (c and d) needs a or c, a or d, b or c, b or d
        branches = [_strongest(_requirements(branch, utils, visiting=visiting), BRANCH_SETS) for branch in rule["any"]]
        if all(branches) and len(rule["any"]) <= 8:
            found += {frozenset().union(*choice) for choice in itertools.product(*branches)}
    for part in rule.get("all", []):
        found += _requirements(part, utils, visiting=visiting)
    for key in ("has", "inside", "precedes", "follows"):
        found += _requirements(rule.get(key), utils, visiting=visiting)
    captured = _captured(rule) if constraints else set()
    for var, constraint in (constraints or {}).items():  # a constraint binds only where its variable is captured
        if var in captured:
            found += _requirements(constraint, utils, visiting=visiting)
    util = rule.get("matches")
    if isinstance(util, str) and util in utils and util not in visiting:  # (a utility may refer to itself)
        found += _requirements(utils[util], utils, visiting=visiting | {util})
    return [words for words in found if words]


def _pattern_text(rule: dict[str, Any]) -> str | None:
    """The text of the rule's pattern that every match holds: none for a selector, which matches part of it."""
    pattern = rule.get("pattern")
    if isinstance(pattern, dict):
        pattern = None if pattern.get("selector") else pattern.get("context")
    return pattern if isinstance(pattern, str) else None


def _captured(rule: Any) -> set[str]:
    """The metavariables every match of ``rule`` captures: those of its patterns that must match (the rule's own,
    those of ``all`` and of the positive relations, those of every branch of an ``any``), not under ``not``."""
    if not isinstance(rule, dict):
        return set()
    pattern = _pattern_text(rule)
    found = set(METAVAR_RE.findall(pattern)) if pattern is not None else set()
    for part in [*rule.get("all", []), *(rule.get(key) for key in ("has", "inside", "precedes", "follows"))]:
        found |= _captured(part)
    if rule.get("any"):
        found |= set.intersection(*(_captured(branch) for branch in rule["any"]))
    return found


def _import_from(rule: dict[str, Any]) -> frozenset[str] | None:
    """``from jax import`` (as a literal of words: blanks between them) for the module name of an import statement
    whose text is known (``^jax$``), or for such a statement."""
    module = None
    inside = rule.get("inside")
    if isinstance(inside, dict) and inside.get("kind") == "import_from_statement" and \
            inside.get("field") == "module_name" and "regex" in rule:
        module = anchored_texts(rule["regex"])
    elif rule.get("kind") == "import_from_statement":
        for has in [rule.get("has"), *(part.get("has") for part in rule.get("all", []) if isinstance(part, dict))]:
            if isinstance(has, dict) and has.get("field") == "module_name" and "regex" in has:
                module = module or anchored_texts(has["regex"])
    return module and frozenset(f"from {name}" if name.endswith(".") else f"from {name} import" for name in module)


def _strongest(requirements: list[frozenset[str]], count: int) -> list[frozenset[str]]:
    """The ``count`` most selective sets, leaving out those of keywords only (in every file: they filter nothing).
    Ties go by the sets' sorted words, not by the order of a set of sets, which changes with Python's hash seed."""
    ranked = sorted((words for words in set(requirements) if _strength(words)[0]),
                    key=lambda words: (_strength(words), sorted(words)), reverse=True)
    return ranked[:count]


# One required set of words: its plain names, its other words (literals, parts of words), and its key (its names
# and one name of each literal, all of which a file hitting the set holds; None with a part of a word).
Trigger = tuple[frozenset[str], tuple[str, ...], "frozenset[str] | None"]


def triggers(rule: Any, utils: dict[str, Any], constraints: dict[str, Any] | None = None,
             keep: int = 10) -> tuple[Trigger, ...]:
    """The ``keep`` most selective requirements of ``rule`` (empty: no pre-filter). A file must hit every one
    of them, e.g. FLX401 needs ``nnx`` (its module condition) and ``value`` (its pattern ``$X.value``). Those with
    fewer other words come first (the engine looks plain names up all at once, as a set intersection)."""
    found = []
    for words in _strongest(_requirements(rule, utils, constraints), keep):
        names = frozenset(w for w in words if w.isidentifier())
        others = tuple(sorted(w for w in words if not w.isidentifier() and not _implies_another(w, words)))
        key = None if any(w[0] == "~" for w in others) else names | {_key_word(w) for w in others}
        found.append((names, others, key))
    return tuple(sorted(dict.fromkeys(found), key=lambda trigger: (len(trigger[1]), len(trigger[0]))))


def _implies_another(literal: str, words: frozenset[str]) -> bool:
    """Does every occurrence of ``literal`` hold another word of its set, which then serves alone (``flax.nnx.State``
    holds ``nnx.State``, ``nnx.State`` holds the name ``State``)? Not for a part of a word (``~``), nor for a part
    next to a name of the literal: the engine allows an empty gap there (``from jax`` in ``fromjax import``)."""
    if literal[0] == "~":
        return False
    tokens = literal_tokens(literal)
    for other in words:
        if other == literal or other[0] == "~":
            continue
        part = literal_tokens(other)
        n = len(part)  # (only a shorter word: two spellings of one literal must not leave each other out)
        for i in range(len(tokens) - n + 1 if n < len(tokens) else 0):
            glued = (i > 0 and is_word_char(tokens[i - 1][0]) and is_word_char(part[0][0]) or
                     i + n < len(tokens) and is_word_char(tokens[i + n][0]) and is_word_char(part[-1][0]))
            if tokens[i:i + n] == part and not glued:
                return True
    return False


def _key_word(literal: str) -> str:
    """The name of a literal that the fewest files hold, as a guess: ``pjit`` of ``jax.experimental.pjit``,
    ``flax`` of ``from flax import``."""
    return max(re.findall(r"\w+", literal), key=lambda word: (word not in GLUE, len(word)))
