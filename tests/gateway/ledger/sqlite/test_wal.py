"""The ledger's writer: one request after another on the inline path must not grow the WAL without bound, a
reader that stays (a backup, an operator's shell) must not block payments, and a cancelled caller must not lose
its operation."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gateway_min.ledger import Hold, IntentRow, KeyRow
from gateway_min.ledger.sqlite import SqliteLedger as Ledger
from gateway_min.ledger.sqlite import flusher, ops, writer

pytestmark = pytest.mark.anyio
EVERY = 40  # checkpoint turn for these tests (the default is 500 writes)
START = 1_790_000_000_000


def receipt(row: IntentRow) -> dict[str, Any]:
    return {"id": row.id, "settled": row.settled}


def key(budget: int) -> KeyRow:
    return KeyRow("key-1", "hash-1", "compose-abc", "0xowner", 43113, "api", None, budget, 0, 0, START,
                  START + 86_400_000, None, None)


async def pay(ledger: Ledger, times: int) -> None:
    """The paid path's pattern: an inline hold, then an inline durable settle (a lone request)."""
    for _ in range(times):
        reservation = await ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True)
        await ledger.settle(reservation.intent.id, 400, 0, receipt, alone=True, known=reservation.intent)


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(writer, "CHECKPOINT_EVERY", EVERY)
    ledger = Ledger(str(tmp_path / "ledger.sqlite3"), clock=lambda: START)
    ledger.writer.run_sync(lambda c: ops.create_key(c, key(10**12)))
    yield ledger
    ledger.close()


def settle_writer(ledger: Ledger) -> None:
    """Wait until the writer thread has handled what was queued (a checkpoint request included)."""
    deadline = time.monotonic() + 10
    while ledger.writer.pending or ledger.writer._checkpoint_asked:
        assert time.monotonic() < deadline
        time.sleep(0.005)


async def test_sequential_inline_payments_checkpoint_and_restart_the_wal(ledger: Ledger, tmp_path: Path) -> None:
    wal = tmp_path / "ledger.sqlite3-wal"
    requests = 25 * EVERY  # two writes each: 50 turns
    high_water = 0
    for _ in range(25):
        await pay(ledger, EVERY)
        high_water = max(high_water, os.path.getsize(wal))
    settle_writer(ledger)
    assert ledger.writer.checkpoints >= 10
    # ~11 pages of 4 KiB a request: without checkpoints the WAL would reach ~45 MB here and keep growing; with
    # them it starts over every EVERY writes (a turn may be postponed while the inline path holds the lock)
    assert high_water <= 4 * EVERY * 6 * 4_120
    current = await ledger.get_key("key-1")
    assert current is not None and (current.spent, current.reserved) == (requests * 400, 0)


async def test_batched_payments_keep_the_wal_bounded_too(ledger: Ledger, tmp_path: Path) -> None:
    """Under load, operations share the writer thread's group commit: one commit can hold 256 of them."""
    wal = tmp_path / "ledger.sqlite3-wal"
    high_water = 0

    async def payer(times: int) -> None:
        nonlocal high_water
        for _ in range(times):
            reservation = await ledger.writer.run(
                lambda c: ops.reserve(c, Hold("key-1", 1_000, 900_000), START, dispatched=True), durable=True)
            intent = reservation.intent
            await ledger.writer.run(lambda c, intent=intent: ops.settle(c, intent.id, 400, 0, False, receipt, START,
                                                                        intent), durable=True)
            high_water = max(high_water, os.path.getsize(wal))

    await asyncio.gather(*(payer(40) for _ in range(64)))  # 2,560 payments, ~110 MB of WAL if never reset
    settle_writer(ledger)
    assert ledger.writer.checkpoints >= 10
    assert high_water <= 8 << 20
    current = await ledger.get_key("key-1")
    assert current is not None and (current.spent, current.reserved) == (64 * 40 * 400, 0)


async def test_a_reader_that_stays_postpones_the_checkpoint_but_never_blocks_payments(ledger: Ledger,
                                                                                   tmp_path: Path) -> None:
    reader = sqlite3.connect(tmp_path / "ledger.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM intents").fetchone() == (0,)  # holds a snapshot from here on
    try:
        started = time.monotonic()
        await pay(ledger, 3 * EVERY)
        settle_writer(ledger)
        # each refused turn waits CHECKPOINT_WAIT_MS and is then postponed a whole turn: nothing hangs or fails
        assert time.monotonic() - started < 6 * writer.CHECKPOINT_WAIT_MS / 1000 + 3
        assert ledger.writer.checkpoints == 0
    finally:
        reader.execute("COMMIT")
        reader.close()
    await pay(ledger, EVERY)
    settle_writer(ledger)
    assert ledger.writer.checkpoints >= 1
    current = await ledger.get_key("key-1")
    assert current is not None and current.spent == 4 * EVERY * 400


