"""Fixtures: fresh databases on each backend, and running services on them.

``server`` is shared by the tests of a module (one per backend) to keep the suite fast:
those tests use their own stations and voters and compare counters before and after.
Tests that need a pristine database or special options start their own ``Server`` on
``database_url``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.service_support import Register, Server, fresh_database
from tests.support.pgcluster import ClusterError, ThrowawayCluster, find_pg_bin

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin or on PATH; install them: "
            "apt-get install -y postgresql"
        )
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run in CI)")
        pytest.skip(message)
    cluster = ThrowawayCluster(bin_dir)
    try:
        cluster.start()
    except ClusterError as exc:
        cluster.stop()
        pytest.fail(f"could not start a throwaway PostgreSQL cluster: {exc}")
    yield cluster
    cluster.stop()


def _fresh_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    return fresh_database(request, backend, folder)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh, empty database on the module's backend."""
    return _fresh_database(request, backend, tmp_path)


@pytest.fixture(scope="module")
def register() -> Register:
    register = Register()
    register.lines()  # fills register.templates
    return register


@pytest.fixture(scope="module")
def register_file(register: Register, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return register.write(tmp_path_factory.mktemp("register") / "register.ndjson")


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest,
    backend: str,
    register_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """The service on a fresh database with the small register, shared by a module."""
    url = _fresh_database(request, backend, tmp_path_factory.mktemp("db"))
    srv = Server(url, register=register_file)
    yield srv
    srv.stop()
