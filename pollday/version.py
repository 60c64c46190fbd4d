"""pollday's version: one constant, read by ``--version`` and the report's footer; the same
number as pyproject.toml's (tests/test_packaging.py checks they agree)."""

__version__ = "0.1.0"
