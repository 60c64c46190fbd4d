"""``pollday init --like NAME`` offers every shipped scenario (found in ``scenarios/``, not
listed by hand): each one is offered, named in the help, and written as a valid scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from pollday.cli import main
from pollday.scenario.init_command import TEMPLATES, shipped_scenarios
from pollday.scenario.schema import SCHEMA_FILE
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


def test_every_shipped_scenario_is_offered() -> None:
    assert list(TEMPLATES) == SHIPPED
    assert {"smoke", "azerbaijan-2024", "brazil-2022", "kenya-2022", "india-evm-booth",
            "us-county"} <= set(TEMPLATES)


def test_the_list_is_discovered_not_written_down(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text("")
    (tmp_path / "scenario.schema.json").write_text("{}")
    assert shipped_scenarios(tmp_path) == ("mine",)


def test_help_lists_every_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["init", "--help"])
    # argparse wraps the lines, breaking names at hyphens ("nigeria-\n late-opening")
    out = " ".join(capsys.readouterr().out.split()).replace("- ", "-")
    for name in SHIPPED:
        assert name in out
    assert "brazil-2022 (Brazil general election 2022 (first round))" in out


@pytest.mark.parametrize("like", SHIPPED)
def test_each_shipped_scenario_makes_a_valid_scenario(tmp_path: Path, like: str,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    file = tmp_path / f"from-{like}.toml"
    assert main(["init", "--like", like, str(file)]) == 0
    assert f"(like {like})" in capsys.readouterr().out
    lines = file.read_text().splitlines()
    assert lines[0] == f"#:schema ./{SCHEMA_FILE}"
    assert f"# Written by `pollday init --like {like}` from scenarios/{like}.toml." in lines
    assert main(["validate", str(file)]) == 0
    assert load_scenario(file) == load_scenario(ROOT / "scenarios" / f"{like}.toml")


def test_an_unknown_name_is_refused_listing_the_shipped_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["init", "--like", "atlantis", str(tmp_path / "x.toml")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'atlantis'" in err and "brazil-2022" in err
    assert not (tmp_path / "x.toml").exists()
