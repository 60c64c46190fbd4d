"""``pollday size``: the fewest terminals, desks and booths that meet the standard."""

from pollday.size.api import SizeOptions, size
from pollday.size.command import add_size_arguments, run_size

__all__ = [
    "SizeOptions",
    "add_size_arguments",
    "run_size",
    "size",
]
