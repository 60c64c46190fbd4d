"""A simulation's run folder: summary.json, stations.csv, schedule, queue lengths."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.simulate.folder_sink import QUEUE_LENGTH, SCHEDULE, STATIONS, FolderOutputs, FolderSink
from simulation.errors import InputError
from simulation.national.chunk import ChunkOutput
from simulation.national.runner import ChunkSink, MemorySink, NationalResult, RunOptions, stream
from simulation.national.runner import ProgressCallback as ProgressCallback
from simulation.national.summary import simulation_summary
from simulation.national.summary_model import SimulationSummary
from simulation.national.voters import VOTERS
from simulation.scenario.model import Scenario

SUMMARY = "summary.json"
SCENARIO = "scenario.toml"


def write_stations_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        if not rows:
            return
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def summary_content(summary: SimulationSummary) -> dict[str, Any]:
    """``summary.json``'s content as a dict without ``format``: ``pollday run`` merges it into
    its own summary."""
    content = summary.as_json()
    del content["format"]
    return content


def simulate_day_into_folder(
    out: Path,
    scenario: Scenario,
    scenario_file: Path,
    *,
    options: RunOptions | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: ProgressCallback | None = None,
    keep_in_memory: bool = False,
) -> tuple[NationalResult, SimulationSummary]:
    """Simulate the day, writing ``out``'s files as the chunks come; return the result and
    ``summary.json`` as its model.

    ``keep_in_memory`` also keeps the rows in the result (``pollday run`` and ``capacity``
    replay the schedule from memory); a planning run leaves it off and memory stays flat.
    The scenario is copied in as ``scenario.toml`` so the folder is self-contained.
    """
    options = options or RunOptions()
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scenario_file, out / SCENARIO)
    wanted = FolderOutputs(schedule=options.schedule, queue_curves=options.queue_curves,
                           voters=options.voters)
    for name, kept in ((SCHEDULE, wanted.schedule), (QUEUE_LENGTH, wanted.queue_curves)):
        if not kept:  # an earlier day's file must not pass for this one's
            (out / name).unlink(missing_ok=True)
    folder = FolderSink(out, scenario, wanted)
    memory = MemorySink() if keep_in_memory else None
    sink = folder if memory is None else _Both(folder, memory)
    try:
        result = stream(scenario, sink, options=options, workers=workers, cluster=cluster,
                        progress=progress)
    finally:
        folder.close()
    if memory is not None:
        memory.fill(result, voters=options.voters)
    # model_copy(update=...) marks ``outputs`` as set, so the file holds it.
    summary = simulation_summary(result).model_copy(update={"outputs": [
        name for name, kept in (
            (STATIONS, True), (SCHEDULE, wanted.schedule), (QUEUE_LENGTH, wanted.queue_curves),
            (VOTERS, wanted.voters), (SCENARIO, True)) if kept]})
    summary.write(out / SUMMARY)
    return result, summary


@dataclass
class _Both:
    first: ChunkSink
    second: ChunkSink

    def write(self, chunk: ChunkOutput) -> None:
        self.first.write(chunk)
        self.second.write(chunk)


# What `pollday run` adds to a run folder beyond the simulation's files.
# `capacity.json` too: the report shows a capacity section whenever the file is there.
RUN_ONLY = ("junit.xml", "capacity.json", "loadtest", "replay", "register.ndjson",
            "service.log", "service.sqlite", "service.sqlite-wal", "service.sqlite-shm")


class OutFolderError(InputError, ValueError):
    """``--out`` names something that cannot be a run folder; the message says what."""


RUNS = Path("runs")  # where every command's --out defaults to, under the current folder


def default_out(scenario: Path, suffix: str = "") -> Path:
    """``--out`` when not given: ``runs/<scenario file name><suffix>`` (``runs/smoke`` for
    run and simulate, ``runs/smoke-sizing`` for size...): one rule for every command."""
    return RUNS / f"{scenario.stem}{suffix}"


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
