"""``pollday allocate``: a fixed budget of units spread over the stations."""

from pollday.allocate.api import AllocateOptions, allocate_to_folder
from pollday.allocate.command import add_allocate_arguments, run_allocate

__all__ = [
    "AllocateOptions",
    "add_allocate_arguments",
    "allocate_to_folder",
    "run_allocate",
]
