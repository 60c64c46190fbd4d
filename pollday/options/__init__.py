"""Options every command shares: counts and their ranges, --cluster, --quiet, --json, old names."""

__all__: list[str] = []
