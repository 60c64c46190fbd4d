"""The calculator's input errors in a planner's words, each tied to the field it is about.

:mod:`pollday.station.inputs` words its errors for the command line: they name the flag and the
schema path ("--success (biometrics.success_probability): 2.0: Input should be less than or
equal to 1"), which is right in a terminal and opaque on a form. The page's API translates
them here into ``{"field": name, "message": sentence}``: the field is the form's input name
(``None`` when no one field is to blame), the sentence names the input as its label does and
repeats what was typed. The command line keeps its own text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pollday.station.catalog import INPUT_NAMES
from pollday.station.page_fields import FIELDS
from pollday.station.pools import MAX_POOL_UNITS

# One problem of the CLI text: "--flag (schema.path): rest" or "--flag: rest".
_FLAGGED = re.compile(r"--(?P<flag>[a-z/-]+)(?: \((?P<path>[^)]*)\))?: (?P<rest>.*)", re.S)
# Problems are joined by "; " (pollday.station.inputs._plain); only split before the next flag.
_NEXT = re.compile(r"; (?=--[a-z])")
# The scenario reader may follow pydantic's bound with advice for a file ("... less than or
# equal to 1 (a share or probability is a fraction of 1: 2 % is 0.02)", see
# simulation.scenario.hints.explained); the page words the whole sentence itself from the
# bound and what was typed, so the bounds are matched at the rule's start, not as all of it.
_BOUNDS = (  # pydantic's rule -> the planner's
    (re.compile(r"Input should be less than or equal to (\S+)"), "must be at most {}"),
    (re.compile(r"Input should be less than (\S+)"), "must be less than {}"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), "must be at least {}"),
    (re.compile(r"Input should be greater than (\S+)"), "must be more than {}"),
)


def _noun(field: str) -> str:
    return FIELDS[field].noun if field in FIELDS else field.replace("_", " ")


def _typed(raw: str) -> str:
    return f" (you typed {raw})" if raw.strip() else ""


def _choices(field: str) -> str:
    words = [w for v, w in FIELDS[field].options.items() if v] if field in FIELDS else []
    return "; ".join(f"“{w}”" for w in words)


def _flagged(field: str, path: str | None, rest: str, given: Mapping[str, str]) -> str:
    noun, share = _noun(field), field in FIELDS and FIELDS[field].share
    value, _, rule = rest.partition(": ") if path else ("", "", rest)
    typed = _typed(given.get(field, value))  # as typed: "2", not the parsed "2.0"
    if m := re.fullmatch(r"'(.*)' is not a whole number", rest, re.S):
        return f"{noun} must be a whole number{_typed(m[1])}"
    if m := re.fullmatch(r"'(.*)' is not a number", rest, re.S):
        return f"{noun} must be a number{_typed(m[1])}"
    if m := re.fullmatch(r"'(.*)' must be finite", rest, re.S):
        return f"{noun} must be an ordinary number{_typed(m[1])}"
    if re.fullmatch(r"'.*' is not one of .*", rest, re.S):
        return f"{noun}: choose one of {_choices(field)}{typed}"
    if m := re.fullmatch(r"(\S+) is out of range", rest):
        typed = _typed(m[1])
        if field == "registered":
            return f"{noun} must be at least 1{typed}"
        return f"{noun} cannot be negative{typed}"
    if share and re.match(r"Input should be less than or equal to 1(?!\S)", rule):
        return f"{noun} must be between 0 and 1{typed}"
    if share and re.match(r"Input should be less than 1(?!\S)", rule):
        return f"{noun} must be 0 or more and less than 1{typed}"
    for pattern, words in _BOUNDS:
        if m := pattern.match(rule):
            return f"{noun} {words.format(m[1])}{typed}"
    if "own stage flow" in rest:
        return (f"{noun}: this scenario describes its own stages and pools, so it has no "
                "such setting here; change the pools in the scenario file")
    if "own modality chain" in rest:
        return (f"{noun}: this scenario describes its own identification steps; change "
                "them in the scenario file")
    if m := re.fullmatch(r"(\d+) values for (\d+) opening hours \((.*)\)", rest):
        return (f"{noun} needs one number per opening hour: {m[2]} for {m[3]} "
                f"(you gave {m[1]})")
    if rest.startswith("every value must be >= 0"):
        return f"{noun}: every number must be 0 or more, and at least one more than 0"
    rule = rule.replace("Input should be", "must be")
    return f"{noun}: {rule}{typed}"


def _unflagged(text: str, given: Mapping[str, str]) -> dict[str, str | None]:
    """The few errors that name no flag: times of day and the order of the polling hours."""
    if m := re.fullmatch(r"'(.*)' is not a time of day \(HH:MM\)", text, re.S):
        field = next((f for f in ("opening", "closing") if given.get(f, "").strip() == m[1]),
                     None)
        noun = _noun(field) if field else "A time of day"
        return {"field": field,
                "message": f"{noun} must be a time of day such as 08:00 (you typed {m[1]})"}
    if m := re.fullmatch(r"closing (\S+) must be after opening (\S+)", text):
        field = "opening" if "opening" in given and "closing" not in given else "closing"
        return {"field": field, "message": f"Polls must close after they open "
                f"(open at {m[2]}, close at {m[1]})"}
    if m := re.fullmatch(r"unknown input\(s\) \[(.*?)\]; .*", text, re.S):
        return {"field": None, "message": f"The calculator has no input named {m[1]}"}
    return {"field": None, "message": text}


def field_errors(text: str, given: Mapping[str, str]) -> list[dict[str, str | None]]:
    """``text`` (a StationInputError's message) as one ``{field, message}`` per problem."""
    errors: list[dict[str, str | None]] = []
    for part in _NEXT.split(text.strip()):
        m = _FLAGGED.fullmatch(part)
        if m is None:
            errors.append(_unflagged(part, given))
            continue
        field = m["flag"].replace("-", "_")
        if field == "opening/closing":  # a schema problem of the election's hours
            field = "opening" if "opening" in (m["path"] or "") else "closing"
        errors.append({
            "field": field if field in INPUT_NAMES else None,
            "message": _flagged(field, m["path"], m["rest"], given),
        })
    return errors


def days_error(raw: str, most: int) -> dict[str, str | None]:
    return {"field": "replications",
            "message": f"Simulated days must be a whole number from 1 to {most} "
            f"(you typed {raw})"}


# "--pool urna=0: the units must be ..." / "--pool kiems: this scenario's flow has no pool"
_POOL_ERROR = re.compile(r"--pool (?P<name>[^=:\s]+)(?:=(?P<raw>[^:]*))?: (?P<rest>.*)", re.S)


def pool_errors(text: str) -> list[dict[str, str | None]] | None:
    """A ``pool.NAME`` input's error at its field, in words; None for other errors."""
    m = _POOL_ERROR.fullmatch(text.strip())
    if m is None:
        return None
    rest = m["rest"]
    if rest.startswith("the units must be"):
        message = (f"Units of {m['name']} must be a whole number from 1 to {MAX_POOL_UNITS} "
                   f"(you typed {m['raw']})")
    else:
        message = f"Units of {m['name']}: {rest}"
    return [{"field": "pool." + m["name"], "message": message}]
