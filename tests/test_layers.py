"""The layers between the packages hold (simulation at the bottom, loadtests on it, pollday on
both, service alone): import-linter's contracts (pyproject.toml), and no
module imports a name through its own package's ``__init__`` (which imports it back)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("simulation", "loadtests", "service", "pollday")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept() -> None:
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout and "9 kept" in run.stdout, run.stdout[-2000:]


def test_every_package_declares_its_layers() -> None:
    """Each package's modules are ordered (no import upward inside it), and every module and
    sub-package sits on a layer: a new one must be placed, not left out of the contract."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = {c["containers"][0]: c["layers"] for c in contracts if c["type"] == "layers"}
    assert set(layered) == set(PACKAGES)
    for package, layers in layered.items():
        placed = {name.strip() for layer in layers for name in layer.split("|")}
        folder = REPO / package
        present = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        present |= {p.parent.name for p in folder.glob("*/__init__.py")}
        assert present == placed, (package, sorted(present ^ placed))


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _through_init(module: str, source: str) -> list[str]:
    """``from PKG import NAME`` inside PKG where NAME is not a submodule: NAME comes from
    PKG/__init__.py, which (to export it) imports the module NAME lives in: a cycle."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if not module.startswith(node.module + "."):
            continue
        for alias in node.names:
            if not _is_module(f"{node.module}.{alias.name}"):
                found.append(f"{module}:{node.lineno} from {node.module} import {alias.name}")
    return found


def test_no_module_imports_through_its_own_package_init() -> None:
    found = [hit for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))
             if path.name != "__init__.py"
             for hit in _through_init(_module_name(path), path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_finds_an_import_through_the_init() -> None:
    # The check itself can fail: simulate comes from simulation/__init__; standard is a module.
    source = ("from simulation import simulate, standard\n"
              "from simulation.station.units import Hardware\n")
    assert _through_init("simulation.probe", source) == [
        "simulation.probe:1 from simulation import simulate"]
    assert _through_init("loadtests.probe", source) == []  # another package: its public API
