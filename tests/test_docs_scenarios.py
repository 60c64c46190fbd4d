"""docs/scenarios.md lists every field of the scenario's JSON Schema, section by section, and
every distribution with its parameters: a field added to the schema without a line in the
docs fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pollday.scenario.schema import scenario_schema

DOC = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
SCHEMA = scenario_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if "items" in node:
        return _resolve(node["items"])
    return node


def _section(name: str) -> str:
    """The docs' text under the heading naming ``[name]``, ``[[name]]`` or ``name``."""
    heading = re.compile(rf"^## `\[?\[?{re.escape(name)}\]?\]?`.*$", re.MULTILINE)
    found = heading.search(DOC)
    assert found, f"docs/scenarios.md has no '## `[{name}]`' section"
    end = DOC.find("\n## ", found.end())
    return DOC[found.end(): end if end >= 0 else len(DOC)]


def _fields(node: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """(dotted path, field name) of every field below a section, nested objects included."""
    out = []
    for name, prop in node.get("properties", {}).items():
        out.append((prefix + name, name))
        inner = _resolve(prop)
        if "properties" in inner and "kind" not in inner.get("properties", {}):
            out += _fields(inner, prefix + name + ".")
    return out


SECTIONS = list(SCHEMA["properties"])


@pytest.mark.parametrize("section", SECTIONS)
def test_every_field_is_in_its_section(section: str) -> None:
    text = _section(section)
    node = _resolve(SCHEMA["properties"][section])
    missing = [path for path, name in _fields(node)
               if not re.search(rf"`[^`]*\b{re.escape(name)}\b[^`]*`", text)]
    assert missing == [], f"[{section}] fields missing from docs/scenarios.md: {missing}"


def test_every_distribution_and_parameter_is_listed() -> None:
    table = _section("Distributions") if "## `Distributions`" in DOC else DOC.split(
        "## Distributions", 1)[1]
    kinds = [d for d in SCHEMA["$defs"].values()
             if "kind" in d.get("properties", {}) and "const" in d["properties"]["kind"]]
    assert len(kinds) >= 6
    for d in kinds:
        kind = d["properties"]["kind"]["const"]
        row = next((line for line in table.splitlines() if line.startswith(f"| `{kind}` |")),
                   None)
        assert row is not None, f"distribution {kind} missing"
        for param in d["properties"]:
            if param != "kind":
                assert f"`{param}" in row, f"{kind}: parameter {param} missing"
