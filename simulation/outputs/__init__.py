"""The formats a simulated day is written in: the load schedule, histograms, typed outputs."""

from simulation.outputs.histogram import WaitHistogram
from simulation.outputs.output_model import Output, Part
from simulation.outputs.schedule import SCHEDULE_DTYPE, EventKind, Schedule
from simulation.outputs.schedule_spill import ScheduleSpill

__all__ = [
    "SCHEDULE_DTYPE",
    "EventKind",
    "Output",
    "Part",
    "Schedule",
    "ScheduleSpill",
    "WaitHistogram",
]
