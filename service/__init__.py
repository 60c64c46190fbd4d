"""Reference check-in, results and protocol service: the default target of pollday's load tests.

A real HTTP service (uvicorn + FastAPI) over a real database (SQLite file in WAL mode by
default, PostgreSQL via psycopg 3 for multi-process or multi-host use). It implements the
service contract of docs/service.md and must never import ``simulation`` or ``loadtests``.
"""

from service.auth import station_token

__all__ = ["station_token"]
