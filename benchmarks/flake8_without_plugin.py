"""Run flake8 exactly as usual but with flake8-flax left out of the discovered plugins (the baseline)."""

import sys

from flake8.main import cli
from flake8.plugins import finder

_find_plugins = finder.find_plugins


def _without_us(cfg, opts):
    return [plugin for plugin in _find_plugins(cfg, opts) if plugin.package != "flake8-flax"]


finder.find_plugins = _without_us

if __name__ == "__main__":
    sys.exit(cli.main())
