"""``pollday worker``: a Locust load-generator worker for a master on another machine."""

from pollday.worker.command import add_worker_arguments, run_worker, worker_command

__all__ = ["add_worker_arguments", "run_worker", "worker_command"]
