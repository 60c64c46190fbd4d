"""``loadtest.json`` and ``ledger.ndjson``: what a run writes to ``--pollday-out`` (no locust).

The orchestrator (``pollday run``) and the reports read these; ``docs/loadtests.md`` documents
every field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from loadtests.figures import ENDPOINTS
from loadtests.latency import (
    BIN_S,
    QUANTILES,
    Binned,
    Endpoint,
    Recorder,
    encode,
    max_ms,
    quantile_ms,
)
from loadtests.ledger import Entry, write_ledger
from loadtests.results import LoadTestOutput

FIGURES = ENDPOINTS  # endpoint key -> figure group, from the catalogue
CHECKIN_ENDPOINT = "POST /v1/checkins"


def _name(q: float) -> str:
    return f"p{q:g}_ms"


def endpoint_summary(name: str, ep: Endpoint,
                     figures: Mapping[str, str] = FIGURES) -> dict[str, Any]:
    errors = sum(ep.errors.values())
    out: dict[str, Any] = {
        "figure": figures.get(name, name),
        "requests": ep.requests,
        "attempts": int(ep.send.get_total_count()),
        "retries": ep.retries,
        "statuses": dict(sorted(ep.statuses.items())),
        "errors": dict(sorted(ep.errors.items())),
        "error_count": errors,
        "error_rate": round(errors / ep.requests, 6) if ep.requests else 0.0,
    }
    for q in QUANTILES:
        out[_name(q)] = quantile_ms(ep.send, q)
    out["max_ms"] = max_ms(ep.send)
    for q in QUANTILES:
        out[_name(q) + "_intended"] = quantile_ms(ep.intended, q)
    out["max_ms_intended"] = max_ms(ep.intended)
    if ep.item_statuses:
        out["item_statuses"] = dict(sorted(ep.item_statuses.items()))
    out["over_time"] = over_time(ep)
    out["hdr_send"] = encode(ep.send)
    out["hdr_intended"] = encode(ep.intended)
    return out


def _series(binned: Binned, n_bins: int, suffix: str) -> dict[str, list[Any]]:
    series: dict[str, list[Any]] = {"count" + suffix: [binned.count(b) for b in range(n_bins)]}
    for q in QUANTILES:
        series[_name(q) + suffix] = [binned.quantile_ms(b, q) for b in range(n_bins)]
    return series


def over_time(ep: Endpoint) -> dict[str, Any]:
    """Latency per ``BIN_S`` bin from the replay's time zero (the bins of ``rate``): attempts
    by send time (``count``, ``pNN_ms``), requests by intended time (``..._intended``); empty
    bins have count 0 and null quantiles, so every list has one entry per bin."""
    filled = [*ep.send_bins.bins, *ep.intended_bins.bins]
    n_bins = max(filled) + 1 if filled else 0
    return {
        "bin_s": BIN_S,
        "t_s": [round(b * BIN_S, 3) for b in range(n_bins)],
        **_series(ep.send_bins, n_bins, ""),
        **_series(ep.intended_bins, n_bins, "_intended"),
    }


def _bins(counts: dict[int, int]) -> list[float]:
    if not counts:
        return []
    last = max(counts)
    return [round(counts.get(k, 0) / BIN_S, 3) for k in range(max(0, last) + 1)]


def _finite(seconds: float) -> float | None:
    """Seconds from the replay's time zero (ms precision); None when nothing was sent."""
    return round(seconds, 3) if math.isfinite(seconds) else None


