from __future__ import annotations

from pathlib import Path

import pytest

from tests.pollday.report_support import write_smoke_full_run


@pytest.fixture(scope="session")
def smoke_full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full smoke run (load test included) and sizing, shared by the report tests."""
    return write_smoke_full_run(tmp_path_factory.mktemp("full"))
