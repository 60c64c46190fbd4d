"""Ten common mistakes in a scenario file: each error says the file's line and column, the
field, the value, the rule and the closest allowed key or value (issue 26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import ScenarioError, load_scenario
from simulation.toml_positions import key_positions, position_of

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"

# (what the user wrote instead of smoke.toml's line, the path named, the suggestion)
MISTAKES = [
    ("terminals = 1", "terminal = 1", "station_groups[0].terminal", "terminals"),
    ("registered_min = 50", "registered_mni = 50", "station_groups[0].registered_mni",
     "registered_min"),
    ('connectivity = "online"', 'connectivity = "onlin"', "station_groups[0].connectivity",
     "online"),
    ("mtbf_h = 40", "mtbf = 40", "failures.mtbf", "mtbf_h"),
    ('fallback = "manual"', 'fallback = "manul"', "biometrics.fallback", "manual"),
    ('scan_time_s = { kind = "lognormal", mean = 14, sd = 6 }',
     'scan_time_s = { kind = "lognormall", mean = 14, sd = 6 }', "biometrics.scan_time_s",
     "lognormal"),
    ('scan_time_s = { kind = "lognormal", mean = 14, sd = 6 }',
     'scan_time_s = { kind = "lognormal", meen = 14, sd = 6 }', "biometrics.scan_time_s.meen",
     "mean"),
    ("turnout = 0.7", "turnot = 0.7", "arrivals.turnot", "turnout"),
    ('opening = "08:00"', 'openning = "08:00"', "election.openning", "opening"),
    ("[biometrics]", "[biometric]", "biometric", "biometrics"),
]


@pytest.mark.parametrize(("right", "wrong", "path", "suggestion"), MISTAKES,
                         ids=[m[1] for m in MISTAKES])
def test_a_mistake_is_placed_and_a_fix_suggested(
        tmp_path: Path, right: str, wrong: str, path: str, suggestion: str) -> None:
    lines = SMOKE.read_text(encoding="utf-8").splitlines()
    k = next(k for k, line in enumerate(lines) if line.startswith(right))
    lines[k] = lines[k].replace(right, wrong, 1)
    bad = tmp_path / "bad.toml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    (problem,) = [p for p in caught.value.problems if p.path == path]
    assert problem.suggestion == suggestion
    # The edited line; the column of the key (a table: its header's bracket).
    column = 1 if wrong.startswith("[") else lines[k].index(path.rsplit(".", 1)[-1]) + 1
    assert (problem.line, problem.column) == (k + 1, column)
    assert f"{bad}:{k + 1}:{column}: {path}: " in str(caught.value)
    assert f"(did you mean {suggestion!r}?)" in str(caught.value)


def test_every_key_of_the_shipped_scenarios_has_a_position() -> None:
    import tomllib

    def paths(data: object, prefix: str = "") -> list[str]:
        if isinstance(data, dict):
            return [q for key, v in data.items() for q in
                    [f"{prefix}.{key}" if prefix else key,
                     *paths(v, f"{prefix}.{key}" if prefix else key)]]
        if isinstance(data, list):
            return [q for k, v in enumerate(data) for q in [f"{prefix}[{k}]",
                                                             *paths(v, f"{prefix}[{k}]")]]
        return []

    for scenario in sorted(SMOKE.parent.glob("*.toml")):
        text = scenario.read_text(encoding="utf-8")
        positions = key_positions(text)
        assert [p for p in paths(tomllib.loads(text)) if p not in positions] == [], scenario


def test_a_missing_key_is_placed_at_its_table() -> None:
    positions = key_positions('[election]\nname = "x"\n\n[[station_groups]]\nname = "a"\n')
    assert position_of(positions, "station_groups[0].registered") == (4, 1)
    assert position_of(positions, "costs.currency") is None
