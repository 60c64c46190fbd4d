"""When a capacity level counts: the rule that says a level ran long enough and sent enough
requests to be judged, and the judgement of a level that did.

The rule (derived in docs/capacity.md, "When a level counts"):

* **Requests.** A percentile threshold ``p_q`` rests on the samples beyond it: at least
  ``TAIL_SAMPLES`` of them, so ``n >= TAIL_SAMPLES / (1 - q)`` (p95: 200, p99: 1,000). An
  error-rate threshold ``< e`` needs ``n >= 3 / e``: with no error in n requests the 95 %
  upper bound of the rate is 3 / n (the rule of three), so fewer requests cannot show the
  rate below ``e`` even when none failed. A level needs the most demanding of these on its
  check-ins (at least ``BASE_REQUESTS``); a threshold on another endpoint (batches) with
  fewer requests than it needs is listed as not judged.
* **Duration.** A level's achieved rate is its answers over the time from the first send to
  the last answer, which is the replay plus the last request's latency L. A target that
  answers within the latency the thresholds allow (L, the largest check-in latency limit)
  shows ``achieved / offered >= RATE_RATIO`` only when the replay lasts at least
  ``L * r / (1 - r)`` (9 L at r = 0.9); the same span lets a target whose capacity is below
  r times the offer build a backlog of L, so its latency fails too. Never under
  ``MIN_LEVEL_S``: the replay's first second (connections opened) is not steady state.
* **Rate.** A level whose answers came at less than ``RATE_RATIO`` of the offered rate did
  not hold (the target did not keep up), unless the generator was late (its lag failed):
  then the generator was the limit and the level says nothing about the target.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from loadtests.figures import ENDPOINT_GROUPS
from loadtests.thresholds import Threshold, Verdict
from pollday.models.capacity import LevelRuleFigures, LevelVerdict

RATE_RATIO = 0.9  # achieved / offered below this: the target did not keep up
TAIL_SAMPLES = 10  # samples beyond a percentile it rests on
RULE_OF_THREE = 3.0  # errors-free requests x rate bound at 95 % confidence
BASE_REQUESTS = 200  # with no percentile threshold: the level's own p95 on 10 samples
MIN_LEVEL_S = 5.0
MAIN_GROUP = "checkin"  # the load a multiple counts
RATE_RULE = f"achieved_rps >= {RATE_RATIO:g} x offered_rps"
_PERCENTILE = re.compile(r"^p(\d+)_ms(_intended)?$")
_UPPER_OPS = ("<", "<=")


def needed_requests(t: Threshold) -> int | None:
    """Requests a threshold on an endpoint needs to say something (None: any count will do:
    not an endpoint figure, a maximum, or an exact rule such as ``error_rate == 0``)."""
    group, _, stat = t.figure.partition(".")
    if group not in ENDPOINT_GROUPS:
        return None
    match = _PERCENTILE.match(stat)
    if match:
        q = int(match.group(1)) / 100
        return math.ceil(TAIL_SAMPLES / (1 - q) - 1e-9) if q < 1 else None
    if stat == "error_rate" and t.op in _UPPER_OPS and t.value > 0:
        return math.ceil(RULE_OF_THREE / t.value - 1e-9)
    return None


def _latency_limit_s(thresholds: list[Threshold]) -> float:
    limits = [t.value / 1000 for t in thresholds
              if t.figure.startswith(MAIN_GROUP + ".") and t.figure.endswith(
                  ("_ms", "_ms_intended")) and t.op in _UPPER_OPS]
    return max(limits, default=0.0)


@dataclass(frozen=True)
class LevelRule:
    """What a level needs to be judged, from the thresholds that judge it."""

    min_requests: int  # check-ins (of the main group) scheduled in the level
    min_s: float  # replayed seconds
    latency_limit_s: float  # the L of the duration rule (0: no latency threshold)
    needs: dict[str, int] = field(default_factory=dict)  # rule -> requests it needs

    def as_model(self) -> LevelRuleFigures:
        """The rule as ``capacity.json`` says it (``rule`` and every level's)."""
        return LevelRuleFigures(min_requests=self.min_requests, min_s=round(self.min_s, 2),
                                rate_ratio=RATE_RATIO, latency_limit_s=self.latency_limit_s)


def level_rule(thresholds: list[Threshold]) -> LevelRule:
    needs = {t.rule: n for t in thresholds if (n := needed_requests(t)) is not None}
    main = [n for t in thresholds if t.figure.startswith(MAIN_GROUP + ".")
            and (n := needs.get(t.rule)) is not None]
    limit_s = _latency_limit_s(thresholds)
    min_s = max(MIN_LEVEL_S, limit_s * RATE_RATIO / (1 - RATE_RATIO))
    return LevelRule(max([BASE_REQUESTS, *main]), min_s, limit_s, needs)


@dataclass
class Judged:
    """A level's judgement: ``verdict`` is held, failed, generator-bound or not-measured."""

    verdict: LevelVerdict
    failing: list[Verdict]  # failed verdicts (a rate shortfall as a pseudo-rule)
    not_judged: list[str]  # thresholds with too few requests of their endpoint, and why
    not_measured: str | None = None  # why the level says nothing, when it does not
    # Thresholds on figures the run does not measure (--audit answers/none): a "held" level
    # held on the other thresholds only.
    unmeasured: list[str] = field(default_factory=list)


def _rate_verdict(offered_rps: float, achieved_rps: float) -> Verdict:
    ratio = achieved_rps / offered_rps if offered_rps > 0 else 1.0
    return Verdict(name="achieved_rps", rule=RATE_RULE, value=round(ratio, 3),
                   verdict="met" if ratio >= RATE_RATIO else "failed",
                   reason=(f"the target did not keep up: {achieved_rps:,.0f} of "
                           f"{offered_rps:,.0f} requests/s offered answered"))


def judge(rule: LevelRule, *, replay_s: float, main_requests: int, offered_rps: float,
          achieved_rps: float, verdicts: list[Verdict],
          requests_by_group: dict[str, int]) -> Judged:
    """Judge a level that ran. ``verdicts``: the thresholds it exercised, judged on its
    figures (the implicit generator lag limit among them when the scenario has none);
    ``requests_by_group``: requests answered per endpoint figure group."""
    if replay_s < rule.min_s - 1e-9:
        return Judged("not-measured", [], [], (
            f"replayed {replay_s:.3g} s, under the {rule.min_s:.3g} s a level needs"))
    if main_requests < rule.min_requests:
        return Judged("not-measured", [], [], (
            f"{main_requests:,} check-ins, under the {rule.min_requests:,} a level needs"))
    kept: list[Verdict] = []
    not_judged: list[str] = []
    for v in verdicts:
        group = v.name.split(".")[0]
        need = rule.needs.get(v.rule)
        have = main_requests if group == MAIN_GROUP else requests_by_group.get(group, 0)
        if need is not None and have < need:
            not_judged.append(f"{v.rule}: {have:,} requests, needs {need:,}")
        else:
            kept.append(v)
    failing = [v for v in kept if v.verdict == "failed"]
    unmeasured = [v.rule for v in kept if v.verdict == "not-measured"]
    rate = _rate_verdict(offered_rps, achieved_rps)
    if any(v.name.startswith("generator.lag_") for v in failing):
        # The generator was late: what the target achieved (or not) says nothing.
        return Judged("generator-bound", failing, not_judged,
                      "generator limit: its lag failed", unmeasured)
    if rate.verdict != "met":
        failing.append(rate)
    return Judged("failed" if failing else "held", failing, not_judged, None, unmeasured)
