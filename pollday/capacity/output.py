"""``capacity.json``, ``junit.xml`` and the headline of a capacity search.

Exit codes as for ``pollday run``: 0 the search ended with a capacity and every
``capacity.*`` threshold is met; 1 a ``capacity.*`` threshold failed (``capacity.multiple >=
3`` with less margin); 2 bad input; 3 the target or the harness failed, or the generator was
the bottleneck before the capacity thresholds could be shown met.

With ``--audit answers`` or ``none`` a level's thresholds on audit figures it did not measure
are ``not-measured``: a level "held" on the other thresholds only, and ``capacity.json``
(``unmeasured``), the headline and the closing lines say which rules that leaves out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadtests.thresholds import Threshold, evaluate
from pollday.capacity.cpus import CpuSplit
from pollday.capacity.search import GENERATOR_BOUND, NOT_MEASURED, SearchResult
from pollday.exits import EXIT_HARNESS, EXIT_OK, EXIT_THRESHOLD
from pollday.harness.failure import RunFailure
from pollday.models.capacity import CapacityOutput, LevelRuleFigures, NationalPeak, Window
from pollday.verdicts.junit import write_junit
from simulation import Scenario

if TYPE_CHECKING:
    from pollday.capacity.config import CapacityConfig

FORMAT = CapacityOutput.FORMAT


@dataclass(frozen=True)
class SearchContext:
    """What the levels were measured against, once the day was simulated (all None when
    the search failed before): written to ``capacity.json`` where set, and named in the
    headline with ``generator_processes`` (the headline's only)."""

    national_peak: NationalPeak | None = None
    window: Window | None = None
    stations: int | None = None
    target: str | None = None  # what was measured (target_label)
    rule: LevelRuleFigures | None = None
    generator_processes: int = 1  # Locust processes here and elsewhere

    def written(self) -> dict[str, object]:
        """The fields ``capacity.json`` holds, in its order: those that are set."""
        return {name: value for name, value in (
            ("national_peak", self.national_peak), ("window", self.window),
            ("stations", self.stations), ("target", self.target), ("rule", self.rule))
            if value is not None}


def capacity_multiple(found: SearchResult) -> float | None:
    """The figure ``capacity.multiple``: the highest multiple that held (0 when even the
    lowest tried failed; None when no level was judged)."""
    if found.held is not None:
        return found.held
    return 0.0 if found.failed is not None else None


def first_to_break(found: SearchResult) -> list[str]:
    for level in found.levels:
        if level.multiple == found.failed:
            return list(level.failing)
    return []


def _rate(per_min: float) -> str:
    return f"{per_min:,.0f}" if per_min >= 100 else f"{per_min:.3g}"


def _per_s(per_s: float) -> str:
    return f"{per_s:,.0f}" if per_s >= 100 else f"{per_s:.3g}"


def target_label(host: str | None, database_url: str | None, cpus: CpuSplit,
                 n_cpus: int) -> str:
    """What was measured, in the headline's words: the --host URL, or the embedded
    reference service with its database and CPUs."""
    if host:
        return host
    database = "PostgreSQL" if database_url else "SQLite"
    if cpus.target is not None:
        listed = ",".join(str(c) for c in sorted(cpus.target))
        where = f"CPU {listed}" if len(cpus.target) == 1 else f"CPUs {listed}"
    else:
        where = f"{n_cpus} CPUs shared with the generator"
    return f"the embedded reference service ({database}, {where})"


def _of_what(context: SearchContext, multiple: float) -> str:
    """``the national peak of P check-ins per minute, i.e. R check-ins/s, on TARGET``: the
    multiple's reference, the absolute rate at ``multiple``, and what was measured."""
    window, national = context.window, context.national_peak
    assert window is not None and national is not None  # a level was judged: both known
    peak = _rate(national.checkins_per_min)
    rate = f"i.e. {_per_s(multiple * window.checkins_per_min / 60)} check-ins/s"
    if context.target:
        rate += f", on {context.target}"
    if window.auto:
        return f"the national peak of {peak} check-ins per minute, {rate}"
    return (f"real time in {window.label} ({_rate(window.checkins_per_min)} check-ins "
            f"per minute; national peak {peak}), {rate}")


def more_generators(context: SearchContext, bound: float | None, held: float | None) -> str:
    """How many Locust processes the generator-bound level needs: the processes that held
    ``held`` offered its rate without lagging, so ``bound`` needs them scaled by
    ``bound / held`` (rounded up, at least one more). With nothing held, twice as many is the
    first step."""
    processes = context.generator_processes
    if bound is None:
        return "add --load-workers, or --expect-workers (docs/generators.md)"
    if held is None or held <= 0:
        needed, basis = 2 * processes, f"{processes} held no level: double them first"
    else:
        needed = max(processes + 1, math.ceil(processes * bound / held))
        basis = f"{processes} held {held:g}x"
    return (f"{bound:g}x needs about {needed} Locust processes ({basis}): add --load-workers "
            f"{needed}, or start 'pollday worker' on other machines and pass --expect-workers "
            f"{needed} (docs/generators.md)")


def _reason_at(found: SearchResult, multiple: float | None) -> str:
    for level in found.levels:
        if level.multiple == multiple and level.not_measured:
            return level.not_measured
    return ""


def headline(found: SearchResult, context: SearchContext, failure: str | None) -> str:
    if failure:
        return f"capacity not measured: {failure}"
    held, failed = found.held, found.failed
    target = context.target or "the target"
    if found.outcome == GENERATOR_BOUND:
        at = f"{found.generator_bound_at:g}x"
        if held is None:
            return (f"generator-bound at {at} before any level held on {target}: "
                    f"{more_generators(context, found.generator_bound_at, None)}")
        return (f"at least {held:g}x {_of_what(context, held)} (generator-bound at {at}): "
                f"{more_generators(context, found.generator_bound_at, held)}")
    if found.outcome == NOT_MEASURED:
        above = found.not_measured_at
        if held is None:
            low = max(found.too_low, default=None)
            why = _reason_at(found, above if above is not None else low)
            return f"not measured on {target}: {why}"
        return (f"holds at least {held:g}x {_of_what(context, held)}; not measured above: "
                f"{_reason_at(found, above)}")
    if found.outcome == "above-max":
        assert held is not None
        return f"holds at least {held:g}x {_of_what(context, held)} (--max-multiple reached)"
    if found.outcome == "below-min":
        assert failed is not None
        breaks = ", ".join(first_to_break(found))
        lowest = ("the lowest multiple that could be judged" if found.too_low
                  else "the lowest multiple tried")
        return f"breaks already at {failed:g}x {_of_what(context, failed)}, {lowest} ({breaks})"
    assert held is not None and failed is not None
    breaks = ", ".join(first_to_break(found))
    return (f"holds {held:g}x ({held:g}-{failed:g}x) {_of_what(context, held)}; first to "
            f"break: {breaks} at {failed:g}x")


def _checkins_per_s(context: SearchContext, multiple: float | None) -> float | None:
    """The absolute check-in rate of the capacity multiple (None: none was judged)."""
    if not multiple or context.window is None:
        return None
    return round(multiple * context.window.checkins_per_min / 60, 2)


def unmeasured_rules(found: SearchResult) -> list[str]:
    """The thresholds some level could not measure (``--audit answers`` or ``none``)."""
    rules: list[str] = []
    for level in found.levels:
        rules += [r for r in level.unmeasured if r not in rules]
    return rules


def unmeasured_note(rules: list[str], audit: str) -> str:
    """What a "held" does not rest on: empty when every threshold was measured."""
    if not rules:
        return ""
    noun = "threshold" if len(rules) == 1 else "thresholds"
    return (f"{len(rules)} {noun} not measured (--audit {audit}): {', '.join(rules)}; a level "
            "held on the measured thresholds only")


def _search_case(found: SearchResult, failure: str | None, line: str) -> dict[str, Any]:
    ok = failure is None and found.outcome in ("bracketed", "above-max")
    case = {"name": "capacity.search", "rule": "capacity search completed",
            "value": capacity_multiple(found), "verdict": "met" if ok else "failed"}
    if not ok:
        case["reason"] = line
    return case


def _exit_code(found: SearchResult, failure: RunFailure | None,
               verdicts: list[dict[str, Any]]) -> int:
    if failure is not None:
        return failure.code
    failed = any(v["verdict"] != "met" for v in verdicts)
    if found.outcome in (GENERATOR_BOUND, NOT_MEASURED) and (failed or not verdicts):
        return EXIT_HARNESS  # the target was not measured where it mattered: no verdict
    return EXIT_THRESHOLD if failed else EXIT_OK


def write_outputs(config: CapacityConfig, scenario: Scenario, thresholds: list[Threshold],
                  context: SearchContext, found: SearchResult, failure: RunFailure | None,
                  wall_s: float, cpus: CpuSplit | None = None) -> tuple[int, dict[str, Any]]:
    message = str(failure) if failure is not None else None
    multiple = capacity_multiple(found)
    capacity_thresholds = [t for t in thresholds if t.figure.startswith("capacity.")]
    verdicts = evaluate(capacity_thresholds, {"capacity.multiple": multiple})
    code = _exit_code(found, failure, verdicts)
    unmeasured = unmeasured_rules(found)
    note = unmeasured_note(unmeasured, config.audit)
    line = headline(found, context, message) + (f" ({note})" if note else "")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "scenario": scenario.election.name,
        "headline": line,
        "capacity": {
            "multiple": multiple,
            "bracket": [found.held, found.failed],
            "outcome": "failure" if failure else found.outcome,
            "first_to_break": first_to_break(found),
            "generator_bound_at": found.generator_bound_at,
            "not_measured_at": found.not_measured_at,
            "checkins_per_s": _checkins_per_s(context, multiple),
        },
        **context.written(),
        "settings": {"start_multiple": config.settings.start_multiple,
                     "ramp_factor": config.settings.ramp_factor,
                     "max_multiple": config.settings.max_multiple,
                     "precision": config.settings.precision, "level_s": config.level_s,
                     "max_level_s": config.max_level_s,
                     "workers": config.load_workers, "host": config.host or "embedded",
                     "audit": config.audit, "adapter": config.adapter,
                     "database": ("postgresql" if config.database_url else "sqlite")
                     if not config.host else None,
                     **(cpus or CpuSplit()).settings()},
        "levels": found.levels,
        "unmeasured": unmeasured,
        "thresholds": verdicts,
        "verdict": "met" if code == EXIT_OK else "failed",
        "exit_code": code,
        "wall_s": round(wall_s, 1),
    }
    if message:
        doc["failure"] = message
    output = CapacityOutput.of(doc)
    output.write(config.out / CapacityOutput.FILE)
    cases = [*verdicts, _search_case(found, message, line)]
    write_junit(config.out / "junit.xml", f"{scenario.election.name}: capacity", cases, wall_s)
    _write_report(config.out)
    return code, output.as_json()


def _write_report(out: Path) -> None:
    from pollday.report import write_report

    write_report(out)
