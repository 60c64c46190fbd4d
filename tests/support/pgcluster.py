"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb, pg_ctl, a temp dir, a port.

PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as an
unprivileged OS user (``postgres``, created if missing) through ``runuser``, and the temp
dir is handed to that user. Nothing here is used by the service itself.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_USER = "postgres"


class ClusterError(RuntimeError):
    """The cluster could not be set up; the message has the server's own words."""


def find_pg_bin() -> Path | None:
    """The bin dir of the newest installed PostgreSQL (Debian layout), or of initdb on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit()
        else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ensure_os_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/bin/false",
                        name], check=True, capture_output=True)


class ThrowawayCluster:
    """``start()`` a private cluster; ``url(db)`` to connect; ``stop()`` removes everything.

    As a context manager: started on entering, removed on leaving, and removed too when it
    fails to start (a half-made data directory left behind would fill the temp dir).
    """

    def __init__(self, bin_dir: Path, fsync: bool = True,
                 settings: dict[str, str] | None = None) -> None:
        """``settings``: extra server settings (``-c name=value``), e.g. ``commit_delay``."""
        self.bin_dir = bin_dir
        self.fsync = fsync
        self.settings = dict(settings or {})
        self.base = Path(tempfile.mkdtemp(prefix="pollday-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if self.as_root:
            argv = ["runuser", "-u", PG_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=self.base)
        if result.returncode != 0:
            raise ClusterError(
                f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}"
                f"{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        log = self.base / "server.log"
        return f"\nserver log:\n{log.read_text()[-2000:]}" if log.exists() else ""

    def start(self) -> ThrowawayCluster:
        if self.as_root:
            _ensure_os_user(PG_USER)
            shutil.chown(self.base, PG_USER, PG_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200")
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.base / "server.log"), "-w", "-t", "60", "start")
        return self

    def __enter__(self) -> ThrowawayCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def restart(self) -> None:
        """Stop (fast: every connection is cut) and start again on the same port, as a
        database failover or an operator's restart would."""
        # -l again: without it the new server writes to our captured stderr, and waiting for
        # that pipe to close would wait for the server to exit.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "-l",
                  str(self.base / "server.log"), "restart")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str) -> str:
        """The same database over the server's Unix socket (one host: no TCP loopback)."""
        return f"postgresql://postgres@/{database}?host={self.base}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
