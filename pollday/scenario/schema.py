"""The scenario's JSON Schema, for TOML editors (Taplo, VS Code's Even Better TOML) and CI.

Generated from the pydantic models (:class:`simulation.scenario.model.Scenario`), so it never
drifts from what ``pollday validate`` accepts; then adjusted for TOML, which has no null
(an optional field is simply left out) and writes times of day as ``"HH:MM"``. Rules that
span fields (shares summing to 1, time zones agreeing with offsets, station groups named
by outages) are beyond a JSON Schema: ``pollday validate`` checks those.
"""

from __future__ import annotations

import json
import re
from typing import Any

from loadtests.figures import known_figures
from simulation.scenario.model import Scenario

SCHEMA_FILE = "scenario.schema.json"
_TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
_NUMBER = r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"


def _threshold_pattern() -> str:
    figures = "|".join(re.escape(f) for f in sorted(known_figures()))
    return rf"^\s*({figures})\s*(<=|<|>=|>|==|!=)\s*{_NUMBER}\s*$"


def _for_toml(node: Any) -> Any:
    """Drop null (TOML has none), time formats as the loader reads them, recursively."""
    if isinstance(node, list):
        return [_for_toml(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _for_toml(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1:
            out.update({k: v for k, v in rest[0].items() if k not in out})
        else:
            out["anyOf"] = rest
    if "default" in out and out["default"] is None:
        del out["default"]
    if out.get("format") == "time":
        del out["format"]
        out["pattern"] = _TIME_PATTERN
    props = out.get("properties")
    if isinstance(props, dict) and "time_zone" in props and "utc_offset_h" in out.get(
        "required", []
    ):  # a time zone may stand for the offset
        out["required"] = [r for r in out["required"] if r != "utc_offset_h"]
    return out


def _one_of_pairs(definition: dict[str, Any], pairs: list[list[str]]) -> None:
    """Exactly one parametrisation (the lognormal's mean+sd or median+p95), never mixed."""
    names = [n for pair in pairs for n in pair]
    definition["oneOf"] = [
        {"required": pair,
         "not": {"anyOf": [{"required": [n]} for n in names if n not in pair]}}
        for pair in pairs
    ]


def scenario_schema() -> dict[str, Any]:
    schema = _for_toml(Scenario.model_json_schema(by_alias=True))
    schema["properties"]["thresholds"]["items"]["pattern"] = _threshold_pattern()
    if "Lognormal" in schema.get("$defs", {}):
        _one_of_pairs(schema["$defs"]["Lognormal"], [["mean", "sd"], ["median", "p95"]])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "pollday scenario",
        "description": "An election-day scenario for pollday (docs/scenarios.md). Rules "
        "across fields are checked by `pollday validate`.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
