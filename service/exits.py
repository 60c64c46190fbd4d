"""Exit codes of ``python -m service`` and the base class of the errors that end it.

The service is its own program (``pollday serve`` starts it as ``python -m service``) and may
import no other first-party package (the layer rules in pyproject.toml), so it cannot use
pollday's table (``pollday/exits.py``). These numbers are the same contract: 0 served until
stopped, 2 bad input (arguments, register file, database URL), 3 the service could not run
(database, port).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


class ServiceError(Exception):
    """An error that ends ``python -m service``; the message says how to fix it."""

    exit_code: int = EXIT_FAILED


class ServiceInputError(ServiceError):
    """Bad input: the arguments, the register file or the database URL."""

    exit_code = EXIT_BAD_INPUT
