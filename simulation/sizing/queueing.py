"""Analytic queueing results used to check the simulation and to screen sizing searches."""

from __future__ import annotations


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C).

    ``offered_load`` is arrival rate times mean service time (in Erlangs); it must be below
    ``servers`` for the queue to be stable.
    """
    if servers < 1:
        raise ValueError(f"servers must be at least 1, got {servers}")
    if not 0 <= offered_load < servers:
        raise ValueError(f"offered load {offered_load} must be in [0, {servers}) for stability")
    # Erlang B by its stable recursion, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1 - rho + rho * b)


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean time in queue (before service) of an M/M/c queue, in the unit of the inputs."""
    load = arrival_rate * mean_service
    return erlang_c(servers, load) * mean_service / (servers - load)
