"""The map of findings to their regression tests (``tests.attacks.FINDINGS``) stays true."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.attacks import FINDINGS

ROOT = Path(__file__).resolve().parents[2]


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_finding_names_tests_that_exist() -> None:
    missing = []
    for finding, tests in FINDINGS.items():
        assert tests, finding
        for test in tests:
            file, _, name = test.partition("::")
            path = ROOT / file
            if not path.is_file() or name not in _tests_in(path):
                missing.append(f"{finding}: {test}")
    assert missing == []


def test_every_attack_module_is_in_the_map() -> None:
    mapped = {t.partition("::")[0] for tests in FINDINGS.values() for t in tests}
    here = {f"tests/attacks/{p.name}" for p in Path(__file__).parent.glob("test_*.py")}
    assert here - mapped == {"tests/attacks/test_findings.py"}
