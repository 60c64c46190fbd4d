"""Generator options (--expect-workers, --master-bind, --workers-wait), the master's command
line, ``pollday worker``'s, and how many workers a rate needs."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import pytest

from pollday.cli import build_parser, main
from pollday.harness.generators import (
    DEFAULT_MASTER_BIND,
    GeneratorError,
    add_generator_arguments,
    generator_fields,
    host_port,
    workers_needed,
)
from pollday.harness.locust_process import LocustRun, run_locust_measured
from pollday.worker.command import worker_command


def parse(*words: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--allow-remote", action="store_true")
    p.add_argument("--load-workers", type=int, default=0)
    p.add_argument("--host")
    add_generator_arguments(p)
    return p.parse_args(list(words))


def run(**fields: object) -> LocustRun:
    return LocustRun(host="http://127.0.0.1:8000", replay_dir=Path("sim"), out_dir=Path("out"),
                     secret="s", compress=60.0, station_share=1.0, results_rps=0.0,
                     webcam_rps=0.0, adapter="", workers=int(str(fields.pop("workers", 0))),
                     expected_s=10.0, timeout_s=100.0, **fields)  # type: ignore[arg-type]


def test_defaults_are_local_workers_and_a_loopback_master() -> None:
    assert generator_fields(parse()) == {"remote_workers": 0, "master_bind": DEFAULT_MASTER_BIND,
                                         "workers_wait_s": 120.0}


def test_fields_become_the_master_command_line() -> None:
    fields = generator_fields(parse("--expect-workers", "3", "--master-bind", "127.0.0.1:6000",
                                    "--workers-wait", "30"))
    cmd = run(**fields).command()
    at = cmd.index("--expect-workers")
    assert cmd[at:at + 2] == ["--expect-workers", "3"] and "--master" in cmd
    assert cmd[cmd.index("--master-bind-port") + 1] == "6000"
    assert cmd[cmd.index("--master-bind-host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--workers-wait") + 1] == "30"
    assert "--processes" not in cmd and "--headless" in cmd


def test_local_workers_keep_their_command_line() -> None:
    cmd = run(workers=2).command()
    assert cmd[cmd.index("--processes") + 1] == "2" and "--expect-workers" not in cmd


@pytest.mark.parametrize("words, message", [
    (("--expect-workers", "257"), "out of range: use 0 to 256"),
    (("--expect-workers", "²"), "is not a whole number"),
    (("--expect-workers", "-1"), "is not a whole number"),
    (("--master-bind", "0.0.0.0"), "is not HOST:PORT"),
    (("--master-bind", "0.0.0.0:70000"), "the port must be 1 to 65535"),
    (("--master-bind", "0.0.0.0:0"), "the port must be 1 to 65535"),
    (("--master-bind", "bad host:5557"), "is not a host name or address"),
    (("--master-bind", "[zz]:5557"), "is not an IPv6 address"),
    (("--workers-wait", "0"), "use 1 to 3600 seconds"),
    (("--workers-wait", "nan"), "use 1 to 3600 seconds"),
])
def test_out_of_range_options_are_refused_with_the_range(
        words: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*words)
    assert message in capsys.readouterr().err


def test_a_master_beyond_loopback_needs_allow_remote_and_says_why() -> None:
    args = parse("--expect-workers", "2", "--master-bind", "0.0.0.0:5557")
    with pytest.raises(GeneratorError, match="needs --allow-remote: Locust's master has no "
                                             "authentication"):
        generator_fields(args)
    allowed = parse("--expect-workers", "2", "--master-bind", "0.0.0.0:5557", "--allow-remote",
                    "--host", "http://10.0.0.9:8000")
    assert generator_fields(allowed)["master_bind"] == "0.0.0.0:5557"


@pytest.mark.parametrize("host", [None, "http://127.0.0.1:8000", "http://localhost:8000"])
def test_workers_elsewhere_need_a_target_they_can_reach(host: str | None) -> None:
    words = ["--expect-workers", "2", "--master-bind", "0.0.0.0:5557", "--allow-remote"]
    with pytest.raises(GeneratorError, match="needs a --host URL they can reach"):
        generator_fields(parse(*words, *(["--host", host] if host else [])))
    # Workers on this machine (a loopback master) reach the embedded service.
    assert generator_fields(parse("--expect-workers", "2"))["remote_workers"] == 2
    assert generator_fields(parse("--master-bind", "[::1]:5557", "--expect-workers", "1"))[
        "master_bind"] == "[::1]:5557"


def test_remote_and_local_workers_do_not_mix() -> None:
    with pytest.raises(GeneratorError, match=re.escape("pollday worker --master 127.0.0.1:5557 "
                                                       "--processes 2")):
        generator_fields(parse("--expect-workers", "2", "--load-workers", "2"))
    with pytest.raises(ValueError, match="cannot both be set"):
        run(workers=2, remote_workers=2)


def test_host_port_reads_ipv6_and_names() -> None:
    assert host_port("[::1]:5557") == ("::1", 5557)
    assert host_port("gen-1.example.org:80") == ("gen-1.example.org", 80)


@pytest.mark.parametrize("rate, cpu, share, expected", [
    (0.0, 0.001, 0.7, 1),
    (700.0, 0.001, 0.7, 1),
    (701.0, 0.001, 0.7, 2),
    (20_000.0, 0.0005, 0.5, 20),
])
def test_workers_needed_is_the_cores_the_rate_keeps_busy(rate: float, cpu: float, share: float,
                                                         expected: int) -> None:
    assert workers_needed(rate, cpu, usable_core_share=share) == expected
    assert expected == max(1, math.ceil(rate * cpu / share - 1e-9))


@pytest.mark.parametrize("rate, cpu, share", [(-1.0, 0.001, 0.7), (1.0, math.inf, 0.7),
                                              (1.0, 0.001, 0.0), (1.0, 0.001, 1.5)])
def test_workers_needed_refuses_nonsense(rate: float, cpu: float, share: float) -> None:
    with pytest.raises(ValueError):
        workers_needed(rate, cpu, usable_core_share=share)


def test_pollday_worker_runs_locust_workers_for_the_master() -> None:
    args = build_parser().parse_args(["worker", "--master", "10.0.0.5:5557", "--processes", "2"])
    assert args.master == ("10.0.0.5", 5557) and args.processes == 2 and not args.once
    cmd = worker_command(args.master, args.processes)
    assert cmd[:3] == [sys.executable, "-m", "locust"] and cmd[4].endswith("locustfile.py")
    assert cmd[5:] == ["--worker", "--master-host", "10.0.0.5", "--master-port", "5557",
                       "--processes", "2"]


def test_pollday_worker_refuses_a_bad_master(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--master", "nowhere"])
    assert exit_.value.code == 2
    assert "is not HOST:PORT" in capsys.readouterr().err


class BusyRun(LocustRun):
    """A stand-in for Locust that burns CPU in a child of its own (as --processes does)."""

    def command(self) -> list[str]:
        burn = ("import time; t = time.process_time(); "
                "all(iter(lambda: time.process_time() - t < 0.4, False))")
        return [sys.executable, "-c",
                f"import subprocess, sys; exec({burn!r}); "
                f"subprocess.run([sys.executable, '-c', {burn!r}], check=True)"]


def test_the_generators_cpu_is_measured_with_its_local_workers(tmp_path: Path) -> None:
    busy = BusyRun(**{**run().__dict__, "out_dir": tmp_path})
    code, _, cpu_s = run_locust_measured(busy, quiet=True)
    assert code == 0
    assert 0.8 <= cpu_s < 5.0  # 0.4 s in the process and 0.4 s in its child, plus start-up


def _worker_args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["worker", "--master", "127.0.0.1:5557", *extra])


@pytest.mark.parametrize("locust_exit, once, expected", [
    (1, True, 0),  # failed requests: the master judges them
    (4, True, 3),  # the worker itself failed
    (4, False, 3),  # failing at once again and again: broken here, not waiting for a master
    (2, False, 2),  # Locust refused the options
])
def test_pollday_worker_exit_codes(locust_exit: int, once: bool, expected: int,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from pollday.worker import command
    monkeypatch.setattr(command, "worker_command", lambda master, n: [
        sys.executable, "-c", f"raise SystemExit({locust_exit})"])
    monkeypatch.setattr(command, "RESTART_PAUSE_S", 0.0)
    assert command.run_worker(_worker_args(*(["--once"] if once else []))) == expected
    if not once and expected == 3:
        assert "failed 3 times in a row" in capsys.readouterr().err
