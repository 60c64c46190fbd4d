"""Where tasks run: this process, local worker processes or a Dask cluster, and their clean end."""

from simulation.execution.executors import open_executor
from simulation.execution.orphans import die_with_parent
from simulation.execution.task_pool import TaskPool, task_pool

__all__ = [
    "TaskPool",
    "die_with_parent",
    "open_executor",
    "task_pool",
]
