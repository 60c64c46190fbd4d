"""The target and workers are declared once (pollday/harness/load_target.py): ``RunConfig``
and ``CapacityConfig`` take the same keywords, and both are checked by the same rule."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from pollday import CapacityConfig, RunConfig
from pollday.exits import EXIT_BAD_INPUT
from pollday.harness.failure import RunFailure
from pollday.harness.load_target import LoadTarget, check_target

TARGET: dict[str, Any] = {"host": "http://10.1.2.3:80", "allow_remote": True, "load_workers": 3,
          "sim_workers": 4, "cluster": "tcp://127.0.0.1:8786", "secret": "s",
          "admin_token": "a", "audit": "answers", "adapter": "targets/mine.toml",
          "remote_workers": 2, "master_bind": "10.1.2.4:5557", "workers_wait_s": 30.0}


@pytest.mark.parametrize("config_type", [RunConfig, CapacityConfig])
def test_both_configs_take_the_target_keywords_after_their_own(
    config_type: type[RunConfig] | type[CapacityConfig], tmp_path: Path
) -> None:
    config = config_type(Path("day.toml"), tmp_path, **TARGET)
    assert isinstance(config, LoadTarget)
    assert (config.scenario_path, config.out) == (Path("day.toml"), tmp_path)
    assert {name: getattr(config, name) for name in TARGET} == TARGET
    assert {f.name for f in fields(LoadTarget)} == set(TARGET)


def test_the_commands_keep_their_own_defaults(tmp_path: Path) -> None:
    run = RunConfig(Path("day.toml"), tmp_path)
    capacity = CapacityConfig(Path("day.toml"), tmp_path)
    assert (run.quiet, capacity.quiet) == (False, True)
    assert run.host is None and capacity.sim_workers == 2


@pytest.mark.parametrize("config_type", [RunConfig, CapacityConfig])
def test_a_remote_host_is_refused_for_either_command(
    config_type: type[RunConfig] | type[CapacityConfig], tmp_path: Path
) -> None:
    remote = {**TARGET, "allow_remote": False}
    with pytest.raises(RunFailure, match="not a loopback address") as refused:
        check_target(config_type(Path("day.toml"), tmp_path, **remote))
    assert refused.value.code == EXIT_BAD_INPUT
    check_target(config_type(Path("day.toml"), tmp_path, **TARGET))
