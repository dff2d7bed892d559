"""What a file's names mean, and the canonical view the rules see.

Rules are written in one spelling (``canonical-names.yml``: ``nnx.Optimizer``, ``nn.Dense`` with
``import flax.linen as nn``, ...). A file that spells a name otherwise (``from flax import nnx as nn``,
``from flax.nnx import Optimizer``, ``import flax`` then ``flax.linen.Dense``) is shown to the rules respelled, with
the imports of the canonical names appended after its last line; findings and fixes are mapped back to the file's
own text and spelling.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from flake8_flax.comments import line_starts

if TYPE_CHECKING:
    from ast_grep_py import SgNode

IMPORTS = {"rule": {"any": [{"kind": "import_statement"}, {"kind": "import_from_statement"}]}}
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # as the engine's pre-filter reads a file's names
# Patterns only a file with Flax names needs: compiled on first use (re keeps them), not at import.
# Matched against "\n" + source: a literal first character lets re skip ahead where ``^`` with re.M tries every offset.
# "(?=(\w+))\1" takes the whole first word of a line at once: a line that assigns nothing fails without backtracking.
ASSIGNED = r"\n[ \t]*(?=(\w+))\1[ \t]*(?::[^=\n]*)?=(?!=)"
CLASS = r"\n[ \t]*class[ \t]+(\w+)(?:(?=[ \t]*\(([^)]*)\)))?"  # a class's name, and its bases if any
DOTTED = r"(?<![\w.'\"])([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)(?!\w)(?!\s*=[^=])"
MEMO = 4096  # names remembered per table and kind (Names.normal, module_of, spell)
# An identifier in these places is not a reference to a binding: (parent kind, the field it fills, or None: any).
NOT_REFERENCES = {("attribute", "attribute"), ("keyword_argument", "name"), ("function_definition", "name"),
                  ("class_definition", "name"), ("parameters", None), ("lambda_parameters", None),
                  ("default_parameter", "name"), ("typed_parameter", None), ("typed_default_parameter", "name"),
                  ("global_statement", None), ("nonlocal_statement", None), ("dotted_name", None),
                  ("aliased_import", None), ("import_statement", None), ("import_from_statement", None)}
# The same by parent kind: its fields, or None (any field).
NOT_REFERENCE_FIELDS = {kind: None if (kind, None) in NOT_REFERENCES
                        else frozenset(f for k, f in NOT_REFERENCES if k == kind) for kind, _ in NOT_REFERENCES}


class Names:
    """The canonical spelling table (``canonical-names.yml``). (Not a dataclass: creating one at import costs about
    0.5 ms, and the flake8 plugin would import ``dataclasses`` for it alone.)"""

    def __init__(self, modules: dict[str, tuple[str, str]], equivalents: dict[str, str] | None = None,
                 classes: frozenset[str] = frozenset()):
        self.modules = modules  # module -> (the name rules use for it, the import that binds it)
        self.equivalents = {} if equivalents is None else equivalents
        self.classes = classes

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Names:
        return cls(modules={k: (v[0], v[1]) for k, v in data["modules"].items()},
                   equivalents=dict(data.get("equivalents") or {}), classes=frozenset(data.get("classes") or ()))

    @property
    def roots(self) -> frozenset[str]:
        return frozenset(module.split(".")[0] for module in self.modules)

    def normal(self, qualified: str) -> str:
        """``flax.nn.base.Module`` -> ``flax.nn.Module`` (the longest equivalent prefix replaced)."""
        return _memoised(self, "normal", qualified, self._normal)

    def _normal(self, qualified: str) -> str:
        parts = qualified.split(".")
        for i in range(len(parts), 0, -1):
            head = ".".join(parts[:i])
            if head in self.equivalents:
                return ".".join([self.equivalents[head], *parts[i:]])
        return qualified

    def module_of(self, qualified: str) -> str | None:
        """The longest module of the table that ``qualified`` is or lies in."""
        return _memoised(self, "module_of", qualified, self._module_of)

    def _module_of(self, qualified: str) -> str | None:
        parts = qualified.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in self.modules:
                return ".".join(parts[:i])
        return None

    def spell(self, qualified: str) -> str | None:
        """The canonical spelling: ``flax.nnx.Optimizer`` -> ``nnx.Optimizer``."""
        return _memoised(self, "spell", qualified, self._spell)

    def _spell(self, qualified: str) -> str | None:
        qualified = self.normal(qualified)
        module = self.module_of(qualified)
        return None if module is None else self.modules[module][0] + qualified[len(module):]

    @functools.cached_property
    def heads(self) -> list[str]:
        """The first names of the rules' spellings (``nnx``, ``nn``, ``jnp`` ...)."""
        return sorted({head for name, _ in self.modules.values() if (head := name.split(".")[0]).isidentifier()})

    @functools.cached_property
    def _memo(self) -> dict[str, dict[str, Any]]:
        return {"normal": {}, "module_of": {}, "spell": {}}

    def __getstate__(self) -> dict[str, Any]:  # (pickled without what was computed from the table)
        return {name: getattr(self, name) for name in ("modules", "equivalents", "classes")}

    def may_respell(self, source: str, words: set[str] | None = None) -> bool:
        """False only where ``canonical_view`` is sure to find nothing to respell: no import binds a module of
        the table under another name or one of its members, and no full path runs through one (a text search,
        before any parse, only for the modules whose names are all ``words`` of the file)."""
        words = set(NAME_RE.findall(source)) if words is None else words
        return any(parts <= words and any(re.compile(p).search(source) for p in patterns)
                   for parts, patterns in self._respellings)

    @functools.cached_property
    def _respellings(self) -> list[tuple[frozenset[str], tuple[str, ...]]]:
        """Per module, its names and what respelling it needs in the text (regexes compiled when first needed,
        re keeps them). Each starts with a literal (Python's re then skips ahead fast) and may match more than
        it must."""
        blank = r"[\s\\]"  # Python's blanks between tokens, line continuations included
        spaced = (lambda path: rf"{blank}*\.{blank}*".join(map(re.escape, path.split("."))))  # noqa: E731
        found = []
        for module in sorted({*self.modules, *self.equivalents, *self.equivalents.values()}):
            name = self.modules.get(module, (None,))[0]
            keep = rf"(?!{re.escape(name)}\b)" if name else ""
            if "." not in module:  # a package: only `import jax as j` respells it
                found.append((frozenset({module}), (rf"import\b[^\n;]*\b{re.escape(module)}{blank}+as{blank}+{keep}",)))
                continue
            parent, leaf = module.rsplit(".", 1)
            found.append((frozenset(module.split(".")), (
                rf"{spaced(module)}{blank}*(?:\.|import\b|as{blank}+{keep})",  # paths, members, aliases
                rf"from{blank}+{spaced(parent)}{blank}+import{blank}+(?:\([^)]*|[^\n]*)\b{re.escape(leaf)}\b")))
        return found

    def hidden_words(self, source: str) -> list[str]:
        """Words a respelling may add to ``source``: the rules' names of the modules whose package it mentions, and
        the words of the imports the view appends for them (``import flax.nn as nn``)."""
        return [word for package, words in self._hidden.items() if package in source for word in words]

    @functools.cached_property
    def _hidden(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for module, (name, statement) in self.modules.items():
            found.setdefault(module.split(".")[0], []).extend([name, *NAME_RE.findall(statement)])
        return found


def _memoised(names: Names, kind: str, key: str, compute: Callable[[str], Any]) -> Any:
    """``compute(key)``, remembered per table and kind: the spellings are pure functions of the table, and a file
    asks for the same few names thousands of times. (At most ``MEMO`` entries each, for long runs.)"""
    memo = names._memo[kind]
    if key not in memo:
        if len(memo) >= MEMO:
            memo.clear()
        memo[key] = compute(key)
    return memo[key]


class Binding(NamedTuple):
    qualified: str
    statement: tuple[int, int]  # the import statement (character range) that binds it; (-1, -1) for others


def _field_of(node: SgNode, parent: SgNode) -> str | None:
    at = node.range()
    for name in ("attribute", "name", "alias", "module_name", "object", "value"):
        child = parent.field(name)
        if child is not None and child.range() == at:
            return name
    return None


def _is_reference(node: SgNode) -> bool:
    return _place(node)[2]


def _place(node: SgNode) -> tuple[SgNode | None, str | None, bool]:
    """``node``'s parent, the field it fills there where NOT_REFERENCES asks (an attribute's object or attribute
    among them; else None), and whether it is a reference to a binding."""
    parent = node.parent()
    if parent is None:
        return None, None, False
    fields = NOT_REFERENCE_FIELDS.get(parent.kind(), frozenset())
    role = _field_of(node, parent) if fields else None
    return parent, role, fields is not None and role not in fields


def bindings(root: SgNode) -> dict[str, Binding | None]:
    """Every name an import binds, file-wide, to the qualified name it refers to; None where two imports of
    the file bind it differently (the name's meaning then depends on the scope, and rules stay out of it)."""
    found: dict[str, Binding | None] = {}

    def bind(name: str, qualified: str, statement: SgNode) -> None:
        rng = statement.range()
        binding = Binding(qualified, (rng.start.index, rng.end.index))
        if name in found and (found[name] is None or found[name].qualified != qualified):
            found[name] = None
        else:
            found.setdefault(name, binding)

    for statement in root.find_all(IMPORTS):
        if statement.kind() == "import_statement":
            for child in statement.children():
                if child.kind() == "dotted_name":
                    bind(child.text().split(".")[0], child.text().split(".")[0], statement)
                elif child.kind() == "aliased_import":
                    bind(child.field("alias").text(), child.field("name").text(), statement)
            continue
        module = statement.field("module_name")
        if module is None or module.kind() != "dotted_name":
            continue  # relative imports name the project's own modules
        for child in statement.children():
            if child.range() == module.range():
                continue
            if child.kind() == "dotted_name":
                bind(child.text(), f"{module.text()}.{child.text()}", statement)
            elif child.kind() == "aliased_import":
                bind(child.field("alias").text(), f"{module.text()}.{child.field('name').text()}", statement)
    return found


def _assigned(source: str, name: str) -> bool:
    """Does a line of ``source`` start by assigning ``name`` (``nn = ...``, ``nn: Any = ...``)?"""
    return name in _assigned_names(source)


@functools.lru_cache(maxsize=4)
def _assigned_names(source: str) -> frozenset[str]:
    return frozenset(re.findall(ASSIGNED, "\n" + source))  # (one search per file, not one compiled regex per name)


class Span(NamedTuple):
    """One respelled piece: ``source[start:end]`` reads ``text`` in the view, at ``view_start``."""

    start: int
    end: int
    text: str
    view_start: int = 0
    derived: bool = False  # a subclass's base shown as the Flax class: no fix may edit it
    statement: tuple[int, int] = (-1, -1)  # the import of a member (not a module) that made the respelling

    @property
    def view_end(self) -> int:
        return self.view_start + len(self.text)


class View:
    """The source as the rules see it, and the way back to the file's positions and spelling."""

    def __init__(self, source: str, spans: list[Span], trailer: list[str], names: Names,
                 found: dict[str, Binding | None], canonical: dict[str, str]):
        pieces, shift, placed = [], 0, []
        last = 0
        for span in sorted(spans, key=lambda s: s.start):
            pieces += [source[last:span.start], span.text]
            placed.append(Span(span.start, span.end, span.text, span.start + shift, span.derived, span.statement))
            shift += len(span.text) - (span.end - span.start)
            last = span.end
        pieces.append(source[last:])
        body = "".join(pieces)
        self.trailer_start = len(body)
        if trailer:
            body += ("" if body.endswith("\n") or not body else "\n") + "\n".join(trailer) + "\n"
        self.text = body
        self.source = source
        self.spans = placed
        self._starts = [span.view_start for span in placed]
        self.names = names
        self.bindings = {name: b.qualified for name, b in found.items() if b is not None}
        self.canonical = canonical  # the view's names -> modules, for spelling fixes back

    @functools.cached_property
    def _line_starts(self) -> list[int]:  # (only a view with findings needs them)
        return line_starts(self.source)

    @property
    def inserted(self) -> list[str]:
        """The texts the view has that the source lacks: the respelled names and the appended imports."""
        return [span.text for span in self.spans] + [self.text[self.trailer_start:]]

    def span_at(self, offset: int) -> Span | None:
        """The respelled span that strictly contains ``offset`` (a view offset)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and self.spans[i].view_start < offset < self.spans[i].view_end:
            return self.spans[i]
        return None

    def to_source(self, offset: int) -> int | None:
        """The file offset of a view offset; None inside a respelled span or in the appended imports."""
        if offset > self.trailer_start:
            return None
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        span = self.spans[i]
        if offset == span.view_start:
            return span.start
        if offset >= span.view_end:
            return span.end + offset - span.view_end
        return None

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 0-based column) of a file offset."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line]

    def overlaps(self, start: int, end: int, derived: bool) -> list[Span]:
        return [s for s in self.spans if s.derived == derived and s.view_start < end and start < s.view_end]

    def source_text(self, start: int, end: int, imports: list[str]) -> str | None:
        """The file's own text for a view range, or the view's text spelled back when the range cuts a span."""
        a, b = self.to_source(start), self.to_source(end)
        if a is not None and b is not None:
            return self.source[a:b]
        return self.spell_back(self.text[start:end], imports)

    def spell_back(self, text: str, imports: list[str]) -> str | None:
        """Canonical spelling -> the file's (``nnx.Param`` -> ``nn.Param`` where ``nn`` is flax.nnx); the
        imports a name needs that the file does not bind are appended to ``imports``. None when a name cannot
        be spelled in this file (its canonical name means something else here)."""
        failed = False

        def one(match: re.Match[str]) -> str:
            nonlocal failed
            head, rest = match.group(1), match.group(2)
            module = self.canonical.get(head)
            if module is None or self.bindings.get(head) == module:
                return match.group(0)
            spelled = self._spelling(self.names.normal(module + rest))
            if spelled is not None:
                return spelled
            if head in self.bindings or _assigned(self.source, head):
                failed = True
                return match.group(0)
            imports.append(self.names.modules[module][1])
            return match.group(0)

        out = re.sub(DOTTED, one, text)
        return None if failed else out

    def _spelling(self, qualified: str) -> str | None:
        best: tuple[int, int, str] | None = None
        for name, bound in self.bindings.items():  # (canonical_view normalised them)
            if qualified == bound or qualified.startswith(bound + "."):
                spelled = name + qualified[len(bound):]
                key = (-len(bound), len(spelled), spelled)
                if best is None or key < best:
                    best = key
        return None if best is None else best[2]


def canonical_view(source: str, root: SgNode, names: Names) -> View | None:
    """The view of ``source`` in canonical spelling, or None when the file already reads that way."""
    found = {name: b and Binding(names.normal(b.qualified), b.statement) for name, b in bindings(root).items()}
    roots = names.roots
    # The view's names: the canonical names the file binds already, then those a respelling introduces.
    canonical: dict[str, str] = {}
    for name, binding in found.items():
        if binding is not None and binding.qualified in names.modules and names.modules[binding.qualified][0] == name:
            canonical[name] = binding.qualified
    plans: dict[str, tuple[str, Binding]] = {}  # file name -> its canonical spelling
    for name, binding in found.items():
        if binding is None or binding.qualified.split(".")[0] not in roots or binding.qualified.startswith("jax._"):
            continue
        spelled = names.spell(binding.qualified)
        if spelled is None:
            continue
        module = names.module_of(binding.qualified)
        if module != binding.qualified and "." not in module:
            continue  # `from jax import tree_map`: rules judge such imports of a package's own names themselves
        if spelled == name and not any(  # still respell chains through it: `flax.linen.Dense` with `import flax`
                source.find(name + sub[len(binding.qualified):] + ".") >= 0
                for sub in (*names.modules, *names.equivalents)
                if sub.startswith(binding.qualified + ".") and names.spell(sub) != sub):
            continue
        if not _assigned(source, name):
            plans[name] = (spelled, binding)

    heads = [head for head in names.heads if head not in found]
    derived = _may_derive(source, names)
    references, uses, classes = _nodes(source, root, plans, heads, derived) if plans or derived else ([], {}, [])
    unbound: dict[str, bool] = {}

    def claim(head: str, module: str) -> bool:
        return _claim(head, module, found, canonical, lambda: _unbound(head, source, root, uses, unbound))

    spans = _reference_spans(references, plans, names, claim)
    spans += _subclass_spans(classes, found, names, canonical, {s.start for s in spans})
    used = {s.text.split(".")[0] for s in spans}
    for spelled, binding in plans.values():  # `from flax import nnx as fnx`: the file imports flax.nnx
        if binding.qualified in names.modules and claim(spelled, binding.qualified):
            used.add(spelled)
    trailer = [names.modules[module][1] for head, module in canonical.items()
               if head in used and (found.get(head) is None or found[head].qualified != module)]
    if not spans and not trailer:
        return None
    return View(source, spans, trailer, names, found, canonical)


def _nodes(source: str, root: SgNode, plans: dict[str, Any], heads: list[str],
           classes: bool) -> tuple[list[SgNode], dict[str, list[SgNode]], list[SgNode]]:
    """In one query: the identifiers named as a key of ``plans`` (in the file's order), those named as each of
    ``heads``, the names the view may claim (only those ``source`` has: the tree is of ``source``), and the class
    definitions if ``classes``."""
    looked = [*plans, *(head for head in heads if head in source)] if plans else []
    rules = [{"kind": "identifier", "regex": "^(" + "|".join(map(re.escape, looked)) + ")$"}] if looked else []
    rules += [{"kind": "class_definition"}] if classes else []
    references: list[SgNode] = []
    uses: dict[str, list[SgNode]] = {head: [] for head in heads}
    definitions: list[SgNode] = []
    for node in root.find_all({"rule": rules[0] if len(rules) == 1 else {"any": rules}}):
        if classes and node.kind() == "class_definition":
            definitions.append(node)
            continue
        text = node.text()
        (uses[text] if text in uses else references).append(node)
    return references, uses, definitions


def _claim(head: str, module: str, found: dict[str, Binding | None], canonical: dict[str, str],
           unbound: Callable[[], bool]) -> bool:
    """May the view use ``head`` for ``module``? Not where the file binds it to something else, nor where another
    module took it (a file with both flax.nn and flax.linen: the first keeps ``nn``)."""
    owner = found.get(head)
    if head in found and (owner is None or owner.qualified != module):
        return False
    if head not in found and head not in canonical and unbound():
        return False  # the file uses the name unbound (or binds it some other way): not ours to give it meaning
    return canonical.setdefault(head, module) == module


def _unbound(head: str, source: str, root: SgNode, uses: dict[str, list[SgNode]], known: dict[str, bool]) -> bool:
    """Does the file use ``head`` unbound, or bind it by an assignment? ``uses``: the identifiers ``head`` already
    found, if it was looked for; ``known``: the answers so far."""
    if head not in known:
        nodes = uses[head] if head in uses else root.find_all(kind="identifier", regex=f"^{head}$")
        known[head] = _assigned(source, head) or any(_is_reference(node) for node in nodes)
    return known[head]


def _reference_spans(nodes: list[SgNode], plans: dict[str, tuple[str, Binding]], names: Names, claim) -> list[Span]:
    """The respelled references: ``nodes`` are the identifiers named as a key of ``plans``, in the file's order."""
    spans = []
    for node in nodes:
        parent, role, reference = _place(node)
        if not reference:
            continue
        binding = plans[node.text()][1]
        target, qualified = node, binding.qualified
        # `flax.linen.Dense` with `import flax`: respell the longest chain that is a module of the table
        chain, chain_name = node, qualified
        while role == "object" and parent is not None and parent.kind() == "attribute":
            chain_name = f"{chain_name}.{parent.field('attribute').text()}"
            chain = parent
            if names.normal(chain_name) in names.modules:
                target, qualified = chain, chain_name
            parent = chain.parent()
            role = _field_of(chain, parent) if parent is not None and parent.kind() == "attribute" else None
        text = names.spell(qualified)
        if text is None or text == target.text():
            continue
        if not claim(text.split(".")[0], names.module_of(names.normal(qualified))):
            continue
        rng = target.range()
        member = names.normal(binding.qualified) not in names.modules  # `from flax.nnx import VariableState`
        spans.append(Span(rng.start.index, rng.end.index, text, statement=binding.statement if member else (-1, -1)))
    return spans


def _may_derive(source: str, names: Names) -> bool:
    """May a class of ``source`` derive from another class of it? (A text search, before any query.)"""
    if not names.classes or "class" not in source:
        return False
    classes = re.findall(CLASS, "\n" + source)
    local_bases = {w for b in {b for _, b in classes} for w in re.findall(r"(?<![\w.])[A-Za-z_]\w*(?![\w.])", b)}
    return not local_bases.isdisjoint(name for name, _ in classes)


def _subclass_spans(classes: list[SgNode], found: dict[str, Binding | None], names: Names,
                    canonical: dict[str, str], taken: set[int]) -> list[Span]:
    """``class B(A)`` with ``class A(nn.Module)`` in the same file: B's base ``A`` reads ``nn.Module``
    (``classes``: the file's class definitions, where ``_may_derive``)."""
    local: dict[str, str] = {}  # local class -> the Flax class it derives from
    pending: list[tuple[str, list[SgNode]]] = []
    for node in classes:
        supers = node.field("superclasses")
        if supers is not None:
            pending.append((node.field("name").text(), [c for c in supers.children() if c.is_named()]))
    spans: list[Span] = []
    changed = True
    while changed:  # transitively, in any order of definition
        changed = False
        for name, bases in pending:
            if name in local:
                continue
            for base in bases:
                qualified = _qualified(base, found, names)
                if qualified in names.classes:
                    local[name] = qualified
                elif base.kind() == "identifier" and base.text() in local and base.text() not in found:
                    local[name] = local[base.text()]
                    spelled = names.spell(local[name])
                    rng = base.range()
                    head = spelled.split(".")[0] if spelled else ""
                    if spelled and canonical.get(head) == names.module_of(local[name]) and rng.start.index not in taken:
                        spans.append(Span(rng.start.index, rng.end.index, spelled, derived=True))
                else:
                    continue
                changed = True
                break
    return spans


def _qualified(node: SgNode, found: dict[str, Binding | None], names: Names) -> str | None:
    """The normal qualified name of a dotted reference (``nn.Module`` -> ``flax.linen.Module``), or None."""
    if node.kind() == "subscript":
        node = node.field("value")
    if node is None or node.kind() not in ("identifier", "attribute"):
        return None
    head, *rest = node.text().split(".")
    binding = found.get(head)
    if binding is None:
        return None
    return names.normal(".".join([binding.qualified, *rest]))
