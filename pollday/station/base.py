"""Where the calculator's inputs start: the built-in station, or one group of a scenario
file cut down to one station of the group's mean size."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pollday.scenario.file import load_scenario
from pollday.station.defaults import BUILT_IN, StationInputError
from simulation import Scenario

__all__ = ["base_data"]


def _from_group(scenario: Scenario, group_name: str, file: str) -> dict[str, Any]:
    """The scenario's data with only ``group_name``, as one station of the group's mean size."""
    names = scenario.group_names
    if group_name not in names:
        raise StationInputError(f"{file}: no station group {group_name!r} (groups: {names})")
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    group = data["station_groups"][names.index(group_name)]
    source = scenario.station_groups[names.index(group_name)]
    size = min(max(round(source.registered.mean), source.registered_min), source.registered_max)
    group.update(count=1, registered={"kind": "fixed", "value": size})
    for key in ("constituencies", "utc_offset_h", "time_zone"):
        group.pop(key, None)  # one station: local time, one constituency
    data["station_groups"] = [group]
    data["election"]["constituencies"] = 1
    data["arrivals"]["turnout_sd"] = 0  # the turnout as stated, not a station-to-station draw
    data["central"]["outages"] = [
        o for o in data["central"].get("outages", []) if o.get("group") in (None, group_name)
    ]
    data["thresholds"] = []  # run verdicts are not the calculator's
    return data


def base_data(scenario_file: Path | None, group: str | None) -> dict[str, Any]:
    """Where the inputs start: the built-in station, or one group of a scenario file."""
    if scenario_file is None:
        if group is not None:
            raise StationInputError("--group needs --scenario FILE")
        return copy.deepcopy(BUILT_IN)
    scenario = load_scenario(scenario_file)
    if group is None:
        if len(scenario.station_groups) > 1:
            raise StationInputError(
                f"{scenario_file}: has {len(scenario.station_groups)} station groups; name one "
                f"with --group (groups: {scenario.group_names})"
            )
        group = scenario.group_names[0]
    return _from_group(scenario, group, str(scenario_file))
