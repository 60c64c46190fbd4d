"""Every distribution: parameters validated, theoretical mean matched by its samples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulation.scenario.distributions import Distribution

ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)
N = 200_000

VALID = [
    ({"kind": "fixed", "value": 3.5}, 3.5),
    ({"kind": "exponential", "mean": 25}, 25.0),
    ({"kind": "lognormal", "mean": 14.4, "sd": 6}, 14.4),
    ({"kind": "lognormal", "median": 0.15, "p95": 0.6}, None),
    ({"kind": "gamma", "mean": 60, "sd": 20}, 60.0),
    ({"kind": "uniform", "low": 20, "high": 40}, 30.0),
    ({"kind": "empirical", "values": [1, 2, 3, 10]}, 4.0),
    ({"kind": "empirical", "edges": [0, 10, 30], "weights": [1, 3]}, 0.25 * 5 + 0.75 * 20),
]


@pytest.mark.parametrize(("spec", "mean"), VALID, ids=[v[0]["kind"] for v in VALID])
def test_sample_mean_matches_theoretical_mean(spec: dict[str, Any], mean: float | None) -> None:
    dist = ADAPTER.validate_python(spec)
    if mean is not None:
        assert dist.mean == pytest.approx(mean)
    x = dist.sample(N, rng=np.random.default_rng(3))
    assert x.shape == (N,) and (x >= 0).all()
    tolerance = 5 * x.std() / np.sqrt(N) + 1e-12
    assert abs(x.mean() - dist.mean) < tolerance


def test_lognormal_by_quantiles_hits_its_quantiles() -> None:
    dist = ADAPTER.validate_python({"kind": "lognormal", "median": 0.15, "p95": 0.6})
    x = dist.sample(N, rng=np.random.default_rng(4))
    assert np.median(x) == pytest.approx(0.15, rel=0.02)
    assert np.percentile(x, 95) == pytest.approx(0.6, rel=0.03)


def test_gamma_has_the_requested_spread() -> None:
    dist = ADAPTER.validate_python({"kind": "gamma", "mean": 60, "sd": 20})
    x = dist.sample(N, rng=np.random.default_rng(5))
    assert x.std() == pytest.approx(20, rel=0.02)


def test_same_rng_seed_same_draws() -> None:
    dist = ADAPTER.validate_python({"kind": "exponential", "mean": 2})
    a = dist.sample(10, rng=np.random.default_rng(9))
    b = dist.sample(10, rng=np.random.default_rng(9))
    assert (a == b).all()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "exponential", "mean": 0}, "greater than 0"),
        ({"kind": "lognormal", "mean": 1}, "give either"),
        ({"kind": "lognormal", "mean": 1, "sd": 1, "median": 1, "p95": 2}, "give either"),
        ({"kind": "lognormal", "median": 2, "p95": 1}, "must be greater than median"),
        ({"kind": "gamma", "mean": 1, "sd": -1}, "greater than 0"),
        ({"kind": "uniform", "low": 5, "high": 5}, "must be greater than low"),
        ({"kind": "empirical"}, "give either 'values'"),
        ({"kind": "empirical", "values": []}, "at least one observation"),
        ({"kind": "empirical", "edges": [0, 2, 1], "weights": [1, 1]}, "strictly increasing"),
        ({"kind": "empirical", "edges": [0, 1], "weights": [0]}, "must not all be zero"),
        ({"kind": "fixed", "value": -1}, "greater than or equal to 0"),
        ({"kind": "pareto", "alpha": 1}, "does not match any of the expected tags"),
        ({"kind": "fixed", "value": 1, "extra": 2}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_parameters_are_rejected(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ADAPTER.validate_python(spec)
