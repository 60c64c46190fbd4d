"""Outcomes named by stage and cause: how each voter who did not vote left the station.

One scheme, ``<fate>.<stage>.<cause>`` (docs/outputs.md, docs/model.md):

- ``refused.<identification stage>.not_identified``: every means of identification failed
  and the fallback is to refuse (not recognised, not on the roll). Not a lost vote.
- ``refused.<calling stage>.duplicate``: the central call caught someone who already voted.
- ``lost.<stage>.patience``: left that stage's line (a lost vote).
- ``lost.<stage>.closing``: still in that stage's line at closing and not served (a lost
  vote).

Stage names are the flow's (``identify``, ``desk``, ``booth`` without a ``[[flow]]``). The
totals by cause over stages stay in their own columns: ``refused_not_identified``,
``refused_duplicates``, ``reneged``, ``not_served_at_close``.
"""

from __future__ import annotations

import numpy as np

from simulation.station.flow_input import FlowInput, default_flow
from simulation.station.input import StationOutcome, Status

NOT_IDENTIFIED = "not_identified"
DUPLICATE = "duplicate"
PATIENCE = "patience"
CLOSING = "closing"
# Names a scenario might still use for these figures -> the figure's name now.
RENAMED_FIGURES = {
    "stations.lost_refused": "stations.refused_not_identified",
    "stations.refused_biometric": "stations.refused_not_identified",
    "refused_biometric": "refused_not_identified",
}


def outcome_names(stages: list[str], id_stage: int, call_stage: int | None,
                  reneging: list[bool]) -> list[str]:
    """Every outcome a flow can have, in the flow's order (stations.csv columns)."""
    names = [f"refused.{stages[id_stage]}.{NOT_IDENTIFIED}"]
    if call_stage is not None:
        names.append(f"refused.{stages[call_stage]}.{DUPLICATE}")
    names += [f"lost.{s}.{PATIENCE}" for s, r in zip(stages, reneging, strict=True) if r]
    names += [f"lost.{s}.{CLOSING}" for s in stages]
    return names


def flow_outcome_names(flow: FlowInput) -> list[str]:
    return outcome_names([s.name for s in flow.stages], flow.identification_stage,
                         flow.call_stage, [s.reneging for s in flow.stages])


def station_outcomes(flow: FlowInput | None, out: StationOutcome) -> dict[str, int]:
    """A station's count of every outcome of its flow (zeros included)."""
    n = len(out.status)
    if flow is None:
        empty = np.zeros(n)
        flow = default_flow(1, 1, 1, empty, empty)
    counts = dict.fromkeys(flow_outcome_names(flow), 0)
    names = [s.name for s in flow.stages]
    ident, call = flow.identification_stage, flow.call_stage
    status = out.status
    counts[f"refused.{names[ident]}.{NOT_IDENTIFIED}"] = int(
        (status == Status.REFUSED_BIOMETRIC).sum())
    if call is not None:
        counts[f"refused.{names[call]}.{DUPLICATE}"] = int(
            (status == Status.REFUSED_DUPLICATE).sum())
    gone = np.flatnonzero((status == Status.RENEGED) | (status == Status.NOT_SERVED))
    if len(gone) == 0:
        return counts
    routes = [list(r) for r in flow.routes]
    starts = out.stage_start_s
    for person in gone.tolist():
        route = routes[int(flow.route[person])]
        # The stage whose line they were in: the first of their route they never started.
        stage = next((k for k in route if np.isnan(starts[k][person])), route[-1])
        cause = PATIENCE if status[person] == Status.RENEGED else CLOSING
        key = f"lost.{names[stage]}.{cause}"
        counts[key] = counts.get(key, 0) + 1
    return counts
