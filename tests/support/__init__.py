"""Helpers shared by the tests and the benchmarks (never shipped in the service).

``pgcluster``: a throwaway PostgreSQL cluster; ``rawclient``: a minimal HTTP/1.1 client.
Benchmarks run from the repository root import them as ``tests.support.X``.
"""

__all__: list[str] = []
