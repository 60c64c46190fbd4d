"""``--target-cpus`` / ``--generator-cpus``: validated (exit 2 with a clear message),
applied to the processes started, recorded in ``capacity.json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pollday.capacity.cpus import CpuSplit, cpu_split, parse_cpus, pinned
from pollday.capacity.database import check_database_url
from pollday.harness.failure import RunFailure
from tests.pollday.test_capacity import FLAT, pollday

FOUR = frozenset({0, 1, 2, 3})


def test_cpu_lists_are_parsed() -> None:
    assert parse_cpus("0", "--target-cpus", FOUR) == {0}
    assert parse_cpus("0,2", "--target-cpus", FOUR) == {0, 2}
    assert parse_cpus("1-3", "--target-cpus", FOUR) == {1, 2, 3}
    assert parse_cpus(" 0 , 2-3", "--target-cpus", FOUR) == {0, 2, 3}


@pytest.mark.parametrize(("target", "generator", "says"), [
    ("a", None, "--target-cpus 'a': 'a' is not a CPU number or a range"),
    ("3-1", None, "--target-cpus '3-1': range '3-1' must be low-high"),
    ("0", "7", "--generator-cpus '7': CPU 7 is not available to this process "
               "(available: 0,1,2,3)"),
    ("0-1", "1-2", "share CPU 1: they must be disjoint"),
    ("0-3", None, "--target-cpus 0,1,2,3 takes every available CPU"),
    ("", None, "--target-cpus '': '' is not a CPU number"),
])
def test_bad_cpu_lists_are_bad_input(target: str, generator: str | None, says: str) -> None:
    with pytest.raises(RunFailure) as error:
        cpu_split(target, generator, None, FOUR)
    assert error.value.code == 2 and says in str(error.value)


def test_one_side_alone_leaves_the_other_the_rest() -> None:
    assert cpu_split("0", None, None, FOUR) == CpuSplit(frozenset({0}), frozenset({1, 2, 3}))
    assert cpu_split(None, "3", None, FOUR) == CpuSplit(frozenset({0, 1, 2}), frozenset({3}))
    assert cpu_split(None, None, None, FOUR) == CpuSplit()
    # --host: the target is not ours to pin; the generator alone may be.
    assert cpu_split(None, "3", "http://127.0.0.1:1", FOUR) == CpuSplit(None, frozenset({3}))
    with pytest.raises(RunFailure, match="--target-cpus '0' pins the embedded service"):
        cpu_split("0", None, "http://127.0.0.1:1", FOUR)


def test_database_url_must_be_a_postgresql_server_of_the_embedded_service() -> None:
    check_database_url(None, None)
    check_database_url("postgresql://postgres@127.0.0.1:5432/postgres", None)
    with pytest.raises(RunFailure, match="use postgresql://USER@HOST:PORT/DB"):
        check_database_url("sqlite:///x.sqlite", None)
    with pytest.raises(RunFailure, match="the target at http://h keeps its own"):
        check_database_url("postgresql://postgres@127.0.0.1:5432/postgres", "http://h")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_a_process_started_pinned_runs_on_those_cpus_only() -> None:
    before = os.sched_getaffinity(0)
    one = frozenset({min(before)})
    probe = [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"]
    with pinned(one):
        inside = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
    assert json.loads(inside) == sorted(one)
    assert os.sched_getaffinity(0) == before  # given back


def test_a_bad_cpu_list_is_exit_2_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = pollday("capacity", str(FLAT), "--out", str(out), "--quiet",
                   "--target-cpus", "0", "--generator-cpus", "0")
    assert done.returncode == 2
    assert "--target-cpus '0' and --generator-cpus '0' share CPU 0" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "summary.json"]

