"""What the Locust web UI path must say that a headless run never needs to.

The web UI lets a user press Start again in the same Locust process. The schedule replays
the same voters, so against the same target (the same database) the second test's
check-ins are all answered 409 (already voted), and ``--pollday-out`` is written over.
Neither is an error the harness can see, so the user is told before the traffic starts.
"""

from __future__ import annotations


def repeat_start_warning(starts: int, host: str, out_dir: str | None) -> str | None:
    """The warning for the ``starts``-th test started in this Locust process, or None."""
    if starts <= 1:
        return None
    message = (
        f"pollday: test {starts} in this Locust process: {host} already holds the voters the "
        "first test checked in, so this replay's check-ins will mostly be answered 409 "
        "(already voted); restart the target on a fresh database for a meaningful test"
    )
    if out_dir:
        message += f"; {out_dir} will be overwritten with this test's figures"
    return message
