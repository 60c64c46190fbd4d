"""Which stations the queue figures show, in which order (pollday/report/queue_data.py)."""

from __future__ import annotations

import numpy as np

from pollday.report.queue_data import HEATMAP_ROWS, queue_view, rank_worst
from pollday.report.run_folder import QueueLengths
from simulation.stations import station_code


def test_worst_first_by_peak_line_then_by_people_time() -> None:
    length = np.array(
        [
            [0, 1, 1, 0],  # peak 1, total 2
            [0, 5, 0, 0],  # peak 5, total 5
            [2, 5, 2, 0],  # peak 5, total 9: ties the peak of row 1, more people-time
            [0, 0, 0, 0],
            [3, 3, 3, 3],  # peak 3
        ],
        dtype=np.float32,
    )
    assert rank_worst(length).tolist() == [2, 1, 4, 0, 3]


def test_the_view_puts_the_worst_rows_on_top_with_their_station_codes() -> None:
    rng = np.random.default_rng(5)
    stations = HEATMAP_ROWS + 37
    length = rng.gamma(1.0, 2.0, (stations, 160)).astype(np.float32)
    length[:, 140:] = 0  # every line cleared well after closing (bin 132 at 5-minute bins)
    index = np.arange(1000, 1000 + stations)
    view = queue_view(QueueLengths(index, length, 300.0), opening_min=480, day_min=660)
    peaks = length.max(axis=1)
    assert view.stations == stations and len(view.worst) == HEATMAP_ROWS
    worst_rows = [int(r) for r in np.argsort(-peaks, kind="stable")[:HEATMAP_ROWS]]
    assert view.worst_codes == [station_code(1000 + r) for r in worst_rows]
    assert np.array_equal(view.worst.max(axis=1), np.sort(peaks)[::-1][:HEATMAP_ROWS])
    # Columns: through closing and until the last line anywhere has cleared, no further.
    assert view.worst.shape[1] == 141
    assert np.allclose(view.maximum, length[:, :141].max(axis=0))


def test_a_country_smaller_than_the_heat_map_shows_every_station() -> None:
    length = np.zeros((3, 140), dtype=np.float32)
    length[1, 10] = 4.0
    view = queue_view(QueueLengths(np.arange(3), length, 300.0), opening_min=480, day_min=660)
    assert view.worst_codes[0] == station_code(1) and len(view.worst) == 3
    assert view.worst.shape[1] == 133  # nothing after closing: the day and one bin
