"""Plain progress lines for logs (``pollday.progress``) and the console's use of them."""

from __future__ import annotations

import io
import re
import time

import pytest

from pollday.console import phase, progress_bar
from pollday.progress import Counted, Heartbeat, counted, plain_progress_wanted

LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _lines(stream: io.StringIO) -> list[str]:
    lines = stream.getvalue().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    return [LINE.sub("", line) for line in lines]


def test_counted_status_says_done_share_rate_and_time_left() -> None:
    count = Counted(6537, "stations")
    assert count.status(4.0) == "0/6,537 (0 %), 4 s"  # no rate before the first chunk
    count.advance(1234)
    assert count.status(3.0) == "1,234/6,537 (19 %), 411 stations/s, ~13 s left"
    count.advance(6537 - 1234)
    assert count.status(20.0) == "6,537/6,537 (100 %), finishing, 20 s"
    assert count.summary(20.0) == "done: 6,537 stations in 20 s (327 stations/s)"
    slow = Counted(10, "stations")
    slow.advance(3)
    assert slow.status(8.0) == "3/10 (30 %), 0.4 stations/s, ~19 s left"


def test_a_heartbeat_prints_start_status_and_end_lines() -> None:
    clock, out = FakeClock(), io.StringIO()
    with Heartbeat("audit", every_s=3600, clock=clock, stream=out) as beat:
        clock.now += 20
        beat.tick()  # what the thread does every every_s
    assert _lines(out) == ["audit: started", "audit still running, 20 s", "audit done in 20 s"]


def test_a_heartbeat_says_when_its_phase_stopped_on_an_error() -> None:
    clock, out = FakeClock(), io.StringIO()
    with pytest.raises(RuntimeError), Heartbeat("audit", every_s=3600, clock=clock,
                                                stream=out):
        clock.now += 75
        raise RuntimeError("boom")
    assert _lines(out)[-1] == "audit stopped after 1 min 15 s"


def test_the_thread_ticks_without_any_call_from_the_work() -> None:
    out = io.StringIO()
    beat, count = counted("simulating stations", 10, "stations", every_s=0.01, stream=out)
    with beat:
        count.advance(4)
        deadline = time.monotonic() + 30  # generous: only the thread can write these lines
        while out.getvalue().count("simulating stations 4/10") < 3:
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.01)
    lines = _lines(out)
    assert lines[0] == "simulating stations: 10 stations to do"
    assert lines[-1].startswith("simulating stations done: 4 stations in ")


def test_a_status_that_raises_does_not_stop_the_phase() -> None:
    def broken(_elapsed: float) -> str:
        raise OSError("stats file gone")

    clock, out = FakeClock(), io.StringIO()
    with Heartbeat("load test", status=broken, every_s=3600, clock=clock, stream=out) as beat:
        beat.tick()
    assert _lines(out)[1] == "load test still running, 0 s (stats file gone)"


def test_plain_lines_without_a_terminal_or_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert plain_progress_wanted(io.StringIO())
    assert not plain_progress_wanted(Tty())
    monkeypatch.setenv("CI", "true")
    assert plain_progress_wanted(Tty())
    monkeypatch.setenv("CI", "false")
    assert not plain_progress_wanted(Tty())


def test_console_progress_bar_and_phase_print_lines_to_a_pipe_and_nothing_when_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress_bar("writing register", 4445, quiet=False, unit="voters") as advance:
        advance(4445)
    with phase("audit", quiet=False):
        pass
    err = capsys.readouterr().err
    assert "━" not in err  # no bar drawn in a log
    lines = [LINE.sub("", line) for line in err.splitlines()]
    assert len(lines) == 4 and all(LINE.match(line) for line in err.splitlines())
    assert lines[0] == "writing register: 4,445 voters to do"
    assert lines[1].startswith("writing register done: 4,445 voters in ")
    assert lines[2] == "audit: started" and lines[3].startswith("audit done in ")
    with progress_bar("writing register", 10, quiet=True) as advance:
        advance(10)
    with phase("audit", quiet=True):
        pass
    assert capsys.readouterr() == ("", "")
