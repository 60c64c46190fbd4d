"""Terminal output: progress bars, summary tables, error messages (no tracebacks).

Progress goes to stderr: rich bars on a terminal; plain timestamped lines, at least every
10 s, when stderr is not a terminal or ``CI`` is set (:mod:`pollday.progress`); nothing with
``--quiet``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from loadtests.figures import label
from pollday.progress import Heartbeat, counted, plain_progress_wanted
from pollday.verdicts.line import standard_verdict
from simulation.national.runner import ProgressCallback
from simulation.national.summary_model import SimulationSummary

err_console = Console(stderr=True)


@contextmanager
def progress_bar(
    label: str, total: int, *, quiet: bool, unit: str = "stations"
) -> Iterator[ProgressCallback]:
    """A bar with rate (``unit``/s) and time remaining on stderr; nothing when ``quiet``;
    timestamped lines at least every 10 s without a terminal (CI logs).

    The callback takes how many units were just done; call it per chunk of work, not per
    item: each call takes the bar's lock and recomputes the rate.
    """
    if quiet:
        yield lambda _n: None
        return
    if plain_progress_wanted():
        beat, count = counted(label, total, unit)
        with beat:
            yield count.advance
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("[cyan]{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(label, total=total, rate="")

        def advance(n: int) -> None:
            progress.advance(task, n)
            speed = progress.tasks[task].speed
            progress.update(task, rate=f"{speed:,.0f} {unit}/s" if speed else "")

        yield advance


@contextmanager
def phase(label: str, *, quiet: bool) -> Iterator[None]:
    """A phase with no count (the audit, starting the service): a spinner on a terminal,
    a heartbeat line at least every 10 s in a log, nothing when ``quiet``."""
    if quiet:
        yield
    elif plain_progress_wanted():
        with Heartbeat(label):
            yield
    else:
        with err_console.status(f"{label}…"):
            yield


def print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def emit_summary(summary: dict[str, Any], args: Any, print_table: Callable[[], None]) -> None:
    """``--json``: the summary on stdout; ``--quiet``: nothing; otherwise the table."""
    if args.json:
        print_json(summary)
    elif not args.quiet:
        print_table()


def print_closing(lines: list[str], *, json_output: bool) -> None:
    """A command's last lines (its verdict): on stdout, or on stderr when stdout carries
    ``--json`` (which must stay parseable). Plain writes: CI logs grep them."""
    stream = sys.stderr if json_output else sys.stdout
    for line in lines:
        stream.write(line + "\n")
    stream.flush()


def fail(message: str, code: int) -> int:
    # Plain write: rich would wrap long paths, and users grep these lines.
    sys.stderr.write(message.rstrip("\n") + "\n")
    return code


def _protocols(day: SimulationSummary) -> str:
    """Protocols missing and upload attempts (failed ones included), or "counted elsewhere"
    (no station protocol: not zero of them)."""
    if day.counted_elsewhere or day.protocols_never_uploaded is None:
        return "counted elsewhere"
    attempts, elsewhere = day.protocol_upload_attempts, day.stations_counted_elsewhere
    return f"{day.protocols_never_uploaded:,} / " + (
        "-" if attempts is None else f"{attempts:,}") + (
        f" ({elsewhere:,} stations counted elsewhere)" if elsewhere else "")


def print_simulation_table(summary: SimulationSummary | Mapping[str, Any], out: str) -> None:
    """The simulated day's table; ``summary`` is the model, or summary.json's content (read
    through the model, so every field below is there with its type)."""
    day = (summary if isinstance(summary, SimulationSummary)
           else SimulationSummary.model_validate(summary))
    table = Table(title=f"{day.scenario} — simulated election day", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    wait, peak, standard = day.wait_min, day.checkins_per_minute, day.standard
    rows = [
        ("stations", f"{day.stations:,}"),
        ("registered voters", f"{day.registered:,}"),
        ("voted (turnout)", f"{day.voted:,} ({day.turnout:.2%})"),
        (
            "lost votes: left line / not served at closing (total)",
            f"{day.reneged:,} / {day.not_served_at_close:,} ({day.lost_votes:,})",
        ),
        ("refused at identification (not lost votes)", f"{day.refused_not_identified:,}"),
        ("duplicate attempts refused", f"{day.refused_duplicates:,}"),
        # Where they were refused or lost, and why (simulation.station.outcomes); zeros left out.
        *((f"  {name}", f"{count:,}") for name, count in day.outcomes.items() if count),
        (
            "time in line, every stage, all voters, min (median / p95 / p99 / max)",
            f"{wait.p50:.1f} / {wait.p95:.1f} / {wait.p99:.1f} / {wait.max:.1f}",
        ),
        (
            f"{label('stations.worst_station_p95_wait_min')}, min",
            f"{standard.worst_station_p95_wait_min:.1f}",
        ),
        (
            label("stations.share_waiting_over_30_min"),
            f"{day.share_voters_waiting_over_30_min:.2%}",
        ),
        ("stations failing the standard", f"{standard.stations_failing:,} of {day.stations:,}"),
        ("peak check-ins per minute", f"{peak.peak:,} at {peak.peak_time or '-'}"),
        ("protocols not uploaded on election night / upload attempts", _protocols(day)),
        ("seed", str(day.seed)),
        ("wall time", f"{day.wall_s:.1f} s"),
    ]
    late = day.late_opening
    if late:  # before the peak, seed and wall time rows
        rows.insert(len(rows) - 3, (
            "opened late: stations (mean / max delay, min; lost at the door)",
            f"{late.stations:,} of {day.stations:,} ({late.delay_mean_min:.0f} / "
            f"{late.delay_max_min:.0f}; {late.left_before_opening:,})"))
    for k, v in rows:
        table.add_row(k, v)
    # The verdict's words are shared with --quiet and the step summary (pollday.verdicts).
    table.caption = standard_verdict({"standard": standard.model_dump()})
    table.caption_style = "bold green" if standard.holds_at_every_station else "bold red"
    Console(file=sys.stdout).print(table)
    print(f"outputs written to {out}")


def _count(value: Any) -> str:
    return "not measured" if value is None else f"{value:,}"


def audit_line(audit: dict[str, Any]) -> str:
    """The audit in one line; a figure the audit level did not measure says so."""
    level = audit.get("level", "full")
    if level == "none":
        return "audit: none (--audit none): no audit figure measured"
    return (f"audit ({level}): {_count(audit.get('acknowledged_checkins'))} acknowledged "
            f"check-ins, lost {_count(audit.get('lost_checkins'))}, accepted twice "
            f"{_count(audit.get('double_acceptances'))}, duplicates accepted "
            f"{_count(audit.get('duplicates_accepted'))}, results mismatch "
            f"{_count(audit.get('results_mismatch'))}")


def print_run_table(summary: dict[str, Any], out: str) -> None:
    """Every threshold with its verdict, then the audit and the closed loop."""
    table = Table(title=f"{summary['scenario']} — thresholds: {summary['verdict'].upper()}")
    table.add_column("threshold")
    table.add_column("measured", justify="right")
    table.add_column("verdict")
    for v in summary["thresholds"]:
        value = "no data" if v["value"] is None else f"{v['value']:,}"
        mark = {"met": "[green]met[/]", "not-measured": "[yellow]not measured[/]"}.get(
            v["verdict"], "[red]FAILED[/]")
        if v["verdict"] == "not-measured":
            value = "not measured"
        table.add_row(v["rule"], value, mark)
    console = Console(file=sys.stdout)
    console.print(table)
    console.print(audit_line(summary["audit"]), markup=False, highlight=False)
    multiple = summary.get("replay", {}).get("national_multiple", {})
    if multiple.get("checkins") is not None:
        protocols = multiple.get("protocols")
        console.print(
            f"replay: {multiple['checkins']:g}x the national check-in peak "
            f"({summary['replay']['national_peak_checkins_per_min']:,} per minute)"
            + (f", {protocols:g}x the protocol peak" if protocols is not None else "")
            + "; results reads: no national rate in the scenario",
            markup=False,
            highlight=False,
        )
    loop = summary["closed_loop"]
    if loop.get("measured"):
        a, m = loop["assumed"], loop["with_measured_latency"]
        console.print(
            f"closed loop: check-in latency {loop['assumed_latency_mean_s']} s assumed, "
            f"{loop['measured_latency_mean_s']} s measured -> worst station's p95 wait "
            f"{a['worst_station_p95_wait_min']} -> {m['worst_station_p95_wait_min']} min, "
            f"lost votes {a['lost_votes']} -> {m['lost_votes']}",
            markup=False,
            highlight=False,
        )
    print(f"outputs written to {out}")
