"""Helpers for the report tests: a smoke run folder, and headless Chromium over DevTools.

Chromium is driven through the DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on fd 3, answers and events on fd 4, each a JSON message ended by a NUL byte), so
the tests see what DevTools' console shows — console calls, uncaught exceptions and the
browser's own log entries (failed loads, security errors) — without any extra package.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pollday.simulate.outputs import simulate_day_into_folder
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def write_smoke_run(out: Path) -> Path:
    """Simulate the smoke scenario into ``out`` (a run folder, without report.html)."""
    simulate_day_into_folder(out, load_scenario(SMOKE), SMOKE, workers=1)
    return out


def write_smoke_sizing(out: Path) -> Path:
    """``pollday size`` on the smoke scenario, kept quick (few replications, wide bands)."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pollday",
            "size",
            str(SMOKE),
            "--out",
            str(out),
            "--replications",
            "3",
            "--band",
            "1000",
            "--workers",
            "1",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return out


def write_smoke_full_run(out: Path) -> Path:
    """``pollday run`` on the smoke scenario (simulation, load test, audit, closed loop,
    thresholds) against the embedded reference service, compressed hard to stay quick;
    then ``pollday size`` into the same folder, so that every report section has data."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pollday",
            "run",
            str(SMOKE),
            "--out",
            str(out),
            "--compress",
            "20000",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: a threshold failed, still a full run
    return write_smoke_sizing(out)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def required_chromium() -> str:
    """Headless Chromium's executable: a test needing it fails in CI (which installs it) and
    is skipped elsewhere, saying how to install it."""
    found = find_chromium()
    if found is None:
        message = "headless Chromium not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must have it")
        pytest.skip(message)
    return found


class DevToolsError(RuntimeError):
    pass


def _as_fds_3_and_4(read_fd: int, write_fd: int) -> None:
    """In the child: Chromium reads commands from fd 3 and writes to fd 4."""
    high_read = fcntl.fcntl(read_fd, fcntl.F_DUPFD_CLOEXEC, 10)  # out of the way of 3 and 4 first
    high_write = fcntl.fcntl(write_fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.dup2(high_read, 3)
    os.dup2(high_write, 4)


class Chromium:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, executable: str, profile_dir: Path, *, timeout_s: float = 60) -> None:
        self.timeout_s = timeout_s
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        # The child sees the pipes as fds 3 and 4, as --remote-debugging-pipe expects: dup2
        # in the child (not pass_fds, which needs 3 and 4 open in this process).
        self._process = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # Python's own fds are non-inheritable: closed at exec anyway
            preexec_fn=lambda: _as_fds_3_and_4(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.session = self._attach_to_page()

    def _attach_to_page(self) -> str:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            targets = self.send("Target.getTargets")["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                attached = self.send(
                    "Target.attachToTarget", targetId=pages[0]["targetId"], flatten=True
                )
                return str(attached["sessionId"])
            time.sleep(0.1)
        raise DevToolsError("Chromium opened no page")

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise DevToolsError(f"no answer from Chromium within {self.timeout_s} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise DevToolsError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        os.write(self._to_browser, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + self.timeout_s
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append(message)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.send(method, self.session, **params)

    def wait_for_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        seen = len(self.events)
        while True:
            for event in self.events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self.events)
            message = self._read_message(deadline)
            if "method" in message:
                self.events.append(message)

    def open(self, url: str, *, width: int = 1280, height: int = 900) -> None:
        for domain in ("Page", "Runtime", "Log"):
            self.page(f"{domain}.enable")
        self.page(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.page("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        answer = self.page(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise DevToolsError(f"{expression!r} failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        shot = self.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def console_errors(self) -> list[str]:
        """What DevTools' console would show as errors (or warnings) so far."""
        problems = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in {
                "error",
                "warning",
                "assert",
            }:
                args = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                problems.append(f"console.{params['type']}: {args}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in {"error", "warning"}:
                entry = params["entry"]
                problems.append(
                    f"{entry['source']} {entry['level']}: {entry['text']} {entry.get('url', '')}"
                )
        return problems

    def close(self) -> None:
        with contextlib.suppress(DevToolsError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
