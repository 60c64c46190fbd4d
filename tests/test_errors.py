"""One error base with an exit code, one exit-code table: every error class of simulation,
loadtests and pollday derives from ``simulation.errors.PolldayError``; the service's own
table (it is a separate program) has the same numbers."""

from __future__ import annotations

import ast
from pathlib import Path

import pollday.exits
import service.exits
from simulation.errors import ExitCode, HarnessError, InputError, PolldayError

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"PolldayError", "InputError", "HarnessError"}
# Not errors for the user: control flow inside one module.
INTERNAL = {"UnexpectedStatus"}


def _error_classes() -> dict[str, list[str]]:
    """Class name -> base names, for every class named *Error/*Failure/*Unavailable."""
    found: dict[str, list[str]] = {}
    for package in ("simulation", "loadtests", "pollday"):
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name.endswith(
                        ("Error", "Failure", "Unavailable")) and node.name not in INTERNAL:
                    found[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
    return found


def test_every_error_class_derives_from_the_one_base() -> None:
    classes = _error_classes()
    assert len(classes) >= 15  # the check sees them all (ScenarioError, AdapterError, ...)

    def rooted(name: str) -> bool:
        bases = classes.get(name, [])
        return name in ROOTS or any(b in ROOTS or (b in classes and rooted(b)) for b in bases)

    assert sorted(name for name in classes if not rooted(name)) == []


def test_one_exit_code_table() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]
    assert (InputError.exit_code, HarnessError.exit_code, PolldayError.exit_code) == (2, 3, 3)
    assert (pollday.exits.EXIT_OK, pollday.exits.EXIT_THRESHOLD, pollday.exits.EXIT_BAD_INPUT,
            pollday.exits.EXIT_HARNESS, pollday.exits.EXIT_INTERRUPTED) == (0, 1, 2, 3, 130)
    # python -m service may not import simulation: its own table, the same numbers.
    assert (service.exits.EXIT_OK, service.exits.EXIT_BAD_INPUT, service.exits.EXIT_FAILED) == (
        ExitCode.OK, ExitCode.BAD_INPUT, ExitCode.HARNESS)
    assert service.exits.ServiceInputError.exit_code == ExitCode.BAD_INPUT
