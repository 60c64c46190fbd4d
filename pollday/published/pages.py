"""Docs generated from the code, so they cannot drift: ``docs/figures.md`` (the figure
catalogue) and ``docs/schemas/*.schema.json`` (the JSON Schema of every run output).

``python -m pollday.published.pages`` rewrites them (``--check``: exit 1 when one is stale);
``tests/pollday/test_published.py`` fails when a published file differs from the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from loadtests.results import AuditOutput, LoadTestOutput
from pollday.models.capacity import CapacityOutput
from pollday.models.failure import FailureSummary, SimulatedThenFailed
from pollday.models.run import RunSummary
from pollday.published.figures_page import figures_markdown
from simulation.allocation.model import AllocationOutput
from simulation.national.summary_model import SimulationSummary
from simulation.outputs.output_model import Output
from simulation.sizing.model import SizingOutput
from simulation.spares.model import SparesOutput

ROOT = Path(__file__).resolve().parents[2]
# docs/schemas/<name> -> the model of the output it describes
SCHEMAS: dict[str, type[Output]] = {
    "summary.schema.json": SimulationSummary,
    "run-summary.schema.json": RunSummary,
    "loadtest.schema.json": LoadTestOutput,
    "audit.schema.json": AuditOutput,
    "capacity.schema.json": CapacityOutput,
    "sizing.schema.json": SizingOutput,
    "spares.schema.json": SparesOutput,
    "allocation.schema.json": AllocationOutput,
    "failure-summary.schema.json": FailureSummary,
    "failed-run-summary.schema.json": SimulatedThenFailed,
}


def schema_text(model: type[Output]) -> str:
    """The model's JSON Schema, with the file it describes and the format it writes now."""
    schema = model.model_json_schema()
    schema["properties"]["format"]["default"] = model.FORMAT
    schema["title"] = f"{model.FILE} ({model.__name__}, format {model.FORMAT})"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def published() -> dict[str, str]:
    """Path (relative to the repository) -> the content it must have."""
    files = {"docs/figures.md": figures_markdown()}
    files.update({f"docs/schemas/{name}": schema_text(m) for name, m in SCHEMAS.items()})
    return files


def stale() -> list[str]:
    """The published files that differ from what the code would write."""
    return [rel for rel, text in published().items()
            if not (ROOT / rel).is_file() or (ROOT / rel).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the published files; with ``--check``, only say which are stale (exit 1)."""
    if "--check" in (sys.argv[1:] if argv is None else argv):
        for relative in stale():
            print(f"{relative} is stale: run python -m pollday.published.pages", file=sys.stderr)
        return 1 if stale() else 0
    for relative, text in published().items():
        path = ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
