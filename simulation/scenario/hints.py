""""Did you mean ...?" for a misspelt scenario key or value.

An unknown key is compared with the fields the schema allows at that place (aliases as
written in TOML: ``mean``, not ``mean_value``); a refused value with the values the rule
lists (``'manual' or 'refuse'``, a distribution's kinds).
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

__all__ = [
    "clock_suggestion",
    "explained",
    "figure_suggestion",
    "key_suggestion",
    "share_suggestion",
    "value_suggestion",
]

_QUOTED = re.compile(r"'([^']*)'")


def key_suggestion(root: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The allowed key closest to ``loc``'s last part (an unknown key), or None."""
    if not loc or not isinstance(loc[-1], str):
        return None
    fields = _fields_at(root, loc[:-1])
    return _closest(loc[-1], fields) if fields else None


def value_suggestion(error_type: str, value: Any, context: dict[str, Any] | None) -> str | None:
    """The listed value closest to a refused one (a literal or a distribution kind)."""
    if not context:
        return None
    if error_type == "union_tag_invalid":
        value = context.get("tag")  # the refused kind; the input is the whole table
    if not isinstance(value, str):
        return None
    listed = context.get("expected") if error_type == "literal_error" else (
        context.get("expected_tags") if error_type == "union_tag_invalid" else None)
    return _closest(value, _QUOTED.findall(str(listed))) if listed else None


def _closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not found:  # "terminal" for "terminals": a prefix is as telling as a close spelling
        found = [c for c in choices if c.startswith(word) or word.startswith(c)][:1]
    return found[0] if found else None


def _written_names(model: type[BaseModel]) -> dict[str, str]:
    """Key as written in TOML -> field name."""
    return {f.alias or name: name for name, f in model.model_fields.items()}


def _fields_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    models = [root]
    for part in loc:
        if isinstance(part, int):
            continue  # a list's element: its type is already among the candidates
        tagged = [m for m in models if part in _kinds(m)]
        if tagged:  # pydantic's tag of a union member ("lognormal"), not a key
            models = tagged
            continue
        owner = next((m for m in models if part in _written_names(m)), None)
        if owner is None:
            return None
        field = owner.model_fields[_written_names(owner)[part]]
        models = _models_in(field.annotation)
        if not models:
            return None
    return sorted({key for m in models for key in _written_names(m)})


def _kinds(model: type[BaseModel]) -> tuple[Any, ...]:
    kind = model.model_fields.get("kind")
    if kind is None or get_origin(kind.annotation) is not Literal:
        return ()
    return get_args(kind.annotation)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


# -- the common mistakes beyond spelling: a rule in a planner's words and the fix --------

_CLOCK = re.compile(r"^\s*(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(am|pm|h)?\s*$", re.IGNORECASE)
_UNIT_SUFFIXES = {"_s": "seconds", "_min": "minutes", "_h": "hours", "_ms": "milliseconds"}
TIME_RULE = 'write a time of day as "HH:MM" in quotes (24-hour clock), e.g. "08:00"'


