"""Look-alike shapes (flake8_flax/lookalikes.py): the classifier on hand-written cases, and the loader's rule that
every bundled code has a look-alike of each shape unless listed in LOOKALIKE_SHAPES_PENDING."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from flake8_flax import catalog as catalog_module
from flake8_flax import lookalikes
from flake8_flax.catalog import LOOKALIKE_SHAPES_PENDING, RuleError, build_catalog, load_directory
from test_catalog import GOOD, write

SHIM_RULE = catalog_module.load_utils(catalog_module.bundled_utils_dir())["compat-shim"]
TREE_MAP = {"jax", "tree_map"}  # the spelling of `jax.tree_map` / `from jax import tree_map`


def shapes(source: str, names=frozenset(TREE_MAP), replacement=frozenset({"tree", "map"})) -> set[str]:
    return lookalikes.shapes(textwrap.dedent(source), set(names), set(replacement), SHIM_RULE)


@pytest.mark.parametrize("source,expected", [
    # shims, as rule-utils/compat-shim.yml matches them
    ("""
     try:
         from jax import tree_map
     except ImportError:
         from jax.tree_util import tree_map
     """, {"shim"}),
    ("""
     import jax
     tree_map = jax.tree_map if False else None
     if hasattr(jax, "tree_map"):
         tree_map = jax.tree_map
     """, {"shim"}),
    ("""
     import jax
     try:
         import torch
     except ImportError:
         torch = None
     """, set()),  # a shim, but of something else: it mentions no name of the spelling
    ("""
     try:
         from mylib import tree_map
     except ImportError:
         tree_map = None
     """, {"foreign"}),  # no flax/jax in the file: its silence proves nothing about the shim guard
    # the same spelling from another library or defined locally, or no flax/jax at all
    ("""
     import my_framework as jax
     y = jax.tree_map(f, x)
     """, {"foreign"}),
    ("""
     import jax
     def tree_map(f, x):
         return f(x)
     """, {"foreign"}),
    ("""
     y = tree_map(f, x)
     """, {"foreign"}),
    ("""
     import jax
     class Tree:
         def tree_map(self, f):
             return f(self)
     """, set()),  # a method of that name binds nothing at module level, and uses no replacement name
    ("""
     import jax
     s = "jax.tree_map"  # jax.tree_map(f, x)
     """, set()),  # strings and comments are not code
    ("""
     import optax
     s = "jax.tree_map"
     """, set()),
    # already migrated: the replacement's names, with flax/jax imported
    ("""
     import jax
     y = jax.tree.map(f, x)
     """, {"migrated"}),
    ("""
     from flax import nnx
     y = nnx.Linear(2, 3, rngs=nnx.Rngs(0))
     """, set()),
    ("def broken(:\n", set()),
])
def test_shapes_of_hand_written_lookalikes(source, expected):
    assert shapes(source) == expected


def test_migrated_falls_back_to_the_spelling_when_the_fix_adds_no_name():
    source = "from flax import nnx\ncell = nnx.LSTMCell(2, 3, rngs=nnx.Rngs(0))\n"
    assert shapes(source, names={"nnx", "LSTMCell", "keep_rngs"}, replacement=set()) == {"migrated"}
    assert shapes(source, names={"keep_rngs"}, replacement=set()) == set()


def test_spelling_is_the_reported_lines_without_the_examples_own_names():
    examples = [{"deprecated": "import jax\nclass CNN:\n    pass\nparams = jax.tree_map(abs, CNN, is_leaf=ok)\n",
                 "at": ["4:10"]},
                {"deprecated": "from jax import tree_leaves\n", "at": ["1:6"]}]
    program = "ok = None\n"
    assert lookalikes.spelling(examples, program) == {"jax", "tree_map", "is_leaf", "tree_leaves"}


def _doc(**meta):
    doc = yaml.safe_load(GOOD)
    doc["metadata"]["proof"]["counterfeits"] = [{"fix": "other_api($$$A)", "fails_with": "NameError"}]
    doc["metadata"].update(meta)
    return doc


@pytest.mark.parametrize("lookalike_sources,shape", [
    (["new_api(1)\n"], "shim"),
    (["import jax\ntry:\n    old_api(1)\nexcept AttributeError:\n    pass\n"], "foreign"),
])
def test_a_bundled_code_without_a_shape_fails_validation(tmp_path, lookalike_sources, shape):
    write(tmp_path, yaml.safe_dump(_doc(lookalikes=lookalike_sources)))
    utils = catalog_module.load_utils(catalog_module.bundled_utils_dir())
    with pytest.raises(RuleError, match=f"FLX991.yml: metadata.lookalikes: FLX991 has no look-alike of shape "
                                        f"'{shape}'"):
        load_directory(tmp_path, utils, bundled=True)
    build_catalog((str(tmp_path),))  # a team's rule files are not held to it


def test_a_bundled_code_with_every_shape_loads(tmp_path):
    sources = ["import jax\ntry:\n    old_api(1)\nexcept AttributeError:\n    pass\n",
               "def old_api(x):\n    return x\nold_api(1)\n"]  # migrated: the example's fixed text
    write(tmp_path, yaml.safe_dump(_doc(lookalikes=sources)))
    utils = catalog_module.load_utils(catalog_module.bundled_utils_dir())
    rules = load_directory(tmp_path, utils, bundled=True)
    assert lookalikes.covered(rules, utils["compat-shim"]) == set(lookalikes.SHAPES)


def test_pending_list_is_exactly_what_is_missing(catalog):
    shim_rule = catalog_module.load_utils(catalog_module.bundled_utils_dir())["compat-shim"]
    bundled = catalog_module.bundled_rules_dir()
    missing = set()
    for code in sorted({rule.code for rule in catalog.rules if rule.path.parent == bundled}):
        missing |= {f"{code}:{shape}" for shape in lookalikes.missing(catalog.by_code(code), shim_rule)}
    assert missing == LOOKALIKE_SHAPES_PENDING, "delete the lines of codes that now have the shape"
