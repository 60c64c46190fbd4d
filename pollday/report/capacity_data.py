"""``capacity.json`` for the report (``pollday capacity``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pollday.models.capacity import CapacityOutput
from pollday.report.file_read import read_output

CAPACITY = "capacity.json"


def read_capacity(folder: Path) -> dict[str, Any] | None:
    """The capacity document, or None when the folder has none."""
    path = folder / CAPACITY
    if not path.is_file():
        return None
    return read_output(folder, CAPACITY, CapacityOutput, needed=("headline", "capacity", "levels"))
