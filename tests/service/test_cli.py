"""``python -m service`` (= ``pollday serve``): bad input is exit 2 with a fix, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from service_support import REPO, Server

from service.pgcluster import free_port


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd or REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--inject-latency-ms", "soon"], "uniform:10:100"),
        (["--inject-latency-ms", "uniform:9:1"], "low <= high"),
        (["--inject-error-rate", "1.5"], "between 0 and 1"),
        (["--inject-endpoints", "checkins,votes"], "choose from"),
        (["--database-url", "mysql://db"], "postgresql://"),
        (["--database-url", "sqlite:///x.sqlite?journal=off"], "synchronous"),
        (["--register", "/nonexistent/register.ndjson"], "pollday register"),
        (["--workers", "0"], "at least 1"),
        (["--port", "70000"], "0-65535"),
    ],
)
def test_bad_input_exits_2_with_a_fix(argv: list[str], words: str, tmp_path: Path) -> None:
    result = (
        run("--port", "0", *argv, cwd=tmp_path)
        if "--port" not in argv
        else run(*argv, cwd=tmp_path)
    )
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_register_line_exits_2(tmp_path: Path) -> None:
    register = tmp_path / "r.ndjson"
    register.write_text('{"kind": "station", "station_id": "A"}\n')
    result = run(
        "--port",
        "0",
        "--register",
        str(register),
        "--database-url",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    assert result.returncode == 2
    assert "line 1" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_postgres_exits_3(tmp_path: Path) -> None:
    result = run(
        "--port", "0", "--database-url", f"postgresql://nobody@127.0.0.1:{free_port()}/none"
    )
    assert result.returncode == 3
    assert "cannot prepare the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_exits_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--port", str(port), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert result.returncode == 3
    assert "--port" in result.stderr and "Traceback" not in result.stderr


def test_port_0_prints_the_address_first_and_default_db_is_in_cwd(tmp_path: Path) -> None:
    srv = Server("sqlite:///pollday.sqlite", cwd=tmp_path)
    try:
        assert srv.url.startswith("http://127.0.0.1:")
        assert int(srv.url.rsplit(":", 1)[1]) > 0
        assert (tmp_path / "pollday.sqlite").exists()
        assert (tmp_path / "pollday.sqlite-wal").exists()  # WAL mode
    finally:
        srv.stop()
    assert srv.proc.returncode == 0  # SIGTERM is a clean shutdown
