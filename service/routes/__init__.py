"""HTTP routes, one module per endpoint family."""

__all__: list[str] = []
