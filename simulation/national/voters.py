"""Per-voter output (``pollday simulate --voters``): ``voters.npy``, one row per arrival.

A NumPy structured array (``numpy.load(path)``), replication 0, stations in order, people
in arrival order. Stage and modality columns are fixed-size sub-arrays in the order of the
scenario's flow (default: identify, desk, booth) and biometric chain; their names are in
``voters_columns.json`` next to it.

============== ========= ==============================================================
field          dtype     meaning
============== ========= ==============================================================
``station``    int32     station index (``PS{index+1:05d}``)
``voter``      int32     index in the station's register; -1 for duplicate attempts
``group``      int16     voter group index (``len(voter_groups)``: no group)
``arrival_s``  float64   seconds since the station's opening
``status``     uint8     :class:`simulation.Status` (0 voted, 1 reneged, 2 not served...)
``ended``      int8      modality identified at; ``len(modalities)``: manual; -1 refused
``wait_s``     float32   (stages,) wait in each stage's line; nan: stage not reached
``service_s``  float32   (stages,) time holding the stage's unit (restarts included)
``attempts``   uint8     (modalities,) identification attempts per modality
============== ========= ==============================================================
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from simulation.scenario.model import Scenario
from simulation.station.input import StationOutcome
from simulation.station.plan import StationPlan
from simulation.station.waits import stage_waits

VOTERS = "voters.npy"


def voter_dtype(stages: int, modalities: int) -> np.dtype[np.void]:
    return np.dtype(
        [
            ("station", "<i4"),
            ("voter", "<i4"),
            ("group", "<i2"),
            ("arrival_s", "<f8"),
            ("status", "u1"),
            ("ended", "i1"),
            ("wait_s", "<f4", (stages,)),
            ("service_s", "<f4", (stages,)),
            ("attempts", "u1", (modalities,)),
        ]
    )


def voter_rows(plan: StationPlan, out: StationOutcome, station: int) -> NDArray[np.void]:
    inp = plan.input
    starts, ends = np.array(out.stage_start_s), np.array(out.stage_end_s)
    n, stages = inp.size, len(starts)
    _, wait = stage_waits(plan, out)
    rows = np.zeros(n, dtype=voter_dtype(stages, plan.attempts.shape[1]))
    rows["station"] = station
    rows["voter"] = plan.voter_index
    rows["group"] = plan.voter_group
    rows["arrival_s"] = inp.arrival_s
    rows["status"] = out.status
    rows["ended"] = plan.ended
    rows["wait_s"] = wait
    rows["service_s"] = (ends - starts).T if n else np.zeros((0, stages))
    rows["attempts"] = np.minimum(plan.attempts, 255)
    return rows


def scenario_voter_dtype(scenario: Scenario) -> np.dtype[np.void]:
    """The dtype of this scenario's ``voters.npy`` rows."""
    return voter_dtype(len(scenario.flow) or 3, len(scenario.biometrics.chain))


def write_voter_columns(path: Path, scenario: Scenario) -> None:
    """``voters_columns.json`` beside ``path``: the names of the sub-array columns."""
    stages = [s.name for s in scenario.flow] or ["identify", "desk", "booth"]
    columns = {
        "stages": stages,
        "modalities": [m.name for m in scenario.biometrics.chain],
        "voter_groups": [g.name for g in scenario.voter_groups],
    }
    path.with_name("voters_columns.json").write_text(json.dumps(columns, indent=2) + "\n")
