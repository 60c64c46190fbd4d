"""What a capacity level's record says: its figures by catalogue name, the thresholds it can
judge, the implicit generator-lag check, offered and achieved rates, and the level rule's
verdict (:mod:`pollday.capacity.judge`). ``capacity.json`` holds one record per level."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

from loadtests.audit.levels import audit_unmeasured, level_of
from loadtests.figures import ENDPOINT_GROUPS as ENDPOINT_FIGURES
from loadtests.figures import of_group
from loadtests.figures.measured import loadtest_figures
from loadtests.thresholds import Threshold, Verdict, evaluate
from pollday.capacity.judge import LevelRule, judge
from pollday.capacity.plan import LevelPlan
from pollday.models.capacity import (
    AuditFigures,
    CapacityLevel,
    EndpointFigures,
    GeneratorFigures,
    LevelRuleFigures,
)

# When the scenario has no threshold on the generator's lag, a level whose lag p99 is over
# this is generator-bound all the same: its target figures cannot be trusted.
GENERATOR_LAG_LIMIT_MS = 100.0
_AUDIT_KEYS = tuple(f.stat for f in of_group("audit"))


def _flatten(loadtest: dict[str, Any], audit_figures: dict[str, Any]) -> dict[str, float | None]:
    """The level's figures by catalogue name (the same flattening as ``pollday run``)."""
    figures: dict[str, float | None] = dict(loadtest_figures(loadtest))
    figures.update({f.name: audit_figures.get(f.stat) for f in of_group("audit")})
    return figures


def _with_implicit_lag(thresholds: list[Threshold], verdicts: list[Verdict],
                       figures: dict[str, float | None]) -> list[Verdict]:
    """``verdicts`` plus the implicit generator lag check when the scenario has none."""
    if any(t.figure.startswith("generator.lag_") for t in thresholds):
        return verdicts
    lag = figures.get("generator.lag_p99_ms")
    if lag is None or lag < GENERATOR_LAG_LIMIT_MS:
        return verdicts
    return [*verdicts, Verdict(name="generator.lag_p99_ms",
                               rule=f"generator.lag_p99_ms < {GENERATOR_LAG_LIMIT_MS:g}",
                               value=lag, verdict="failed",
                               reason="implicit: the scenario has no generator.lag_* threshold")]


def _rates(loadtest: dict[str, Any], replay_s: float) -> tuple[float, float]:
    """(offered requests/s: jobs over the replay span; achieved: answers over the time from
    the first send to the last answer)."""
    generator = loadtest.get("generator", {})
    offered = int(generator.get("scheduled_jobs") or 0) / replay_s
    answered = sum(int(e.get("requests") or 0) for e in loadtest.get("endpoints", {}).values())
    first, last = generator.get("first_send_s"), generator.get("last_answer_s")
    span = (last - first) if first is not None and last is not None else 0.0
    return round(offered, 2), round(answered / span, 2) if span > 0 else 0.0


def exercised(thresholds: list[Threshold], loadtest: dict[str, Any]
              ) -> tuple[list[Threshold], list[str]]:
    """(the thresholds this level can judge, the rules it cannot): a level replays a window
    without public reads, so an endpoint it never called (results, protocols in the morning)
    has no figures; its thresholds are for `pollday run`."""
    called = {e["figure"] for e in loadtest.get("endpoints", {}).values() if e.get("requests")}
    keep, skipped = [], []
    for t in thresholds:
        group = t.figure.split(".")[0]
        if group in ENDPOINT_FIGURES and group not in called:
            skipped.append(t.rule)
        else:
            keep.append(t)
    return keep, skipped


def _endpoints(loadtest: dict[str, Any]) -> dict[str, EndpointFigures]:
    """Each endpoint figure group's figures (``loadtest.json``'s, by the group's name)."""
    return {e["figure"]: EndpointFigures.model_validate(
                {k: e.get(k) for k in EndpointFigures.model_fields})
            for e in loadtest.get("endpoints", {}).values()}


