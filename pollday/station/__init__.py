"""``pollday station``: the one-station calculator, on the command line and as a web page."""

from pollday.station.api import StationOptions, station_answer
from pollday.station.command import add_station_arguments, run_station_command

__all__ = [
    "StationOptions",
    "add_station_arguments",
    "run_station_command",
    "station_answer",
]
