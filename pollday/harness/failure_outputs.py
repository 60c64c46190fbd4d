"""``summary.json`` and ``junit.xml`` for a run that ended without verdicts.

CI systems show ``junit.xml``; a run that stopped before judging its thresholds (bad input, an
unreachable target, a target that died mid-run, an interruption) used to leave none, so CI
showed nothing. :func:`write_failure_outputs` writes both, with the failure as one failed test
case whose message says what happened and when. ``pollday run`` and ``pollday capacity`` call
it from their outermost handler; it never raises (a run folder that cannot be written is
reported on stderr, and the exit code still says what happened).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pydantic import ValidationError

from pollday.models.failure import STAGES, FailureSummary, SimulatedThenFailed

SUMMARY = "summary.json"
JUNIT = "junit.xml"
__all__ = ["STAGES", "failure_junit", "failure_summary", "write_failure_outputs"]


def failure_summary(command: str, suite: str, code: int, message: str, stage: str,
                    elapsed_s: float) -> dict[str, Any]:
    return {
        "command": command,
        "scenario": suite,
        "verdict": "failed",
        "exit_code": code,
        "failure": message,
        "failure_stage": stage,
        "thresholds": [],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_wall_s": round(elapsed_s, 1),
    }


def failure_junit(command: str, suite: str, message: str, stage: str, elapsed_s: float) -> str:
    root = ET.Element("testsuites", name="pollday", tests="1", failures="1",
                      time=f"{elapsed_s:.1f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests="1", failures="1",
                       time=f"{elapsed_s:.1f}")
    case = ET.SubElement(ts, "testcase", classname=f"pollday.{command}",
                         name=f"{command} completed ({stage})")
    failure = ET.SubElement(case, "failure", message=message)
    failure.text = message
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_failure_outputs(out: Path, *, command: str, suite: str, code: int, message: str,
                          stage: str, elapsed_s: float,
                          base: dict[str, Any] | None = None) -> bool:
    """Write ``out/summary.json`` and ``out/junit.xml`` for a failed run; False if impossible.

    ``base``: figures the run already had (e.g. the simulation's summary), kept under the
    failure's fields.
    """
    summary = _summary_json({**(base or {}), **failure_summary(command, suite, code, message,
                                                               stage, elapsed_s)})
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
        (out / JUNIT).write_text(failure_junit(command, suite, message, stage, elapsed_s),
                                 encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"pollday {command}: could not write {SUMMARY} and {JUNIT} in {out}: "
                         f"{exc}\n")
        return False
    return True


def _summary_json(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary through its model (``format`` first). A ``base`` that is no simulation's
    summary is written as given rather than lost: this runs while a run is failing, and must
    not fail itself."""
    model = SimulatedThenFailed if "wait_min" in summary else FailureSummary
    try:
        return model.of(summary).as_json()
    except ValidationError:
        return summary
