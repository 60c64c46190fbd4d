"""The exit codes every pollday command uses (docs/run.md, step 6 "Judge").

The table itself is :class:`simulation.errors.ExitCode` (the lowest layer, so that every
package's errors can carry their code); these are its names for the commands.
"""

from simulation.errors import ExitCode

__all__ = ["EXIT_BAD_INPUT", "EXIT_HARNESS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_THRESHOLD"]

EXIT_OK = int(ExitCode.OK)  # success; every threshold met
EXIT_THRESHOLD = int(ExitCode.THRESHOLD)  # a threshold failed
EXIT_BAD_INPUT = int(ExitCode.BAD_INPUT)  # bad input: scenario, arguments
EXIT_HARNESS = int(ExitCode.HARNESS)  # the target or the harness failed
EXIT_INTERRUPTED = int(ExitCode.INTERRUPTED)  # Ctrl-C
