"""``flake8-flax lsp``: a language server (pygls) with the findings as diagnostics and the fixes as code actions.

Install with ``pip install 'flake8-flax[lsp]'``; the flake8 plugin never imports this package.
"""

from __future__ import annotations

import sys


def serve() -> int:
    """Run the server on stdio until the client says exit; 2 when the ``lsp`` extra is not installed."""
    try:
        from flake8_flax.lsp.server import build
    except ImportError as exc:
        print(f"flake8-flax: error: the language server needs {exc.name}: pip install 'flake8-flax[lsp]'",
              file=sys.stderr)
        return 2
    build().start_io()
    return 0
