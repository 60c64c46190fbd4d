"""Hardware sizing: the fewest units of each pool that meet the standard, checked on fresh days."""

from simulation.sizing.model import SizingOutput
from simulation.sizing.search import BandAnswer, SizingRequest, size_band, size_stations
from simulation.sizing.summary import sizing_summary
from simulation.sizing.targets import TargetError, parse_target

__all__ = [
    "BandAnswer",
    "SizingOutput",
    "SizingRequest",
    "TargetError",
    "parse_target",
    "size_band",
    "size_stations",
    "sizing_summary",
]
