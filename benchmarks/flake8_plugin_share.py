"""Run flake8 as usual and print, to stderr, the CPU time of the whole run and the time spent in flake8-flax.

Both figures come from one process, so the plugin's share does not depend on how busy the machine is; the
with/without ratio is then ``total / (total - plugin)``.
"""

import atexit
import resource
import sys
import time

from flake8.main import cli

from flake8_flax import plugin

_run = plugin.FlaxChecker.run
_spent = [0.0]


def _timed_run(self):
    start = time.process_time()
    found = list(_run(self))
    _spent[0] += time.process_time() - start
    return iter(found)


def _report() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"plugin-share {usage.ru_utime + usage.ru_stime:.3f} {_spent[0]:.3f}", file=sys.stderr)


plugin.FlaxChecker.run = _timed_run
atexit.register(_report)

if __name__ == "__main__":
    sys.exit(cli.main())
