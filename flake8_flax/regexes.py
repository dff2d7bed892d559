"""What the rules' regexes mean, read without running them: the literal text a regex requires (for the trigger
pre-filter), and cheaper equivalents to hand to ast-grep, which compiles every regex of a rule on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def literals(regex: str) -> frozenset[str] | None:
    r"""Literal texts a regex requires (one of the set must occur), or None if it cannot tell, e.g.
    ``^(flax\.)?nnx\.(state|pop)$`` -> {nnx.state, nnx.pop}. A literal with a dot is looked up whole only where the
    file's names are canonical (see ``engine.active_rules``). Case-insensitive and verbose regexes: None."""
    text = str(regex)
    if re.search(r"\(\?(?![:P<s]|s\))", text) or "(?<=" in text or "(?<!" in text:
        return None  # flags such as (?i) (the literal may be in any case) or look-arounds
    alternatives = _split(text)
    if alternatives is None:
        return None
    found: set[str] = set()
    for alternative in alternatives:
        best = _best_run(alternative)
        if best is None:
            return None
        found |= best
    return frozenset(found)


def anchored_texts(regex: str) -> frozenset[str] | None:
    r"""Texts one of which starts every match of a regex anchored at its start (``^``), whole: a node's text
    begins there, and it ends there too where the regex ends (``$``) or the text ends with a dot. E.g.
    ``^(flax\.)?nnx\.(state|pop)$`` -> {nnx.state, nnx.pop, flax.nnx.state, flax.nnx.pop}, ``^flax\.nn(\.|$)``
    -> {flax.nn, flax.nn.}, ``^jax\.tree_\w+`` -> {jax.}. None if the regex is not anchored so."""
    found: set[str] = set()
    for alternative in _split(str(regex)) or [""]:
        if not alternative.startswith("^"):
            return None
        texts, i = {""}, 1
        while texts and i < len(alternative):
            if alternative[i] == "$":
                found |= texts
                texts, i = set(), i + 1
                continue
            atom, i = _atom(alternative, i, ends=True)
            quantifier = QUANT_RE.match(alternative, i)
            if atom is None or quantifier and quantifier.group(0) not in ("?", "??") or \
                    len(texts) * len(atom) > MAX_LITERALS:
                break
            i = quantifier.end() if quantifier else i
            atom = atom | ({""} if quantifier else set())
            if "$" in atom:  # `(\.|$)`
                found |= texts
            texts = {text + piece for text in texts for piece in atom if piece != "$"}
        for text in texts:  # the regex goes on: keep each text up to its last dot
            if "." not in text:
                return None
            found.add(text[: text.rindex(".") + 1])
    return frozenset(found) if all(ANCHORED_RE.fullmatch(text) for text in found) else None


ANCHORED_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.?")  # a name or dotted names, maybe a dot after


def _tokens(text: str, start: int = 0) -> Iterator[tuple[int, str, bool]]:
    """Each token of a regex from ``start``: an escape (``\\w``) or one character, and whether it lies in a ``[...]``
    class, its brackets included (``]`` right after ``[`` or ``[^`` is a member, not the end). Last comes
    ``(len(text), "", still in a class)``."""
    i, opened = start, -1  # where the open class began
    while i < len(text):
        token = text[i : i + 2] if text[i] == "\\" else text[i]
        if opened < 0 and token == "[":
            opened = i
        elif opened >= 0 and token == "]" and i > opened + 1 and text[opened + 1 : i] != "^":
            yield i, token, True
            opened, i = -1, i + 1
            continue
        yield i, token, opened >= 0
        i += len(token)
    yield len(text), "", opened >= 0


def _structure(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character of a regex outside escapes and ``[...]`` classes, with the depth of groups after it; last
    ``(len(text), "", depth)``, the depth -1 when a class does not close."""
    depth = 0
    for i, token, in_class in _tokens(text, start):
        if not token:
            yield i, "", -1 if in_class else depth
        elif not in_class and token[0] != "\\":
            depth += (token == "(") - (token == ")")
            yield i, token, depth


def _split(text: str) -> list[str] | None:
    """Top-level alternatives of a regex, or None when its parentheses or brackets do not balance."""
    parts, start, depth = [], 0, 0
    for i, char, depth in _structure(text):  # (its last item leaves the final depth)
        if char == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return None if depth else parts + [text[start:]]


def _best_run(alternative: str) -> set[str] | None:
    """The most selective set of literal runs one of which every match of ``alternative`` contains."""
    runs, candidates, i = {""}, [], 0

    def gap() -> None:
        nonlocal runs
        if all(runs):
            candidates.append(runs)
        runs = {""}

    while i < len(alternative):
        atom, i = _atom(alternative, i)
        quantifier = QUANT_RE.match(alternative, i)
        i = quantifier.end() if quantifier else i
        optional = quantifier is not None and quantifier.group(0)[:1] in ("?", "*", "{") and not \
            re.match(r"\{[1-9]", quantifier.group(0))
        if atom is None or optional:
            gap()
            continue
        if len(runs) * len(atom) > MAX_LITERALS:
            gap()
            continue
        runs = {run + piece for run in runs for piece in atom}
        if quantifier is not None or "" in atom:  # `a+`: one `a` is certain, what follows may be another
            gap()
    gap()
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c))) if candidates else None


QUANT_RE = re.compile(r"(\?|\*|\+|\{\d*,?\d*\})\??")
MAX_LITERALS = 16
LITERAL_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _atom(text: str, i: int, ends: bool = False) -> tuple[set[str] | None, int]:
    """The literal texts one atom of a regex can be (None: not a plain literal) and where the next atom starts.
    ``ends``: a group may hold ``$`` as an alternative (``(\\.|$)``), kept as the text "$"."""
    char = text[i]
    if char == "\\":
        escaped = text[i + 1 : i + 2]
        if escaped in ("A", "z", "Z", "b", "B"):
            return {""}, i + 2  # a position, no text
        return ({escaped} if escaped and not escaped.isalnum() else None), i + 2
    if char in "^$":
        return {""}, i + 1
    if char == "(":
        end = _group_end(text, i)
        if end is None:
            return None, len(text)
        inner = re.sub(r"^\?(:|P?<\w+>)", "", text[i + 1 : end])
        pieces = _split(inner)
        literal = pieces is not None and all(_plain(p) is not None or ends and p == "$" for p in pieces)
        return ({p if ends and p == "$" else _plain(p) for p in pieces} if literal else None), end + 1
    if char == "[":
        return None, next(j for j, token, in_class in _tokens(text, i) if not in_class or not token)
    return ({char} if char in LITERAL_CHARS else None), i + 1


def _group_end(text: str, start: int) -> int | None:
    """The index of the ``)`` that closes the group opened at ``start`` (escapes and classes skipped)."""
    return next((i for i, char, depth in _structure(text, start) if char == ")" and depth == 0), None)


def _plain(text: str) -> str | None:
    """``text`` as the literal it matches, if it is one (letters, digits, _ and escaped punctuation only)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
            out.append(text[i + 1])
            i += 2
        elif text[i] in LITERAL_CHARS:
            out.append(text[i])
            i += 1
        else:
            return None
    return "".join(out)


