"""Plain PostgreSQL check-ins that arrive together go to the database in one statement.

Why: on 2 cores PostgreSQL's own CPU per check-in statement (parse-free but still bind,
executor start-up, trigger set-up, commit) was the largest share of a check-in, and every
statement is also one psycopg round trip in the service. Check-ins that arrive while earlier
ones are still in the database are therefore sent together, as one :data:`ACCEPT_BATCH_SQL`
statement: *natural batching*. A check-in that finds a free slot goes at once, alone, so
an idle service adds no latency; under load the batches grow by themselves up to
:data:`MAX_BATCH`.

Nothing a check-in is promised changes:

- every batch is one autocommit statement: its check-ins are committed (durable) before any
  of them is answered, and a failed statement inserts none of them;
- a batch inserts exactly the rows the one-row statement would insert one by one (the same
  conditions per row; ``ON CONFLICT DO NOTHING`` also skips a second row of the same voter
  or key within the batch), so one acceptance per voter still rests on the UNIQUE constraints;
- rows go in voter order, so two concurrent batches that meet on the same voters wait on
  each other in the same order; and should a batch fail anyway (a deadlock, the closed-station
  trigger after a protocol came in), each of its check-ins is answered by the general
  decision, exactly as if the statement had left it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

# At most this many check-ins per statement: a batch's plan and row locks stay small.
MAX_BATCH = 64
# Batch statements in flight per service process (the rest of its pool serves everything
# else). One: fewer, larger statements leave more CPU to the rest; on 2 cores it gave the
# lowest latency of 1, 2 and 4 (docs/service.md, "Batched check-ins").
MAX_IN_FLIGHT = 1

RunBatch = Callable[[Sequence[dict[str, Any]]], Awaitable[set[str]]]

class CheckinBatcher:
    """Collects concurrent ``accept`` calls of one event loop into batch statements.

    ``run_batch(params)`` executes one statement for the given check-ins' parameters and
    returns the ``checkin_id`` of those it inserted; it raises :class:`BatchRejected` when
    the statement failed without inserting anything (every check-in then goes to the
    general decision), and any other exception when the database is unavailable (every
    check-in of the batch then gets that error).
    """

    def __init__(self, run_batch: RunBatch, *, max_batch: int = MAX_BATCH,
                 max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._pending: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, params: dict[str, Any]) -> bool:
        """True when this check-in was inserted (committed); False when the general
        decision must answer it (nothing of it was changed)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((params, future))
        self._start_batches()
        # A request that goes away does not cancel its batch: the others still need it.
        return await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait until every batch sent so far has been answered (before the pool closes)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start_batches(self) -> None:
        while self._pending and len(self._tasks) < self._max_in_flight:
            batch = self._pending[:self._max_batch]
            del self._pending[:self._max_batch]
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._start_batches()

    async def _send(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        try:
            inserted = await self._run_batch([params for params, _ in batch])
        except BatchRejected:
            inserted = set()
        except Exception as exc:  # the database is unavailable: each request answers 503
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for params, future in batch:
            if not future.done():
                future.set_result(params["checkin_id"] in inserted)


class BatchRejected(Exception):
    """The batch statement failed and inserted nothing; the general decision answers."""
