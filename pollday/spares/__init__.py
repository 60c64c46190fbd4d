"""``pollday spares``: how many spares each reserve needs."""

from pollday.spares.api import SparesOptions, spares
from pollday.spares.command import add_spares_arguments, run_spares

__all__ = [
    "SparesOptions",
    "add_spares_arguments",
    "run_spares",
    "spares",
]
