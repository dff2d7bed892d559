"""The canonical view (names.py) on the cases that decide precision: what is respelled, what is left alone,
and how fixes are spelled back."""

from __future__ import annotations

from flake8_flax.engine import lint
from flake8_flax.fixer import fix_source


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
