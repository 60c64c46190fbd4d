"""Read a run folder's files with the report's messages: the file, then what is wrong with it.

JSON outputs are read through their model (``simulation.outputs.output_model.Output``): unreadable
JSON, not an object, the keys it lacks, or the first field that does not fit the published
schema. A file without ``format`` was written before the models existed, and fields were added
since (``repairs``, ``warnings`` in summary.json, ``reasons`` in sizing.json, ... on
2026-12-01): it is held, as it was then, only to the keys the report cannot do without.
CSV files: the columns they lack, or the value that does not convert.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pollday.report.errors import ReportError, broken
from simulation.outputs.output_model import Output

M = TypeVar("M", bound=Output)
T = TypeVar("T")


def read_json_object(folder: Path, name: str) -> dict[str, Any]:
    """The file's JSON object; ReportError naming the file when it is none."""
    try:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise broken(folder, name, f"cannot be read as JSON ({error})") from None
    if not isinstance(data, dict):
        raise broken(folder, name, "is not a JSON object")
    return data


def read_output(folder: Path, name: str,
                model: type[Output] | Callable[[dict[str, Any]], type[Output]], *,
                needed: Iterable[str]) -> dict[str, Any]:
    """The file's JSON object once it fits ``model`` (a file with ``format``) or has the
    ``needed`` keys (an older file, see the module docstring). ``model`` may be a function
    of the content, for a file written in more than one shape (summary.json)."""
    data = read_json_object(folder, name)
    if "format" in data:
        validate(folder, name, model if isinstance(model, type) else model(data), data)
        return data
    missing = sorted(set(needed) - set(data))
    if missing:
        raise broken(folder, name, f"lacks the keys {', '.join(missing)}")
    return data


def validate(folder: Path, name: str, model: type[M], data: dict[str, Any]) -> M:
    """``data`` (the content of ``folder / name``) as ``model``; an older file without
    ``format`` gets the model's default."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(folder, name, error, data) from None


def invalid(folder: Path, name: str, error: ValidationError, data: Any) -> ReportError:
    """The report's message for a file that does not fit its model."""
    problems = error.errors()
    missing = sorted(str(p["loc"][0]) for p in problems
                     if p["type"] == "missing" and len(p["loc"]) == 1)
    if missing:
        return broken(folder, name, f"lacks the keys {', '.join(missing)}")
    fields = list(dict.fromkeys(_field(data, p["loc"], p["type"]) for p in problems))
    more = f" (and {len(fields) - 1} more fields)" if len(fields) > 1 else ""
    return broken(folder, name, f"field {fields[0]!r}: {problems[0]['msg']}{more}")


def _field(data: Any, loc: tuple[int | str, ...], kind: str) -> str:
    """The dotted path of the value at fault: pydantic's location without the union member
    it tried last (``voted.int`` is the field ``voted``)."""
    path: list[str] = []
    for part in loc:
        inside = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data))
        if not inside:
            if kind == "missing" and isinstance(data, dict):
                path.append(str(part))
            break
        data = data[part]
        path.append(str(part))
    return ".".join(path)


def read_csv(folder: Path, name: str, needed: Sequence[str],
             convert: Callable[[Iterable[dict[str, str]]], T]) -> T:
    """``convert`` of the rows of ``folder / name``, which must have the ``needed`` columns;
    a value ``convert`` cannot parse (ValueError) is a broken file too. The rows come one at
    a time (a country's stations.csv has a million): ``convert`` keeps what it needs."""
    try:
        with (folder / name).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in needed if c not in (reader.fieldnames or [])]
            if missing:
                raise broken(folder, name, f"lacks the columns {', '.join(missing)}")
            return convert(reader)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as error:
        raise broken(folder, name, f"cannot be read ({error})") from None
