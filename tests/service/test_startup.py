"""Starting the service: a read-only database is a clear exit 3 naming the file; secrets come
from the environment or a file and never appear in the process list."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from service.auth import station_token
from tests.service.fs_support import make_read_only, tmpfs
from tests.service.service_support import REPO, Server

ONE_MIB = 1 << 20


def _serve(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "--port", "0", *argv],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "POLLDAY_SECRET": "s", **(env or {})},
    )


def test_read_only_database_file_or_folder_is_exit_3_naming_the_file(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", ONE_MIB) as folder:
        existing = folder / "existing.sqlite"
        sqlite3.connect(existing).close()
        make_read_only(folder)
        for path in (existing, folder / "new.sqlite"):
            result = _serve("--database-url", f"sqlite:///{path}")
            assert result.returncode == 3, result.stderr
            assert str(path) in result.stderr
            assert "read-only" in result.stderr
            assert "Traceback" not in result.stderr
            assert result.stdout == ""


def test_secret_and_admin_token_from_files_stay_out_of_the_process_list(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("secret-from-file\n")
    admin_file = tmp_path / "admin"
    admin_file.write_text("admin-from-file\n")
    srv = Server(f"sqlite:///{tmp_path / 'db.sqlite'}", "--secret-file", str(secret_file),
                 "--admin-token-file", str(admin_file), "--workers", "2")
    try:
        pids = [srv.proc.pid, *_children(srv.proc.pid)]
        assert len(pids) >= 3  # parent, two workers (and multiprocessing's tracker)
        for pid in pids:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            assert b"secret-from-file" not in cmdline and b"admin-from-file" not in cmdline
        with srv.client() as client:
            ok = client.get("/admin/counters",
                            headers={"Authorization": "Bearer admin-from-file"})
            assert ok.status_code == 200
            # The station secret from the file is the one tokens are checked against.
            answer = client.post("/v1/checkins", json={
                "voter_id": "V1", "station_id": "PS1", "template": "AA==",
                "scanned_at": "2026-11-28T09:30:00Z"},
                headers={"Authorization": f"Bearer {station_token('secret-from-file', 'PS1')}",
                         "Idempotency-Key": "k1"})
            assert answer.status_code == 404  # authenticated; the station is unknown
    finally:
        srv.stop()


def test_unreadable_secret_file_and_non_ascii_admin_token_are_exit_2(tmp_path: Path) -> None:
    missing = _serve("--secret-file", str(tmp_path / "missing"))
    assert missing.returncode == 2 and "--secret-file" in missing.stderr
    bad_admin = _serve("--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}",
                       env={"POLLDAY_ADMIN_TOKEN": "tökén"})
    assert bad_admin.returncode == 2 and "printable ASCII" in bad_admin.stderr
    assert "Traceback" not in missing.stderr + bad_admin.stderr


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]
