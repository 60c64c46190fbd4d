"""Identification as a chain of modalities, for voters who differ: draws and closed forms.

A voter tries modality 1 up to its ``max_attempts`` times (each attempt succeeding with the
voter group's probability), then modality 2, and so on; after the last one the voter is
checked by hand or refused. Attempts are independent *within* a voter, but the success
probability belongs to the voter's group: a share with worn fingerprints fails again and
again while most succeed at once, which is how real deployments report both a recognition
share and a mean number of attempts that identical voters could never give together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.distributions import Distribution
from simulation.scenario.flow import Modality
from simulation.scenario.model import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def group_success(scenario: Scenario) -> tuple[list[float], list[list[float]]]:
    """(share of each voter group, per-attempt success per modality for that group).

    The last entry is the voters of no group (the remainder of the shares).
    """
    chain = scenario.biometrics.chain
    shares, probs = [], []
    for g in scenario.voter_groups:
        shares.append(g.share)
        probs.append([g.success_probability.get(m.name, m.success_probability) for m in chain])
    shares.append(max(0.0, 1 - sum(shares)))
    probs.append([m.success_probability for m in chain])
    return shares, probs


def end_probabilities(success: list[float], max_attempts: list[int]) -> list[float]:
    """P(identified at modality m) for each m, then P(none worked), for one voter group."""
    out, none_yet = [], 1.0
    for p, a in zip(success, max_attempts, strict=True):
        fail_all = (1 - p) ** a
        out.append(none_yet * (1 - fail_all))
        none_yet *= fail_all
    return [*out, none_yet]


def mean_attempts(success: list[float], max_attempts: list[int]) -> list[float]:
    """Expected attempts at each modality per voter (zero for voters who never reach it)."""
    out, reach = [], 1.0
    for p, a in zip(success, max_attempts, strict=True):
        tries = float(a) if p == 0 else (1 - (1 - p) ** a) / p
        out.append(reach * tries)
        reach *= (1 - p) ** a
    return out


@dataclass(frozen=True)
class Identification:
    """Per voter: time at the unit, whether identified (or checked by hand), attempts."""

    scan_s: FloatArray
    ok: NDArray[np.bool_]  # False: nothing worked and the fallback is "refuse"
    attempts: IntArray  # (voters, modalities)
    ended: IntArray  # modality index identified at; len(chain): manual; -1: refused


def _attempts_needed(p: FloatArray, n: int, *, rng: np.random.Generator) -> IntArray:
    cap = np.iinfo(np.int64).max // 2
    if n == 0:  # a station nobody came to (tiny and empty stations are real)
        return np.zeros(0, dtype=np.int64)
    if np.all(p == p[0]):  # one probability: the scalar draw (same stream as ever)
        if p[0] == 0:
            return np.full(n, cap, dtype=np.int64)
        return rng.geometric(float(p[0]), size=n).astype(np.int64)
    safe = np.where(p > 0, p, 1.0)
    needed = rng.geometric(safe, size=n).astype(np.int64)
    return np.where(p > 0, needed, cap)


def draw_identification(
    chain: list[Modality],
    success: NDArray[np.float64],
    fallback: str,
    manual_time_s: Distribution | None,
    *,
    rng: np.random.Generator,
) -> Identification:
    """``success``: (voters, modalities) per-attempt probabilities. Draws in the order
    the one-modality model always did (attempts, attempt times, manual times)."""
    n = success.shape[0]
    scan_s = np.zeros(n)
    attempts = np.zeros((n, len(chain)), dtype=np.int64)
    ended = np.full(n, len(chain), dtype=np.int64)
    trying = np.ones(n, dtype=np.bool_)
    for m, modality in enumerate(chain):
        needed = _attempts_needed(success[:, m], n, rng=rng)
        tries = np.where(trying, np.minimum(needed, modality.max_attempts), 0)
        per_attempt = modality.time_per_attempt_s.sample(n * modality.max_attempts, rng=rng)
        per_attempt = per_attempt.reshape(n, modality.max_attempts)
        used = np.arange(modality.max_attempts)[None, :] < tries[:, None]
        scan_s = scan_s + (per_attempt * used).sum(axis=1)
        attempts[:, m] = tries
        done = trying & (needed <= modality.max_attempts)
        ended[done] = m
        trying &= ~done
    if fallback == "manual":
        assert manual_time_s is not None
        manual = manual_time_s.sample(n, rng=rng)
        scan_s = scan_s + np.where(trying, manual, 0.0)
        return Identification(scan_s, np.ones(n, dtype=np.bool_), attempts, ended)
    ended[trying] = -1
    return Identification(scan_s, ~trying, attempts, ended)


def mean_scan_s(scenario: Scenario) -> float:
    """Expected identification time per voter (attempts, plus the manual check)."""
    bio = scenario.biometrics
    chain = bio.chain
    tries = [m.max_attempts for m in chain]
    shares, probs = group_success(scenario)
    total = 0.0
    for share, success in zip(shares, probs, strict=True):
        attempts = mean_attempts(success, tries)
        scan = sum(a * m.time_per_attempt_s.mean for a, m in zip(attempts, chain, strict=True))
        if bio.fallback == "manual" and bio.manual_time_s is not None:
            scan += end_probabilities(success, tries)[-1] * bio.manual_time_s.mean
        total += share * scan
    return total / sum(shares)
