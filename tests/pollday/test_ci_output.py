"""CI-friendly output of the real CLI in a pipe (issue 21, part 5): progress lines at least
every 15 s, the verdict line and failing thresholds even with ``--quiet``, ``--threshold``,
and the GitHub step summary.

``--quiet`` on success (the verdict line alone) is checked by
``test_run.py::test_smoke_against_the_embedded_service_meets_every_threshold``, which runs
the whole smoke day with ``--quiet`` anyway.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pollday.cli import main
from pollday.verdicts.line import format_value
from tests.pollday.test_run import SMOKE, pollday

STAMP = re.compile(r"^\[(\d\d):(\d\d):(\d\d)\] (.*)$")
NEVER = "checkin.p95_ms < 0.001"  # no real service answers in a microsecond


def _clock_s(hours: str, minutes: str, seconds: str) -> int:
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _timeline(stderr: str, started: datetime, ended: datetime) -> list[tuple[int, str]]:
    """(seconds since ``started``, text) of every progress line, between the process's start
    and end; whole seconds, as the lines show them, across midnight too."""
    start = _clock_s(*f"{started:%H %M %S}".split())
    points = [(0, "(process started)")]
    for line in stderr.splitlines():
        match = STAMP.match(line)
        if match:
            at = (_clock_s(*match.groups()[:3]) - start) % 86400
            points.append((at, match[4]))
    points.append(((_clock_s(*f"{ended:%H %M %S}".split()) - start) % 86400, "(process ended)"))
    return points


def _summary(out: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


@pytest.mark.slow
def test_a_run_in_a_pipe_shows_progress_every_15_s_and_ends_with_verdict_and_step_summary(
    tmp_path: Path,
) -> None:
    step = tmp_path / "step_summary.md"
    step.write_text("## an earlier step\n", encoding="utf-8")
    out = tmp_path / "run"
    started = datetime.now()
    # Half the stations (a shorter register and audit), the replay as long as the smoke's.
    done = pollday("run", str(SMOKE), "--out", str(out), "--threshold", NEVER,
                   "--station-share", "0.5", "--sim-workers", "1",
                   env={"GITHUB_STEP_SUMMARY": str(step)})
    ended = datetime.now()
    assert done.returncode == 1, done.stderr + done.stdout
    assert "Traceback" not in done.stderr and "\x1b[" not in done.stderr + done.stdout
    assert "━" not in done.stderr  # no bar redrawn in a log

    # Progress: never more than 15 s of silence, from the start to the end of the process
    # (the replay alone lasts over 20 s at the smoke's 2,400x, so a silent phase shows).
    timeline = _timeline(done.stderr, started, ended)
    gaps = [(b[0] - a[0], a[1], b[1]) for a, b in itertools.pairwise(timeline)]
    assert all(0 <= gap <= 15 for gap, _, _ in gaps), gaps
    texts = [text for _, text in timeline]
    for phase in ("simulating stations:", "writing the replay schedule:", "writing register:",
                  "starting the reference service:", "load test:", "audit:",
                  "stopping the reference service:",
                  "closed loop: simulating stations again:", "writing summary.json"):
        assert any(t.startswith(phase) for t in texts), (phase, texts)
    ticks = [t for t in texts if re.match(r"load test \d+:\d\d / \d+:\d\d .*req/s", t)]
    assert len(ticks) >= 2, texts  # from the heartbeat's thread, at 10 s and 20 s
    assert texts[-2].startswith("writing summary.json, junit.xml and the report done in")

    # --threshold replaced the scenario's rule on that figure, and said so.
    assert f"threshold 'checkin.p95_ms < 300' replaced by '{NEVER}' (--threshold)" in done.stderr
    summary = _summary(out)
    rules = [v["rule"] for v in summary["thresholds"]]
    assert NEVER in rules and "checkin.p95_ms < 300" not in rules
    failed = [v for v in summary["thresholds"] if v["verdict"] != "met"]
    never = next(v for v in failed if v["rule"] == NEVER)

    # The table, then the verdict line and every failing threshold last.
    lines = done.stdout.splitlines()
    assert "thresholds: FAILED" in done.stdout
    verdict = (f"pollday run: FAILED — {len(failed)} of {len(rules)} thresholds failed "
               "(Smoke test election, exit 1)")
    assert lines[-1 - len(failed)] == verdict, done.stdout
    measured = f"measured {format_value('checkin.p95_ms', never['value'])}"
    assert f"  FAILED {NEVER} — {measured}" in lines[-len(failed):]

    # The step summary: appended after the earlier step's, with the same verdict.
    markdown = step.read_text(encoding="utf-8")
    assert markdown.startswith("## an earlier step\n")
    assert f"### ❌ pollday run: {verdict.removeprefix('pollday run: ')}" in markdown
    value = format_value("checkin.p95_ms", never["value"])
    assert f"| ❌ failed | `{NEVER}` | {value} |" in markdown
    assert "| ✅ met | `audit.lost_checkins == 0` | 0 |" in markdown
    assert "**Key figures**" in markdown and "(`checkin.requests`) |" in markdown


@pytest.mark.slow
def test_quiet_prints_only_the_verdict_and_each_failing_threshold(tmp_path: Path) -> None:
    # Half the stations at twice the speed: the smoke's request rate in half the time.
    out = tmp_path / "run"
    done = pollday("run", str(SMOKE), "--out", str(out), "--quiet", "--compress", "4800",
                   "--station-share", "0.5", "--sim-workers", "1", "--threshold", NEVER)
    assert done.returncode == 1, done.stderr + done.stdout
    assert [line for line in done.stderr.splitlines()
            if not line.startswith("pollday run: note: ")] == []  # no progress, no tables
    summary = _summary(out)
    thresholds: list[dict[str, Any]] = summary["thresholds"]
    failed = [v for v in thresholds if v["verdict"] != "met"]
    expected = [f"pollday run: FAILED — {len(failed)} of {len(thresholds)} thresholds failed "
                "(Smoke test election, exit 1)"]
    expected += [f"  FAILED {v['rule']} — measured "
                 f"{format_value(v['name'], v['value'])}"
                 for v in failed]
    assert done.stdout.splitlines() == expected
    assert any(line.startswith(f"  FAILED {NEVER} — measured ") for line in expected)


def test_a_run_that_cannot_start_says_why_in_the_step_summary(tmp_path: Path) -> None:
    step = tmp_path / "step_summary.md"
    done = pollday("run", str(SMOKE), "--host", "http://127.0.0.1:9", "--out",
                   str(tmp_path / "run"), "--quiet", timeout=120,
                   env={"GITHUB_STEP_SUMMARY": str(step)})
    assert done.returncode == 3, done.stderr
    markdown = step.read_text(encoding="utf-8")
    assert markdown.startswith("### ❌ pollday run: FAILED — the run did not complete "
                               "(smoke, stage: preflight, exit 3)")
    assert "unreachable" in markdown


def test_quiet_simulate_prints_the_standard_and_writes_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    step = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    out = tmp_path / "day"
    assert main(["simulate", str(SMOKE), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    [line] = captured.out.splitlines()
    assert line.startswith("pollday simulate: The standard ")
    markdown = step.read_text(encoding="utf-8")
    assert markdown.startswith("### ") and "pollday simulate: Smoke test election" in markdown
    assert "(`stations.lost_votes`) |" in markdown