# `\w` as Python's identifiers need it: ASCII word characters, or any other character (which in a node's text can
# only be a letter of an identifier). The Unicode tables of `\w` cost ast-grep ~0.2 ms per regex, per call.
WORD_CLASS = r"0-9A-Za-z_\x{80}-\x{10FFFF}"
ATOMIC_KEYS = {"kind", "regex", "pattern", "field", "stopBy", "nthChild", "range"}
RULE_KEYS = ("has", "inside", "precedes", "follows", "not", "stopBy")


def cheapen(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with every ``regex`` in the form ast-grep compiles fastest that matches the same nodes: groups
    that capture nothing, ``\\w`` without Unicode tables, a plain ``a|b|c`` as three literals; and each regex a
    utility of its own (named after the regex's hash), which ast-grep compiles once however often the rule, or the
    engine's combined pass of many rules, refers to it."""
    shared: dict[str, Any] = {}
    out = dict(config)
    out["rule"] = cheap_rule(config["rule"], shared)
    for key in ("utils", "constraints"):
        if key in config:
            out[key] = {name: cheap_rule(rule, shared) for name, rule in config[key].items()}
    out["utils"] = {**out.get("utils", {}), **shared}
    return out


def cheap_rule(rule: Any, shared: dict[str, Any] | None = None) -> Any:
    """One rule object with cheaper regexes; with ``shared``, each regex becomes a reference to a utility there."""
    if not isinstance(rule, dict):
        return rule
    out = {key: cheap_rule(value, shared) if key in RULE_KEYS else value for key, value in rule.items()}
    for key in ("any", "all"):
        if isinstance(rule.get(key), list):
            out[key] = [cheap_rule(part, shared) for part in rule[key]]
    if isinstance(rule.get("regex"), str):
        regex = _cheap_regex(rule["regex"])
        pieces = _literal_alternatives(regex)
        if not set(rule) <= ATOMIC_KEYS:  # ast-grep tests a regex before relations and composites, a
            out["regex"] = regex  # reference after them: next to an `inside` that order is what makes it fast
        elif pieces is not None:
            del out["regex"]
            out["any"] = [_regex(piece, shared) for piece in pieces]
        elif shared is not None:
            del out["regex"]
            out.update(_regex(regex, shared))
        else:
            out["regex"] = regex
    return out


def _regex(regex: str, shared: dict[str, Any] | None) -> dict[str, str]:
    if shared is None:
        return {"regex": regex}
    import hashlib  # (building the catalog only)

    name = "regex-" + hashlib.sha1(regex.encode()).hexdigest()[:16]
    shared[name] = {"regex": regex}
    return {"matches": name}


def _cheap_regex(regex: str) -> str:
    folded = "(?i" in regex  # case folding a class of all non-ASCII characters costs ast-grep ~5 ms
    out = []
    for i, token, in_class in _tokens(regex):
        if token == r"\w" and not (in_class and folded):
            token = WORD_CLASS if in_class else f"(?-i:[{WORD_CLASS}])" if folded else f"[{WORD_CLASS}]"
        elif token == r"\W" and not in_class:
            token = f"(?-i:[^{WORD_CLASS}])" if folded else f"[^{WORD_CLASS}]"
        elif token == "(" and not in_class and regex[i + 1 : i + 2] != "?":
            token = "(?:"
        out.append(token)
    return "".join(out)


def _literal_alternatives(regex: str) -> list[str] | None:
    """``a|b|c`` or ``(?:a|b|c)``, unanchored, of literal texts: the alternatives; else None."""
    inner = regex[3:-1] if regex.startswith("(?:") and _group_end(regex, 0) == len(regex) - 1 else regex
    pieces = _split(inner)
    if pieces is None or len(pieces) < 2 or any(not piece or _plain(piece) is None for piece in pieces):
        return None
    return pieces
