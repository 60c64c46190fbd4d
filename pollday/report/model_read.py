"""Read a run output through its model (``simulation.output_model.Output``), with the
report's messages: the file, then what is wrong with it (unreadable JSON, not an object, the
keys it lacks, or the first field that does not fit the published schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pollday.report.errors import ReportError, broken
from simulation.output_model import Output

M = TypeVar("M", bound=Output)


def read_json_object(folder: Path, name: str) -> dict[str, Any]:
    """The file's JSON object; ReportError naming the file when it is none."""
    try:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise broken(folder, name, f"cannot be read as JSON ({error})") from None
    if not isinstance(data, dict):
        raise broken(folder, name, "is not a JSON object")
    return data


def validate(folder: Path, name: str, model: type[M], data: dict[str, Any]) -> M:
    """``data`` (the content of ``folder / name``) as ``model``; an older file without
    ``format`` gets the model's default."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(folder, name, error) from None


def invalid(folder: Path, name: str, error: ValidationError) -> ReportError:
    """The report's message for a file that does not fit its model."""
    problems = error.errors()
    missing = sorted(str(p["loc"][0]) for p in problems
                     if p["type"] == "missing" and len(p["loc"]) == 1)
    if missing:
        return broken(folder, name, f"lacks the keys {', '.join(missing)}")
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return broken(folder, name, f"field {where!r}: {first['msg']}{more}")
