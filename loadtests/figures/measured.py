"""A run's outputs flattened into catalogue figures (``checkin.p95_ms`` -> 12.5), for the
thresholds to judge. Which figures exist, and where each one's value sits, is the
catalogue's (:mod:`loadtests.figures`); this module only reads them out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadtests.figures.catalogue import of_group

Figures = dict[str, float | None]
# The stats every endpoint group has (the batch group has its items too).
ENDPOINT_STATS = tuple(f.stat for f in of_group("checkin"))
ITEM_STATS = tuple(f.stat for f in of_group("batch") if f.stat not in ENDPOINT_STATS)


# A summary written before the standard judged the whole visit (format 1) has its wait
# standard instead: the same figures under older names, the wait its only part.
_OLD_STANDARD = {"stations_over": "stations_failing"}
_OLD_RULE_LIMIT = "standard_min"


def standard_of(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The summary's standard (``standard``), or its wait standard (``wait_standard``, older
    folders) read as one: ``stations_failing``, ``failing_by_part`` and ``rule`` always there.
    None when the summary has neither. The one place that knows both shapes."""
    new = summary.get("standard")
    if isinstance(new, Mapping):
        return dict(new)
    old = summary.get("wait_standard")
    if not isinstance(old, Mapping):
        return None
    out: dict[str, Any] = {_OLD_STANDARD.get(str(k), str(k)): v for k, v in old.items()}
    failing = int(out.get("stations_failing") or 0)
    out.setdefault("failing_by_part", {"wait": failing} if failing else {})
    out.setdefault("rule", {"wait_p95_max_min": old.get(_OLD_RULE_LIMIT, 30.0)})
    out.setdefault("rule_text", f"p95 wait to the terminal <= {out['rule']['wait_p95_max_min']:g} "
                                "min (a folder written before the whole-visit standard)")
    out["worst_stations"] = [{"failed": ["wait"], **w} for w in out.get("worst_stations", [])]
    out["parts_judged"] = ["wait"]  # lost votes and closing were not judged then
    return out


def lookup(document: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted ``key`` (``standard.stations_failing``, ``wait_min.p95``, a list's
    item by its index: ``protocols_uploaded_by_hour_after_close.0``); None when absent.

    ``standard.*`` reads :func:`standard_of`; a part of the standard no station fails is
    absent from ``failing_by_part``, and counts 0 (when the summary has a standard at all)."""
    value: Any = document
    parts = key.split(".")
    if parts[0] == "standard":
        value = standard_of(document)
        if value is None:
            return None
        if parts[1:2] == ["failing_by_part"] and len(parts) == 3:
            if parts[2] not in value.get("parts_judged", (parts[2],)):
                return None  # an older summary: that part was not judged
            return int(value.get("failing_by_part", {}).get(parts[2], 0))
        parts = parts[1:]
    for part in parts:
        if isinstance(value, list | tuple) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
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

