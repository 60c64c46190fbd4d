"""The load-test target: checking it is safe to hit, or starting the reference service.

Nobody load-tests production by accident: a host that is not loopback is refused unless
the user says ``--allow-remote``. The embedded target is ``python -m service`` (what
``pollday serve`` runs) as a subprocess on a free port, with its SQLite database in the run
folder.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from pollday.harness.credentials import ADMIN_TOKEN_ENV, SECRET_ENV
from simulation.errors import HarnessError
from simulation.execution.orphans import die_with_parent_hook

_STARTUP_TIMEOUT_S = 300.0  # importing a national register takes a while


class TargetUnavailable(HarnessError, RuntimeError):
    """The target cannot be used (unreachable, failed to start); the message says why."""


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_reachable(url: str, timeout_s: float = 5.0) -> None:
    try:
        httpx.get(url.rstrip("/") + "/healthz", timeout=timeout_s)
    except httpx.HTTPError as error:
        raise TargetUnavailable(
            f"target {url} is unreachable: {error or type(error).__name__}; "
            "is the service running and the address right?"
        ) from None


class ReferenceService:
    """The reference service (``python -m service``, what ``pollday serve`` runs) on a free
    loopback port; ``url`` once started. A context manager."""

    def __init__(
        self,
        run_dir: Path,
        register: Path,
        secret: str,
        admin_token: str,
        extra_args: list[str] | None = None,
    ) -> None:
        self.run_dir, self.register = run_dir, register
        self.secret, self.admin_token = secret, admin_token
        self.extra_args = extra_args or []
        self.url = ""
        self.log_path = run_dir / "service.log"
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ReferenceService:
        db = self.run_dir / "service.sqlite"
        cmd = [
            sys.executable,
            "-m",
            "service",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--database-url",
            f"sqlite:///{db}",
            "--register",
            str(self.register),
            *self.extra_args,
        ]
        env = {**os.environ, SECRET_ENV: self.secret, ADMIN_TOKEN_ENV: self.admin_token}
        log = self.log_path.open("w", encoding="utf-8")
        # The service dies with this process (issue 27): its own session keeps it from the
        # terminal's Ctrl-C, so without this a killed `pollday run` left it serving on. Its
        # uvicorn workers die with it (service/orphans.py).
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env, start_new_session=True,
            preexec_fn=die_with_parent_hook(),
        )
        self.url = self._read_url()
        threading.Thread(target=self._drain, daemon=True).start()
        self._wait_healthy()
        return self

    def _read_url(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        box: list[str] = []
        # The first line is the address; read it in a thread so a hung start can time out.
        reader = threading.Thread(target=lambda: box.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(_STARTUP_TIMEOUT_S)
        line = box[0].strip() if box else ""
        if not line.startswith("http"):
            self.stop()
            raise TargetUnavailable(
                f"the reference service did not start (see {self.log_path}): {self._log_tail()}"
            )
        return line

    def _drain(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for _ in self._proc.stdout:
            pass

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TargetUnavailable(
            f"the reference service at {self.url} never became healthy (see {self.log_path})"
        )

    def _log_tail(self) -> str:
        try:
            return " ".join(self.log_path.read_text().strip().splitlines()[-3:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
