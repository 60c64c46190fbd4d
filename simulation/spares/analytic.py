"""The analytic check of a reserve's spares: a Poisson count of replacements.

The model's failure process (:func:`simulation.station.plan_flow.draw_faults`): a unit starts
the day up; it fails after an exponential up-time (rate λ = 1 / ``mtbf_h``), is out of service for
a time D (a repair with probability p, else a replacement), then is up again; failures
count while polls are open (the day's length T).

Because up-times are exponential, failures are a Poisson process of rate λ on the unit's
*up-time clock*: N(T) − λ·U(T) is a martingale, U(T) the time up in [0, T], so
E[N(T)] = λ·E[U(T)] exactly. The time out of service in [0, T] is at most the sum of the
downs of the failures before T, whose expectation is E[N(T)]·E[D] (a failure's down is
drawn independently of when it comes), so

    λT / (1 + λ·E[D])  ≤  E[N(T)]  ≤  λT.

The lower end is the long-run failure rate times T (a renewal cycle lasts 1/λ + E[D]); it
is the point value used here: the error is of order λ²·E[D²], far below either bound's
gap when downs are short against T. Each failure is a replacement with probability 1 − p,
independently of when it comes: E[replacements] = (1 − p)·E[N(T)]. Summed over many units
with small per-unit means, the reserve's replacements are close to Poisson with the summed
mean (law of small numbers); the spares needed at a confidence c are its quantile, the
smallest k with P(N ≤ k) ≥ c.
"""

from __future__ import annotations

import math

from simulation.spares.reserves import FaultSource


def mean_down_s(source: FaultSource) -> float:
    """E[D]: the mean time out of service after a failure (repair or replacement)."""
    p = source.repair_probability
    replace_min = source.replacement_min.mean if source.replacement_min is not None else 0.0
    repair_min = source.repair_min.mean if source.repair_min is not None else 0.0
    return (p * repair_min + (1 - p) * replace_min) * 60


def unit_replacements(source: FaultSource, day_s: float) -> tuple[float, float]:
    """Expected replacements of one unit in a day: (the point value, the upper bound)."""
    rate_per_s = 1 / (source.mtbf_h * 3600)
    share = 1 - source.repair_probability
    upper = rate_per_s * day_s
    return share * upper / (1 + rate_per_s * mean_down_s(source)), share * upper


def poisson_quantile(mean: float, confidence: float) -> int:
    """The smallest k with P(N ≤ k) ≥ ``confidence`` for N ~ Poisson(``mean``)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence} must lie in (0, 1)")
    if mean <= 0:
        return 0
    total, k = 0.0, 0
    while True:  # each term in logs: e^-mean underflows for a national reserve's mean
        total += math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
        if total >= confidence:
            return k
        k += 1


def poisson_cdf(k: int, mean: float) -> float:
    """P(N ≤ k) for N ~ Poisson(``mean``)."""
    if mean <= 0:
        return 1.0
    return sum(math.exp(-mean + j * math.log(mean) - math.lgamma(j + 1)) for j in range(k + 1))
