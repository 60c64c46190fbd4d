"""The day section: arrivals, queues, waits, lost votes and failures of the simulated day."""

from __future__ import annotations

import pollday.report.plots as plots
from loadtests.figures import BY_NAME
from loadtests.figures.colour import alarm_limit, figure_colour
from loadtests.figures.measured import lookup
from pollday.report.day_data import day_profile
from pollday.report.queue_data import queue_view
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from pollday.report.station_data import LOST_SHORT, failure_buckets, group_rows

_POOLED_P95 = BY_NAME["stations.national_p95_wait_min"].key


def day_section(folder: RunFolder) -> Section | None:
    data = folder.simulation
    if data is None:
        return None
    scenario, stations = data.scenario, data.stations
    profile = day_profile(data)
    queues = (queue_view(data.queues, profile.opening_min, profile.day_min)
              if data.queues is not None else None)
    groups = group_rows(stations, scenario.group_names)
    buckets = failure_buckets(stations)
    had_failures = int(stations.int_("terminal_failures").sum()) > 0
    limit_min = alarm_limit("stations.worst_station_p95_wait_min", data.summary) or 30.0
    return Section(
        id="the-day",
        title="The day",
        template="sections/day.html.j2",
        context={
            "profile": profile,
            "arrivals_image": plots.arrivals_figure(profile),
            "queues": queues,
            "heatmap_image": plots.queue_heatmap(queues) if queues else None,
            "lines_image": plots.worst_queue_lines(queues) if queues else None,
            "waits_image": plots.waits_figure(
                stations.float_("wait_p95_min"), data.summary["wait_min"],
                limit_min=limit_min, p95_colour=figure_colour(
                    "stations.national_p95_wait_min", lookup(data.summary, _POOLED_P95),
                    summary=data.summary, thresholds=data.summary.get("thresholds") or ()),
            ),
            "groups": groups,
            "lost_kinds": LOST_SHORT,
            "lost_image": plots.lost_votes_figure(groups),
            "buckets": buckets,
            "with_without": {b.label: b for b in failure_buckets(stations, top=1)},
            "failures_image": plots.failures_figure(buckets) if had_failures else None,
            "mtbf_h": scenario.failures.mtbf_h,
            "standard_min": limit_min,
            "stations_over_wait": lookup(data.summary, "standard.failing_by_part.wait"),
            "replications": int(data.summary.get("replications", 1)),
            "summary": data.summary,
        },
    )
