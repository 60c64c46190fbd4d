"""The synthetic register: identities, templates, determinism, and that the service takes it."""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from loadtests.register import files as register_file
from loadtests.register import synthetic as reg
from loadtests.register.files import VoterProgress
from pollday.run.register_command import add_register_arguments, run_register
from service import biometrics
from simulation import build_stations, load_scenario, station_code

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"


def test_voter_ids_are_national_ids_unique_and_invertible() -> None:
    ids = [reg.voter_id(s, v) for s in (0, 1, 6536, 999_999) for v in (0, 1, 2, 99_999)]
    assert all(len(i) == 12 and i.isdigit() for i in ids)
    assert len(set(ids)) == len(ids)
    for s, v in [(0, 0), (3, 17), (6536, 1499), (999_999, 99_999)]:
        assert reg.parse_voter_id(reg.voter_id(s, v)) == (s, v)
    block = reg.voter_ids(42, 3000)
    assert block == [reg.voter_id(42, v) for v in range(3000)]
    assert len(set(block) | set(reg.voter_ids(43, 3000))) == 6000
    # Consecutive voters do not get consecutive ids (they look like national ids).
    assert abs(int(block[1]) - int(block[0])) > 1000
    typo = block[5][:-1] + str((int(block[5][-1]) + 1) % 10)
    with pytest.raises(ValueError):
        reg.parse_voter_id(typo)
    with pytest.raises(ValueError):
        reg.voter_id(0, reg.MAX_VOTERS_PER_STATION)


def test_templates_follow_the_service_contract() -> None:
    assert reg.TEMPLATE_BYTES == biometrics.TEMPLATE_BYTES
    block = reg.station_templates(7, 500, seed=3)
    assert block.shape == (500, reg.TEMPLATE_BYTES)
    assert all(block[v].tobytes() == reg.enrolled_template(7, v, 3) for v in range(500))
    assert reg.enrolled_template(7, 0, 3) != reg.enrolled_template(7, 0, 4)  # seed matters
    for v in range(200):
        enrolled = reg.enrolled_template(7, v, 3)
        again = base64.b64decode(reg.rescan(7, v, 3, attempt=0))
        assert again != enrolled
        assert biometrics.matches(again, enrolled)
        other = base64.b64decode(reg.rescan(7, v + 1, 3, attempt=0))
        assert not biometrics.matches(other, enrolled)
    scanned = base64.b64decode(reg.rescan(7, 9, 3, attempt=2))
    assert biometrics.matches(scanned, reg.enrolled_template(7, 9, 3))
    assert reg.rescan(7, 9, 3, 2) == reg.rescan(7, 9, 3, 2)
    assert reg.rescan(7, 9, 3, 2) != reg.rescan(7, 9, 3, 3)
    # Bytes are spread over the whole range, as the matcher's false-accept bound assumes.
    counts = np.bincount(reg.station_templates(1, 4000, seed=1).ravel(), minlength=256)
    assert counts.min() > 0.8 * counts.mean() and counts.max() < 1.2 * counts.mean()


def _lines(path: Path) -> list[dict[str, object]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_smoke_register_is_complete_and_deterministic(tmp_path: Path) -> None:
    scenario = load_scenario(SMOKE)
    stations = build_stations(scenario)
    first = register_file.write_register(scenario, tmp_path / "a.ndjson", workers=2)
    second = register_file.write_register(scenario, tmp_path / "b.ndjson.gz", workers=1)
    assert (tmp_path / "a.ndjson").read_bytes() == gzip.decompress(
        (tmp_path / "b.ndjson.gz").read_bytes())
    assert first.voters == second.voters == int(stations.registered.sum())
    lines = _lines(tmp_path / "a.ndjson")
    kinds = Counter(str(x["kind"]) for x in lines)
    assert kinds == {"election": 1, "constituency": scenario.election.constituencies,
                     "station": len(stations), "voter": first.voters}
    voters = [x for x in lines if x["kind"] == "voter"]
    per_station = Counter(str(x["station_id"]) for x in voters)
    assert per_station == {station_code(s): int(stations.registered[s])
                           for s in range(len(stations))}
    assert len({x["voter_id"] for x in voters}) == len(voters)
    # The load tester's view (voter_id(s, i), enrolled_template) agrees with the file.
    for x in voters[:: max(1, len(voters) // 50)]:
        s, v = reg.parse_voter_id(str(x["voter_id"]))
        assert station_code(s) == x["station_id"]
        assert base64.b64decode(str(x["template"])) == reg.enrolled_template(
            s, v, scenario.election.seed)
    # Names come from the scenario's Faker locale (az_AZ uses letters like ə).
    assert any("ə" in str(x["first_name"]) + str(x["last_name"]) for x in voters)
    assert {x["sex"] for x in voters} == {"F", "M"}
    assert all(str(x["birth_date"]) <= "2006-02-07" for x in voters)


def test_write_register_reports_progress_once_per_batch_of_stations(tmp_path: Path) -> None:
    # 56 + 4 + 2 = 62 stations: two batches of 40 and 22 stations.
    text = SMOKE.read_text(encoding="utf-8")
    assert text.count("\ncount = 14\n") == 1
    path = tmp_path / "scaled.toml"
    path.write_text(text.replace("\ncount = 14\n", "\ncount = 56\n"), encoding="utf-8")
    scenario = load_scenario(path)
    registered = build_stations(scenario).registered
    calls: list[int] = []
    summary = register_file.write_register(scenario, tmp_path / "r.ndjson", workers=2,
                                 progress=calls.append)
    assert calls == [int(registered[:40].sum()), int(registered[40:].sum())]
    assert sum(calls) == summary.voters


def test_run_register_feeds_the_bar_and_prints_json(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_register_arguments(parser)
    seen: list[tuple[str, int]] = []

    @contextmanager
    def bar(total_voters: int) -> Iterator[VoterProgress]:
        seen.append(("total", total_voters))
        yield lambda n: seen.append(("advance", n))

    out = tmp_path / "r.ndjson"
    args = parser.parse_args([str(SMOKE), "--out", str(out), "--workers", "1", "--json"])
    assert run_register(args, bar) == 0
    assert seen == [("total", 4445), ("advance", 4445)]
    printed = json.loads(capsys.readouterr().out)
    assert printed["out"] == str(out) and printed["stations"] == 20
    assert printed["voters"] == 4445 and printed["bytes_written"] == out.stat().st_size


def test_run_register_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    parser = argparse.ArgumentParser()
    add_register_arguments(parser)
    bad = tmp_path / "bad.toml"
    bad.write_text("[election]\nname = 1\n")
    assert run_register(parser.parse_args([str(bad), "--out", str(tmp_path / "o")])) == 2
    assert "bad.toml" in capsys.readouterr().err
    missing = parser.parse_args([str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")])
    assert run_register(missing) == 2
    share = parser.parse_args([str(SMOKE), "--out", str(tmp_path / "o"), "--webcam-share", "2"])
    assert run_register(share) == 2


def test_register_does_not_import_locust() -> None:
    code = "import sys, loadtests.register; print('locust' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, check=True)
    assert result.stdout.strip() == "False"
