"""The mergeable wait histogram: HdrHistogram's layout, its error bound, exact merging."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.outputs.histogram import (
    BUCKETS,
    RELATIVE_ERROR,
    UNIT_MIN,
    WaitHistogram,
    bucket_middle_units,
    bucket_of,
    to_units,
    weighted_percentile_min,
)


def test_small_values_have_a_bucket_each_and_buckets_widen_by_powers_of_two() -> None:
    units = np.array([0, 1, 2047, 2048, 2049, 2050, 4095, 4096, 4099, 4100, 2**40])
    assert bucket_of(units).tolist() == [
        0, 1, 2047, 2048, 2048, 2049, 3071, 3072, 3072, 3073, 2048 + 29 * 1024]
    assert bucket_middle_units(2047) == 2047.0
    assert bucket_middle_units(2048) == 2048.5  # holds 2048 and 2049
    assert bucket_middle_units(3072) == 4097.5  # holds 4096..4099


def test_every_value_is_within_the_stated_relative_error_of_its_bucket_middle() -> None:
    rng = np.random.default_rng(7)
    units = np.unique(np.concatenate([
        np.arange(0, 70_000), rng.integers(0, 2**45, 200_000), 2 ** np.arange(1, 46),
        2 ** np.arange(1, 46) - 1]))
    buckets = bucket_of(units)
    assert buckets.max() < BUCKETS
    assert (np.diff(buckets) >= 0).all()  # monotone: order statistics stay in order
    middles = np.array([bucket_middle_units(int(b)) for b in buckets[::97]])
    err = np.abs(middles - units[::97]) / np.maximum(units[::97], 1)
    assert err.max() <= RELATIVE_ERROR


def test_percentiles_follow_numpy_within_the_error_and_merging_is_exact() -> None:
    rng = np.random.default_rng(11)
    waits = rng.lognormal(1.0, 1.2, 50_000).astype(np.float32)  # minutes, a long tail
    whole = WaitHistogram()
    whole.record(waits)
    parts = WaitHistogram()
    for piece in np.array_split(waits, 13):  # any split, any order: the same counts
        h = WaitHistogram()
        h.record(piece)
        parts.merge(h)
    assert np.array_equal(whole.counts, parts.counts)
    assert (whole.total, whole.sum_units, whole.max_units) == (
        parts.total, parts.sum_units, parts.max_units)
    units = to_units(waits) * UNIT_MIN  # what was counted: waits to 0.001 min
    for q in (50, 95, 99, 99.9):
        exact = float(np.percentile(units, q))
        assert whole.percentile_min(q) == pytest.approx(exact, rel=RELATIVE_ERROR), q
    assert whole.mean_min() == pytest.approx(float(units.mean()), rel=1e-12)
    assert whole.max_min() == pytest.approx(float(units.max()))


def test_weighted_percentiles_are_the_inverse_of_the_weighted_distribution() -> None:
    counts = np.zeros(BUCKETS)
    for wait_min, weight in ((4.0, 97.0), (1.0, 1.0), (2.0, 1.0), (3.0, 1.0)):
        counts[bucket_of(to_units(np.array([wait_min])))] += weight
    # 97 % of the weight waits 4 min: every percentile from the 4th up is 4 min.
    assert [round(weighted_percentile_min(counts, q), 3) for q in (2, 50, 95, 99)] == [
        2.0, 4.0, 4.0, 4.0]
    even = np.zeros(BUCKETS)
    even[bucket_of(to_units(np.array([1.0, 2.0, 3.0, 4.0])))] = 1.0
    assert [round(weighted_percentile_min(even, q), 3) for q in (50, 95)] == [2.0, 4.0]


def test_an_empty_histogram_reports_zero() -> None:
    h = WaitHistogram()
    h.record(np.zeros(0, dtype=np.float32))
    assert (h.total, h.percentile_min(95), h.mean_min(), h.max_min()) == (0, 0.0, 0.0, 0.0)
