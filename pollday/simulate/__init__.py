"""``pollday simulate``: a national day written to a run folder."""

from pollday.simulate.api import SimulateOptions, SimulateResult, simulate_to_folder

__all__ = [
    "SimulateOptions",
    "SimulateResult",
    "simulate_to_folder",
]
