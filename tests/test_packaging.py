"""Every third-party module the packages import is installed by `pip install .` alone.

A module that only the `[test]` extra brings in (httpx once was) works in CI and breaks the
README's first command on a fresh machine; this test reads the imports, not the venv.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("simulation", "pollday", "service", "loadtests")


def _runtime_closure() -> set[str]:
    """Distributions installed by the runtime dependencies (extras named there included)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            inner = Requirement(text)
            wanted = [{"extra": e} for e in req.extras] or [{"extra": ""}]
            if inner.marker is None or any(inner.marker.evaluate(env) for env in wanted):
                todo.append(inner)
    return seen


def _top_modules(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name.split(".")[0] for alias in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return {node.module.split(".")[0]}
    return set()


def _guarded(tree: ast.AST) -> set[int]:
    """ids of import nodes inside a ``try`` that catches ImportError: optional by design
    (the handler tells the user which extra to install)."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                               "ModuleNotFoundError")
                for h in node.handlers):
            ids.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return ids


def _imports(*, optional: bool) -> set[str]:
    """Third-party top modules the packages import: required ones, or (``optional``) those
    imported only under an ImportError guard."""
    required: set[str] = set()
    guarded: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            skip = _guarded(tree)
            for node in ast.walk(tree):
                (guarded if id(node) in skip else required).update(_top_modules(node))
    found = guarded - required if optional else required
    return found - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}


def _imported_top_modules() -> set[str]:
    return _imports(optional=False)


def test_every_imported_module_comes_with_the_runtime_dependencies() -> None:
    owners = metadata.packages_distributions()
    closure = _runtime_closure()
    missing = {
        module: owners.get(module, ["?"])
        for module in sorted(_imported_top_modules())
        if not {canonicalize_name(d) for d in owners.get(module, [])} & closure
    }
    assert not missing, f"imported but not a runtime dependency (add to pyproject): {missing}"


def test_every_optional_import_is_an_extra_of_the_package() -> None:
    # `--cluster` imports Dask only when asked, and says `pip install 'pollday[cluster]'`.
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    offered = {canonicalize_name(Requirement(r).name) for name, reqs in extras.items()
               if name != "test" for r in reqs}
    owners = metadata.packages_distributions()
    optional = _imports(optional=True)
    assert "distributed" in optional
    provided = offered | _runtime_closure()  # uvloop: guarded, but uvicorn[standard] has it
    for module in optional:
        assert {canonicalize_name(d) for d in owners.get(module, ["?"])} & provided, module


def test_the_check_sees_a_test_only_module() -> None:
    # schemathesis is only in the [test] extra: were a package to import it, the check must
    # say so (httpx, before it became a runtime dependency, was such a module).
    owners = metadata.packages_distributions()
    closure = _runtime_closure()
    assert not {canonicalize_name(d) for d in owners["schemathesis"]} & closure
    assert {"numpy", "simpy", "httpx", "uvicorn", "psycopg"} <= closure


def test_the_version_is_one_number() -> None:
    from pollday.version import __version__

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == __version__
