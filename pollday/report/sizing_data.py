"""``pollday size`` output (``sizing.json``, ``sizing.csv``) read and grouped for the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pollday.report.errors import broken, check_complete
from pollday.report.file_read import read_csv, read_output
from simulation.sizing.model import SizingOutput

SIZING_JSON = "sizing.json"
SIZING_CSV = "sizing.csv"
SIZING_FILES = (SIZING_JSON, SIZING_CSV)
RESOURCES = ("terminals", "desks", "booths")  # the default flow's; sizing.json names its own


@dataclass(frozen=True)
class SizingData:
    summary: dict[str, Any]  # sizing.json
    group: list[str]  # per station (sizing.csv), station order
    current: dict[str, NDArray[np.int64]]  # resource -> units now, per station
    recommended: dict[str, NDArray[np.int64]]  # resource -> units recommended, per station

    @property
    def resources(self) -> list[str]:
        """The pools that were sized (their labels), in the flow's order."""
        sized = self.summary.get("resources", list(self.current))
        return [r for r in self.current if r in sized]

    @property
    def groups(self) -> list[str]:
        """Group names in order of first appearance (stations are numbered group by group)."""
        return list(dict.fromkeys(self.group))


def _read_json(folder: Path) -> dict[str, Any]:
    """sizing.json as written, once it fits its model (an older file without ``format``:
    once it has the keys and per-group totals the section reads)."""
    data = read_output(folder, SIZING_JSON, SizingOutput,
                       needed=("scenario", "targets", "confidence", "totals"))
    if not _groups_well_formed(data.get("groups", [])):
        raise broken(folder, SIZING_JSON, "'groups' is not a list of {group, totals} objects")
    return data


def _groups_well_formed(groups: Any) -> bool:
    """Per-group totals (absent in sizing.json from before they existed: then no costs)."""
    if not isinstance(groups, list):
        return False
    for g in groups:
        if not (
            isinstance(g, dict)
            and isinstance(g.get("group"), str)
            and isinstance(g.get("totals"), dict)
        ):
            return False
        for r, entry in g["totals"].items():
            if r == "currency":
                continue
            if not isinstance(entry, dict):
                return False
            if not all(_is_number(entry.get(k, 0)) for k in ("cost_to_add", "cost_recommended")):
                return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_sizing(folder: Path) -> SizingData | None:
    if not check_complete(folder, SIZING_FILES, (), "pollday size"):
        return None
    summary = _read_json(folder)
    sized = [str(r) for r in summary.get("resources", RESOURCES)]

    def columns(read: Iterable[dict[str, str]]) -> SizingData:
        rows = list(read)  # one row per station, the sizing's few columns

        def ints(column: str) -> NDArray[np.int64]:
            return np.array([int(row[column]) for row in rows], dtype=np.int64)

        return SizingData(
            summary=summary,
            group=[row["group"] for row in rows],
            current={r: ints(f"{r}_current") for r in sized},
            recommended={r: ints(r) for r in sized},
        )

    needed = ("group", *sized, *(f"{r}_current" for r in sized))
    return read_csv(folder, SIZING_CSV, needed, columns)


@dataclass(frozen=True)
class GroupSizing:
    name: str
    stations: int
    current: dict[str, int]  # resource -> units in the group now
    recommended: dict[str, int]
    more: dict[str, int]  # resource -> stations that need more units than they have
    fewer: dict[str, int]  # resource -> stations that could give some away
    # Over the sized resources, when the scenario gives unit prices; additions are net of
    # spare units moved within the group.
    cost_to_add: float | None = None
    cost_recommended: float | None = None


def _group_costs(data: SizingData) -> dict[str, tuple[float, float]]:
    """Group name -> (cost of additions, cost of the recommendation), from sizing.json."""
    if "currency" not in data.summary["totals"]:
        return {}
    out = {}
    for g in data.summary.get("groups", []):
        totals = g["totals"]
        out[g["group"]] = (
            sum(float(totals.get(r, {}).get("cost_to_add", 0)) for r in data.resources),
            sum(float(totals.get(r, {}).get("cost_recommended", 0)) for r in data.resources),
        )
    return out


def group_sizing(data: SizingData) -> list[GroupSizing]:
    groups = np.array(data.group)
    costs = _group_costs(data)
    out = []
    for name in data.groups:
        mine = groups == name
        pools = list(data.current)  # every pool in sizing.csv; costs count the sized ones
        delta = {r: data.recommended[r][mine] - data.current[r][mine] for r in pools}
        out.append(
            GroupSizing(
                name=name,
                stations=int(mine.sum()),
                current={r: int(data.current[r][mine].sum()) for r in pools},
                recommended={r: int(data.recommended[r][mine].sum()) for r in pools},
                more={r: int((delta[r] > 0).sum()) for r in pools},
                fewer={r: int((delta[r] < 0).sum()) for r in pools},
                cost_to_add=costs[name][0] if name in costs else None,
                cost_recommended=costs[name][1] if name in costs else None,
            )
        )
    return out
