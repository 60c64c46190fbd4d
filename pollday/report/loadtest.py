"""The thresholds (top of the page) and the load-test section of a ``pollday run`` folder."""

from __future__ import annotations

from typing import Any

from loadtests.figures import of_group
from pollday.report.loadtest_data import thresholds_of
from pollday.report.plots.loadtest import (
    latency_figure,
    latency_over_time_figure,
    rate_figure,
)
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section

# Labels and units from the figure catalogue (the report shows counts without a unit).
_AUDIT_CHECKS = {f.stat: f.label for f in of_group("audit")}
_LOOP_ROWS = {f.stat: (f.label, "" if f.unit == "count" else f.unit)
              for f in of_group("loop", judged=False)}


def thresholds_section(folder: RunFolder) -> Section | None:
    if folder.simulation is None:
        return None
    thresholds = thresholds_of(folder.path, folder.simulation.summary)
    if thresholds is None:
        return None
    failed = [t for t in thresholds if t["verdict"] != "met"]
    return Section(
        id="thresholds",
        title="Thresholds",
        template="sections/thresholds.html.j2",
        context={
            "thresholds": thresholds,
            "failed": len(failed),
            "exit_code": folder.simulation.summary.get("exit_code"),
            "notes": list(folder.simulation.summary.get("notes", [])),
            "failure": folder.simulation.summary.get("failure"),
        },
    )


def _errors(endpoints: dict[str, dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (name, kind, int(count))
        for name, ep in endpoints.items()
        for kind, count in sorted(ep.get("errors", {}).items(), key=lambda kv: -int(kv[1]))
    ]


def loadtest_section(folder: RunFolder) -> Section | None:
    data = folder.loadtest
    if data is None:
        return None
    endpoints: dict[str, dict[str, Any]] = data.loadtest.get("endpoints", {})
    loop = data.closed_loop
    return Section(
        id="load-test",
        title="Load test",
        template="sections/loadtest.html.j2",
        context={
            "replay": data.replay,
            "generator": data.loadtest.get("generator", {}),
            "endpoints": endpoints,
            "errors": _errors(endpoints),
            "rate_image": rate_figure(data.rate, float(data.replay.get("compress", 1))),
            "latency_image": latency_figure(endpoints, data.loadtest.get("checkin_latency_ms", {})),
            # None for a loadtest.json without per-bin latency (format 1): no figure then
            "latency_over_time_image": latency_over_time_figure(data.over_time),
            "audit": data.audit,
            "audit_checks": _AUDIT_CHECKS,
            "loop": loop,
            "loop_rows": _LOOP_ROWS,
        },
    )
