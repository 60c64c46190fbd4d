"""The national run: every station's day in chunks, reduced to the country's figures."""

from simulation.national.runner import (
    ChunkSink,
    MemorySink,
    NationalResult,
    RunOptions,
    simulate,
    simulate_station,
)
from simulation.national.summary import national_summary, simulation_summary
from simulation.national.summary_model import SimulationSummary

__all__ = [
    "ChunkSink",
    "MemorySink",
    "NationalResult",
    "RunOptions",
    "SimulationSummary",
    "national_summary",
    "simulate",
    "simulate_station",
    "simulation_summary",
]