def _generator(loadtest: dict[str, Any]) -> GeneratorFigures:
    generator = loadtest.get("generator", {})
    return GeneratorFigures.model_validate(
        {k: generator.get(k) for k in GeneratorFigures.model_fields})


def _audit(audit_figures: dict[str, Any]) -> AuditFigures:
    return AuditFigures.model_validate(
        {"level": level_of(audit_figures), **{k: audit_figures.get(k) for k in _AUDIT_KEYS}})


def level_record(plan: LevelPlan, index: int, folder: Path, loadtest: dict[str, Any],
                 audit_figures: dict[str, Any], thresholds: list[Threshold], rule: LevelRule,
                 checkins_per_s: float) -> CapacityLevel:
    """A level that ran: its figures, verdicts and rates, judged by the level rule."""
    figures = _flatten(loadtest, audit_figures)
    judged_thresholds, skipped = exercised(thresholds, loadtest)
    unmeasured = audit_unmeasured(audit_figures)
    written = evaluate(judged_thresholds, figures, unmeasured)  # as the files hold them
    verdicts = _with_implicit_lag(judged_thresholds,
                                  [Verdict.model_validate(v) for v in written], figures)
    offered, achieved = _rates(loadtest, plan.replay_s)
    by_group: dict[str, int] = {}  # adapters may map several endpoints to one figure
    for e in loadtest.get("endpoints", {}).values():
        by_group[e["figure"]] = by_group.get(e["figure"], 0) + int(e.get("requests") or 0)
    judged = judge(rule, replay_s=plan.replay_s, main_requests=plan.main_requests,
                   offered_rps=offered, achieved_rps=achieved, verdicts=verdicts,
                   requests_by_group=by_group)
    return CapacityLevel(
        **_plan_fields(plan, index, folder, rule, checkins_per_s),
        verdict=judged.verdict,
        failing=[v.rule for v in judged.failing],
        not_measured=judged.not_measured,
        offered_rps=offered,
        achieved_rps=achieved,
        endpoints=_endpoints(loadtest),
        generator=_generator(loadtest),
        audit=_audit(audit_figures),
        thresholds=verdicts + [v for v in judged.failing if v not in verdicts],
        unmeasured=judged.unmeasured,
        not_exercised=skipped,
        not_judged=judged.not_judged,
    )


class _PlanFields(TypedDict):
    """The fields of a level its plan gives, run or not."""

    index: int
    multiple: float
    checkins_per_s: float
    ran: bool
    stations: int
    share_of_load: float
    compress: float
    passes: int
    replay_s: float
    checkins_scheduled: int
    rule: LevelRuleFigures
    folder: str


def _plan_fields(plan: LevelPlan, index: int, folder: Path, rule: LevelRule,
                 checkins_per_s: float) -> _PlanFields:
    level = plan.load
    return _PlanFields(
        index=index,
        multiple=level.multiple,
        checkins_per_s=round(level.multiple * checkins_per_s, 2),
        ran=plan.not_measured is None,
        stations=level.n_stations,
        share_of_load=round(level.share_of_load, 6),
        compress=round(level.compress, 3),
        passes=plan.passes,
        replay_s=round(plan.replay_s, 2),
        checkins_scheduled=plan.main_requests,
        rule=rule.as_model(),
        folder=str(folder),
    )


def not_run_record(plan: LevelPlan, index: int, folder: Path, rule: LevelRule,
                   checkins_per_s: float) -> CapacityLevel:
    """A level the rule cannot judge at this multiple: recorded with why, never sent."""
    return CapacityLevel(
        **_plan_fields(plan, index, folder, rule, checkins_per_s), verdict="not-measured",
        failing=[], not_measured=plan.not_measured, side=plan.side,
        offered_rps=None, achieved_rps=None,
        endpoints={}, generator=GeneratorFigures(), audit=AuditFigures(), thresholds=[],
        not_exercised=[], not_judged=[], unmeasured=[])