def clock_suggestion(value: Any) -> str | None:
    """``"08:00"`` for ``"8:00"``, ``"8am"``, ``"0800"``, ``8``... (None when unclear)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return f"{int(value):02d}:00" if value == int(value) and 0 <= value < 24 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}", text):  # "0800"
        text = f"{text[:2]}:{text[2:]}"
    match = _CLOCK.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = (match.group(3) or "").lower()
    if half in ("am", "pm") and not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if half == "pm" else 0) if half in ("am", "pm") else hour
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def unit_note(key: str, suggestion: str | None) -> str:
    """Why ``scan_time`` is unknown when ``scan_time_s`` is not: keys carry their unit."""
    if suggestion is None:
        return ""
    unit = next((u for s, u in _UNIT_SUFFIXES.items() if suggestion.endswith(s)), None)
    if unit is None or key == suggestion:
        return ""
    return f"; a key names its unit: {suggestion} is in {unit}"


def explained(root: type[BaseModel], error: dict[str, Any], rule: str) -> tuple[str, str | None]:
    """``rule`` with what it means for the file, and the fix, for one pydantic error
    (``error["loc"]`` as pydantic gives it, union tags included)."""
    kind, value, loc = error["type"], error.get("input"), tuple(error["loc"])
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = key_suggestion(root, loc)
        top = _written_names(root)
        if len(loc) > 1 and loc[-1] in top and hint is None:
            # TOML puts every key after a [section] header inside that section.
            return (f"{rule}: {loc[-1]} is a top-level key; write it before the first "
                    "[section] header (a key below a header belongs to that section)"), None
        if hint is None:  # nothing close: the keys this table takes, to choose from
            allowed = _fields_at(root, loc[:-1])
            return (f"{rule}; keys allowed here: {', '.join(allowed)}" if allowed else rule), None
        return rule + unit_note(str(loc[-1]), hint), hint
    if kind in ("time_parsing", "time_type"):
        return f"{rule}: {TIME_RULE}", clock_suggestion(value)
    bound = context.get("le", context.get("lt"))
    if (kind in ("less_than_equal", "less_than") and bound is not None and float(bound) <= 1
            and isinstance(value, int | float) and 1 < value <= 100):
        # 70 for a turnout of 0.7: a share written as a percentage.
        return (f"{rule} (a share or probability is a fraction of 1: {value:g} % is "
                f"{value / 100:g})", f"{value / 100:g}")
    header = ".".join(str(p) for p in loc)
    plain = all(isinstance(p, str) for p in loc)
    if kind == "list_type" and isinstance(value, dict) and plain:
        return (f"{rule}: a list of tables is written with double brackets, one "
                f"[[{header}]] per entry", f"[[{header}]]")
    if kind == "model_type" and isinstance(value, list) and plain:
        return f"{rule}: one table, written under a single [{header}]", f"[{header}]"
    if (kind == "model_attributes_type" and isinstance(value, int | float)
            and not isinstance(value, bool) and "kind" in (_fields_at(root, loc) or [])):
        # A number where a distribution is expected: the fixed distribution of that number.
        return (f"{rule}: a distribution is a table with a kind, e.g. a constant as "
                "kind = \"fixed\"", f'{{ kind = "fixed", value = {value:g} }}')
    if kind in ("float_parsing", "int_parsing") and isinstance(value, str):
        number = re.match(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(%?)", value)
        if number:  # "40 h", "70%": the unit belongs to the key, a share is a fraction
            amount = float(number.group(1)) / (100 if number.group(2) else 1)
            return (f"{rule}: write the number alone, without quotes or unit",
                    f"{amount:g}")
    return rule, value_suggestion(kind, value, context)


_SUM = re.compile(r"^(\w+) shares must sum to 1")
_FIGURE = re.compile(r"^unknown figure '([^']+)'; (?:did you mean \['([^']+)'|figure groups: (.*))")


def share_suggestion(rule: str, section: Any) -> str | None:
    """For shares that do not sum to 1: the last entry's share that makes them 1, written as
    it would be in the section (``intervals[4].share = 0.08``); None when no share in [0, 1]
    would."""
    match = _SUM.match(rule)
    if match is None or not isinstance(section, dict):
        return None
    key = f"{match.group(1)}s"  # "interval" shares live in "intervals"
    entries = section.get(key)
    if not isinstance(entries, list) or not entries:
        return None
    shares = [e.get("share") if isinstance(e, dict) else None for e in entries]
    numbers = [float(s) for s in shares if isinstance(s, int | float) and not isinstance(s, bool)]
    if len(numbers) != len(shares):
        return None
    last = round(numbers[-1] + 1 - sum(numbers), 6)
    return f"{key}[{len(entries) - 1}].share = {last:g}" if 0 <= last <= 1 else None


def figure_suggestion(rule: str, threshold: Any) -> str | None:
    """For a threshold naming an unknown figure: the rule with the closest figure's name (or
    figure group's) in its place."""
    match = _FIGURE.match(rule)
    if match is None or not isinstance(threshold, str):
        return None
    wrong, closest, groups = match.groups()
    if closest is None:
        group = _closest(wrong.split(".")[0], _QUOTED.findall(groups or ""))
        if group is None:
            return None
        closest = group + wrong[len(wrong.split(".")[0]):]
    return threshold.replace(wrong, closest, 1)
