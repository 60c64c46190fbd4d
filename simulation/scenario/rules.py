"""One rule grammar, ``name op number``, for sizing targets and run thresholds.

``p95_wait_min <= 30`` (a sizing target) and ``checkin.p95_ms < 300`` (a threshold) are the
same kind of sentence: a figure's name, a comparison, a finite number. The grammar and the
operator table live here once; which names exist is the caller's business (the sizing
metrics in :mod:`simulation.sizing.targets`, the figure catalogue in :mod:`loadtests.figures`).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from simulation.errors import InputError

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
ORDER_OPS = ("<=", "<", ">=", ">")  # comparisons only: what a sizing target may use
_OP_PATTERN = "|".join(re.escape(op) for op in OPS)  # "<=" before "<": longest first


@dataclass(frozen=True)
class Rule:
    """``name op value``: holds when the measured figure compares so with ``value``."""

    name: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.name} {self.op} {self.value:g}"

    def holds(self, measured: float) -> bool:
        return OPS[self.op](measured, self.value)


class RuleSyntaxError(InputError, ValueError):
    """Not ``name op number``: ``reason`` says which part is wrong (without the rule)."""

    def __init__(self, text: str, reason: str, *, shape: bool = False) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason
        self.shape = shape  # True when the rule is not 'name op value' at all


def split_rule(text: str, *, name: str, ops: Collection[str] = tuple(OPS)) -> Rule:
    """Parse ``text`` whose name matches the regular expression ``name``; the value must be
    a finite number and the operator one of ``ops``."""
    pattern = rf"^\s*(?P<name>{name})\s*(?P<op>{_OP_PATTERN})\s*(?P<value>\S+)\s*$"
    match = re.match(pattern, text)
    if not match or match["op"] not in ops:
        raise RuleSyntaxError(text, "not 'name op value'", shape=True)
    figure, op, raw = match["name"], match["op"], match["value"]
    try:
        value = float(raw)
    except ValueError:
        raise RuleSyntaxError(text, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise RuleSyntaxError(text, "the value must be finite")
    return Rule(figure, op, value)


THRESHOLD_NAME = r"[a-z_]+\.[a-z0-9_.]+"  # group.stat


def split_threshold(text: str) -> Rule:
    """A threshold's grammar (``group.stat op number``, any operator); whether the figure
    exists is the catalogue's question (:func:`loadtests.thresholds.parse_threshold`)."""
    try:
        return split_rule(text, name=THRESHOLD_NAME)
    except RuleSyntaxError as error:
        if not error.shape:
            raise
        raise RuleSyntaxError(
            text, "not 'figure op value', e.g. 'checkin.p95_ms < 300' "
            f"(operators: {', '.join(OPS)})", shape=True) from None
