"""The page's calculation in its own process, under a deadline and a memory limit.

A thread cannot be stopped, so a calculation that runs away inside the server (a station no
input bound foresaw) would keep its CPU and memory after the request gave up. Each answer is
therefore computed in a child process, forked from a forkserver that has the model already
imported (a fork costs milliseconds, not the second an import takes): past the deadline the
child is killed and the request answers 503; its address space is capped, so a calculation
that wants more memory fails with MemoryError (also a 503) instead of swapping the machine.
At most :data:`MAX_RUNNING` calculations run at once; more are refused at once (503, try
again), so the server's memory is bounded by the count times the cap.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pollday.station.answer import StationAnswer
from pollday.station.calc import answer
from pollday.station.defaults import StationInputError
from simulation.scenario.loading import ScenarioError

DEADLINE_S = 60.0  # one answer; the page's bounds keep an unloaded one near 20 s at most
MEMORY_BYTES = 1 << 30  # address space a calculation may add to what the worker starts with
MAX_RUNNING = 2  # calculations at once (the planner's, and one more)

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["pollday.station.calc"])
_SLOTS = threading.BoundedSemaphore(MAX_RUNNING)


@dataclass(frozen=True)
class Outcome:
    """``kind``: "ok" (``value`` the answer), "input" (``value`` the input error's text),
    "busy", "deadline", "memory", or "bug" (``value`` what went wrong, traceback included)."""

    kind: str
    value: Any = None


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _work(conn: Connection, base: dict[str, Any], given: dict[str, str], days: int,
          seed: int | None, memory_bytes: int) -> None:
    # The cap is on top of what the forked worker already maps (the model's imports).
    limit = _vm_size() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        # The typed answer's JSON: the page reads exactly what `pollday station --json` prints.
        typed = StationAnswer.model_validate(answer(base, given, days, seed))
        outcome = Outcome("ok", typed.to_json())
    except (StationInputError, ScenarioError) as error:
        outcome = Outcome("input", str(error))
    except MemoryError:
        outcome = Outcome("memory")
    except Exception:  # a bug: the parent logs it and answers 500
        outcome = Outcome("bug", traceback.format_exc())
    conn.send(outcome)
    conn.close()


def calculate_bounded(base: dict[str, Any], given: dict[str, str], days: int,
                      seed: int | None, *, deadline_s: float = DEADLINE_S,
                      memory_bytes: int = MEMORY_BYTES) -> Outcome:
    """:func:`answer` in a child process: its outcome, or why there is none."""
    if not _SLOTS.acquire(blocking=False):
        return Outcome("busy", MAX_RUNNING)
    try:
        receiver, sender = _CONTEXT.Pipe(duplex=False)
        child = _CONTEXT.Process(target=_work, daemon=True,
                                 args=(sender, base, given, days, seed, memory_bytes))
        child.start()
        sender.close()  # ours: only the child's copy stays open, so its death reads as EOF
        try:
            if not receiver.poll(deadline_s):
                return Outcome("deadline", deadline_s)
            outcome: Outcome = receiver.recv()
            return outcome
        except EOFError:  # killed (out of memory at the OS level) before it could answer
            child.join(timeout=10)
            return Outcome("memory" if child.exitcode in (None, -9) else "bug",
                           f"the calculation's process ended with code {child.exitcode}")
        finally:
            receiver.close()
            if child.is_alive():
                child.kill()
            child.join(timeout=10)
    finally:
        _SLOTS.release()
