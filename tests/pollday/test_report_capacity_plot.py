"""The capacity figure draws typed levels; one level gets a range around it on the log axis
(matplotlib warned, and drew nothing useful, for identical limits)."""

from __future__ import annotations

import warnings

from pollday.models.capacity import CapacityLevel, EndpointFigures, LevelVerdict
from pollday.report.plots.capacity import capacity_figure


def _level(multiple: float, verdict: LevelVerdict, p95_ms: float | None) -> CapacityLevel:
    checkin = EndpointFigures(requests=100, error_rate=0.0, p50_ms=5.0, p95_ms=p95_ms,
                              p99_ms=None, max_ms=None, p50_ms_intended=None,
                              p95_ms_intended=None, p99_ms_intended=None, max_ms_intended=None)
    return CapacityLevel(index=1, multiple=multiple, verdict=verdict, offered_rps=93.0,
                         achieved_rps=90.0, endpoints={"checkin": checkin})


def test_one_level_is_drawn_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = capacity_figure([_level(1000.0, "held", 12.0)], 1000.0)
    assert image.src.startswith("data:image/png;base64,") and image.width_px > 0


def test_levels_not_run_and_missing_latency_are_left_out() -> None:
    not_run = CapacityLevel(index=2, multiple=4000.0, verdict="not-measured", ran=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = capacity_figure([_level(1000.0, "held", None), _level(2000.0, "failed", 80.0),
                                 not_run], 1000.0)
    assert image.src.startswith("data:image/png;base64,")
