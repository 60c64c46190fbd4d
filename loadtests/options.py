"""pollday's Locust options (registered through ``init_command_line_parser``).

Like any Locust option they can be given on the command line, in ``locust.conf``
(``station-share = 0.1``), in ``pyproject.toml`` under ``[tool.locust]``, or as
``POLLDAY_*`` environment variables. The replay settings (compression, station share,
adapter, public rates, invalid share) fall back to the scenario's ``[loadtest]`` section when
the scenario schema has one, then to the defaults below. This module does not import
locust: the locustfile passes Locust's parser to :func:`add_arguments`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.errors import InputError
from simulation.scenario.replay_scale import (
    DEFAULT_COMPRESS,
    DEFAULT_STATION_SHARE,
    replay_scale_problems,
)

# Locust reads it for --secret; a namespace built without Locust falls back to it here.
SECRET_ENV = "POLLDAY_SECRET"


class OptionsError(InputError, ValueError):
    """An option value that cannot be used; the message names the option and the fix."""


def add_arguments(parser: Any) -> None:
    """Add the options to Locust's (configargparse) parser."""

    def add(*names: str, web: bool = True, secret: bool = False, **kw: Any) -> None:
        parser.add_argument(*names, include_in_web_ui=web, is_secret=secret, **kw)

    add("--scenario", metavar="FILE", env_var="POLLDAY_SCENARIO", default="",
        help="scenario TOML file (with --schedule: defaults to DIR/scenario.toml)")
    add("--schedule", metavar="DIR", env_var="POLLDAY_SCHEDULE", default="",
        help="reuse a simulation's output folder (DIR/schedule.npy) instead of simulating")
    add("--compress", type=float, env_var="POLLDAY_COMPRESS", default=None,
        help="time compression: 60 replays an 11-hour day in 11 minutes (default 60)")
    add("--station-share", type=float, env_var="POLLDAY_STATION_SHARE", default=None,
        help="deterministic share of stations to replay, in (0, 1] (default 1)")
    add("--secret", env_var=SECRET_ENV, default="", secret=True,
        help="the service's station token secret (default $POLLDAY_SECRET)")
    add("--pollday-out", metavar="DIR", env_var="POLLDAY_OUT", default="",
        help="write loadtest.json and ledger.ndjson here when the test stops")
    add("--adapter", metavar="MODULE:CLASS", env_var="POLLDAY_ADAPTER", default=None,
        help="event-to-HTTP adapter (default: the reference service's contract)")
    add("--results-rps", type=float, env_var="POLLDAY_RESULTS_RPS", default=None,
        help="peak reads/s of GET /v1/results, after closing (default 2; 0: none)")
    add("--results-day-level", type=float, env_var="POLLDAY_RESULTS_DAY_LEVEL", default=None,
        help="results reads during polling hours, as a share of the peak (default 0.2)")
    add("--webcam-rps", type=float, env_var="POLLDAY_WEBCAM_RPS", default=None,
        help="webcam snapshot requests/s from opening to the last protocol (default 1; 0: none)")
    add("--invalid-share", type=float, env_var="POLLDAY_INVALID_SHARE", default=None,
        help="share of invalid ballots in the protocols sent (default 0.01)")
    add("--start-delay", type=float, env_var="POLLDAY_START_DELAY", default=1.0, web=False,
        help="seconds from the test start to the replay's time zero (default 1)")
    add("--window-start", type=float, env_var="POLLDAY_WINDOW_START", default=0.0, web=False,
        help="schedule second replayed at time zero (pollday capacity replays a window of "
             "the day; earlier events are not in its schedule; default 0)")
    add("--connections", type=int, env_var="POLLDAY_CONNECTIONS", default=200, web=False,
        help="HTTP connections per load generator process (default 200)")
    add("--workers-wait", type=float, env_var="POLLDAY_WORKERS_WAIT", default=0.0, web=False,
        help="master: seconds to wait for --expect-workers workers before giving up with "
             "exit 3, naming those that joined (default 0: wait forever)")


