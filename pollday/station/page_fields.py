"""The calculator page's fields in a planner's words: label (with its unit), where the field
sits (the three most-used first, the rest under "More settings"), and words for the choices.

The inputs themselves (names, kinds, defaults) are :data:`pollday.station.catalog.INPUTS`; this
module only says how the page presents them, so the command line keeps its own flag help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pollday.station.catalog import INPUT_NAMES


@dataclass(frozen=True)
class Field:
    """How the page shows one input."""

    label: str  # the visible label, unit included
    noun: str  # how an error message names it ("Turnout must be ...")
    hint: str = ""  # a short line under the field
    section: str = ""  # "" (always shown, first) or the legend of its group under More settings
    share: bool = False  # a share from 0 to 1: errors say so
    options: dict[str, str] = field(default_factory=dict)  # value -> words


HOURS = "Polling hours and arrivals"
CHECK_IN = "Identification"
VOTING = "Ballot desk and booth"
TROUBLE = "Patience, failures and closing"
SIMULATION = "Simulation"

FIELDS: dict[str, Field] = {
    "registered": Field("Registered voters", "Registered voters"),
    "turnout": Field("Turnout (share who come, 0 to 1)", "Turnout",
                     "0.7 means 70 % of registered voters come", share=True),
    "terminals": Field("Check-in terminals (biometric)", "Check-in terminals"),
    "opening": Field("Polls open at", "Opening time", section=HOURS),
    "closing": Field("Polls close at", "Closing time", section=HOURS),
    "profile": Field("When voters come", "When voters come", section=HOURS, options={
        "": "as the starting station says", "morning": "busiest at opening",
        "flat": "evenly over the day", "evening": "busiest before closing",
        "two-peaks": "at opening and after work"}),
    "hourly_shares": Field("Arrivals per hour (relative, comma-separated)",
                           "Arrivals per hour", "one number per opening hour; "
                           "replaces “When voters come”", section=HOURS),
    "opens_late_min": Field("Opens late by (minutes)", "Opening delay",
                            "every simulated day; 0: on time", section=HOURS),
    "queue_at_opening": Field("Already in line at opening (share, 0 to 1)",
                              "Share already in line at opening", section=HOURS, share=True),
    "scan_time_s": Field("Time per scan attempt (seconds)", "Time per scan attempt",
                         section=CHECK_IN),
    "success": Field("Chance one scan recognises the voter (0 to 1)", "Success probability",
                     section=CHECK_IN, share=True),
    "attempts": Field("Scan attempts before the fallback", "Scan attempts", section=CHECK_IN),
    "fallback": Field("After the last failed scan", "Fallback", section=CHECK_IN, options={
        "manual": "check the voter by hand", "refuse": "turn the voter away (lost vote)"}),
    "manual_time_s": Field("Time of a check by hand (seconds)", "Time of a check by hand",
                           section=CHECK_IN),
    "connectivity": Field("Check-ins confirmed", "Connectivity", section=CHECK_IN, options={
        "online": "online, by the central service", "offline": "offline, synced later"}),
    "desks": Field("Ballot desks", "Ballot desks", section=VOTING),
    "ballot_time_s": Field("Time at the ballot desk (seconds)", "Time at the ballot desk",
                           section=VOTING),
    "booths": Field("Voting booths", "Voting booths", section=VOTING),
    "booth_time_s": Field("Time in the booth (seconds)", "Time in the booth", section=VOTING),
    "patience_min": Field("Patience in line, median (minutes)", "Patience",
                          "0: nobody leaves the line", section=TROUBLE),
    "mtbf_h": Field("Mean time between failures (hours)", "Mean time between failures",
                    "of a terminal; 0: terminals never fail", section=TROUBLE),
    "repair_min": Field("Repair or replacement time (minutes)", "Repair time",
                        section=TROUBLE),
    "close_line": Field("At closing time", "At closing time", section=TROUBLE, options={
        "serve": "Serve everyone already in line",
        "close": "Close the line at closing time (those in it go home)"}),
    "replications": Field("Simulated days", "Simulated days",
                          "more days: a steadier answer, a slower one", section=SIMULATION),
}
SECTIONS = (HOURS, CHECK_IN, VOTING, TROUBLE, SIMULATION)
PAGE_FIELDS = (*INPUT_NAMES, "replications")  # every one has words (a test checks it)
