"""pollday: election-day simulation and load-testing harness (CLI and orchestration).

The commands are ``pollday.cli.main``; the library calls behind them take typed options
(``simulate_run.simulate_to_folder``, ``validate_run.validate_scenario_file``,
``size_run.size``, ``station_run.station_answer``, ``init_command.write_scenario``,
``run_pipeline.run``, ``capacity_pipeline.run_capacity``); exit codes are ``pollday.exits``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
