"""``pollday run`` output read for the report: thresholds, load test, audit, closed loop.

``summary.json`` of a run holds the thresholds with their verdicts and the load test's figures
(``loadtest``, ``replay``, ``audit``, ``closed_loop``); the request rate over time stays in
``loadtest/loadtest.json`` (``rate``, and each endpoint's ``over_time`` since format 2), which is
therefore needed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.results import LoadTestOutput
from pollday.report.errors import ReportError, broken
from pollday.report.file_read import read_output

LOADTEST_JSON = "loadtest/loadtest.json"
_RUN_KEYS = ("loadtest", "replay", "audit", "closed_loop")
# what the latency-over-time figure draws from an endpoint's ``over_time``
_OVER_TIME_KEYS = frozenset({"bin_s", "t_s", "count", "p95_ms", "p99_ms", "p99_ms_intended"})


@dataclass(frozen=True)
class LoadTestData:
    loadtest: dict[str, Any]  # endpoints, generator, checkin_latency_ms
    replay: dict[str, Any]  # compress, station_share, expected_s
    audit: dict[str, Any]
    closed_loop: dict[str, Any]
    rate: dict[str, Any]  # bin_s, scheduled_rps, achieved_rps (test seconds)
    # endpoint -> bin_s, t_s, count, pNN_ms, pNN_ms_intended per bin; {} before format 2
    over_time: dict[str, dict[str, Any]] = field(default_factory=dict)


def thresholds_of(folder: Path, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Every threshold with rule, value and verdict, or None when the run evaluated none."""
    thresholds = summary.get("thresholds")
    if thresholds is None:
        return None
    if not isinstance(thresholds, list) or not all(
        isinstance(t, dict) and {"rule", "verdict"} <= set(t) for t in thresholds
    ):
        raise broken(folder, "summary.json", "'thresholds' is not a list of {rule, verdict}")
    return thresholds


def read_loadtest(folder: Path, summary: dict[str, Any]) -> LoadTestData | None:
    if "loadtest" not in summary:
        return None
    missing = [k for k in _RUN_KEYS if not isinstance(summary.get(k), dict)]
    if missing:
        raise broken(folder, "summary.json", f"has 'loadtest' but not {', '.join(missing)}")
    path = folder / LOADTEST_JSON
    if not path.is_file():
        raise ReportError(
            f"{folder}: summary.json holds a load test but {LOADTEST_JSON} is missing "
            "(run `pollday run` again)"
        )
    data = read_output(folder, LOADTEST_JSON, LoadTestOutput, needed=())
    if not isinstance(data.get("rate"), dict):
        raise broken(folder, LOADTEST_JSON, "has no readable 'rate' object")
    if not isinstance(data.get("endpoints"), dict):
        raise broken(folder, LOADTEST_JSON, "has no 'endpoints' object")
    return LoadTestData(
        loadtest=summary["loadtest"],
        replay=summary["replay"],
        audit=summary["audit"],
        closed_loop=summary["closed_loop"],
        rate=data["rate"],
        over_time=_over_time(folder, data),
    )


def _over_time(folder: Path, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each endpoint's latency per time bin, read from loadtest.json (not summary.json, which
    keeps figures); endpoints without it (a format 1 file) are left out."""
    out: dict[str, dict[str, Any]] = {}
    for name, endpoint in data["endpoints"].items():
        series = endpoint.get("over_time") if isinstance(endpoint, dict) else None
        if series is None:
            continue
        missing = sorted(_OVER_TIME_KEYS - set(series)) if isinstance(series, dict) else ["all"]
        if missing:
            raise broken(
                folder, LOADTEST_JSON, f"endpoint {name!r}: 'over_time' lacks {', '.join(missing)}"
            )
        out[str(name)] = series
    return out
