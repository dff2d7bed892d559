"""The shapes of a code's look-alikes (issue 11): every bundled code has at least one look-alike of each shape.

- ``shim``: a compatibility shim that ``rule-utils/compat-shim.yml`` matches (``try``/``except ImportError``, an
  ``if`` on ``__version__``/``version_info``/``hasattr``) whose text mentions a name of the code's spelling, in a
  file that imports flax or jax.
- ``foreign``: a name of the spelling bound by an import from a module other than flax/jax/optax or by a top-level
  ``def``/``class``; or a file that imports nothing from flax/jax and uses a name of the spelling.
- ``migrated``: the replacement form: a file that imports flax or jax, is neither of the above and uses a name that
  the code's fixed forms use and its deprecated forms do not (a name of the spelling when the fixed forms add
  none). The ``fixed`` text of every example counts as migrated.

The *spelling* of a code is the names on the lines where its examples are reported (``at``): attributes, keywords,
imported names, and variables the examples and the proof program do not bind themselves; never Python's keywords
and builtins. Code that Python cannot parse has no shape.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from typing import Any

from ast_grep_py import SgRoot

SHAPES = ("shim", "foreign", "migrated")
FAMILY = {"flax", "jax", "jaxlib", "optax"}  # not "another library"; optax alone does not import flax/jax
COMMON = set(keyword.kwlist) | set(dir(builtins))
NAME_RE = re.compile(r"[A-Za-z_]\w*")


def spelling(examples: list[dict[str, Any]], program: str) -> set[str]:
    """The names on the reported lines of the examples' deprecated forms: attributes, keywords, imported names,
    and variables that neither the examples nor the proof ``program`` bind themselves."""
    own = set().union(*(_own_names(_parse(text)) for text in [program, *(e["deprecated"] for e in examples)]))
    names: set[str] = set()
    for example in examples:
        lines = {int(at.split(":")[0]) for at in example.get("at", [])}
        for node in ast.walk(_parse(example["deprecated"])):
            if isinstance(node, ast.Attribute) and node.end_lineno in lines:
                names.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg and node.lineno in lines:
                names.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno in lines:
                names |= used(node)
            elif isinstance(node, ast.Name) and node.lineno in lines and node.id not in own:
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno in lines:
                names.add(node.name)  # a reported definition: FLX102's `def apply` of an nn.Module
    return names - COMMON


def _parse(source: str) -> ast.AST:
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _own_names(tree: ast.AST) -> set[str]:
    """Names the code binds itself rather than imports from flax/jax/optax."""
    own = {name for module, name in _imports(tree) if module not in FAMILY}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
    return own


def used(tree: ast.AST) -> set[str]:
    """Names the code uses (not its strings or comments): variables, attributes, keywords, imported names."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names |= set(node.name.split(".")) | {node.asname or node.name}
    return names


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(top-level module, bound name) of every import; ``""`` for a relative import."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], a.asname or a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "" if node.level else (node.module or "").split(".")[0]
            found += [(module, a.asname or a.name) for a in node.names]
    return found


def shapes(source: str, names: set[str], replacement: set[str], shim_rule: dict[str, Any]) -> set[str]:
    """The shapes of one look-alike, given the code's spelling ``names``, the ``replacement`` names and the
    compat-shim utility rule."""
    tree = _parse(source)
    if not tree.body:
        return set()
    imports = _imports(tree)
    real = any(module in FAMILY - {"optax"} for module, _ in imports)
    code_names = used(tree)
    bound_elsewhere = {name for module, name in imports if module not in FAMILY} | {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    found = set()
    shims = SgRoot(source, "python").root().find_all(**shim_rule)
    if real and any(names & set(NAME_RE.findall(shim.text())) for shim in shims):
        found.add("shim")
    if bound_elsewhere & names or (not real and code_names & names):
        found.add("foreign")
    if real and not found and code_names & (replacement or names):
        found.add("migrated")
    return found


def replacement_names(rules: list[Any]) -> set[str]:
    """Names the code's fixed forms (examples' ``fixed``, ``proof.fixed_program``) use and its deprecated forms
    (examples, ``proof.program``) do not."""
    examples = [example for rule in rules for example in rule.meta["examples"]]
    proof = rules[0].meta["proof"]
    fixed = [e["fixed"] for e in examples if "fixed" in e] + [proof.get("fixed_program", "")]
    old = [e["deprecated"] for e in examples] + [proof["program"]]
    return set().union(*(used(_parse(t)) for t in fixed)) - set().union(*(used(_parse(t)) for t in old)) \
        - COMMON


def covered(rules: list[Any], shim_rule: dict[str, Any]) -> set[str]:
    """The shapes that the look-alikes of a code's rule documents cover."""
    examples = [example for rule in rules for example in rule.meta["examples"]]
    names, replacement = spelling(examples, rules[0].meta["proof"]["program"]), replacement_names(rules)
    found = {"migrated"} if any("fixed" in example for example in examples) else set()
    for source in dict.fromkeys(src for rule in rules for src in rule.meta["lookalikes"]):
        found |= shapes(source, names, replacement, shim_rule)
    return found


def missing(rules: list[Any], shim_rule: dict[str, Any]) -> list[str]:
    """The shapes no look-alike of the code covers, in ``SHAPES`` order."""
    have = covered(rules, shim_rule)
    return [shape for shape in SHAPES if shape not in have]
