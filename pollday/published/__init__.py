"""Docs generated from the code, so they cannot drift."""

__all__: list[str] = []
