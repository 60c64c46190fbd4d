"""Draw one station's day from the scenario: who comes when, and how long each step takes.

Each kind of draw uses its own stream (see :mod:`simulation.streams`), keyed by the
station's index and the replication, so results do not depend on which process runs the
station, and a change of hardware leaves every draw unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.distributions import Distribution
from simulation.scenario.model import Scenario, StationGroup
from simulation.station.arrivals import draw_turnout, draw_voters
from simulation.station.central import central_call_times, draw_outages
from simulation.station.flow_input import FlowInput, PoolFaults
from simulation.station.identification import Identification, draw_identification, group_success
from simulation.station.input import StationInput
from simulation.station.late_opening import draw_opening_delay_s, late_opening_of
from simulation.station.plan_flow import (
    Uploads,
    build_flow,
    draw_faults,
    draw_sync_times,
    draw_uploads,
    draw_voter_groups,
)
from simulation.station.units import Hardware, station_units, units_in_flow
from simulation.stations import StationTable
from simulation.streams import Stream, station_rng

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class StationPlan:
    """A station's drawn day: the engine input plus who each arriving person is."""

    input: StationInput
    voter_index: IntArray  # index in the station's register; -1 for duplicate attempts
    turnout_expected: float
    voter_group: IntArray  # index into voter_groups; len(voter_groups): no group
    attempts: IntArray  # (people, modalities): identification attempts per modality
    ended: IntArray  # modality identified at; len(modalities): manual check; -1 refused
    sync_times_s: FloatArray  # offline: the periodic syncs up to closing (empty online)
    uploads: Uploads
    final_sync_with_protocol: bool = False  # offline: the last batch goes with the protocol
    final_sync_delay_s: float = 0.0  # offline: final sync this long after the last check-in


StreamRng = Callable[[Stream], np.random.Generator]


def _draw_identification(
    scenario: Scenario, voter_group: IntArray, rng: StreamRng
) -> Identification:
    """Each person's identification at the terminal (CHECKIN), by their voter group."""
    _, success = group_success(scenario)
    bio = scenario.biometrics
    return draw_identification(
        bio.chain,
        np.asarray(success, dtype=np.float64).reshape(len(success), -1)[voter_group],
        bio.fallback,
        bio.manual_time_s,
        rng=rng(Stream.CHECKIN),
    )


def _draw_voting(
    scenario: Scenario,
    group: StationGroup,
    voter_group: IntArray,
    ended: IntArray,
    rng: StreamRng,
) -> tuple[FlowInput | None, FloatArray, FloatArray, FloatArray]:
    """The flow (or ballot and booth times) from VOTING, then patience from PATIENCE."""
    n = len(voter_group)
    voting_rng = rng(Stream.VOTING)
    flow = None
    if scenario.flow:
        flow = build_flow(scenario, group, voter_group, ended, rng=voting_rng)
        ballot_s = booth_s = np.zeros(n)
    else:
        ballot_s = scenario.voting.ballot_time_s.sample(n, rng=voting_rng)
        booth_s = scenario.voting.booth_time_s.sample(n, rng=voting_rng)
    patience = scenario.voting.patience_min
    patience_s = (
        np.full(n, np.inf)
        if patience is None
        else patience.sample(n, rng=rng(Stream.PATIENCE)) * 60
    )
    return flow, ballot_s, booth_s, patience_s


