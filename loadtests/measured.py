"""A run's outputs flattened into catalogue figures (``checkin.p95_ms`` -> 12.5), for the
thresholds to judge. Which figures exist, and where each one's value sits, is the
catalogue's (:mod:`loadtests.figures`); this module only reads them out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadtests.figures import of_group

Figures = dict[str, float | None]
# The stats every endpoint group has (the batch group has its items too).
ENDPOINT_STATS = tuple(f.stat for f in of_group("checkin"))
ITEM_STATS = tuple(f.stat for f in of_group("batch") if f.stat not in ENDPOINT_STATS)


def lookup(document: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted ``key`` (``wait_standard.stations_over``); None when absent."""
    value: Any = document
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def item_figures(endpoint: Mapping[str, Any]) -> dict[str, float]:
    """A batch endpoint's items: how many, how many answered other than expected (a
    check-in refused inside an accepted batch), and their share."""
    statuses: dict[str, int] = endpoint.get("item_statuses", {})
    if not statuses:
        return {}
    items = sum(int(n) for n in statuses.values())
    errors = sum(int(n) for label, n in statuses.items() if not label.endswith("(expected)"))
    return {"items": items, "item_error_count": errors,
            "item_error_rate": round(errors / items, 6) if items else 0.0}


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def loadtest_figures(loadtest: Mapping[str, Any]) -> Figures:
    """Every endpoint's figures (under its alias) and the generator's, from ``loadtest.json``."""
    figures: Figures = {}
    for endpoint in loadtest.get("endpoints", {}).values():
        values = {**endpoint, **item_figures(endpoint)}
        for stat in (*ENDPOINT_STATS, *ITEM_STATS):
            if _number(values.get(stat)) is not None:
                figures[f"{endpoint['figure']}.{stat}"] = values[stat]
    generator = loadtest.get("generator", {})
    for f in of_group("generator"):
        if _number(generator.get(f.stat)) is not None:
            figures[f.name] = generator[f.stat]
    return figures


def day_figures(group: str, summary: Mapping[str, Any], *, judged: bool = True
                ) -> dict[str, Any]:
    """The ``stations`` (or ``loop``) figures of a national summary, by stat."""
    return {f.stat: lookup(summary, f.key) for f in of_group(group, judged=judged)}


def run_figures(loadtest: Mapping[str, Any], audit: Mapping[str, Any],
                simulation: Mapping[str, Any], loop: Mapping[str, Any]) -> Figures:
    """Every figure ``pollday run`` judges: the load test, the audit, the simulated day and
    the day again with the measured latency (absent parts: None, which fails as no data)."""
    figures = loadtest_figures(loadtest)
    figures.update({f.name: audit.get(f.stat) for f in of_group("audit")})
    figures.update({f"stations.{k}": v for k, v in day_figures("stations", simulation).items()})
    measured = loop.get("with_measured_latency") or {}
    figures.update({f.name: measured.get(f.stat) for f in of_group("loop")})
    return figures

