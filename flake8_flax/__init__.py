"""flake8-flax: find removed and deprecated Flax / JAX APIs and fix them."""

__version__ = "0.1.0"
