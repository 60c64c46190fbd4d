"""One load generator's replay of the schedule: what it loads and which jobs are its own
(:mod:`~loadtests.replay.jobs`, no locust); what the process knows while it runs
(:mod:`~loadtests.replay.state`) and how it ends (:mod:`~loadtests.replay.end`), both
imported by the locustfile only (they import locust)."""

from loadtests.replay.jobs import (
    JobRunner,
    Loaded,
    Response,
    Transport,
    kept_rows,
    load,
    worker_plan,
)

__all__ = ["JobRunner", "Loaded", "Response", "Transport", "kept_rows", "load", "worker_plan"]
