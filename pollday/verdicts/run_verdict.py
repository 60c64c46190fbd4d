"""The verdict of a run: the scenario's thresholds, plus the load generator's own failures.

A clean replay has the harness counters at 0; any other value makes the run's figures
untrustworthy, so the run exits 3 whatever the thresholds say.

The exit code is judged by the thresholds that were measured: 1 when one of them failed, 0
when all of them are met. A threshold on a figure the run chose not to measure (an audit
figure under ``--audit answers`` or ``none``) is ``not-measured``: it neither fails nor
passes the run, and the closing lines, ``summary.json``, ``junit.xml`` (skipped) and the
report list it as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests.thresholds import Threshold, Unmeasured, evaluate
from pollday.exits import EXIT_HARNESS, EXIT_OK, EXIT_THRESHOLD

# Generator counters that mean the harness itself failed (see docs/loadtests.md): a clean
# replay has them at 0, and any other value makes the run's figures untrustworthy.
# ``abandoned_in_flight`` is not among them: in a run it means the replay reached its
# deadline (a target too slow to keep up), which the thresholds judge (dropped events).
HARNESS_COUNTERS = {
    "harness_errors": "jobs that raised in the load generator: an adapter or harness bug",
    "missing_workers": "Locust workers never reported their results",
}


def harness_failures(loadtest: dict[str, Any]) -> dict[str, int]:
    """The generator counters of ``loadtest.json`` that say the harness failed (non-zero)."""
    generator = loadtest.get("generator", {})
    counts = {name: int(generator.get(name) or 0) for name in HARNESS_COUNTERS}
    return {name: count for name, count in counts.items() if count}


def harness_message(failures: dict[str, int], log: Path) -> str:
    parts = [f"{name} = {value} ({HARNESS_COUNTERS[name]})" for name, value in failures.items()]
    return f"the load generator failed: {'; '.join(parts)}; see {log}"


def replay_notes(loadtest: dict[str, Any]) -> list[str]:
    """What the user should know about the replay: ``loadtest.json``'s own notes (a
    generator worker lost, kinds of request the target lacks), then a replay that did not
    finish (the thresholds on ``generator.dropped_events`` judge it)."""
    notes = [str(note) for note in loadtest.get("notes") or ()]
    generator = loadtest.get("generator", {})
    dropped = int(generator.get("dropped_events") or 0)
    abandoned = int(generator.get("abandoned_in_flight") or 0)
    if (not dropped and not abandoned) or generator.get("missing_workers"):
        return notes  # a missing worker's events are dropped too: its note says it
    return [*notes,
        f"the replay reached its deadline before the schedule was done: {dropped} events never "
        f"sent, {abandoned} requests abandoned in flight (a target too slow to keep up, or a "
        "generator too loaded: see generator.lag_p99_ms)"
    ]


def harness_verdicts(failures: dict[str, int], thresholds: list[Threshold]) -> list[dict[str, Any]]:
    """Failed test cases for harness counters the scenario does not already judge, so CI's
    JUnit view shows why the run exited 3."""
    judged = {t.figure for t in thresholds}
    return [
        {
            "name": f"generator.{name}",
            "rule": f"generator.{name} == 0",
            "value": value,
            "verdict": "failed",
            "reason": f"harness failure (always checked): {HARNESS_COUNTERS[name]}",
        }
        for name, value in failures.items()
        if f"generator.{name}" not in judged
    ]


def judge(
    thresholds: list[Threshold],
    figures: dict[str, float | None],
    loadtest: dict[str, Any],
    out: Path,
    unmeasured: Mapping[str, Unmeasured] | None = None,
) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """Verdicts (the scenario's, then failed harness checks), the exit code, and
    ``{"failure": message}`` when the load generator failed. ``unmeasured``: the figures
    this run did not measure on purpose (their thresholds are not-measured)."""
    verdicts = evaluate(thresholds, figures, unmeasured)
    harness = harness_failures(loadtest)
    verdicts += harness_verdicts(harness, thresholds)
    if harness:
        message = harness_message(harness, out / "loadtest" / "locust.log")
        return verdicts, EXIT_HARNESS, {"failure": message}
    failed = any(v["verdict"] == "failed" for v in verdicts)
    return verdicts, EXIT_THRESHOLD if failed else EXIT_OK, {}
