"""``python -m flake8_flax`` runs the ``flake8-flax`` command."""

from flake8_flax.cli import main

raise SystemExit(main())
