"""``pollday capacity``: the breaking point of a target, level by level."""

from pollday.capacity.command import add_capacity_arguments, run_capacity_command

__all__ = [
    "add_capacity_arguments",
    "run_capacity_command",
]
