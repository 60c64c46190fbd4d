"""pollday: election-day simulation and load-testing harness (CLI and orchestration)."""

__version__ = "0.1.0"
