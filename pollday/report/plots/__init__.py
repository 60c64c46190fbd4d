"""The report's figures: each function takes plain arrays and returns an embedded image."""

from pollday.report.plots.arrivals import arrivals_figure
from pollday.report.plots.common import Image
from pollday.report.plots.queues import queue_heatmap, worst_queue_lines
from pollday.report.plots.stations import failures_figure, lost_votes_figure, waits_figure

__all__ = [
    "Image",
    "arrivals_figure",
    "failures_figure",
    "lost_votes_figure",
    "queue_heatmap",
    "waits_figure",
    "worst_queue_lines",
]
