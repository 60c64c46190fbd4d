"""``python -m service`` (= ``pollday serve``): bad input is exit 2 with a fix, no traceback."""

from __future__ import annotations

import gzip
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.service_support import REPO, Server
from tests.support.pgcluster import free_port


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
        (["--inject-error-rate", "1.5"], "0 to 1 (a share of requests)"),
        (["--inject-endpoints", "checkins,votes"], "choose from"),
        (["--database-url", "mysql://db"], "postgresql://"),
        (["--database-url", "sqlite:///x.sqlite?journal=off"], "synchronous"),
        (["--register", "/nonexistent/register.ndjson"], "pollday register"),
        (["--workers", "0"], "1 to"),
        (["--port", "70000"], "0 to 65,535"),
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


GOOD_LINE = b'{"kind": "constituency", "constituency_id": 5, "name": "Ok"}\n'


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"kind": "station", "station_id": "A"}\n', "line 1: field 'constituency_id'"),
        # json.loads recurses per level: this used to be a RecursionError traceback.
        (GOOD_LINE + b"[" * 2000 + b"\n", "line 2: JSON nested too deeply"),
        # A lone surrogate is valid JSON but not UTF-8: it used to fail at insert time.
        (GOOD_LINE + b'{"kind": "constituency", "constituency_id": 6, "name": "\\ud800"}\n',
         "line 2: field 'name'"),
        (GOOD_LINE + b'{"kind": "election", "name": "E", "candidates": [{"name": "\\udfff"}]}\n',
         "line 2: 'candidates'"),
    ],
)
def test_bad_register_line_exits_2(content: bytes, words: str, tmp_path: Path) -> None:
    register = tmp_path / "r.ndjson"
    register.write_bytes(content)
    result = run(
        "--port",
        "0",
        "--register",
        str(register),
        "--database-url",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    if content.startswith(GOOD_LINE):
        # The documented semantics: the lines before the bad one were imported.
        assert "lines before the error were imported" in result.stderr
        with sqlite3.connect(tmp_path / "db.sqlite") as db:
            assert db.execute("SELECT constituency_id FROM constituencies").fetchall() == [(5,)]


def test_truncated_gzip_register_exits_2(tmp_path: Path) -> None:
    register = tmp_path / "r.ndjson.gz"
    register.write_bytes(gzip.compress(GOOD_LINE * 1000)[:-20])
    result = run("--port", "0", "--register", str(register),
                 "--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert result.returncode == 2, result.stderr
    assert "cannot read the file" in result.stderr and "Traceback" not in result.stderr


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
    # No --database-url at all, through the real `pollday serve` entry point.
    srv = Server(None, cwd=tmp_path, command=("-m", "pollday", "serve"))
    try:
        assert srv.url.startswith("http://127.0.0.1:")
        assert int(srv.url.rsplit(":", 1)[1]) > 0
        assert (tmp_path / "pollday.sqlite").is_file()
        assert (tmp_path / "pollday.sqlite-wal").is_file()  # WAL mode
        with srv.client() as client:
            assert client.get("/healthz").json() == {"status": "ok", "database": "sqlite"}
    finally:
        srv.stop()
    assert srv.proc.returncode == 0  # SIGTERM is a clean shutdown
    # The file in the cwd is the service's database: it holds the migrated schema.
    with sqlite3.connect(tmp_path / "pollday.sqlite") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"checkins", "voters", "stations", "protocols"} <= tables