def _station_input(
    scenario: Scenario,
    group: StationGroup,
    hw: Hardware,
    rng: StreamRng,
    *,
    arrival_s: FloatArray,
    duplicate: NDArray[np.bool_],
    ident: Identification,
    call: tuple[FloatArray, NDArray[np.bool_]],
    voting: tuple[FlowInput | None, FloatArray, FloatArray, FloatArray],
    id_units: int,
    faults: list[PoolFaults],
) -> StationInput:
    """The engine's input from the drawn people, plus OUTAGES (online) and COUNTING."""
    n = len(arrival_s)
    call_s, call_ok = call
    flow, ballot_s, booth_s, patience_s = voting
    central = scenario.central
    counting_rng = rng(Stream.COUNTING)
    counting = scenario.counting
    elsewhere = counting.elsewhere_for(group.counted)
    online = group.connectivity == "online"
    return StationInput(
        arrival_s=arrival_s,
        duplicate=duplicate,
        biometric_ok=ident.ok | duplicate,  # refused as duplicates, not for their thumbs
        scan_s=ident.scan_s,
        call_s=call_s if online else np.zeros(n),
        call_ok=call_ok if online else np.ones(n, dtype=np.bool_),
        ballot_s=ballot_s,
        booth_s=booth_s,
        patience_s=patience_s,
        terminals=id_units,
        desks=hw.desks,
        booths=hw.booths,
        close_s=scenario.election.day_s,
        serve_queue_at_close=scenario.closing.serve_queue,
        opens_s=draw_opening_delay_s(late_opening_of(scenario, group), scenario.election.day_s,
                                     rng=rng(Stream.OPENING)),
        online=online,
        outages_s=draw_outages(scenario, group.name, rng=rng(Stream.OUTAGES)) if online else [],
        buffer_flush_s=central.buffer_flush_min * 60,
        flow=flow,
        faults=faults,
        # Counted elsewhere: the station closes when its last voter leaves, nothing after.
        count_setup_s=_minutes_s(None if elsewhere else counting.setup_min, counting_rng),
        count_per_ballot_s=0.0 if elsewhere else counting.per_ballot_s or 0.0,
        upload_delay_s=_minutes_s(None if elsewhere else counting.upload_delay_min,
                                  counting_rng),
    )


def _minutes_s(minutes: Distribution | None, rng: np.random.Generator) -> float:
    """One draw of ``minutes`` in seconds (0 without one: counted elsewhere)."""
    return 0.0 if minutes is None else float(minutes.sample(1, rng=rng)[0]) * 60


def plan_station(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    *,
    replication: int = 0,
    seed: int | None = None,
    hardware: Hardware | None = None,
    units: Mapping[str, int] | None = None,
    central_latency_s: Distribution | None = None,
) -> StationPlan:
    """Draw station ``station``'s day. ``hardware`` (the default flow's), ``units`` (pool
    name -> units, any flow) and ``central_latency_s`` override the scenario (sizing,
    allocation, the closed loop) without changing any other draw but the pools' faults."""
    root = scenario.election.seed if seed is None else seed

    def rng(stream: Stream) -> np.random.Generator:
        return station_rng(stream, station, replication, root)

    group = scenario.station_groups[int(stations.group[station])]
    registered = int(stations.registered[station])
    close_s = scenario.election.day_s
    turnout = draw_turnout(
        scenario.arrivals.turnout, scenario.arrivals.turnout_sd, rng(Stream.TURNOUT)
    )
    arrival_s, duplicate, voter_index = draw_voters(
        scenario, registered, turnout,
        arrivals_rng=rng(Stream.ARRIVALS), voter_ids_rng=rng(Stream.VOTER_IDS),
    )
    n = len(arrival_s)
    voter_group = draw_voter_groups(scenario, n, rng=rng(Stream.GROUPS))
    ident = _draw_identification(scenario, voter_group, rng)
    central = scenario.central
    call = central_call_times(
        central_latency_s or central.latency_s, central.timeout_s, central.retries, n,
        rng=rng(Stream.CENTRAL),
    )
    voting = _draw_voting(scenario, group, voter_group, ident.ended, rng)
    chosen = dict(station_units(scenario, stations, station))
    if hardware is not None:
        chosen.update(terminal=hardware.terminals, desk=hardware.desks, booth=hardware.booths)
    chosen.update(units or {})
    flow, units_, id_units = units_in_flow(scenario, chosen, voting[0])
    voting = (flow, *voting[1:])
    hw = Hardware(units_.get("terminal", 1), units_.get("desk", 1), units_.get("booth", 1))
    units = units_
    faults = draw_faults(scenario, units, close_s, rng=rng(Stream.FAILURES))
    online = group.connectivity == "online"
    inp = _station_input(
        scenario, group, hw, rng, arrival_s=arrival_s, duplicate=duplicate, ident=ident,
        call=call, voting=voting, id_units=id_units, faults=faults,
    )
    syncs = (np.zeros(0), 0.0) if online else draw_sync_times(group, close_s, rng=rng(Stream.SYNC))
    return StationPlan(
        input=inp,
        voter_index=voter_index,
        turnout_expected=turnout,
        voter_group=voter_group,
        attempts=ident.attempts,
        ended=ident.ended,
        sync_times_s=syncs[0],
        final_sync_delay_s=syncs[1],
        uploads=draw_uploads(scenario, group, rng=rng(Stream.UPLOAD)),
        final_sync_with_protocol=group.final_sync == "with_protocol",
    )
