"""What ``pollday capacity`` is asked: its options, shared by the search and its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loadtests.thresholds import Threshold
from pollday.capacity.search import SearchSettings


@dataclass
class CapacityConfig:
    scenario_path: Path
    out: Path
    settings: SearchSettings = field(default_factory=SearchSettings)
    window: str = "auto"
    level_s: float = 60.0
    host: str | None = None
    allow_remote: bool = False
    load_workers: int = 0  # Locust workers (--load-workers); 0: one process
    sim_workers: int = 2
    cluster: str | None = None  # the simulation on a Dask cluster (--cluster)
    secret: str = ""
    admin_token: str = ""
    quiet: bool = True
    service_args: list[str] = field(default_factory=list)
    target_cpus: str | None = None  # --target-cpus as given
    generator_cpus: str | None = None
    database_url: str | None = None  # a PostgreSQL server: a fresh database per level
    max_level_s: float = 600.0  # the longest replay a level may plan (--max-level-s)
    thresholds: list[Threshold] = field(default_factory=list)  # --threshold, over the scenario's
