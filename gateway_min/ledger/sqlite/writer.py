"""One writer thread per process with group commit.

Every ledger operation is a function of a sqlite3 connection, queued and run on a dedicated thread. The thread
drains the queue, runs the operations of a batch each in its own SAVEPOINT inside one `BEGIN IMMEDIATE`
transaction (so several processes on one file serialise on SQLite's lock), commits once, and only then answers
the callers. A batch that holds a durable operation commits with `synchronous=FULL` (fsync); others with NORMAL,
and become durable with the next fsync (the WAL is ordered). So holds cost no fsync, and settlements share one.
With `durable_sync="NORMAL"` durable operations commit without an fsync too, and are flushed within
`FLUSH_WITHIN_S` by a thread of their own (ledger/flusher.py).

Checkpoints are the writer's too. The inline connections never checkpoint (a checkpoint fsyncs the database file:
milliseconds of a blocked event loop), so with requests one after another on the inline path only this thread's
commits could (the sweeper's, every 30 s), and their automatic checkpoint is passive: inline commits kept landing
while it ran, so the WAL never started over. It grew by ~30 MB a second, and appending to a growing file costs an
fsync about twice one that rewrites the WAL in place (ext4 must also journal the new size). So every
`CHECKPOINT_EVERY` operations that wrote (inline or batched), this thread runs a RESTART checkpoint, and while one is
pending, inline operations queue behind it here (competing for the lock, it lost most turns). This connection keeps
SQLite's passive automatic checkpoint as a backstop; `journal_size_limit` gives the space back after a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from gateway_min import metrics
from gateway_min.ledger.sqlite.flusher import WalFlusher

T = TypeVar("T")
MAX_BATCH: Final = 256
CHECKPOINT_EVERY: Final = 500  # operations that wrote (a paid request makes two of ~5 pages each)
WAL_SIZE_LIMIT: Final = 64 << 20  # bytes the WAL file keeps when it starts over
CHECKPOINT_WAIT_MS: Final = 50
BUSY_TIMEOUT_MS: Final = 30_000
FLUSH_WITHIN_S: Final = 0.02  # with durable_sync NORMAL: a durable commit reaches the disk this soon
_STOP: Final = object()
_CHECKPOINT: Final = object()


@dataclass
class _Op:
    fn: Callable[[sqlite3.Connection], Any]
    durable: bool
    done: Callable[[bool, Any], None]  # called on the writer thread once the batch has committed (or failed)


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    return conn


class Writer:
    def __init__(self, path: str, *, durable_sync: str = "FULL") -> None:
        if durable_sync not in ("FULL", "NORMAL"):  # GATEWAY_SYNC=off must not quietly drop every fsync
            raise ValueError(f"the ledger's durable_sync must be FULL or NORMAL, got {durable_sync!r}")
        self.path = path
        self.durable_sync = durable_sync
        self.conn = connect(path)
        self.flusher = WalFlusher(path, FLUSH_WITHIN_S) if durable_sync == "NORMAL" and path != ":memory:" else None
        self._local = threading.local()  # one inline connection per thread that runs an event loop
        self._inline_conns: list[sqlite3.Connection] = []
        self.pending = 0  # operations queued or running on the writer thread
        self.checkpoints = 0  # checkpoints completed (diagnostics and tests)
        self._writes = 0  # operations that wrote since the last checkpoint, on either thread
        self._checkpoint_asked = False
        self._queue: queue.SimpleQueue[_Op | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = False) -> T:
        """Queue `fn` on the writer thread and wait for its outcome. Once called, it runs to its end (committed
        or rolled back) whether or not the caller still waits: a cancelled caller only stops waiting. So do
        inline operations, which have no suspension point: callers need no asyncio.shield around a ledger
        operation (but a caller cancelled while waiting does not learn the outcome: see Ledger.reserve)."""
        return await self.submit(fn, durable=durable)

    def submit(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = False) -> asyncio.Future[T]:
        """Queue `fn` on the writer thread now; the future resolves on this event loop once it has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def done(ok: bool, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(self._resolve, future, ok, value)
            except RuntimeError:  # the loop has closed (shutdown): nobody is waiting any more
                self.pending -= 1

        self.pending += 1  # until the writer has answered, even if the caller is cancelled meanwhile
        self._queue.put(_Op(fn, durable, done))
        return future

    def _resolve(self, future: asyncio.Future[Any], ok: bool, value: Any) -> None:
        self.pending -= 1
        if future.done():  # the caller was cancelled: the operation's effect stands
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    async def run_fast(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = False,
                       alone: bool = False) -> T:
        """Run on the calling (event loop) thread when that is cheaper: a thread hop costs ~100 µs, an operation
        ~50 µs. Non-durable operations always try; durable ones only when the caller is `alone` (no other request
        in flight: an fsync then blocks nobody) and the writer is idle; otherwise they share the writer thread's
        group commit, which costs less than a commit each. When another connection
        holds the write lock (the writer, another process), the operation queues on the writer thread instead
        of blocking the event loop."""
        if self._checkpoint_asked or (durable and (self.pending or not alone)):
            # under load, group commit costs less than a commit each; a pending checkpoint goes first
            return await self.run(fn, durable=durable)
        conn = self._inline_conn()
        fsync = durable and self.durable_sync != "NORMAL"
        if fsync:  # the safety level can only change between transactions
            conn.execute(f"PRAGMA synchronous = {self.durable_sync}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # busy: never block the event loop on a lock
            if fsync:  # back to NORMAL before waiting: other inline commits meanwhile must not fsync here
                conn.execute("PRAGMA synchronous = NORMAL")
            return await self.run(fn, durable=durable)
        try:
            changes = conn.total_changes
            try:
                value = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            started = time.perf_counter()
            conn.execute("COMMIT")
            metrics.commit_time.labels("sqlite", "true" if fsync else "false").observe(time.perf_counter() - started)
            if conn.total_changes != changes:
                self._wrote()
                if durable and self.flusher is not None:
                    self.flusher.soon()
            return value
        finally:
            if fsync:
                conn.execute("PRAGMA synchronous = NORMAL")

    def _inline_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.path == ":memory:":
                raise RuntimeError("inline operations need a database file")
            conn = self._local.conn = connect(self.path)
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints (and their fsyncs) stay on the writer
            self._inline_conns.append(conn)
        return conn

    def _wrote(self) -> None:
        """Called on the event loop thread after an inline commit that wrote: ask the writer for a checkpoint."""
        self._writes += 1
        if self._writes >= CHECKPOINT_EVERY and not self._checkpoint_asked:
            self._checkpoint_asked = True
            self._queue.put(_CHECKPOINT)

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """For start-up, the CLI and tests, outside an event loop: committed with fsync before it returns."""
        finished = threading.Event()
        outcome: list[tuple[bool, Any]] = []

        def done(ok: bool, value: Any) -> None:
            outcome.append((ok, value))
            finished.set()

        self._queue.put(_Op(fn, True, done))
        finished.wait()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self.flusher is not None:
            self.flusher.close()
        self.conn.close()
        for conn in self._inline_conns:
            conn.close()

    def _run(self) -> None:
        current_sync = ""
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            if first is _CHECKPOINT:
                self._checkpoint()
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP or item is _CHECKPOINT:  # handled after this batch
                    self._queue.put(item)
                    break
                batch.append(item)
            ops = [op for op in batch if isinstance(op, _Op)]
            sync = self.durable_sync if any(op.durable for op in ops) else "NORMAL"
            if sync != current_sync:
                self.conn.execute(f"PRAGMA synchronous = {sync}")
                current_sync = sync
            if self._commit(ops) and self.flusher is not None:
                self.flusher.soon()
            if self._writes >= CHECKPOINT_EVERY:
                self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and make the next commit start the WAL over. It holds the write lock
        while it waits for readers, so it waits at most `CHECKPOINT_WAIT_MS` (a reader that stays, such as a
        backup, only postpones it to the next turn)."""
        busy = 1
        try:
            with contextlib.suppress(sqlite3.Error):  # never the end of the writer thread: the next turn tries again
                self.conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
                busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        finally:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._writes = 0  # done, or postponed a whole turn (a reader that stays would otherwise stall writes)
            self.checkpoints += not busy
            self._checkpoint_asked = False  # last: the writes made meanwhile do not ask for another one at once

    def _commit(self, ops: list[_Op]) -> bool:
        """Run and commit one batch, then answer its callers; True when a durable operation of it wrote."""
        results: list[tuple[_Op, bool, Any]] = []
        changes = self.conn.total_changes
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for op in ops:
                self.conn.execute("SAVEPOINT op")
                try:
                    value = op.fn(self.conn)
                except BaseException as exc:  # the op's own failure: undo only its writes
                    self.conn.execute("ROLLBACK TO op")
                    self.conn.execute("RELEASE op")
                    results.append((op, False, exc))
                else:
                    self.conn.execute("RELEASE op")
                    results.append((op, True, value))
            started = time.perf_counter()
            self.conn.execute("COMMIT")
            durable = "true" if any(op.durable for op in ops) and self.durable_sync != "NORMAL" else "false"
            metrics.commit_time.labels("sqlite", durable).observe(time.perf_counter() - started)
        except sqlite3.Error as exc:  # the batch could not commit: nothing of it happened
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            results = [(op, False, exc) for op in ops]
        wrote = self.conn.total_changes != changes
        if wrote:
            self._writes += len(ops)  # a batch of 256 writes as much WAL as 256 inline commits
        for op, ok, value in results:
            op.done(ok, value)
        return wrote and any(op.durable and ok for op, ok, _ in results)
