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


# The curated API of pollday: the options, calls, results and errors a script uses.
POLLDAY_API = {
    "StationOptions", "station_answer", "StationAnswer", "serve_station_page",
    "ValidateOptions", "validate_scenario_file", "Validation",
    "SimulateOptions", "simulate_to_folder", "SimulateResult",
    "SizeOptions", "size_stations", "SizingOutput", "AllocateOptions", "allocate_to_folder",
    "AllocationOutput",
    "SparesOptions", "count_spares", "InitOptions", "write_scenario",
    "RunConfig", "run_loop", "CapacityConfig", "run_capacity",
    "ScenarioError", "StationInputError", "SizeInputError", "AllocationInputError",
    "InitError", "OutFolderError", "RunFailure", "__version__",
}


def test_pollday_all_is_the_curated_api_and_each_name_loads() -> None:
    import pollday

    assert set(pollday.__all__) == POLLDAY_API
    # The names load on first use; each is the object its home module defines.
    assert pollday.size_stations is importlib.import_module("pollday.size.api").size
    assert pollday.StationOptions.__module__ == "pollday.station.api"
    assert {n for n in POLLDAY_API if n != "__version__"} == (
        set(pollday._HOMES) | set(pollday._RENAMED))
    with pytest.raises(AttributeError, match="no attribute 'sizes'"):
        _ = pollday.sizes  # type: ignore[attr-defined]  # a misspelt name still fails


def test_the_readme_documents_every_public_pollday_name() -> None:
    import pollday

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using it from Python"):
                     readme.index("## Measured performance")]
    missing = [n for n in pollday.__all__ if n != "__version__" and f"`{n}`" not in section]
    assert missing == []
