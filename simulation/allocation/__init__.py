"""Allocation of a fixed budget of a pool's units over the stations (``pollday allocate``).

``allocate(scenario, AllocationRequest(budgets=(("terminal", 12882),)), pool=...)`` returns
one :class:`PoolResult` per budgeted pool; :func:`allocation_output` and
:func:`station_rows` turn them into ``allocation.json`` and ``allocation.csv``. The
objective and the algorithm: :mod:`simulation.allocation.optimise`; docs/allocation.md.
"""

from simulation.allocation.allocate import (
    ALLOCATIONS,
    AllocationInputError,
    AllocationRequest,
    PoolResult,
    allocate,
)
from simulation.allocation.model import AllocationOutput
from simulation.allocation.optimise import Answer, Choices, objective, optimise

__all__ = [
    "ALLOCATIONS",
    "AllocationInputError",
    "AllocationOutput",
    "AllocationRequest",
    "Answer",
    "Choices",
    "PoolResult",
    "allocate",
    "objective",
    "optimise",
]
