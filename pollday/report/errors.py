"""The one error the report raises for a folder it cannot report on."""

from __future__ import annotations

from pathlib import Path

from simulation.errors import InputError


class ReportError(InputError):
    """The folder cannot be reported on; the message names the folder and what is wrong.

    Bad input for ``pollday report``; a harness failure for a run that just wrote the folder."""


def broken(folder: Path, name: str, problem: str) -> ReportError:
    return ReportError(f"{folder / name}: {problem}")


def check_complete(folder: Path, marks: tuple[str, ...], needs: tuple[str, ...], how: str) -> bool:
    """Whether a section's files are there: False if none of ``marks`` is, True if every one
    of ``marks`` and ``needs`` is; ReportError naming the missing ones if only some are."""
    present = [name for name in marks if (folder / name).is_file()]
    if not present:
        return False
    missing = [name for name in (*marks, *needs) if not (folder / name).is_file()]
    if missing:
        raise ReportError(
            f"{folder}: incomplete output: has {', '.join(present)} but not "
            f"{', '.join(missing)} (run `{how}` again)"
        )
    return True