def figure_aliases(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Endpoint key -> threshold alias: the reference ones, then an adapter's own."""
    return {**FIGURES, **(extra or {})}


def checkin_endpoint(figures: Mapping[str, str]) -> str:
    """The key measured as `checkin` (an adapter's own, if it names one)."""
    own = [k for k, alias in figures.items() if alias == "checkin" and k != CHECKIN_ENDPOINT]
    return own[0] if own else CHECKIN_ENDPOINT


# Counters of what the replay did without (the adapter's ``absent``): counter -> what it
# means, then what the figures lack because of it.
SKIPPED = {
    "sync_items_sent_single": ("check-ins of offline stations' syncs sent one by one "
                               "(the target has no batch endpoint: absent \"batch\")",
                               "no batch.* figures; they count as checkin.* and duplicate.*"),
    "results_skipped_absent": ("results reads not sent (absent \"results\")",
                               "no results.* figures"),
    "protocol_skipped_absent": ("protocol uploads not sent (absent \"protocol\")",
                                "no protocol.* figures"),
    "failed_protocol_skipped_absent": ("failed protocol upload attempts not sent (absent "
                                       "\"protocol\")", "no protocol_failed.* figures"),
}


def skipped_notes(counters: Mapping[str, int]) -> list[str]:
    """A note per kind of request the replay did without (a counter of :data:`SKIPPED`)."""
    return [f"{int(counters[key]):,} {what}: {lacks}"
            for key, (what, lacks) in SKIPPED.items() if counters.get(key)]


def worker_notes(lost: Mapping[int, Mapping[str, Any]], unreported: Iterable[int],
                 stations: Mapping[int, int], workers: int) -> list[str]:
    """A note per generator worker whose answers are missing: ``lost`` (index -> when and
    how, :func:`loadtests.distributed.lost_workers`), or ``unreported`` (no final report)."""
    notes = []
    for index in sorted({*lost, *unreported}):
        count = int(lost.get(index, {}).get("stations", stations.get(index, 0)))
        if index in lost:
            found = lost[index]
            how = "no heartbeat" if found.get("state") == "missing" else "it quit"
            what = (f"worker {index + 1}/{workers} ({found.get('client', '?')}) lost "
                    f"{float(found.get('lost_at_s') or 0):g} s into the replay ({how})")
        else:
            what = f"worker {index + 1}/{workers} sent no final report"
        notes.append(f"{what}: its {count:,} stations' answers are missing from the ledger and "
                     "the figures (counted in generator.missing_workers; see "
                     "loadtest/locust.log)")
    return notes


def summarize(rec: Recorder, *, workers: int, ledger_lines: int, options: dict[str, Any],
              figures: Mapping[str, str] = FIGURES, notes: Iterable[str] = ()
              ) -> LoadTestOutput:
    """``loadtest.json``'s content, checked against its model; ``notes``: the workers
    whose answers are missing (:func:`worker_notes`), before the skipped kinds'."""
    c = rec.counters
    checkin_key = checkin_endpoint(figures)
    checkin = rec.endpoints.get(checkin_key, Endpoint())
    percentiles = list(range(1, 100))
    return LoadTestOutput.of({
        "endpoints": {n: endpoint_summary(n, ep, figures)
                      for n, ep in sorted(rec.endpoints.items())},
        "generator": {
            "workers": workers,
            "lag_p50_ms": quantile_ms(rec.lag, 50),
            "lag_p99_ms": quantile_ms(rec.lag, 99),
            "lag_max_ms": max_ms(rec.lag),
            "scheduled_events": c["scheduled_events"],
            "fired_events": c["fired_events"],
            "dropped_events": c["scheduled_events"] - c["fired_events"],
            "scheduled_jobs": c["scheduled_jobs"],
            "fired_jobs": c["fired_jobs"],
            "finished_jobs": c["finished_jobs"],
            "public_scheduled": c["public_scheduled"],
            "duplicates_without_candidate": c["duplicates_without_candidate"],
            "snapshot_skipped_no_streams": c["snapshot_skipped_no_streams"],
            "abandoned_in_flight": c["abandoned_in_flight"],
            "harness_errors": c["harness_errors"],
            "missing_workers": c["missing_workers"],
            **{key: c[key] for key in SKIPPED},
            "first_send_s": _finite(rec.first_send_s),
            "last_answer_s": _finite(rec.last_answer_s),
            "hdr_lag": encode(rec.lag),
        },
        "rate": {
            "bin_s": BIN_S,
            "scheduled_rps": _bins(dict(rec.scheduled_bins)),
            "achieved_rps": _bins(dict(rec.sent_bins)),
        },
        "checkin_latency_ms": {
            "endpoint": checkin_key,
            "from": "send",
            "count": int(checkin.send.get_total_count()),
            "percentiles": percentiles,
            "values_ms": [quantile_ms(checkin.send, float(p)) for p in percentiles],
        },
        "ledger": {"file": "ledger.ndjson", "lines": ledger_lines},
        "options": options,
        "notes": [*notes, *skipped_notes(c)],
    })


def write_outputs(out_dir: Path, rec: Recorder, entries: Iterable[Entry], *, workers: int,
                  options: dict[str, Any], figures: Mapping[str, str] = FIGURES,
                  notes: Iterable[str] = ()) -> LoadTestOutput:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = write_ledger(out_dir / "ledger.ndjson", entries)
    summary = summarize(rec, workers=workers, ledger_lines=lines, options=options,
                        figures=figures, notes=notes)
    tmp = out_dir / "loadtest.json.tmp"
    summary.write(tmp, indent=1)
    tmp.replace(out_dir / "loadtest.json")
    return summary
