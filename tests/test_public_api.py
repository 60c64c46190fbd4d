"""The curated public API: every package has ``__all__``, each name in it exists, and every
name the docs import from our packages is in that package's ``__all__``."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("simulation", "loadtests", "service", "pollday")
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _packages() -> list[str]:
    return sorted(".".join(p.parent.relative_to(REPO).parts)
                  for top in PACKAGES for p in (REPO / top).rglob("__init__.py"))


@pytest.mark.parametrize("package", _packages())
def test_every_package_has_all_and_it_names_real_things(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{package}/__init__.py has no __all__"
    assert sorted(exported) == sorted(set(exported))
    assert [name for name in exported if not hasattr(module, name)] == []


def _doc_imports(text: str) -> list[tuple[str, list[str]]]:
    """(module, names) of each ``from OUR_PACKAGE... import names`` in the code blocks."""
    found = []
    for block in FENCE.findall(text):
        for node in ast.walk(ast.parse(block)):
            if (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.split(".")[0] in PACKAGES):
                found.append((node.module, [a.name for a in node.names]))
    return found


def _docs() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_the_docs_import_only_public_names() -> None:
    private = []
    imports = [(doc.name, module, names) for doc in _docs()
               for module, names in _doc_imports(doc.read_text(encoding="utf-8"))]
    for doc, module, names in imports:
        exported = getattr(importlib.import_module(module), "__all__", [])
        private += [f"{doc}: from {module} import {n}" for n in names if n not in exported]
    assert private == []
    # The adapter example and the README's library example are among them.
    assert ("loadtests.md", "loadtests", ["Adapter", "Answer", "CheckinItem", "HttpRequest"]
            ) in imports
    assert any(doc == "README.md" and module == "simulation" for doc, module, _ in imports)


def test_the_doc_check_sees_a_private_import() -> None:
    text = "```python\nfrom loadtests.adapter import Adapter\nimport json\n```\n"
    assert _doc_imports(text) == [("loadtests.adapter", ["Adapter"])]
    assert "Adapter" not in getattr(importlib.import_module("loadtests.adapter"), "__all__", [])
