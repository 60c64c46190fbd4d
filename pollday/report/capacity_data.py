"""``capacity.json`` for the report (``pollday capacity``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pollday.models.capacity import CapacityOutput
from pollday.report.file_read import read_output

CAPACITY = "capacity.json"


def read_capacity(folder: Path) -> dict[str, Any] | None:
    """The capacity document, or None when the folder has none."""
    path = folder / CAPACITY
    if not path.is_file():
        return None
    return read_output(folder, CAPACITY, CapacityOutput, needed=("headline", "capacity", "levels"))


def capacity_model(doc: dict[str, Any]) -> CapacityOutput | None:
    """The document :func:`read_capacity` gave as its model: a file with ``format`` was
    checked against it there; None for an older file (no ``format``) that does not fit it,
    which the report holds only to its headline."""
    try:
        return CapacityOutput.model_validate(doc)
    except ValidationError:
        return None
