"""``--cluster ADDRESS``: where a command's national simulation runs (one flag, one help)."""

from __future__ import annotations

import argparse

__all__ = ["add_cluster_argument"]


def add_cluster_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster", metavar="ADDRESS",
        help="run the simulation's station chunks on a Dask cluster: a scheduler address "
             "(tcp://host:8786) or local:N for N local worker processes; needs "
             "pip install 'pollday[cluster]' here and on every worker (docs/scale.md). "
             "The figures are the same as without it")
