"""The exit-code table and the base class of every error pollday reports to its user.

One table, one base: :class:`ExitCode` (0 ok, 1 a threshold failed, 2 bad input, 3 the target
or the harness failed, 130 interrupted) and :class:`PolldayError`, whose ``exit_code`` says
which of them a command ends with. They live in ``simulation``, the lowest layer, because the
layers above (``loadtests``, ``pollday``) may import it and it may import neither: every
package's errors derive from :class:`InputError` or :class:`HarnessError` here, and
``pollday.exits`` re-exports the table under the names the commands use.

``service`` is its own program and imports no other first-party package, so
``service/exits.py`` repeats the same numbers for ``python -m service``.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "HarnessError", "InputError", "PolldayError"]


class ExitCode(IntEnum):
    OK = 0  # success; every threshold met
    THRESHOLD = 1  # a threshold failed
    BAD_INPUT = 2  # bad input: scenario, arguments, input files
    HARNESS = 3  # the target or the harness failed
    INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class PolldayError(Exception):
    """An error meant for the user as is (no traceback); ends the command with ``exit_code``."""

    exit_code: int = ExitCode.HARNESS


class InputError(PolldayError):
    """Bad input (scenario, arguments, input files): the message names what and how to fix."""

    exit_code = ExitCode.BAD_INPUT


class HarnessError(PolldayError):
    """The target or the harness failed."""

    exit_code = ExitCode.HARNESS
