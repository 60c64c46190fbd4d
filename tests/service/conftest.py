"""Fixtures: fresh databases on each backend, and running services on them.

``server`` is shared by the tests of a module (one per backend) to keep the suite fast:
those tests use their own stations and voters and compare counters before and after.
Tests that need a pristine database or special options start their own ``Server`` on
``database_url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.service_support import Register, Server, fresh_database, own_pg_cluster
from tests.support.pgcluster import ThrowawayCluster

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """The session's cluster: each test that needs PostgreSQL gets a fresh database in it."""
    with own_pg_cluster() as cluster:
        yield cluster


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
def server_options() -> tuple[str, ...]:
    """Extra command-line options of the module's ``server``; a module overrides this
    fixture to share a server started otherwise (e.g. with two workers)."""
    return ()


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest,
    backend: str,
    register_file: Path,
    server_options: tuple[str, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """The service on a fresh database with the small register, shared by a module."""
    url = _fresh_database(request, backend, tmp_path_factory.mktemp("db"))
    with Server(url, *server_options, register=register_file) as srv:
        yield srv
