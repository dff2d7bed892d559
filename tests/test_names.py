"""The canonical view (names.py) on the cases that decide precision: what is respelled, what is left alone,
and how fixes are spelled back."""

from __future__ import annotations

import pickle
import re

import pytest

from flake8_flax.comments import BLOCK, blank_comment_blocks, line_starts
from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source
from flake8_flax.names import MEMO


def _found(source, catalog, code):
    return [f"{f.line}:{f.col + 1}" for f in lint(source, catalog) if f.code == code]


def _fixed(source, catalog, code):
    return fix_source(source, catalog, unsafe=True, wanted=lambda rule: rule.code == code).source


def test_where_the_canonical_name_means_something_else_the_rules_stay_out(catalog):
    # `nnx` is the project's own module here: the view cannot show flax.nnx as `nnx`, and guessing would be unsafe
    source = "import my_framework as nnx\nfrom flax import nnx as fnx\nopt = fnx.Optimizer(m, tx)\n"
    assert _found(source, catalog, "FLX201") == []
    assert _found(source.replace("my_framework as nnx", "my_framework"), catalog, "FLX201") == ["3:7"]


def test_a_name_bound_to_two_modules_is_left_alone(catalog):
    source = ("def a():\n    from flax import nnx as nn\n    return nn.Optimizer(m, tx)\n"
              "def b():\n    import torch.nn as nn\n    return nn.Optimizer(m, tx)\n")
    assert _found(source, catalog, "FLX201") == []


def test_a_rebound_name_is_left_alone(catalog):
    source = "from flax import nnx as nn\nnn = make_namespace()\nopt = nn.Optimizer(m, tx)\n"
    assert _found(source, catalog, "FLX201") == []


def test_a_member_import_adds_the_module_import_the_fix_needs(catalog):
    source = '"""Doc."""\nfrom flax.nnx import Optimizer\nopt = Optimizer(m, tx)\n'
    assert _found(source, catalog, "FLX201") == ["3:7"]
    assert _fixed(source, catalog, "FLX201") == (
        '"""Doc."""\nfrom flax.nnx import Optimizer\nfrom flax import nnx\nopt = Optimizer(m, tx, wrt=nnx.Param)\n')


def test_full_paths_through_import_flax(catalog):
    source = "import flax\nopt = flax.nnx.Optimizer(m, tx)\n"
    assert _fixed(source, catalog, "FLX201") == "import flax\nopt = flax.nnx.Optimizer(m, tx, wrt=flax.nnx.Param)\n"


def test_a_re_exported_name_reads_as_its_public_name(catalog):
    # flax.nn.stochastic.make_rng is flax.nn.make_rng (canonical-names.yml, equivalents)
    source = "from flax.deprecated.nn.stochastic import make_rng\nrng = make_rng()\n"
    assert _found(source, catalog, "FLX114") == ["2:7"]


def test_a_respelled_base_is_never_reported_itself(catalog):
    source = "from flax import nnx as fx\nclass SGD(fx.Object):\n    pass\nclass Momentum(SGD):\n    pass\n"
    assert [f for f in lint(source, catalog) if f.line == 4] == []


def test_subclasses_of_flax_nn_modules_are_flax_nn_modules_transitively(catalog):
    source = ("from flax import nn\nclass A(nn.Module):\n    def apply(self, x):\n        return x\n"
              "class B(A):\n    def apply(self, x):\n        return self.param('w', (3,), init)\n")
    assert _found(source, catalog, "FLX103") == ["7:16"]


@pytest.mark.parametrize(("use", "expected"), [
    ("print(nnx)\n", []),  # the file uses `nnx` unbound: every reference is refused, not only the first
    ("def f(nnx):\n    return nnx\n", []),
    ("f(nnx=1)\n", ["3:5", "4:5"]),  # a keyword, an attribute: not uses of the name
    ("x.nnx = 1\n", ["3:5", "4:5"]),
])
def test_the_view_takes_a_canonical_name_only_where_the_file_never_uses_it(catalog, use, expected):
    source = "from flax import nnx as fnx\n" + use + "a = fnx.Optimizer(m, tx)\nb = fnx.Optimizer(m, tx)\n"
    assert _found(source, catalog, "FLX201") == expected


def test_an_annotated_assignment_rebinds_a_name_and_a_comparison_does_not(catalog):
    source = "from flax import nnx as nn\nnn: Any = make()\nopt = nn.Optimizer(m, tx)\n"
    assert _found(source, catalog, "FLX201") == []
    assert _found(source.replace("nn: Any = make()", "nn == other"), catalog, "FLX201") == ["3:7"]


def test_a_base_class_written_over_lines_is_still_found(catalog):
    source = ("from flax import nn\nclass A(nn.Module):\n    def apply(self, x):\n        return x\n"
              "class  B (\n    A,\n):\n    def apply(self, x):\n        return self.param('w', (3,), init)\n")
    assert _found(source, catalog, "FLX103") == ["9:16"]
    assert _found(source.replace("from flax import nn", "from torch import nn"), catalog, "FLX103") == []


def test_the_spelling_table_answers_the_same_after_forgetting_and_pickling(catalog):
    names = catalog.names
    assert names.spell("flax.nn.base.Module") == "nn.Module"
    assert names.normal("flax.deprecated.nn.Module") == "flax.nn.Module"
    assert (names.module_of("jax.numpy.zeros"), names.spell("numpy.zeros")) == ("jax.numpy", None)
    asked = [f"{module}.X{i}" for i in range(MEMO) for module in ("flax.nnx", "flax.nn.base", "jax.numpy")]
    first = [names.spell(name) for name in asked]  # more names than it remembers: it forgets and starts again
    assert first[:3] == ["nnx.X0", "nn.X0", "jnp.X0"]
    copy = pickle.loads(pickle.dumps(names))
    assert set(vars(copy)) == {"modules", "equivalents", "classes"}  # the table, not what was computed from it
    assert [names.spell(name) for name in asked] == [copy.spell(name) for name in asked] == first


@pytest.mark.parametrize(("text", "blanked"), [
    ("x = 1\n" + "# c\n" * (BLOCK - 1) + "y = 2\n", False),
    ("x = 1\n" + "# c\n" * (BLOCK - 2) + "\n  \t# c\n\n#\n" + "y = 2  # after code\n", True),  # blanks, indents
    ("# c\n" * BLOCK, True),  # from the first line
    ("#" * (3 * BLOCK) + "\nx = 1\n", False),  # many '#', one comment
    ('s = """\n' + "# not a comment\n" * (BLOCK + 5) + '"""\n', False),
    ("x = 1\n" + "# c\r" * BLOCK, False),  # lone carriage returns: one line for this scan
])
def test_only_runs_of_comment_lines_are_blanked_before_parsing(text, blanked):
    comment_lines = re.compile(r"^([ \t]*)(#.*)$", re.M)
    expected = comment_lines.sub(lambda m: m[1] + " " * len(m[2]), text) if blanked else text
    assert blank_comment_blocks(text) == expected


@pytest.mark.parametrize(("text", "starts"), [
    ("", [0]), ("abc", [0]), ("a\nb\n", [0, 2, 4]), ("a\nb\r\nc\rd", [0, 2, 5, 7]), ("\r\n\r\n", [0, 2, 4]),
])
def test_line_starts_counts_lines_as_python_does(text, starts):
    assert line_starts(text) == starts
