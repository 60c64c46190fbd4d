"""Write a simulation's run folder: summary.json, stations.csv, schedule, queue lengths."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from simulation import schedule
from simulation.errors import InputError
from simulation.runner import NationalResult
from simulation.station_metrics import QUEUE_BIN_S
from simulation.summary_model import SimulationSummary
from simulation.voters import VOTERS

SUMMARY = "summary.json"
STATIONS = "stations.csv"
SCHEDULE = "schedule.npy"
QUEUE_LENGTH = "queue_length.npz"
SCENARIO = "scenario.toml"


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_stations_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        if not rows:
            return
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_queue_lengths(path: Path, result: NationalResult) -> None:
    """Time-average line length per station (rows) per 5-minute bin from opening (columns)."""
    bins = np.stack([r.queue_bins for r in result.results[0]]) if result.results[0] else None
    np.savez_compressed(
        path,
        station=result.station_indices.astype(np.int32),
        queue_length=bins if bins is not None else np.empty((0, 0), dtype=np.float32),
        bin_s=np.float64(QUEUE_BIN_S),
    )


def write_simulation(
    out: Path, result: NationalResult, summary: dict[str, Any], scenario_file: Path
) -> list[Path]:
    """Write every output of ``pollday simulate`` into ``out``; return the paths written.

    The scenario is copied in as ``scenario.toml`` so the folder is self-contained.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / SUMMARY, out / STATIONS, out / SCHEDULE, out / QUEUE_LENGTH, out / SCENARIO]
    shutil.copyfile(scenario_file, paths[4])
    SimulationSummary.of(summary).write(paths[0])
    write_stations_csv(paths[1], result.station_rows)
    schedule.save(paths[2], result.schedule)
    write_queue_lengths(paths[3], result)
    return paths


# What `pollday run` adds to a run folder beyond the simulation's files.
# `capacity.json` too: the report shows a capacity section whenever the file is there.
RUN_ONLY = ("junit.xml", "capacity.json", "loadtest", "replay", "register.ndjson",
            "service.log", "service.sqlite", "service.sqlite-wal", "service.sqlite-shm")


class OutFolderError(InputError, ValueError):
    """``--out`` names something that cannot be a run folder; the message says what."""


def check_out_folder(out: Path) -> None:
    """Refuse an ``--out`` that is an existing file (or lies under one) before any work."""
    for path in (out, *out.parents):
        if path.exists() and not path.is_dir():
            where = "is" if path == out else f"lies under {path}, which is"
            raise OutFolderError(f"--out {out} {where} a file, not a folder: name a folder "
                                 "(created if missing)")


def remove_run_files(out: Path, *, keep_voters: bool = False) -> list[str]:
    """Remove an earlier `pollday run`'s (or `capacity`'s) files from ``out`` (a simulation
    written there must not sit beside another day's verdicts), and an earlier day's
    ``voters.npy`` unless ``keep_voters`` (it is about to be rewritten); return what was
    removed."""
    removed = []
    for name in (*RUN_ONLY, *(() if keep_voters else (VOTERS,))):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(name)
    return removed
