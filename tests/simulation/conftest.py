from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulation import StationInput

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"


def station_input(arrivals: list[float], **overrides: Any) -> StationInput:
    """A deterministic station: 30 s scan, 10 s ballot, 60 s booth, one of each server."""
    n = len(arrivals)
    fields: dict[str, Any] = dict(
        arrival_s=np.asarray(arrivals, dtype=float),
        duplicate=np.zeros(n, dtype=bool),
        biometric_ok=np.ones(n, dtype=bool),
        scan_s=np.full(n, 30.0),
        call_s=np.zeros(n),
        call_ok=np.ones(n, dtype=bool),
        ballot_s=np.full(n, 10.0),
        booth_s=np.full(n, 60.0),
        patience_s=np.full(n, np.inf),
        terminals=1,
        desks=1,
        booths=1,
        close_s=1000.0,
    )
    for key, value in overrides.items():
        fields[key] = np.asarray(value) if isinstance(value, list) and key != "outages_s" else value
    return StationInput(**fields)


@pytest.fixture
def smoke_path() -> Path:
    return SMOKE
