"""Which adapter ``--adapter SPEC`` names: ``module:Class`` (a Python :class:`Adapter`
subclass), a mapping file (a path ending in ``.toml``, docs/adapters.md), or nothing (the
reference service's dialect). Apart from :mod:`loadtests.adapter` because a mapping's class
subclasses :class:`Adapter`: this module imports both, neither imports it."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from loadtests.adapter import Adapter, AdapterContext, AdapterError
from loadtests.mapping import load_mapping, mapped_adapter_class
from simulation import Scenario

__all__ = ["MAPPING_SUFFIX", "adapter_class", "check_adapter_spec", "is_mapping_spec",
           "load_adapter", "needs_station_secret"]

MAPPING_SUFFIX = ".toml"  # a spec ending in this is a mapping file


def _split_spec(spec: str) -> tuple[str, str]:
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise AdapterError(f"adapter {spec!r}: expected 'module:Class', e.g. 'myadapters:Mine'")
    return module_name, class_name


def is_mapping_spec(spec: str | None) -> bool:
    """A spec naming a mapping file (``targets/mysvc.toml``), not a ``module:Class``."""
    return bool(spec) and str(spec).lower().endswith(MAPPING_SUFFIX)


def check_adapter_spec(spec: str | None, scenario: Scenario | None = None) -> None:
    """Refuse a malformed ``module:Class`` or a module that cannot be found, without
    importing it (the orchestrator must not import what may import locust); the load
    generator, started in the current folder, imports it. A mapping file (a path ending in
    ``.toml``, relative to the current folder) is read and checked in full, with its voters
    CSV (against ``scenario``'s stations when given)."""
    if not spec:
        return
    if is_mapping_spec(spec):
        cls = adapter_class(spec)  # reads the mapping and its voters CSV
        own = getattr(cls, "voters_read", None)
        if own is not None and scenario is not None:
            own.check(scenario)
        return
    module_name, _ = _split_spec(spec)
    top = module_name.split(".")[0]
    if importlib.util.find_spec(top) is None and not _in_current_folder(top):
        raise AdapterError(
            f"adapter {spec!r}: no module {top!r} on the Python path or in the current folder "
            f"({Path.cwd()}); put {top}.py there or add its folder to PYTHONPATH")


def _in_current_folder(top: str) -> bool:
    return (Path.cwd() / f"{top}.py").is_file() or (Path.cwd() / top / "__init__.py").is_file()


def adapter_class(spec: str | None) -> type[Adapter]:
    """The class named ``module:Class`` (the reference one when ``spec`` is empty), or the
    one a mapping file describes (a path ending in ``.toml``)."""
    if not spec:
        return Adapter
    if is_mapping_spec(spec):
        return mapped_adapter_class(load_mapping(spec))
    module_name, class_name = _split_spec(spec)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterError(f"adapter {spec!r}: cannot import {module_name!r} ({exc})") from None
    found = getattr(module, class_name, None)
    if not isinstance(found, type) or not issubclass(found, Adapter):
        raise AdapterError(
            f"adapter {spec!r}: {class_name!r} in {module_name!r} is not a subclass of "
            "loadtests.adapter.Adapter")
    return found


def load_adapter(spec: str | None, context: AdapterContext) -> Adapter:
    """An instance of the adapter named ``module:Class`` or described by a mapping file
    (the reference one when empty)."""
    return adapter_class(spec)(context)


def needs_station_secret(spec: str | None) -> bool:
    """Whether the adapter signs station requests with pollday's station-token secret: the
    reference dialect and Python adapters do (a Python adapter may call ``station_token``); a
    mapping file only when a template names ``{station_token}``."""
    if not is_mapping_spec(spec):
        return True
    return "station_token" in load_mapping(str(spec)).fields_used
