"""``pollday spares`` end to end: the table, spares.json (its typed model) and spares.csv."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pollday.cli import main
from simulation.spares import SparesOutput

ROOT = Path(__file__).resolve().parents[2]


def _kenya(tmp_path: Path, extra: str = "") -> Path:
    """Kenya's scenario with 60 simulated streams (each standing for 770: the same country)
    and, with ``extra``, more sections at the end."""
    text = (ROOT / "scenarios" / "kenya-2022.toml").read_text(encoding="utf-8")
    assert "count = 300" in text and "weight = 154.1" in text
    text = text.replace("count = 300", "count = 60", 1).replace("weight = 154.1", "weight = 770.5")
    path = tmp_path / "kenya.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_spares_writes_its_table_json_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _kenya(tmp_path, '\n[spares]\nconfidence = 0.9\n'
                      'missing_delivery_min = { kind = "fixed", value = 240 }\n')
    out = tmp_path / "out"
    code = main(["spares", str(scenario), "--replications", "60", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "spares per reserve covering 90% of 60 simulated days" in printed
    assert "streams" in printed and "kiems" in printed
    assert "stands for 46,230 real stations" in printed
    result = SparesOutput.read(out / "spares.json")
    assert result.format == SparesOutput.FORMAT and result.confidence == 0.9
    assert result.missing_delivery.startswith("missing_delivery_min")
    [row] = result.reserves
    # 60 KIEMS kits failing every 2,553 h over an 11-hour day, 80 % replaced.
    assert row.units == 60
    assert row.expected_replacements == pytest.approx(60 * 11 / 2553 * 0.8, rel=1e-3)
    assert row.represented is not None and row.represented.stations == 46_230
    assert row.needed_simulated >= 0 and row.needed_analytic >= 1
    [line] = list(csv.DictReader((out / "spares.csv").open(encoding="utf-8")))
    assert line["reserve"] == "streams" and line["pool"] == "kiems"
    assert int(line["needed_simulated"]) == row.needed_simulated
    assert int(line["represented_needed_analytic"]) == row.represented.needed_analytic


def test_spares_json_and_a_scenario_without_replacements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["spares", str(ROOT / "scenarios" / "smoke.toml"), "--replications", "5",
                 "--json", "--out", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["format"] == 1 and data["reserves"] == []
    assert "no device fault ends in a replacement" in data["notes"][0]


def test_spares_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["spares", str(ROOT / "scenarios" / "smoke.toml"), "--confidence", "1.5"])
    assert stop.value.code == 2
    assert "strictly between 0 and 1" in capsys.readouterr().err
    bad = _kenya(tmp_path, "\n[spares]\nconfidence = 2\n")
    assert main(["spares", str(bad)]) == 2
    assert "spares.confidence" in capsys.readouterr().err
