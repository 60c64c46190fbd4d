"""Natural batching of check-ins (service/store/pg_batch.py), against a scripted database.

The statement itself is tested on a real PostgreSQL in test_pg_checkin.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from service.store.pg_batch import BatchRejected, CheckinBatcher


class ScriptedDatabase:
    """Runs batches only when the test releases them; records every batch's check-ins."""

    def __init__(self, outcome: Exception | None = None) -> None:
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()
        self.outcome = outcome

    async def run(self, batch: Sequence[dict[str, Any]]) -> set[str]:
        self.batches.append([params["checkin_id"] for params in batch])
        await self.release.wait()
        if self.outcome is not None:
            raise self.outcome
        return {params["checkin_id"] for params in batch if params["insert"]}


def _params(k: int, insert: bool = True) -> dict[str, Any]:
    return {"checkin_id": f"c{k}", "insert": insert}


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_lone_check_in_goes_at_once_alone() -> None:
    async def scenario() -> tuple[bool, list[list[str]]]:
        db = ScriptedDatabase()
        db.release.set()
        batcher = CheckinBatcher(db.run)
        return await batcher.accept(_params(1)), db.batches

    assert asyncio.run(scenario()) == (True, [["c1"]])


def test_check_ins_arriving_while_statements_run_share_the_next_ones() -> None:
    async def scenario() -> tuple[list[bool], list[list[str]]]:
        db = ScriptedDatabase()
        batcher = CheckinBatcher(db.run, max_batch=3, max_in_flight=2)
        calls = [asyncio.create_task(batcher.accept(_params(k, insert=k != 4)))
                 for k in range(9)]
        await _settle()
        sent_before_release = [list(b) for b in db.batches]
        db.release.set()
        done = await asyncio.gather(*calls)
        await batcher.drain()
        assert sent_before_release == [["c0"], ["c1"]]  # free slots: at once, alone
        return done, db.batches

    done, batches = asyncio.run(scenario())
    assert done == [k != 4 for k in range(9)]
    # The others waited for a free slot; then three at most per statement, in arrival order.
    assert batches == [["c0"], ["c1"], ["c2", "c3", "c4"], ["c5", "c6", "c7"], ["c8"]]


def test_a_rejected_batch_leaves_every_check_in_to_the_general_decision() -> None:
    async def scenario() -> list[bool]:
        db = ScriptedDatabase(BatchRejected("deadlock detected"))
        db.release.set()
        batcher = CheckinBatcher(db.run, max_in_flight=1)
        return list(await asyncio.gather(*(batcher.accept(_params(k)) for k in range(4))))

    assert asyncio.run(scenario()) == [False] * 4


def test_an_unavailable_database_fails_every_check_in_of_the_batch() -> None:
    async def scenario() -> list[Any]:
        db = ScriptedDatabase(ConnectionError("server closed the connection"))
        db.release.set()
        batcher = CheckinBatcher(db.run, max_in_flight=1)
        return list(await asyncio.gather(*(batcher.accept(_params(k)) for k in range(3)),
                                         return_exceptions=True))

    outcomes = asyncio.run(scenario())
    assert [type(o) for o in outcomes] == [ConnectionError] * 3


def test_a_caller_that_goes_away_does_not_cancel_its_batch() -> None:
    async def scenario() -> tuple[list[bool], list[list[str]]]:
        db = ScriptedDatabase()
        batcher = CheckinBatcher(db.run, max_in_flight=1)
        first = asyncio.create_task(batcher.accept(_params(0)))
        waiting = [asyncio.create_task(batcher.accept(_params(k))) for k in (1, 2)]
        await _settle()
        waiting[0].cancel()  # e.g. its client disconnected
        await _settle()
        db.release.set()
        done = [await first, await waiting[1]]
        await batcher.drain()
        with pytest.raises(asyncio.CancelledError):
            await waiting[0]
        return done, db.batches

    done, batches = asyncio.run(scenario())
    assert done == [True, True]
    assert batches == [["c0"], ["c1", "c2"]]  # c1 was still inserted: the batch went on


def test_drain_waits_for_the_statements_in_flight() -> None:
    async def scenario() -> list[list[str]]:
        db = ScriptedDatabase()
        batcher = CheckinBatcher(db.run, max_in_flight=1)
        calls = [asyncio.create_task(batcher.accept(_params(k))) for k in range(2)]
        await _settle()
        asyncio.get_running_loop().call_later(0.01, db.release.set)
        await batcher.drain()
        assert all(call.done() for call in calls)
        return db.batches

    assert asyncio.run(scenario()) == [["c0"], ["c1"]]
