"""What a sizing does to voters, read before the hardware change: lost votes a day, the last
voter out and stations meeting the standard, today and with the recommendation, measured on
fresh days the search never saw (``sizing.json``'s ``confirmation``)."""

from __future__ import annotations

from typing import Any

__all__ = ["outcome_lines"]


def _side(side: dict[str, Any]) -> str:
    low, high = side["lost_votes_per_day_interval"]
    last = side["last_out_after_close_p95_max_min"]
    last_text = "n/a" if last is None else f"{last:+.0f} min"
    return (f"{side['lost_votes_per_day']:,.0f} lost votes a day (95 % interval {low:,.0f} to "
            f"{high:,.0f}), {side['stations_meeting_standard']:,} stations meeting the "
            f"standard, last voter out {last_text} after closing at worst")


def outcome_lines(summary: dict[str, Any]) -> list[str]:
    """The comparison in a few lines, nationally then by group; [] without a confirmation."""
    c = summary.get("confirmation")
    if not c:
        return []
    change, (low, high) = c["lost_votes_change_per_day"], c["lost_votes_change_interval"]
    verdict = ("no more lost votes than today" if c["no_more_lost_votes"] else
               "MORE LOST VOTES THAN TODAY")
    lines = [
        f"before you change hardware — on {c['days']} fresh days (seed {c['seed']}), "
        f"{c['stations']:,} stations:",
        f"  today:           {_side(c['now'])}",
        f"  recommendation:  {_side(c['recommended'])}",
        f"  change in lost votes a day: {change:+,.0f} (95 % interval {low:+,.0f} to "
        f"{high:+,.0f}): {verdict}",
    ]
    cut = c["stations_cut_losing_votes"]
    if cut:
        lines.append(f"  WARNING: at {cut:,} stations the recommendation cuts hardware and "
                     "loses more votes than today on the fresh days (sizing.csv: "
                     "cut_loses_votes)")
    fewer = c["now"]["stations_meeting_standard"] - c["recommended"]["stations_meeting_standard"]
    if fewer > 0:
        lines.append(f"  WARNING: {fewer:,} fewer stations meet the standard on the fresh days "
                     "than with today's hardware (sizing.csv: fresh_met_share)")
    missing = c["stations"] - c["recommended"]["stations_meeting_standard"]
    if missing > 0:
        lines.append(f"  NOTE: {missing:,} stations still miss the standard on these fresh days "
                     "with the recommendation: it met it on the search's days, so they sit "
                     "near the limit, where one unit more usually settles it (sizing.csv: "
                     "fresh_met_share under the confidence)")
    for g in c["groups"]:
        lines.append(
            f"  {g['group']}: lost votes a day {g['now']['lost_votes_per_day']:,.0f} → "
            f"{g['recommended']['lost_votes_per_day']:,.0f}, stations meeting "
            f"{g['now']['stations_meeting_standard']:,} → "
            f"{g['recommended']['stations_meeting_standard']:,} of {g['stations']:,}")
    return lines
