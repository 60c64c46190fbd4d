"""Verdicts: thresholds judged, the closing line, JUnit XML and the CI step summary."""

from pollday.verdicts.junit import write_junit
from pollday.verdicts.run_verdict import judge

__all__ = [
    "judge",
    "write_junit",
]
