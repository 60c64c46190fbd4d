"""Reading a scenario file: TOML syntax, then the schema, every problem reported at once.

Bad input is a user error, never a traceback: :class:`ScenarioError` carries one
:class:`Problem` per offending field, each naming the file, the line and column where it was
written (files read by :func:`load_scenario`), the field path, the value, the rule it breaks
and, for a misspelt key or value, the closest allowed one.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulation.errors import InputError
from simulation.scenario.distributions import KINDS as DISTRIBUTION_KINDS
from simulation.scenario.hints import (
    TIME_RULE,
    clock_suggestion,
    explained,
    figure_suggestion,
    share_suggestion,
)
from simulation.scenario.model import CHECK_FIGURE, Scenario
from simulation.scenario.salvage import broken_rules, numbers_as_times
from simulation.scenario.toml_positions import key_positions, position_of


@dataclass(frozen=True)
class Problem:
    path: str
    value: str
    rule: str
    suggestion: str | None = None  # the closest allowed key or value ("did you mean")
    line: int | None = None  # where in the file (1-based), when known
    column: int | None = None

    def text(self, file: str) -> str:
        where = f"{file}:{self.line}:{self.column}" if self.line else file
        hint = f" (did you mean {_shown(self.suggestion)}?)" if self.suggestion else ""
        return f"{where}: {self.path}: {self.value}: {self.rule}{hint}"


class ScenarioError(InputError):
    """A scenario file could not be read or breaks the schema."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.file}: invalid scenario ({len(self.problems)} problem(s))"]
        lines += [p.text(self.file) for p in self.problems]
        return "\n".join(lines)


def _shown(suggestion: str) -> str:
    # A key or a text value is quoted ('terminals'); a number, a table or a header is shown
    # as it is written in TOML (0.7, { kind = "fixed", value = 800 }, [[station_groups]]).
    literal = re.fullmatch(r"[-+]?\d[\d.e+-]*", suggestion) or suggestion[:1] in "[{\""
    return suggestion if literal or " = " in suggestion else repr(suggestion)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        return "-"  # a whole section: the rule itself quotes the offending values
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _strip_union_tag(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # Pydantic puts the chosen discriminator value ("lognormal") into the location of errors
    # inside a tagged union; users never wrote that key, so it would only confuse them.
    return tuple(p for p in loc if not (isinstance(p, str) and p in DISTRIBUTION_KINDS))


# Cross-section checks run on the whole scenario; their messages start with the path
# they concern ("central.outages[0].group: ..."), which becomes the problem's path.
_PATH_PREFIX = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+|\[\d+\])+): (.*)$", re.DOTALL)


def _lookup(data: Any, path: str) -> str:
    """The raw value at ``path`` (``a.b[2].c``) of the input, shown; a dash when not there."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            data = data[int(part[1:-1])] if part.startswith("[") else data[part]
        except (KeyError, IndexError, TypeError):
            return "-"
    return _short(data)


def problems_from_validation(error: ValidationError) -> list[Problem]:
    return [_problem(e) for e in error.errors(include_url=False)]


def _problem(e: Any) -> Problem:
    """One pydantic error (or a second-pass :class:`BrokenRule`) in a planner's words."""
    loc = _strip_union_tag(tuple(e["loc"]))
    rule = str(e["msg"]).removeprefix("Value error, ")
    value = "(missing)" if e["type"] == "missing" else _short(e.get("input"))
    path = _path(loc)
    prefixed = _PATH_PREFIX.match(rule)
    if prefixed and not loc:
        path, rule = prefixed.group(1), prefixed.group(2)
        value = _lookup(e.get("input"), path)
    rule, hint = explained(Scenario, e, rule)
    if e["type"] == "value_error":
        hint = hint or share_suggestion(rule, e.get("input")) or figure_suggestion(
            rule, e.get("input"))
    return Problem(path, value, rule, hint)


def placed_problems(problems: list[Problem], text: str) -> list[Problem]:
    """``problems`` with the line and column of their path in ``text`` (the TOML), in the
    file's order: a planner fixes them top to bottom (those without a place come last)."""
    positions = key_positions(text)
    out = []
    for p in problems:
        at = position_of(positions, p.path)
        out.append(replace(p, line=at[0], column=at[1]) if at else p)
    return sorted(out, key=lambda p: (p.line is None, p.line or 0, p.column or 0))


# No field of a scenario but the seed and prices (times in s, min or h, counts, shares) is
# sensibly this large; such a value is a unit mistake, and near 1e308 it overflows to inf
# mid-run. (inf and nan themselves are the schema's to refuse.)
MAX_MAGNITUDE = 1e9
UNBOUNDED_KEYS = frozenset({"seed", "costs"})  # prices: a terminal is over 1e9 rials


