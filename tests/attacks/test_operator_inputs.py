"""Operator inputs of ``pollday serve`` (issue 27, part 3): counts with a range, secret files
that cannot hang or bloat the start, fault distributions without nan/inf, and a start that
SIGTERM can always stop.

Findings kept: ``--workers 100000`` forked until a 24 GiB machine ran out of memory and
ignored SIGTERM; ``--secret-file /dev/zero`` ended in a MemoryError traceback, a FIFO blocked
forever, a UTF-8 BOM went into the secret (every station token then got 403);
``--inject-latency-ms lognormal:50:nan`` was accepted.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.auth import station_token
from service.cli import build_parser, options_from_args
from service.exits import EXIT_BAD_INPUT, ServiceInputError
from service.faults import MAX_LATENCY_MS, parse_latency_spec
from service.ranges import max_workers
from service.secret_files import MAX_SECRET_FILE_BYTES, read_secret_file
from service.serve import ServeOptions
from service.settings import Settings
from tests.service.service_support import REPO, Server

BOUND_S = 60  # every child process is waited for at most this long: a bound, not a timing


def _service(*argv: str, cwd: Path, command: tuple[str, ...] = ("-m", "service")
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *command, "--port", "0", *argv],
        capture_output=True, text=True, timeout=BOUND_S, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), "POLLDAY_SECRET": "s"},
    )


def _refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # no address: nothing was bound, nothing started


@pytest.mark.parametrize("command", [("-m", "pollday", "serve"), ("-m", "service")])
def test_workers_100000_is_exit_2_with_the_rule_before_anything_starts(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    result = _service("--workers", "100000", cwd=tmp_path, command=command)
    _refused(result, "--workers", "100000", f"1 to {max_workers()}", "per usable CPU")
    assert list(tmp_path.iterdir()) == []  # not even the default database was created
    with pytest.raises(ServiceInputError, match="--workers 100000 is out of range"):
        ServeOptions(Settings(database_url="sqlite:///x.sqlite", secret="s"),
                     workers=100_000).check()


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--port", "70000"), ("--port", "-1"), ("--workers", "0"), ("--workers", "²"),
        ("--workers", "١٢"), ("--workers", "1_0"), ("--workers", " 2"),
        ("--max-connections", "15"), ("--max-connections", "9" * 400),
        ("--keep-alive-s", "nan"), ("--keep-alive-s", "0.5"), ("--header-timeout-s", "inf"),
        ("--body-timeout-s", "1e999"), ("--body-timeout-s", "3601"),
        ("--inject-error-rate", "nan"), ("--inject-error-rate", "1.5"),
        ("--inject-error-status", "200"), ("--inject-stall-s", "inf"),
        ("--inject-stall-after-s", "-1"), ("--inject-seed", "-1"),
    ],
)
def test_every_count_has_a_range_named_in_the_error(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([f"{flag}={value}"])
    assert stop.value.code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    # The flag (or an alias spelling beside it) and its range.
    assert re.search(rf"argument (\S+/)?{re.escape(flag)}(/\S+)?:", err) and " to " in err, err
    assert value[:20] in err or repr(value)[:20] in err, err  # and the value


@pytest.mark.parametrize("spec", ["lognormal:50:nan", "exp:inf", "-5", "uniform:-1:5",
                                  "lognormal:-50:0.5", "exp:1e999", f"{MAX_LATENCY_MS * 2:.0f}"])
def test_latency_distributions_refuse_nan_inf_and_negatives(spec: str) -> None:
    args = build_parser().parse_args(["--inject-latency-ms", spec])
    with pytest.raises(ServiceInputError, match="--inject-latency-ms") as refused:
        options_from_args(args).check()
    assert refused.value.exit_code == EXIT_BAD_INPUT


def test_latency_nan_on_the_command_line_is_exit_2(tmp_path: Path) -> None:
    _refused(_service("--inject-latency-ms", "lognormal:50:nan", cwd=tmp_path),
             "--inject-latency-ms", "finite")


def test_drawn_latency_is_capped() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    wide = parse_latency_spec("lognormal:600000:10")
    assert max(wide.sample_ms(rng) for _ in range(200)) == MAX_LATENCY_MS


def _secret_cases(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    big = tmp_path / "big"
    big.write_bytes(b"x" * (MAX_SECRET_FILE_BYTES + 1))
    return {"character device": Path("/dev/zero"), "FIFO": fifo, "directory": folder,
            "larger than": big}


@pytest.mark.parametrize("option", ["--secret-file", "--admin-token-file"])
def test_secret_files_that_are_no_regular_small_files_are_exit_2(
    option: str, tmp_path: Path
) -> None:
    for words, path in _secret_cases(tmp_path).items():
        # A FIFO must not block the start: the subprocess timeout would fail the test.
        result = _service(option, str(path), cwd=tmp_path)
        _refused(result, option, str(path), words)
        with pytest.raises(ServiceInputError, match=words):
            read_secret_file(path, option)
        for child in tmp_path.iterdir():
            assert child.name in ("fifo", "folder", "big"), child  # no database created


def test_secret_file_bom_and_whitespace_are_stripped(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_bytes("\ufeff  from-an-editor \r\nsecond line\r\n".encode())
    assert read_secret_file(secret_file, "--secret-file") == "from-an-editor"
    srv = Server(f"sqlite:///{tmp_path / 'db.sqlite'}", "--secret-file", str(secret_file))
    try:
        with srv.client() as client:
            answer = client.post("/v1/checkins", json={
                "voter_id": "V1", "station_id": "PS1", "template": "AA==",
                "scanned_at": "2026-11-28T09:30:00Z"},
                headers={"Authorization": f"Bearer {station_token('from-an-editor', 'PS1')}",
                         "Idempotency-Key": "k1"})
            assert answer.status_code == 404, answer.text  # authenticated; unknown station
    finally:
        srv.stop()


def _group(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def _launch(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "service", "--port", "0", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "POLLDAY_SECRET": "s"},
        start_new_session=True,  # its own group: every child it starts can be found
    )


def _stopped_with_nothing_left(proc: subprocess.Popen[str]) -> str:
    try:
        _, err = proc.communicate(timeout=BOUND_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(BOUND_S)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    deadline = time.monotonic() + BOUND_S
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)  # the multiprocessing tracker leaves once it sees its parent gone
    assert _group(proc.pid) == []
    return err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_start_stuck_on_the_database(signum: int) -> None:
    """A "PostgreSQL" on loopback that accepts and never answers: the start waits on it
    until the signal, which ends it at once, exit 0, with a message saying where it was."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(BOUND_S)
        port = silent.getsockname()[1]
        proc = _launch("--database-url", f"postgresql://u@127.0.0.1:{port}/db")
        conn, _ = silent.accept()  # the service is now inside its database preparation
        with conn:
            proc.send_signal(signum)
            err = _stopped_with_nothing_left(proc)
    assert f"stopped by {signal.Signals(signum).name} while preparing the database" in err


@pytest.mark.parametrize("when", ["at_the_address", "once_a_worker_runs"])
def test_sigterm_while_the_workers_start_stops_them_all(when: str, tmp_path: Path) -> None:
    """The address is printed just before the workers are started: a SIGTERM then lands
    before or while they fork and import; or once a worker process exists (uvicorn's
    supervisor is then starting the others). All of them must go, and the parent exit 0."""
    workers = min(4, max_workers())
    proc = _launch("--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}",
                   "--workers", str(workers))
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("http://")
    if when == "once_a_worker_runs":
        deadline = time.monotonic() + BOUND_S
        while len(_group(proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # the parent, multiprocessing's tracker, a first worker
    proc.send_signal(signal.SIGTERM)
    _stopped_with_nothing_left(proc)
