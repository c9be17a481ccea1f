"""The bounded flush of `--sync normal`: durable commits made without an fsync reach the disk within a bound.

With `durable_sync="NORMAL"` the ledger answers a settlement once SQLite has committed it to the WAL, before the
WAL is on disk, as PostgreSQL's `synchronous_commit = off` does; SQLite alone would sync it only at the next
checkpoint. This thread `fdatasync`s the WAL file at most `within_s` after the first unflushed durable commit (a
flush covers every commit before it: the WAL is ordered), so a power cut loses at most that window of them.

It is a thread of its own because `fdatasync` takes no SQLite lock: the writer thread may wait on the database lock
(another process's batch, a checkpoint) for much longer than the bound, and the flush does not wait with it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Final

from gateway_min import metrics

log = logging.getLogger("gateway_min")
DATASYNC: Final = getattr(os, "fdatasync", os.fsync)  # what SQLite's unix VFS uses to sync the WAL


class WalFlusher:
    def __init__(self, database: str, within_s: float) -> None:
        # SQLite puts the WAL beside the database file a symlinked path leads to
        self.wal = os.path.realpath(database) + "-wal"
        self.within_s = within_s
        self.flushes = 0  # flushes completed (diagnostics and tests)
        self.failures = 0  # flushes that failed: the commits before them may not be on disk (logged)
        self._due: float | None = None  # monotonic time by which the WAL must be flushed
        self._stop = False
        self._fd: int | None = None
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="ledger-flusher", daemon=True)
        self._thread.start()

    def soon(self) -> None:
        """After a durable commit made without an fsync: flush within the bound (a flush already due covers it)."""
        with self._wake:
            if self._due is None:
                self._due = time.monotonic() + self.within_s
                self._wake.notify()

    def close(self) -> None:
        """Flush what is pending, then stop."""
        with self._wake:
            self._stop = True
            self._wake.notify()
        self._thread.join()
        if self._fd is not None:
            os.close(self._fd)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stop and (self._due is None or time.monotonic() < self._due):
                    self._wake.wait(None if self._due is None else max(0.0, self._due - time.monotonic()))
                if self._due is None:  # stopping, nothing pending
                    return
                self._due = None  # before the flush: a commit made while it runs asks for the next one
                stopping = self._stop
            self._flush()
            if stopping and self._due is None:
                return

    def _flush(self) -> None:
        try:
            # SQLite keeps the WAL file while a connection is open (the writer's is), but should it ever be deleted
            # and made anew, a descriptor of the old one would flush nothing that matters: its link count says so
            if self._fd is None or os.fstat(self._fd).st_nlink == 0:
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None
                self._fd = os.open(self.wal, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            started = time.perf_counter()
            DATASYNC(self._fd)
            metrics.flush_time.observe(time.perf_counter() - started)
            self.flushes += 1
        except OSError:
            # after a failed fdatasync Linux may mark the pages clean: the settlements before it may never reach the
            # disk, and later flushes cannot tell. Treat it as a failing disk.
            log.critical("flushing the ledger's WAL (%s) failed: settlements answered before now may not be on disk",
                         self.wal, exc_info=True)
            self.failures += 1
