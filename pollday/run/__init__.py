"""``pollday run``: simulate, replay against a target, audit, judge, close the loop."""

from pollday.run.command import add_run_arguments, run_command
from pollday.run.pipeline import RunConfig

__all__ = [
    "RunConfig",
    "add_run_arguments",
    "run_command",
]
