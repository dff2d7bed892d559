"""Trigger words: a cheap text pre-filter. A rule none of whose trigger words occurs in a file cannot match
there, so its tree pass is skipped. The words are derived from the rule itself, never written by hand."""

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
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
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


def triggers(rule: Any, utils: dict[str, Any], constraints: dict[str, Any] | None = None) -> frozenset[str] | None:
    """Words of which at least one must occur in a file for ``rule`` to match (None: no pre-filter).

    A pattern needs all its literal words; ``any`` needs one of its branches; ``all``, the positive
    relations, ``matches`` and the constraints must all hold, so each is a candidate and the most selective
    candidate wins.
    """
    if not isinstance(rule, dict):
        return None
    candidates: list[frozenset[str]] = []
    pattern = rule.get("pattern")
    if isinstance(pattern, dict):
        pattern = pattern.get("context")
    if isinstance(pattern, str):
        candidates += [frozenset({w}) for w in WORD_RE.findall(pattern)]
    if "regex" in rule:
        candidates.append(regex_words(rule["regex"]))
    if "any" in rule:
        branches = [triggers(branch, utils) for branch in rule["any"]]
        if all(branches):
            candidates.append(frozenset().union(*branches))
    candidates += [triggers(part, utils) for part in rule.get("all", [])]
    candidates += [triggers(rule.get(key), utils) for key in ("has", "inside", "precedes", "follows")]
    candidates += [regex_words(c["regex"]) for c in (constraints or {}).values()
                   if isinstance(c, dict) and "regex" in c]
    if isinstance(rule.get("matches"), str) and rule["matches"] in utils:
        candidates.append(triggers(utils[rule["matches"]], utils))
    candidates = [c for c in candidates if c]
    return max(candidates, key=_strength) if candidates else None