class FailingCheckpoints:
    """The writer's connection, except that a checkpoint fails (disk error, corrupt WAL index...)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if "wal_checkpoint" in sql:
            raise sqlite3.OperationalError("disk I/O error")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_a_failing_checkpoint_never_stops_the_writer(ledger: Ledger) -> None:
    ledger.writer.conn = FailingCheckpoints(ledger.writer.conn)  # type: ignore[assignment]
    await pay(ledger, 3 * EVERY)
    settle_writer(ledger)
    assert ledger.writer.checkpoints == 0 and not ledger.writer._checkpoint_asked
    await ledger.expire_due()  # a durable operation on the writer thread: it is still alive and committing
    current = await ledger.get_key("key-1")
    assert current is not None and current.spent == 3 * EVERY * 400


async def test_a_cancelled_caller_never_undoes_or_orphans_its_operation(ledger: Ledger) -> None:
    """Ledger operations need no asyncio.shield: cancelling the caller while its settle waits in the writer's
    queue only stops the waiting; the settle commits, and `pending` counts it until the writer has answered."""
    reservation = await ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True)
    release = threading.Event()
    blocker = asyncio.ensure_future(ledger.writer.run(lambda c: release.wait(10)))  # the writer is busy
    await asyncio.sleep(0.01)
    settling = asyncio.ensure_future(ledger.settle(reservation.intent.id, 400, 0, receipt, alone=False,
                                                   known=reservation.intent))  # durable, not alone: queued
    await asyncio.sleep(0.01)
    assert ledger.writer.pending == 2
    settling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await settling
    assert ledger.writer.pending == 2  # still queued: a durable operation now would not run inline past it
    release.set()
    await blocker
    for _ in range(200):
        if not ledger.writer.pending:
            break
        await asyncio.sleep(0.01)
    assert ledger.writer.pending == 0
    intent = await ledger.get_intent(reservation.intent.id)
    current = await ledger.get_key("key-1")
    assert intent is not None and (intent.state, intent.settled) == ("settled", 400)
    assert current is not None and (current.spent, current.reserved) == (400, 0)


async def test_a_hold_whose_caller_was_cancelled_before_seeing_it_is_released(ledger: Ledger) -> None:
    """The paid path's hold is `dispatched` (booked at expiry as if the work was sent). A caller cancelled while
    its hold waits on the writer never calls upstream nor aborts it, so the ledger releases it right behind."""
    release = threading.Event()
    blocker = asyncio.ensure_future(ledger.writer.run(lambda c: release.wait(10)))
    await asyncio.sleep(0.01)
    ledger.writer._checkpoint_asked = True  # as every CHECKPOINT_EVERY writes: inline operations queue too
    reserving = asyncio.ensure_future(ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True))
    refused = asyncio.ensure_future(ledger.reserve(Hold("key-1", 10**13, 900_000), dispatched=True))
    await asyncio.sleep(0.01)
    for task in (reserving, refused):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    ledger.writer._checkpoint_asked = False
    release.set()
    await blocker
    await wait_idle(ledger)
    rows = await ledger.writer.run(lambda c: c.execute("SELECT state, dispatched_at IS NOT NULL, reason "
                                                       "FROM intents").fetchall())
    assert rows == [("aborted", 1, "cancelled before the upstream call")]  # the refused one made no intent
    current = await ledger.get_key("key-1")
    assert current is not None and (current.spent, current.reserved) == (0, 0)
    assert await ledger.totals("key-1") == (0, 0)



async def test_an_x402_claim_whose_caller_was_cancelled_before_seeing_it_is_released(ledger: Ledger) -> None:
    """A claimed payment blocks its payer's upto streams while it lives and cannot be presented again: a caller
    cancelled while its claim waits never does the work, so the claim is released right behind it. A call that
    lost the race to another request's claim releases nothing."""
    release = threading.Event()
    blocker = asyncio.ensure_future(ledger.writer.run(lambda c: release.wait(10)))
    await asyncio.sleep(0.01)
    cancelled = asyncio.ensure_future(ledger.claim_payment("eip155:43113", "0xpayer", "0x01", "upto", 500, True))
    winner = asyncio.ensure_future(ledger.claim_payment("eip155:43113", "0xother", "0x02", "exact", 700))
    loser = asyncio.ensure_future(ledger.claim_payment("eip155:43113", "0xother", "0x02", "exact", 700))
    await asyncio.sleep(0.01)
    for task in (cancelled, loser):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    release.set()
    await blocker
    taken, row = await winner
    assert taken and row.state == "claimed"
    await wait_idle(ledger)
    claim = await ledger.get_payment_claim("eip155:43113", "0xpayer", "0x01")
    assert claim is not None and claim.state == "released"
    again, _ = await ledger.claim_payment("eip155:43113", "0xpayer", "0x01", "upto", 500, True)
    assert again  # the payment may be presented again: it never reached the work
    kept = await ledger.get_payment_claim("eip155:43113", "0xother", "0x02")
    assert kept is not None and kept.state == "claimed"  # the loser's cancellation left the winner's claim alone

