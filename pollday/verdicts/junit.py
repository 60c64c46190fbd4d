"""JUnit XML with one test case per threshold, for CI systems to show verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET


def write_junit(path: Path, suite: str, verdicts: list[dict[str, Any]], time_s: float) -> None:
    failures = sum(1 for v in verdicts if v["verdict"] != "met")
    root = ET.Element(
        "testsuites",
        name="pollday",
        tests=str(len(verdicts)),
        failures=str(failures),
        time=f"{time_s:.1f}",
    )
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(verdicts)),
        failures=str(failures),
        time=f"{time_s:.1f}",
    )
    for v in verdicts:
        case = ET.SubElement(ts, "testcase", classname="pollday.thresholds", name=v["rule"])
        measured = "no data" if v["value"] is None else f"{v['value']}"
        ET.SubElement(case, "system-out").text = f"{v['name']} measured {measured}"
        if v["verdict"] != "met":
            failure = ET.SubElement(case, "failure", message=f"{v['rule']}: measured {measured}")
            failure.text = v.get("reason", f"threshold {v['rule']} not met (measured {measured})")
    ET.indent(root)
    path.write_text(
        ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8"
    )
