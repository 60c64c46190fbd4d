"""``capacity.json`` for the report (``pollday capacity``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pollday.report.errors import broken

CAPACITY = "capacity.json"


def read_capacity(folder: Path) -> dict[str, Any] | None:
    """The capacity document, or None when the folder has none."""
    path = folder / CAPACITY
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise broken(folder, CAPACITY, f"cannot be read as JSON ({error})") from None
    if not isinstance(data, dict):
        raise broken(folder, CAPACITY, "is not a JSON object")
    missing = sorted({"headline", "capacity", "levels"} - set(data))
    if missing:
        raise broken(folder, CAPACITY, f"lacks the keys {', '.join(missing)}")
    return data
