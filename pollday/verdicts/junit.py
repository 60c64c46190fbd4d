"""JUnit XML with one test case per threshold, for CI systems to show verdicts.

A failed threshold is a ``<failure>``; a threshold on a figure the run did not measure on
purpose (``not-measured``: an audit figure under ``--audit answers`` or ``none``) is
``<skipped>`` with the reason, so CI shows it apart, neither passed nor failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET


def write_junit(path: Path, suite: str, verdicts: list[dict[str, Any]], time_s: float) -> None:
    failures = sum(1 for v in verdicts if v["verdict"] not in ("met", "not-measured"))
    skipped = sum(1 for v in verdicts if v["verdict"] == "not-measured")
    counts = {"tests": str(len(verdicts)), "failures": str(failures), "skipped": str(skipped),
              "time": f"{time_s:.1f}"}
    root = ET.Element("testsuites", {"name": "pollday", **counts})
    ts = ET.SubElement(root, "testsuite", {"name": suite, **counts})
    for v in verdicts:
        case = ET.SubElement(ts, "testcase", classname="pollday.thresholds", name=v["rule"])
        if v["verdict"] == "not-measured":
            reason = str(v.get("reason") or "not measured")
            ET.SubElement(case, "system-out").text = f"{v['name']} not measured"
            ET.SubElement(case, "skipped", message=f"{v['rule']}: {reason}")
            continue
        measured = "no data" if v["value"] is None else f"{v['value']}"
        ET.SubElement(case, "system-out").text = f"{v['name']} measured {measured}"
        if v["verdict"] != "met":
            failure = ET.SubElement(case, "failure", message=f"{v['rule']}: measured {measured}")
            failure.text = v.get("reason", f"threshold {v['rule']} not met (measured {measured})")
    ET.indent(root)
    path.write_text(
        ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8"
    )
