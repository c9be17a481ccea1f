"""One writer thread per process with group commit.

Every ledger operation is a function of a sqlite3 connection, queued and run on a dedicated thread. The thread
drains the queue, runs the operations of a batch each in its own SAVEPOINT inside one `BEGIN IMMEDIATE`
transaction (so several processes on one file serialise on SQLite's lock), commits once, and only then answers
the callers. A batch that holds a durable operation commits with `synchronous=FULL` (fsync); others with NORMAL,
and become durable with the next fsync (the WAL is ordered). So holds cost no fsync, and settlements share one.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

T = TypeVar("T")
MAX_BATCH: Final = 256
_STOP: Final = object()


@dataclass
class _Op:
    fn: Callable[[sqlite3.Connection], Any]
    durable: bool
    done: Callable[[bool, Any], None]  # called on the writer thread once the batch has committed (or failed)


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA busy_timeout = 30000")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Writer:
    def __init__(self, path: str, *, durable_sync: str = "FULL") -> None:
        self.path = path
        self.durable_sync = durable_sync
        self.conn = connect(path)
        self._queue: queue.SimpleQueue[_Op | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = False) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        def done(ok: bool, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(_resolve, future, ok, value)
            except RuntimeError:  # the loop has closed (shutdown): nobody is waiting any more
                pass

        self._queue.put(_Op(fn, durable, done))
        return await future

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
        self.conn.close()

    def _run(self) -> None:
        current_sync = ""
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(item)
            ops = [op for op in batch if isinstance(op, _Op)]
            sync = self.durable_sync if any(op.durable for op in ops) else "NORMAL"
            if sync != current_sync:
                self.conn.execute(f"PRAGMA synchronous = {sync}")
                current_sync = sync
            self._commit(ops)

    def _commit(self, ops: list[_Op]) -> None:
        results: list[tuple[_Op, bool, Any]] = []
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
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # the batch could not commit: nothing of it happened
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            results = [(op, False, exc) for op in ops]
        for op, ok, value in results:
            op.done(ok, value)


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled; the operation's effect stands and the sweeper covers holds
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