def implausible_numbers(data: Any, loc: tuple[int | str, ...] = ()) -> list[Problem]:
    """Every number in the raw TOML data whose magnitude exceeds ``MAX_MAGNITUDE``."""
    if isinstance(data, dict):
        return [p for k, v in data.items() if k not in UNBOUNDED_KEYS
                for p in implausible_numbers(v, (*loc, k))]
    if isinstance(data, list):
        return [p for k, v in enumerate(data) for p in implausible_numbers(v, (*loc, k))]
    if (isinstance(data, int | float) and not isinstance(data, bool)
            and math.isfinite(data) and abs(data) > MAX_MAGNITUDE):
        return [Problem(_path(loc), _short(data),
                        f"implausibly large (over {MAX_MAGNITUDE:g}); check the unit")]
    return []


FigureCheck = Callable[[str], None]


def parse_scenario(
    data: dict[str, Any], *, file: str = "<scenario>", check_figure: FigureCheck | None = None
) -> Scenario:
    """Validate ``data``; ``check_figure`` (raising ValueError) judges the thresholds' figure
    names in the same pass (without it only their grammar is checked)."""
    times = numbers_as_times(Scenario, data)
    huge = implausible_numbers(data) + [
        Problem(_path(loc), _short(_raw_at(data, loc)), f"a number is not a time: {TIME_RULE}",
                clock_suggestion(_raw_at(data, loc)))
        for loc in times]
    if times:  # pydantic would read them as seconds after midnight (and UTC, unlike the rest)
        data = _texts_at(data, times)
    said = {p.path for p in huge}
    context = {CHECK_FIGURE: check_figure} if check_figure else None
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as error:
        problems = huge + [p for p in problems_from_validation(error) if p.path not in said]
        # The rules across fields that the errors above kept pydantic from judging.
        for cross in broken_rules(Scenario, data, context):
            problem = _problem(cross)
            if all((p.path, p.rule) != (problem.path, problem.rule) for p in problems):
                problems.append(problem)
        raise ScenarioError(file, problems) from None
    if huge:
        raise ScenarioError(file, huge)
    return scenario


def _texts_at(data: Any, locs: list[tuple[int | str, ...]]) -> Any:
    """A copy of ``data`` with the numbers at ``locs`` as text: refused, not misread."""
    data = copy.deepcopy(data)
    for loc in locs:
        *parents, last = loc
        _raw_at(data, tuple(parents))[last] = str(_raw_at(data, loc))
    return data


def _raw_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


_SYNTAX_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


# An unquoted time of day ("opening = 08:00", "8am"): TOML reads 08:00 as a malformed local
# time (it needs seconds), so the parser's message never says what is wrong.
_BARE_CLOCK = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*(\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h)?)"
                         r"\s*(?:#.*)?$", re.IGNORECASE)
_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str) -> Problem:
    at = _SYNTAX_AT.search(str(error))
    line = int(at.group(1)) if at else None
    problem = Problem("(syntax)", "-", f"TOML syntax error: {error}", line=line,
                      column=int(at.group(2)) if at else None)
    lines = text.splitlines()
    if line is None or line > len(lines):
        return problem
    clock = _BARE_CLOCK.match(lines[line - 1])
    fix = clock_suggestion(clock.group(2)) if clock else None
    if clock is None or fix is None:
        return problem
    headers = (_HEADER.match(t) for t in reversed(lines[:line - 1]))
    table = next((h.group(1).strip() for h in headers if h), "")
    return replace(problem, path=f"{table}.{clock.group(1)}" if table else clock.group(1),
                   value=clock.group(2).strip(), rule=f"TOML syntax error: {TIME_RULE}",
                   suggestion=f'"{fix}"', column=lines[line - 1].index(clock.group(1)) + 1)


def load_scenario(path: str | Path, *, check_figure: FigureCheck | None = None) -> Scenario:
    """Read and validate a scenario file; raise :class:`ScenarioError` on any problem
    (``check_figure``: see :func:`parse_scenario`)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        problem = Problem("(file)", "-", f"cannot read: {error.strerror}")
        raise ScenarioError(file, [problem]) from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ScenarioError(file, [Problem("(file)", "-", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(file, [_syntax_problem(error, text)]) from None
    try:
        return parse_scenario(data, file=file, check_figure=check_figure)
    except ScenarioError as error:
        raise ScenarioError(file, placed_problems(error.problems, text)) from None
