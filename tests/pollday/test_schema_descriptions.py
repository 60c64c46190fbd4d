"""Every property of the scenario's JSON Schema has a description: editors (Taplo, VS Code's
Even Better TOML) show it on hover, and an empty hover sends a planner to the docs for each
key (issue 26)."""

from __future__ import annotations

from typing import Any

from pollday.scenario.schema import scenario_schema


def undescribed(node: Any, where: str = "#") -> list[str]:
    """The JSON pointer of every property without a description, nested $defs included."""
    if isinstance(node, list):
        return [p for k, item in enumerate(node) for p in undescribed(item, f"{where}/{k}")]
    if not isinstance(node, dict):
        return []
    found = []
    properties = node.get("properties")
    if isinstance(properties, dict):
        found += [f"{where}/properties/{name}" for name, prop in properties.items()
                  if not (isinstance(prop, dict) and str(prop.get("description", "")).strip())]
    return found + [p for key, value in node.items() for p in undescribed(value, f"{where}/{key}")]


def test_every_property_of_the_scenario_schema_is_described() -> None:
    schema = scenario_schema()
    assert len(schema["$defs"]) >= 20  # the walk reaches the sections' definitions
    assert undescribed(schema) == [], (
        "describe these fields (Field(description=...): meaning, unit, range, default)")


def test_the_walk_finds_a_property_without_a_description() -> None:
    schema = {"properties": {"a": {"type": "integer", "description": "a count"}},
              "$defs": {"Inner": {"properties": {"b": {"type": "number"},
                                                 "c": {"$ref": "#/$defs/X", "description": " "}}}}}
    assert undescribed(schema) == ["#/$defs/Inner/properties/b", "#/$defs/Inner/properties/c"]
