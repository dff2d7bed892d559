"""Trigger words: a cheap text pre-filter. A rule cannot match in a file that misses one of its required word
sets, so its tree pass is skipped. The words are derived from the rule itself, never written by hand."""

from __future__ import annotations

import re
from typing import Any

WORD_RE = re.compile(r"(?<![$\w])[A-Za-z_][A-Za-z0-9_]*")
LITERAL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# Words in nearly every Python file filter nothing; the package names filter only non-Flax code.
KEYWORDS = {"self", "def", "class", "import", "from", "as", "return", "with", "lambda", "None", "True", "False",
            "isinstance", "call", "value", "update", "init", "map", "tree"}
PACKAGES = {"jax", "flax", "nn"}


def regex_words(regex: str) -> frozenset[str] | None:
    """Words a regex requires: one word, or one per top-level alternative; None if it cannot tell."""
    text = re.sub(r"\\b|\\A|\\Z|^\^|\$$", "", str(regex))
    text = re.sub(r"\([^()]*\)[?*]|\[[^\]]*\]|.[?*]|\{\d*,?\d*\}", " ", text)  # optional parts are not required
    text = re.sub(r"\([^()A-Za-z_]*\)", " ", text)  # groups of punctuation only, e.g. (\.|$)
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    text = re.sub(r"\([^()]*\)", " ", text)  # an inner group: the literal text around it is still required
    if "(" in text or ")" in text:
        return None
    words = []
    for alternative in text.split("|"):
        found = LITERAL_RE.findall(alternative.replace("\\.", " "))
        if not found:
            return None
        words.append(max(found, key=len))
    return frozenset(words)


def _strength(words: frozenset[str]) -> tuple[int, int]:
    """Higher is more selective: judged by the weakest word (keywords, then package names, then by length),
    then by fewer words."""
    def weight(word: str) -> int:
        return 0 if word in KEYWORDS else 1 if word in PACKAGES else 1 + len(word)

    return min(weight(w) for w in words), -len(words)


def _requirements(rule: Any, utils: dict[str, Any], constraints: dict[str, Any] | None = None) -> list[frozenset[str]]:
    """Word sets each of which must be hit (one word of the set occurs) for ``rule`` to match.

    A pattern needs all its literal words; ``any`` needs one of its branches; ``all``, the positive
    relations, ``matches`` and the constraints must all hold, so each contributes its own requirements.
    """
    if not isinstance(rule, dict):
        return []
    found: list[frozenset[str] | None] = []
    pattern = rule.get("pattern")
    if isinstance(pattern, dict):
        pattern = pattern.get("context")
    if isinstance(pattern, str):
        found += [frozenset({w}) for w in WORD_RE.findall(pattern)]
    if "regex" in rule:
        found.append(regex_words(rule["regex"]))
    if "any" in rule:
        branches = [_best(_requirements(branch, utils)) for branch in rule["any"]]
        if all(branches):
            found.append(frozenset().union(*branches))
    for part in rule.get("all", []):
        found += _requirements(part, utils)
    for key in ("has", "inside", "precedes", "follows"):
        found += _requirements(rule.get(key), utils)
    found += [regex_words(c["regex"]) for c in (constraints or {}).values() if isinstance(c, dict) and "regex" in c]
    if isinstance(rule.get("matches"), str) and rule["matches"] in utils:
        found += _requirements(utils[rule["matches"]], utils)
    return [words for words in found if words]


def _best(requirements: list[frozenset[str]]) -> frozenset[str] | None:
    return max(requirements, key=_strength) if requirements else None


def triggers(rule: Any, utils: dict[str, Any], constraints: dict[str, Any] | None = None,
             keep: int = 3) -> tuple[frozenset[str], ...]:
    """The ``keep`` most selective requirements of ``rule`` (empty: no pre-filter). A file must hit every one
    of them, e.g. FLX401 needs ``nnx`` (its module condition) and ``value`` (its pattern ``$X.value``)."""
    unique = sorted(set(_requirements(rule, utils, constraints)), key=_strength, reverse=True)
    return tuple(unique[:keep])
