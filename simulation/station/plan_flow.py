"""Drawing the parts of a station's day that a configurable flow adds: voter groups,
routes through the flow's stages, failures of any pool, sync clocks and protocol uploads.

A scenario that uses none of them draws nothing here beyond what it always drew, so its
days (and summaries) stay what they were for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.distributions import Distribution
from simulation.scenario.flow import MANUAL, call_stage
from simulation.scenario.model import Counting, Scenario, StationGroup
from simulation.station.flow_input import FlowInput, PoolFaults, StageInput

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def draw_voter_groups(scenario: Scenario, n: int, *, rng: np.random.Generator) -> IntArray:
    """Each person's voter group; ``len(voter_groups)`` for people of no group."""
    groups = scenario.voter_groups
    if not groups:
        return np.zeros(n, dtype=np.int64)
    shares = np.array([g.share for g in groups] + [max(0.0, 1 - sum(g.share for g in groups))])
    return rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int64)


def _routes(scenario: Scenario, voter_group: IntArray, ended: IntArray) -> tuple[
    list[tuple[int, ...]], IntArray
]:
    """Which stages each person walks: a stage filtered by group or outcome is skipped."""
    n = len(voter_group)
    group_names = [g.name for g in scenario.voter_groups] + [""]
    outcome_names = [m.name for m in scenario.biometrics.chain] + [MANUAL]
    names_g = np.array(group_names, dtype=object)[voter_group]
    names_o = np.array([*outcome_names, ""], dtype=object)[ended]  # -1: refused -> ""
    applies = np.ones((n, len(scenario.flow)), dtype=np.bool_)
    for k, stage in enumerate(scenario.flow):
        if stage.groups is not None:
            applies[:, k] &= np.isin(names_g, stage.groups)
        if stage.outcome is not None:
            applies[:, k] &= np.isin(names_o, stage.outcome)
    if n == 0:
        return [tuple(range(len(scenario.flow)))], np.zeros(0, dtype=np.int64)
    unique, route = np.unique(applies, axis=0, return_inverse=True)
    routes = [tuple(int(k) for k in np.flatnonzero(row)) for row in unique]
    return routes, route.reshape(-1).astype(np.int64)


def build_flow(
    scenario: Scenario,
    group: StationGroup,
    voter_group: IntArray,
    ended: IntArray,
    *,
    rng: np.random.Generator,
) -> FlowInput:
    pools = scenario.pool_names
    n = len(voter_group)
    calling = call_stage(scenario.flow)
    stages = [
        StageInput(
            name=stage.name,
            pool=pools.index(stage.pool),
            service_s=(
                np.zeros(0) if stage.time_s is None else stage.time_s.sample(n, rng=rng)
            ),
            keep_unit=stage.keep_unit,
            reneging=stage.reneging,
            identification=stage.kind == "identification",
            central_call=k == calling,
        )
        for k, stage in enumerate(scenario.flow)
    ]
    routes, route = _routes(scenario, voter_group, ended)
    return FlowInput(
        pools=[(p, group.pools[p]) for p in pools], stages=stages, routes=routes, route=route,
        no_central_call=calling is None,
    )


def _unit_faults(
    mtbf_h: float,
    repair_min: Distribution | None,
    repair_probability: float,
    replacement_min: Distribution | None,
    units: int,
    close_s: float,
    *,
    rng: np.random.Generator,
) -> tuple[list[list[float]], list[list[float]], list[list[bool]]]:
    """Per unit: up-times, times out of service, and whether each failure is a replacement.

    Draws in the order the repair-only model always did; the repair-or-replace choice
    comes after, only when there is one to make.
    """
    ups, downs, replaced = [], [], []
    for _ in range(units):
        up: list[float] = []
        while sum(up) < close_s:
            up.extend(rng.exponential(mtbf_h * 3600, size=4).tolist())
        ups.append(up)
        # Without repairs (repair_probability = 0) every failure is a replacement, below.
        downs.append((repair_min.sample(len(up), rng=rng) * 60).tolist() if repair_min
                     is not None else [0.0] * len(up))
    if repair_probability < 1:
        assert replacement_min is not None
        for k, up in enumerate(ups):
            swap = rng.random(len(up)) >= repair_probability
            other = replacement_min.sample(len(up), rng=rng) * 60
            downs[k] = np.where(swap, other, downs[k]).tolist()
            replaced.append(swap.tolist())
    return ups, downs, replaced


