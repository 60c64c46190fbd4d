"""Likely mistakes in a valid scenario: settings with no effect, sizes the legal range
reshapes, pools with no units. ``pollday validate`` prints them (``--strict``: exit 2)
and every ``summary.json`` carries them under ``warnings``."""

from __future__ import annotations

import numpy as np

from simulation.scenario.model import Scenario, StationGroup

CLIP_WARN_SHARE = 0.05  # a size distribution the legal range reshapes this much is suspect
_SIZE_DRAWS = 4000
_OFFLINE_ONLY = {"sync_interval_min", "sync_phase", "sync_jitter_s", "final_sync"}


def _size_warnings(k: int, g: StationGroup) -> list[str]:
    out = []
    where = f"station_groups[{k}] ({g.name})"
    mean = g.registered.mean
    if not g.registered_min <= mean <= g.registered_max:
        out.append(
            f"{where}.registered: mean {mean:g} lies outside the legal range "
            f"{g.registered_min}-{g.registered_max}; stations are redrawn, then clipped, into it"
        )
    draws = g.registered.sample(_SIZE_DRAWS, rng=np.random.default_rng(0))
    outside = float(np.mean((draws < g.registered_min) | (draws > g.registered_max)))
    if outside > CLIP_WARN_SHARE:
        out.append(
            f"{where}.registered: {outside:.0%} of draws fall outside "
            f"{g.registered_min}-{g.registered_max} and are redrawn (more than "
            f"{CLIP_WARN_SHARE:.0%}): the sizes are not the distribution given"
        )
    return out


def _group_warnings(scenario: Scenario) -> list[str]:
    out = []
    pools = scenario.pool_names
    for k, g in enumerate(scenario.station_groups):
        out += _size_warnings(k, g)
        where = f"station_groups[{k}] ({g.name})"
        if g.connectivity == "online":
            unused = sorted(
                _OFFLINE_ONLY & g.model_fields_set
            )
            if unused:
                out.append(f"{where}: {unused} have no effect on an online station")
        if scenario.flow:
            extra = sorted(set(g.pools) - set(pools))
            if extra:
                out.append(f"{where}.pools: {extra} are not used by the flow")
        elif g.pools:
            out.append(f"{where}.pools: no effect without a flow (terminals/desks/booths count)")
    return out


def scenario_warnings(scenario: Scenario) -> list[str]:
    out = _group_warnings(scenario)
    bio = scenario.biometrics
    if bio.fallback == "refuse" and bio.manual_time_s is not None:
        out.append("biometrics.manual_time_s: no effect with fallback = 'refuse'")
    f = scenario.failures
    if f.mtbf_h is None and ("repair_time_min" in f.model_fields_set):
        out.append("failures.repair_time_min: no effect without mtbf_h")
    if (f.mtbf_h is not None and f.repair_probability == 0
            and f.repair_time_min is not None):
        out.append("failures.repair_time_min: no effect with repair_probability = 0")
    if f.repair_probability == 1 and f.replacement_time_min is not None:
        out.append("failures.replacement_time_min: no effect with repair_probability = 1")
    for k, d in enumerate(scenario.device_faults):
        if d.repair_probability == 1 and d.replacement_time_min is not None:
            out.append(
                f"device_faults[{k}].replacement_time_min: no effect with repair_probability = 1"
            )
        if d.repair_probability == 0 and d.repair_time_min is not None:
            out.append(f"device_faults[{k}].repair_time_min: no effect with repair_probability = 0")
    out += _counting_warnings(scenario)
    if scenario.voter_groups and not any(g.success_probability for g in scenario.voter_groups):
        out.append("voter_groups: no group changes any success probability")
    return out


_RETRY_FIELDS = ("upload_retry_min", "upload_retry_backoff", "upload_retry_max_min",
                 "upload_max_attempts", "upload_give_up_after_min")
_STATION_FIELDS = ("setup_min", "per_ballot_s", "upload_delay_min",
                   "upload_failure_probability", "never_upload_share", *_RETRY_FIELDS)


def _counting_warnings(scenario: Scenario) -> list[str]:
    c = scenario.counting
    given = c.model_fields_set
    if c.counted == "elsewhere":
        return [f"counting.{name}: no effect with counted = 'elsewhere' (no station protocol)"
                for name in _STATION_FIELDS if name in given]
    if c.upload_failure_probability == 0:
        return [f"counting.{name}: no effect with upload_failure_probability = 0"
                for name in _RETRY_FIELDS if name in given]
    return []
