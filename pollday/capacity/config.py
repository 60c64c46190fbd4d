"""What ``pollday capacity`` is asked: its options, shared by the search and its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loadtests.thresholds import Threshold
from pollday.capacity.search import SearchSettings
from pollday.harness.load_target import LoadTarget


@dataclass
class CapacityConfig(LoadTarget):
    """What ``pollday capacity`` is asked: the target and workers (:class:`LoadTarget`),
    then the search's own options."""

    scenario_path: Path
    out: Path
    settings: SearchSettings = field(default_factory=SearchSettings)
    window: str = "auto"
    level_s: float = 60.0
    quiet: bool = True
    service_args: list[str] = field(default_factory=list)
    target_cpus: str | None = None  # --target-cpus as given
    generator_cpus: str | None = None
    database_url: str | None = None  # a PostgreSQL server: a fresh database per level
    max_level_s: float = 600.0  # the longest replay a level may plan (--max-level-s)
    thresholds: list[Threshold] = field(default_factory=list)  # --threshold, over the scenario's