def test_pending_comes_back_to_zero_when_the_loop_closed_first(ledger: Ledger) -> None:
    release = threading.Event()
    loop = asyncio.new_event_loop()

    async def leave_one_queued() -> None:
        ledger.writer.submit(lambda c: release.wait(10))

    loop.run_until_complete(leave_one_queued())
    loop.close()
    assert ledger.writer.pending == 1
    release.set()
    deadline = time.monotonic() + 5
    while ledger.writer.pending and time.monotonic() < deadline:
        time.sleep(0.005)
    assert ledger.writer.pending == 0


async def test_a_durable_operation_that_finds_the_lock_taken_leaves_its_connection_at_normal(
        ledger: Ledger, tmp_path: Path) -> None:
    """It waits on the writer thread; meanwhile the inline connection serves other requests and must not fsync."""
    await ledger.get_key("key-1")  # opens this thread's inline connection
    inline = ledger.writer._local.conn
    other = sqlite3.connect(tmp_path / "ledger.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        settling = asyncio.ensure_future(ledger.writer.run_fast(lambda c: c.execute("SELECT 1").fetchone(),
                                                                durable=True, alone=True))
        await asyncio.sleep(0.05)
        assert not settling.done() and ledger.writer.pending == 1  # queued behind the lock on the writer thread
        assert inline.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    finally:
        other.execute("COMMIT")
        other.close()
    assert await settling == (1,)


async def wait_idle(ledger: Ledger) -> None:
    for _ in range(500):
        if not ledger.writer.pending:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the writer did not answer")



class Datasyncs:
    """Stands in for fdatasync: counts the flushes and checks each names the database's WAL file."""

    def __init__(self, wal: Path, fail: bool = False) -> None:
        self.wal, self.fail, self.count = wal, fail, 0

    def __call__(self, fd: int) -> None:
        assert os.fstat(fd).st_ino == os.stat(self.wal).st_ino
        self.count += 1
        if self.fail:
            raise OSError(5, "Input/output error")


def normal_ledger(tmp_path: Path, name: str = "normal.sqlite3") -> Ledger:
    ledger = Ledger(str(tmp_path / name), clock=lambda: START, durable_sync="NORMAL")
    ledger.writer.run_sync(lambda c: ops.create_key(c, key(10**12)))
    return ledger


def flushes(ledger: Ledger) -> int:
    assert ledger.writer.flusher is not None
    return ledger.writer.flusher.flushes


