"""pollday: election-day simulation and load-testing harness (CLI and orchestration).

The commands are ``pollday.cli.main``; the library calls behind them take typed options
(``pollday.size_run.size``, ``pollday.run_pipeline``, ``pollday.capacity_pipeline``); exit
codes are ``pollday.exits``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
