"""``pollday capacity`` against the plain service: the mapping file, the service's own
voters (with spare ids for a level's fresh voters), no audit (``--audit none``): a level is
judged on the thresholds it can measure, and every ``audit.*`` one is listed unmeasured."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.examples.plain_support import API_KEY, PLAIN, REPO, plain_server

POLLDAY = str(Path(sys.executable).with_name("pollday"))


@pytest.mark.slow
def test_pollday_capacity_with_the_mapping_and_no_audit(tmp_path: Path) -> None:
    mapping = tmp_path / "pollday-adapter.toml"  # its voters = "voters.csv" is read beside it
    shutil.copyfile(PLAIN / "pollday-adapter.toml", mapping)
    voters = tmp_path / "voters.csv"
    subprocess.run([sys.executable, str(PLAIN / "make_voters.py"), "scenarios/smoke.toml",
                    str(voters), "--spare", "3"], cwd=REPO, check=True, capture_output=True)
    out = tmp_path / "capacity"
    env = {**os.environ, "PLAIN_API_KEY": API_KEY, "PYTHONPATH": str(REPO)}
    env.pop("POLLDAY_ADMIN_TOKEN", None)
    with plain_server(tmp_path / "plain.db", voters) as server:
        done = subprocess.run(
            [POLLDAY, "capacity", "scenarios/smoke.toml", "--host", server.url,
             "--secret", "unused", "--audit", "none", "--adapter", str(mapping),
             "--start-multiple", "1000", "--max-multiple", "1000", "--level-s", "5",
             "--out", str(out), "--quiet"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    doc = json.loads((out / "capacity.json").read_text())
    levels = doc["levels"]
    assert len(levels) == 1 and levels[0]["multiple"] == 1000, doc["headline"]
    held = levels[0]["verdict"] == "held"
    # Exit 0 (the one level held: at least the maximum asked) or 1 (it failed a measured
    # threshold), never 2 or 3.
    assert done.returncode == (0 if held else 1), done.stderr[-3000:] + doc["headline"]
    unmeasured = set(doc["unmeasured"])
    assert unmeasured and all(rule.startswith("audit.") for rule in unmeasured), unmeasured
    assert set(levels[0]["unmeasured"]) == unmeasured
    assert doc["settings"]["audit"] == "none"
    assert levels[0]["endpoints"], levels[0]  # the load went to the plain service's paths
    assert "not measured" in done.stdout + done.stderr