def draw_faults(
    scenario: Scenario, units: dict[str, int], close_s: float, *, rng: np.random.Generator
) -> list[PoolFaults]:
    """Failures of every pool that fails: the ``failures`` section is the terminals'
    (the identification stage's pool), ``device_faults`` any other."""
    pools = scenario.pool_names
    out = []
    f = scenario.failures
    if f.mtbf_h is not None:
        id_pool = next(s.pool for s in scenario.flow if s.kind == "identification") if (
            scenario.flow
        ) else "terminal"
        ups, downs, swaps = _unit_faults(
            f.mtbf_h, f.repair_time_min, f.repair_probability, f.replacement_time_min,
            units[id_pool], close_s, rng=rng,
        )
        out.append(PoolFaults(pools.index(id_pool), ups, downs, swaps))
    for d in scenario.device_faults:
        ups, downs, swaps = _unit_faults(
            d.mtbf_h, d.repair_time_min, d.repair_probability, d.replacement_time_min,
            units[d.pool], close_s, rng=rng,
        )
        out.append(PoolFaults(pools.index(d.pool), ups, downs, swaps))
    return out


@dataclass(frozen=True)
class Uploads:
    """A station's protocol upload attempts: when each is made after the first, and whether
    the last one goes through (docs/scenarios.md, [counting])."""

    offsets_s: FloatArray  # every attempt, seconds after the first (empty: counted elsewhere)
    arrives: bool  # the last attempt goes through on election night
    never: bool = False  # never_upload_share: every attempt fails, the protocol goes by hand
    gave_up: bool = False  # the retry policy gave up (attempts or deadline) before success
    counted_elsewhere: bool = False  # no station protocol at all: no attempt

    @property
    def attempts(self) -> int:
        return len(self.offsets_s)

    @property
    def failed_attempts(self) -> int:
        return self.attempts - int(self.arrives)


# Keeps attempt times finite however far an uncapped backoff grows (a year between tries).
_MAX_WAIT_S = 365 * 86400.0


def attempt_offsets_s(counting: Counting, attempts: int) -> FloatArray:
    """Each of ``attempts`` attempts' time after the first: the waits start at
    ``upload_retry_min``, grow by ``upload_retry_backoff`` and stop at
    ``upload_retry_max_min``."""
    with np.errstate(over="ignore"):
        waits_s = counting.upload_retry_min * 60 * counting.upload_retry_backoff ** np.arange(
            max(attempts - 1, 0), dtype=np.float64)
    cap_s = _MAX_WAIT_S if counting.upload_retry_max_min is None else \
        counting.upload_retry_max_min * 60
    offsets: FloatArray = np.concatenate([[0.0], np.cumsum(np.minimum(waits_s, cap_s))])
    return offsets[:attempts]


def draw_uploads(scenario: Scenario, group: StationGroup, *, rng: np.random.Generator
                 ) -> Uploads:
    c = scenario.counting
    if c.elsewhere_for(group.counted):
        return Uploads(np.zeros(0), arrives=False, counted_elsewhere=True)
    # The same two draws as before the retry policy existed: a scenario without one keeps
    # its days exactly.
    never = bool(rng.random() < c.never_upload_share)
    failed = int(rng.geometric(1 - c.upload_failure_probability)) - 1
    attempts, gave_up = failed + 1, False
    if c.upload_max_attempts is not None and failed >= c.upload_max_attempts:
        attempts, gave_up = c.upload_max_attempts, True  # every allowed attempt fails
    offsets = attempt_offsets_s(c, attempts)
    if c.upload_give_up_after_min is not None:
        kept = offsets[offsets <= c.upload_give_up_after_min * 60]
        gave_up = gave_up or len(kept) < len(offsets)
        offsets = kept
    return Uploads(offsets, arrives=not (never or gave_up), never=never, gave_up=gave_up)


FINAL_SYNC_SPREAD_S = 300.0  # at least this spread of final syncs after closing


def draw_sync_times(
    group: StationGroup, close_s: float, *, rng: np.random.Generator
) -> tuple[FloatArray, float]:
    """An offline station's periodic sync times up to closing (its own phase and jitter),
    and how late its final sync comes after its last check-in (up to the jitter or
    ``FINAL_SYNC_SPREAD_S``, whichever is longer: no two devices close their day in the
    same second)."""
    interval_s = group.sync_interval_min * 60
    phase_s = float(rng.uniform(0, interval_s)) if group.sync_phase == "random" else 0.0
    times = phase_s + interval_s * np.arange(int(close_s // interval_s) + 2)
    if group.sync_jitter_s > 0:
        times = np.sort(times + rng.uniform(0, group.sync_jitter_s, size=len(times)))
    # Even with exact periodic clocks, officials close their devices minutes apart: a final
    # sync at closing to the second at every idle station is a burst the real day lacks.
    final_delay_s = float(rng.uniform(0, max(group.sync_jitter_s, FINAL_SYNC_SPREAD_S)))
    kept: FloatArray = times[times <= close_s].astype(np.float64)
    return kept, final_delay_s
