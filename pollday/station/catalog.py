"""The one-station calculator's inputs, declared once: name, kind, help and default of each.

The command-line flags and the web form are both built from :data:`INPUTS`; the scenario
they fill in is built by :mod:`pollday.station.inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pollday.station.arrival_profile import PROFILES

__all__ = ["CHAIN_INPUTS", "INPUTS", "INPUT_NAMES", "Input"]


@dataclass(frozen=True)
class Input:
    """One calculator input: its name (flag ``--name-with-dashes``), type and help."""

    name: str
    kind: str  # "int", "float", "time", "choice", "text"
    help: str
    default: str
    choices: tuple[str, ...] = ()


INPUTS: tuple[Input, ...] = (
    Input("registered", "int", "registered voters of the station", "1000"),
    Input("turnout", "float", "share of registered voters who come (0-1)", "0.7"),
    Input("opening", "time", "opening time, HH:MM", "08:00"),
    Input("closing", "time", "closing time, HH:MM", "19:00"),
    Input("profile", "choice", "arrival profile over the day", "morning", tuple(PROFILES)),
    Input("hourly_shares", "text",
          "relative arrivals per opening hour, comma-separated (replaces --profile)", ""),
    Input("queue_at_opening", "float", "share of voters already in line at opening", "0.02"),
    Input("terminals", "int", "biometric check-in terminals", "1"),
    Input("scan_time_s", "float", "mean time of one scan attempt, seconds", "14"),
    Input("success", "float", "chance one scan attempt recognises the voter (0-1)", "0.55"),
    Input("attempts", "int", "scan attempts before the fallback", "4"),
    Input("fallback", "choice", "after the last failed attempt", "manual", ("manual", "refuse")),
    Input("manual_time_s", "float", "mean time of the manual check, seconds", "60"),
    Input("connectivity", "choice", "check-ins confirmed online or synced later", "online",
          ("online", "offline")),
    Input("desks", "int", "ballot-issuing desks", "1"),
    Input("ballot_time_s", "float", "mean time at the ballot desk, seconds", "30"),
    Input("booths", "int", "voting booths", "2"),
    Input("booth_time_s", "float", "mean time in the booth, seconds", "60"),
    Input("patience_min", "float",
          "median patience in line, minutes (0: nobody leaves the line)", "45"),
    Input("mtbf_h", "float", "mean hours between terminal failures (0: they never fail)", "0"),
    Input("repair_min", "float", "mean repair or replacement time, minutes", "60"),
    Input("close_line", "choice",
          "at closing: serve everyone in line, or send them home", "serve", ("serve", "close")),
    Input("opens_late_min", "float", "minutes after the opening time the station actually "
          "opens, every simulated day (0: on time; replaces the scenario's late_opening)", "0"),
)
INPUT_NAMES = tuple(i.name for i in INPUTS)


# Inputs the built-in station model has but a scenario with its own description has not:
# a [[flow]] brings its own stages, pools and times (FLOW_INPUTS); a modality chain its own
# scans.
CHAIN_INPUTS = ("scan_time_s", "success", "attempts")