async def wait_for(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def test_with_sync_normal_a_settlement_is_flushed_within_the_bound(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    datasyncs = Datasyncs(tmp_path / "normal.sqlite3-wal")
    monkeypatch.setattr(flusher, "DATASYNC", datasyncs)
    ledger = normal_ledger(tmp_path)
    try:
        await wait_for(lambda: flushes(ledger) == 1)  # the key's creation (run_sync) is durable too
        held = await ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True)
        await asyncio.sleep(writer.FLUSH_WITHIN_S * 3)
        assert flushes(ledger) == 1  # a hold is not durable: it asks for no flush
        settled_at = time.monotonic()
        await ledger.settle(held.intent.id, 400, 0, receipt, alone=True, known=held.intent)
        await wait_for(lambda: flushes(ledger) == 2)
        assert time.monotonic() - settled_at < writer.FLUSH_WITHIN_S + 0.1  # the bound, with room for a busy CI
        await asyncio.sleep(writer.FLUSH_WITHIN_S * 3)
        assert flushes(ledger) == datasyncs.count == 2  # nothing new written: nothing more to flush
    finally:
        ledger.close()


async def test_with_sync_normal_a_writer_waiting_on_the_lock_does_not_delay_the_flush(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds the write lock (its batch, a checkpoint, a backup) while the writer thread has work
    queued: a settlement committed just before is flushed within the bound all the same."""
    monkeypatch.setattr(flusher, "DATASYNC", Datasyncs(tmp_path / "normal.sqlite3-wal"))
    ledger = normal_ledger(tmp_path)
    other = sqlite3.connect(tmp_path / "normal.sqlite3", isolation_level=None)
    queued: asyncio.Future[Any] | None = None
    try:
        await wait_for(lambda: flushes(ledger) == 1)
        held = await ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True)
        await ledger.settle(held.intent.id, 400, 0, receipt, alone=True, known=held.intent)
        settled_at = time.monotonic()
        other.execute("BEGIN IMMEDIATE")
        queued = ledger.writer.submit(lambda c: ops.reserve(c, Hold("key-1", 1, 900_000), START))
        await wait_for(lambda: flushes(ledger) == 2)
        assert time.monotonic() - settled_at < writer.FLUSH_WITHIN_S + 0.1
        assert not queued.done()  # the writer thread is still waiting for the lock
    finally:
        if other.in_transaction:
            other.execute("COMMIT")
        other.close()
        if queued is not None:
            await queued
        ledger.close()


async def test_with_sync_normal_batched_settlements_are_flushed_too(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flusher, "DATASYNC", Datasyncs(tmp_path / "normal.sqlite3-wal"))
    ledger = normal_ledger(tmp_path)
    try:
        await wait_for(lambda: flushes(ledger) == 1)
        holds = [await ledger.reserve(Hold("key-1", 1_000, 900_000), dispatched=True) for _ in range(20)]
        await asyncio.gather(*(ledger.settle(held.intent.id, 400, 0, receipt, alone=False) for held in holds))
        await wait_for(lambda: flushes(ledger) == 2)  # the writer thread's batches ask for a flush as well
    finally:
        ledger.close()


async def test_with_sync_full_sqlite_syncs_every_settlement_and_nothing_is_timed(
        ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flusher, "DATASYNC", Datasyncs(tmp_path / "ledger.sqlite3-wal"))
    await pay(ledger, 3)
    assert ledger.writer.flusher is None


async def test_closing_flushes_what_is_pending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasyncs = Datasyncs(tmp_path / "normal.sqlite3-wal")
    monkeypatch.setattr(flusher, "DATASYNC", datasyncs)
    monkeypatch.setattr(writer, "FLUSH_WITHIN_S", 30.0)  # far away: only closing can flush
    ledger = normal_ledger(tmp_path)
    await pay(ledger, 1)
    assert datasyncs.count == 0
    ledger.close()
    assert datasyncs.count == flushes(ledger) == 1


async def test_a_failing_flush_is_counted_and_logged_and_the_next_one_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    datasyncs = Datasyncs(tmp_path / "normal.sqlite3-wal", fail=True)
    monkeypatch.setattr(flusher, "DATASYNC", datasyncs)
    ledger = normal_ledger(tmp_path)
    try:
        await wait_for(lambda: datasyncs.count == 1)
        assert ledger.writer.flusher is not None
        await wait_for(lambda: ledger.writer.flusher is not None and ledger.writer.flusher.failures == 1)
        assert flushes(ledger) == 0 and "may not be on disk" in caplog.text
        datasyncs.fail = False
        await pay(ledger, 1)
        await wait_for(lambda: flushes(ledger) == 1)
    finally:
        ledger.close()


async def test_the_flush_finds_the_wal_of_a_symlinked_database_and_one_made_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite puts the WAL beside the file a symlinked path leads to. And should the WAL file ever be deleted and
    created again, a descriptor of the old one would flush nothing that matters: its link count of 0 gives it away
    and the file SQLite writes now is opened instead."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / "normal.sqlite3").symlink_to(tmp_path / "real" / "normal.sqlite3")
    datasyncs = Datasyncs(tmp_path / "real" / "normal.sqlite3-wal")  # checks the descriptor flushed is the WAL's
    monkeypatch.setattr(flusher, "DATASYNC", datasyncs)
    ledger = normal_ledger(tmp_path / "link")
    try:
        await wait_for(lambda: flushes(ledger) == 1)
        assert ledger.writer.flusher is not None and ledger.writer.flusher._fd is not None
        gone = tmp_path / "gone"
        gone.write_bytes(b"")
        os.close(ledger.writer.flusher._fd)
        ledger.writer.flusher._fd = os.open(gone, os.O_RDONLY)
        gone.unlink()
        await pay(ledger, 1)
        await wait_for(lambda: flushes(ledger) == 2)
        assert datasyncs.count == 2
    finally:
        ledger.close()


@pytest.mark.parametrize("sync", ["OFF", "EXTRA", "full", ""])
def test_only_the_two_documented_durability_modes_are_accepted(tmp_path: Path, sync: str) -> None:
    with pytest.raises(ValueError, match="FULL or NORMAL"):
        Ledger(str(tmp_path / "ledger.sqlite3"), durable_sync=sync)
