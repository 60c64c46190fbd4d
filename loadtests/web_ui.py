"""What the Locust web UI path must say that a headless run never needs to.

The web UI lets a user press Start again in the same Locust process. The schedule replays
the same voters, so against the same target (the same database) the second test's
check-ins are all answered 409 (already voted), and ``--pollday-out`` is written over.
Neither is an error the harness can see, so the user is told before the traffic starts.

The form also asks for a number of users, a ramp-up and a run time, which a replay ignores
(the schedule sets the load and the end): :func:`hide_user_count_fields` hides them, so the
form shows the replay's own fields (scenario, schedule folder, compression, station share...).
"""

from __future__ import annotations

from typing import Any

__all__ = ["HIDDEN_FIELDS", "hide_user_count_fields", "repeat_start_warning",
           "with_hidden_fields"]


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


# Locust's start form only disables "Number of users", "Ramp up" and "Run time" when a load
# shape drives the test; for a replay they mean nothing (the schedule sets the load and its
# end), so they are hidden. The rule finds each field by its input's name (Locust's form
# names: userCount, spawnRate, runTime), in the start and the edit dialogs alike.
HIDDEN_FIELDS = ("userCount", "spawnRate", "runTime")
HIDE_STYLE = "<style id=\"pollday-replay-form\">" + ", ".join(
    f".MuiFormControl-root:has(input[name=\"{name}\"])" for name in HIDDEN_FIELDS
) + " { display: none !important; }</style>"


def with_hidden_fields(html: str) -> str:
    """``html`` (Locust's page) with the style that hides the user-count fields."""
    if HIDE_STYLE in html or "</head>" not in html:
        return html
    return html.replace("</head>", HIDE_STYLE + "</head>", 1)


def hide_user_count_fields(app: Any) -> None:
    """Hide the fields a replay ignores on every HTML page Locust's web UI (a Flask ``app``)
    serves."""

    def after(response: Any) -> Any:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            response.set_data(with_hidden_fields(response.get_data(as_text=True)))
        return response

    app.after_request(after)