@dataclass(frozen=True)
class ReplayOptions:
    scenario: Path | None
    schedule: Path | None
    compress: float
    station_share: float
    secret: str
    out: Path | None
    adapter: str
    results_rps: float
    results_day_level: float
    webcam_rps: float
    invalid_share: float
    start_delay_s: float
    connections: int
    window_start_s: float = 0.0

    @property
    def scenario_path(self) -> Path:
        """The scenario: ``--scenario``, else the one a simulation copied into ``--schedule``."""
        if self.scenario is not None:
            return self.scenario
        if self.schedule is not None and (self.schedule / "scenario.toml").is_file():
            return self.schedule / "scenario.toml"
        raise OptionsError("--scenario FILE is required (or --schedule DIR of a simulation "
                           "whose folder holds scenario.toml)")

    @property
    def schedule_file(self) -> Path | None:
        if self.schedule is None:
            return None
        return self.schedule / "schedule.npy" if self.schedule.is_dir() else self.schedule


def _path(value: Any) -> Path | None:
    return Path(str(value)) if value else None


# Options a scenario may set in a ``[loadtest]`` section; the command line wins.
SCENARIO_SETTINGS = ("compress", "station_share", "adapter", "results_rps",
                     "results_day_level", "webcam_rps", "invalid_share")


def from_namespace(ns: Any, scenario_settings: Any = None) -> ReplayOptions:
    """Read and check the options of a parsed Locust namespace.

    An option left unset takes the value of the same name in ``scenario_settings`` (the
    scenario's ``loadtest`` section, when its schema has one), else the built-in default.
    """
    def get(name: str, default: Any) -> Any:
        value = getattr(ns, name, None)
        if value == "":  # an empty field of the web UI's form
            value = None
        if value is None and name in SCENARIO_SETTINGS and scenario_settings is not None:
            value = getattr(scenario_settings, name, None)
        return default if value is None else value

    opts = ReplayOptions(
        scenario=_path(get("scenario", "")),
        schedule=_path(get("schedule", "")),
        compress=float(get("compress", DEFAULT_COMPRESS)),
        station_share=float(get("station_share", DEFAULT_STATION_SHARE)),
        secret=str(get("secret", "") or os.environ.get(SECRET_ENV, "")),
        out=_path(get("pollday_out", "")),
        adapter=str(get("adapter", "") or ""),
        results_rps=float(get("results_rps", 2.0)),
        results_day_level=float(get("results_day_level", 0.2)),
        webcam_rps=float(get("webcam_rps", 1.0)),
        invalid_share=float(get("invalid_share", 0.01)),
        start_delay_s=float(get("start_delay", 1.0)),
        connections=int(get("connections", 200)),
        window_start_s=float(get("window_start", 0.0)),
    )
    checks = [
        *((False, problem) for problem in replay_scale_problems(opts.compress,
                                                                 opts.station_share)),
        (opts.results_rps >= 0, f"--results-rps must not be negative, got {opts.results_rps:g}"),
        (0 <= opts.results_day_level <= 1,
         f"--results-day-level must be in [0, 1], got {opts.results_day_level:g}"),
        (opts.webcam_rps >= 0, f"--webcam-rps must not be negative, got {opts.webcam_rps:g}"),
        (0 <= opts.invalid_share < 1,
         f"--invalid-share must be in [0, 1), got {opts.invalid_share:g}"),
        (opts.start_delay_s >= 0,
         f"--start-delay must not be negative, got {opts.start_delay_s:g}"),
        (opts.window_start_s >= 0,
         f"--window-start must not be negative, got {opts.window_start_s:g}"),
        (opts.connections >= 1, f"--connections must be at least 1, got {opts.connections}"),
        (bool(opts.secret), "--secret (or $POLLDAY_SECRET) is required: the stations' "
                            "bearer tokens are derived from it"),
    ]
    for ok, message in checks:
        if not ok:
            raise OptionsError(message)
    if opts.schedule_file is not None and not opts.schedule_file.is_file():
        raise OptionsError(f"--schedule {opts.schedule}: no schedule.npy there; run "
                           "'pollday simulate SCENARIO --out DIR' first")
    return opts
