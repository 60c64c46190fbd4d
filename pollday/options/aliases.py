"""Old flag spellings, accepted for one release with a deprecation message.

Every flag has one meaning across pollday's commands (docs/ci.md, "Flags"): ``--workers`` is
the command's own computing processes (the simulation's in ``simulate``, ``size``,
``allocate``), ``--load-workers`` the Locust workers of ``run`` and ``capacity``,
``--service-workers`` the service's uvicorn workers of ``serve``. ``--workers`` on ``run`` and
``capacity`` used to mean Locust workers; a CI script that still says so keeps working: the old
spelling sets the new flag's value (it is never reinterpreted) and says so on stderr, once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["add_renamed_flag", "deprecation_text"]


def deprecation_text(command: str, old: str, new: str, meaning: str) -> str:
    return (f"pollday {command}: {old} is deprecated and will be removed in the next release: "
            f"use {new} ({meaning}); {old} N now sets {new} N\n")


class RenamedFlag(argparse.Action):
    """The old spelling: store into the new flag's destination and warn once per parse."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, message: str,
                 new: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.message, self.new = message, new

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given: set[str] = getattr(namespace, _GIVEN, set())
        if self.new in given:
            parser.error(f"{option_string} and {self.new} both given: give {self.new} only")
        if option_string not in given:
            sys.stderr.write(self.message)  # once, however often the old flag is repeated
        setattr(namespace, _GIVEN, given | {str(option_string)})
        setattr(namespace, self.dest, values)


class _New(argparse.Action):
    """The new spelling: store, and refuse the old one beside it (two values, one meaning)."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, old: str,
                 **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.old = old

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given: set[str] = getattr(namespace, _GIVEN, set())
        if self.old in given:
            parser.error(f"{self.old} and {option_string} both given: give {option_string} only")
        setattr(namespace, _GIVEN, given | {str(option_string)})
        setattr(namespace, self.dest, values)


_GIVEN = "_flags_given"  # the renamed flags seen on this command line


def add_renamed_flag(p: argparse.ArgumentParser, *, command: str, new: str, old: str,
                     meaning: str, type: Callable[[str], Any], default: Any,
                     help: str) -> None:
    """``new`` with its help; ``old`` hidden from the help, setting ``new``'s value with a
    deprecation message on stderr."""
    dest = new.removeprefix("--").replace("-", "_")
    p.add_argument(new, dest=dest, type=type, default=default, help=help, action=_New,
                   old=old)
    p.add_argument(old, dest=dest, type=type, default=argparse.SUPPRESS, help=argparse.SUPPRESS,
                   action=RenamedFlag, new=new,
                   message=deprecation_text(command, old, new, meaning))
