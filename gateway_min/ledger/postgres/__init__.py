"""The ledger on PostgreSQL, for several gateway processes or machines on one source of truth.

asyncpg with a connection pool per process (chosen by measured latency: scripts/bench_pg_drivers.py,
docs/BENCHMARKS.md). Every operation is one transaction at READ COMMITTED, the isolation each rule needs and no more:
each money rule is one conditional statement or runs under the row (or advisory) locks its statements take
(postgres/ops.py, postgres/claims.py), so a stronger level would only add refusals. What PostgreSQL may still refuse
(a deadlock it detects, a serialization failure, the unique index meeting two first uses of one idempotency key)
is retried, the whole transaction, a few times with jitter.

Durability as on SQLite: with `full` a settlement, abort, key change or claim commits with `synchronous_commit =
on` (flushed to the server's WAL before the answer); holds commit with it off (they become durable with the next
flushed commit: the WAL is ordered). `normal` commits everything with it off: the server flushes within
`wal_writer_delay` (200 ms by default, up to three times that under load), so a crash of the *server* (or a power
cut) can lose the last few hundred ms of settlements; a crash of a gateway process loses nothing.

An operation, once called, runs to its end whether or not its caller still waits (it runs in a task of its own):
a caller cancelled while its hold or its x402 claim was being made never learns of it, so the hold is released (the
claim released) right behind it, as on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from gateway_min import metrics
from gateway_min.ledger import owner
from gateway_min.ledger.model import (
    MAX_AMOUNT,
    ClaimRow,
    FundingRow,
    Hold,
    IntentRow,
    KeyRow,
    LedgerError,
    Receipt,
    Reservation,
    Resolution,
    ServedRow,
    wall_clock_ms,
)
from gateway_min.ledger.postgres import claims, funding, ops, served

T = TypeVar("T")
log = logging.getLogger("gateway_min")
ATTEMPTS: Final = 6
RETRIED: Final = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError)
DURABILITY: Final = {"FULL": "full (synchronous_commit on for each settlement)",
                     "NORMAL": "normal (synchronous_commit off: the server flushes within wal_writer_delay)"}
POOL_SIZE: Final = 10  # connections per process


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@" + netloc[1]))


async def _no_reset(conn: asyncpg.Connection) -> None:
    """No reset between uses: the ledger's transactions leave no session state (SET LOCAL and advisory xact locks
    end with them), so the pool's reset query would only cost a round trip per operation."""


class PostgresLedger:
    """The Ledger interface (ledger/interface.py) on PostgreSQL. `start()` opens the pool and migrates."""

    def __init__(self, url: str, *, clock: Callable[[], int] = wall_clock_ms, durable_sync: str = "FULL",
                 pool_size: int = POOL_SIZE) -> None:
        if durable_sync not in DURABILITY:
            raise ValueError(f"the ledger's durable_sync must be FULL or NORMAL, got {durable_sync!r}")
        self.url = url
        self.clock = clock
        self.durable_sync = durable_sync
        self.pool_size = pool_size
        self.description = f"{redacted(url)}, durability {DURABILITY[durable_sync]}"
        self.owner = owner.this_process()
        self.migrated: list[int] = []
        self._migrated = False
        # a pool per event loop: asyncpg's connections belong to the loop that made them (a gateway process has
        # one; tests and tools may drive one ledger from several)
        self._pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] = {}
        self._starting: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._behind: set[asyncio.Future[Any]] = set()  # releases running behind cancelled callers

    @property
    def pool(self) -> asyncpg.Pool | None:
        """This event loop's pool, if it has one."""
        return self._pools.get(asyncio.get_running_loop())

    async def start(self) -> None:
        """Open this event loop's pool, and migrate (once); the first operation does it too."""
        await self._pool()

    async def _pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is not None:
            return pool
        async with self._starting.setdefault(loop, asyncio.Lock()):
            if loop not in self._pools:
                pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_size, reset=_no_reset,
                                                 server_settings={"application_name": "compose-gateway"})
                try:
                    if not self._migrated:
                        self.migrated = await self._transaction(pool, lambda c: ops.migrate(c, self.clock()), True)
                        self._migrated = True
                except BaseException:
                    await pool.close()
                    raise
                self._pools[loop] = pool
        return self._pools[loop]

    async def aclose(self) -> None:
        """Let what runs behind cancelled callers finish, then close this event loop's pool."""
        loop = asyncio.get_running_loop()
        behind = [task for task in self._behind if task.get_loop() is loop]
        if behind:
            await asyncio.gather(*behind, return_exceptions=True)
        pool = self._pools.pop(loop, None)
        self._starting.pop(loop, None)
        if pool is not None:
            await pool.close()

    def close(self) -> None:
        """Close without an event loop of one's own: each pool is closed in its loop when that loop can still run
        (idle, or running in another thread), or terminated."""
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop, pool in list(self._pools.items()):
            if loop.is_closed():
                continue  # its connections went with their loop
            if loop is current:  # called from a coroutine of that loop: the pool closes right behind
                closing = loop.create_task(pool.close())
                self._behind.add(closing)
                closing.add_done_callback(self._behind.discard)
            elif loop.is_running():
                asyncio.run_coroutine_threadsafe(pool.close(), loop).result(timeout=30)
            else:
                loop.run_until_complete(pool.close())
        self._pools.clear()
        self._starting.clear()

    async def _run(self, fn: Callable[[ops.Conn], Awaitable[T]], *, durable: bool,
                   unseen: Callable[[ops.Conn], Awaitable[Any]] | None = None) -> T:
        """`fn` in one transaction, retried whole on what PostgreSQL may refuse; it runs to its end even if the
        caller is cancelled (a task of its own). `unseen`: what undoes it, run once it has ended, when its caller
        was cancelled meanwhile and so never learns what it did."""
        task = asyncio.ensure_future(self._attempts(fn, durable))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            behind = asyncio.ensure_future(self._after(task, unseen))
            self._behind.add(behind)
            behind.add_done_callback(self._behind.discard)
            raise

    async def _after(self, task: asyncio.Future[Any], unseen: Callable[[ops.Conn], Awaitable[Any]] | None) -> None:
        try:
            await task
        except Exception:  # it failed: nothing to undo
            log.exception("a ledger operation whose caller was cancelled failed")
            return
        if unseen is not None:
            await self._attempts(unseen, durable=True)

    async def _attempts(self, fn: Callable[[ops.Conn], Awaitable[T]], durable: bool) -> T:
        return await self._transaction(await self._pool(), fn, durable)

    async def _transaction(self, pool: asyncpg.Pool, fn: Callable[[ops.Conn], Awaitable[T]], durable: bool) -> T:
        flushed = durable and self.durable_sync == "FULL"
        begin = "BEGIN" if flushed else "BEGIN; SET LOCAL synchronous_commit = off"
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with pool.acquire() as conn:
                    await conn.execute(begin)
                    try:
                        result = await fn(conn)
                    except BaseException:
                        await conn.execute("ROLLBACK")
                        raise
                    started = time.perf_counter()
                    await conn.execute("COMMIT")
                    metrics.commit_time.labels("postgres", "true" if flushed else "false").observe(
                        time.perf_counter() - started)
                    return result
            except RETRIED as exc:
                if attempt == ATTEMPTS:
                    raise
                log.info("ledger transaction retried (%s), attempt %d", type(exc).__name__, attempt)
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def create_key(self, key: KeyRow) -> KeyRow:
        return await self._run(lambda c: funding.create_key(c, key), durable=True)

    async def key_by_hash(self, key_hash: str) -> KeyRow | None:
        return await self._run(lambda c: ops.key_by_hash(c, key_hash), durable=False)

    async def get_key(self, key_id: str) -> KeyRow | None:
        return await self._run(lambda c: ops.get_key(c, key_id), durable=False)

    async def list_keys(self, owner: str) -> list[KeyRow]:
        return await self._run(lambda c: ops.list_keys(c, owner), durable=False)

    async def latest_session(self, owner: str, chain_id: int) -> KeyRow | None:
        return await self._run(lambda c: ops.latest_session(c, owner, chain_id), durable=False)

    async def revoke_key(self, key_id: str, reason: str = "revoked") -> KeyRow | None:
        now = self.clock()

        async def revoke(conn: ops.Conn) -> KeyRow | None:
            key = await ops.revoke_key(conn, key_id, now)
            if key is not None:
                await funding.end(conn, key_id, reason, now)
            return key

        return await self._run(revoke, durable=True)

    async def reserve(self, hold: Hold, *, dispatched: bool = False) -> Reservation:
        now = self.clock()
        intent_id = hold.intent_id or str(uuid.uuid4())
        hold = hold._replace(intent_id=intent_id)
        outcome = await self._run(lambda c: ops.reserve(c, hold, now, dispatched=dispatched), durable=False,
                                  unseen=lambda c: ops.release_unseen(c, intent_id, now))
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    async def settle(self, intent_id: str, final: int, uncollected: int, receipt: Receipt, *,
                     estimated: bool = False, alone: bool = False, known: IntentRow | None = None) -> Resolution:
        now = self.clock()
        uncollected = min(uncollected, MAX_AMOUNT)
        return await self._run(lambda c: ops.settle(c, intent_id, final, uncollected, estimated, receipt, now, known),
                               durable=True)

    async def abort(self, intent_id: str, reason: str) -> Resolution:
        now = self.clock()
        return await self._run(lambda c: ops.abort(c, intent_id, reason, now), durable=True)

    async def dispatch(self, intent_id: str) -> None:
        now = self.clock()
        await self._run(lambda c: c.execute("UPDATE intents SET dispatched_at = $1 WHERE id = $2 AND "
                                            "state = 'authorized'", now, intent_id), durable=False)

    async def get_intent(self, intent_id: str) -> IntentRow | None:
        return await self._run(lambda c: ops.get_intent(c, intent_id), durable=False)

    async def expire_due(self) -> int:
        now = self.clock()
        total = 0
        while True:  # a batch a transaction: locks are held briefly, and several replicas share the work
            expired = await self._run(lambda c: ops.expire_due(c, now), durable=True)
            total += expired
            if expired < ops.SWEEP_BATCH:
                return total

    async def totals(self, key_id: str) -> tuple[int, int]:
        return await self._run(lambda c: ops.totals(c, key_id), durable=False)

    async def claim_payment(self, network: str, payer: str, nonce: str, scheme: str, amount: int,
                            stream: bool = False, live_ms: int = 3_600_000) -> tuple[bool, ClaimRow]:
        now = self.clock()
        token = secrets.token_hex(8)
        # without a flushed commit, as a hold: the outcome's commit flushes it (SqliteLedger.claim_payment says why)
        return await self._run(lambda c: claims.claim(c, network, payer, nonce, scheme, amount, now, stream, live_ms,
                                                      self.owner, token), durable=False,
                               unseen=lambda c: claims.release_unseen(c, network, payer, nonce, token, now))

    async def resolve_payment(self, network: str, payer: str, nonce: str, state: str, *, settled: int | None = None,
                              tx_hash: str | None = None, receipt: str | None = None) -> bool:
        now = self.clock()
        return await self._run(lambda c: claims.resolve(c, network, payer, nonce, state, now, settled=settled,
                                                        tx_hash=tx_hash, receipt=receipt), durable=True)

    async def create_wallet_key(self, key: KeyRow, row: FundingRow) -> KeyRow:
        now = self.clock()
        outcome = await self._run(lambda c: funding.create_wallet_key(c, key, row, now, claim_owner=self.owner),
                                  durable=True)
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    async def get_funding(self, key_id: str) -> FundingRow | None:
        return await self._run(lambda c: funding.get(c, key_id), durable=False)

    async def end_funding(self, key_id: str, reason: str) -> bool:
        now = self.clock()
        return await self._run(lambda c: funding.end(c, key_id, reason, now), durable=True)

    async def end_due_fundings(self, margin_ms: int) -> int:
        now = self.clock()
        return await self._run(lambda c: funding.end_due(c, now, margin_ms), durable=True)

    async def lease_collections(self, owner: str, lease_ms: int) -> list[FundingRow]:
        now = self.clock()
        return await self._run(lambda c: funding.lease(c, now, owner, lease_ms), durable=True)

    async def finish_collection(self, key_id: str, owner: str, collected: bool, *, tx_hash: str | None = None,
                                error: str | None = None) -> FundingRow | None:
        now = self.clock()
        return await self._run(lambda c: funding.finish(c, key_id, owner, collected, now, tx_hash=tx_hash,
                                                        error=error), durable=True)

    async def touch_verified(self, key_id: str, every_ms: int) -> bool:
        now = self.clock()
        return await self._run(lambda c: funding.touch_verified(c, key_id, now, every_ms), durable=False)

    async def decide_collection(self, key_id: str, action: str) -> FundingRow | None:
        now = self.clock()
        return await self._run(lambda c: funding.operator_decides(c, key_id, action, now), durable=True)

    async def read(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        async def fetch(conn: ops.Conn) -> list[tuple[object, ...]]:
            return [tuple(row) for row in await conn.fetch(sql, *args)]

        return await self._run(fetch, durable=False)

    async def record_served(self, row: ServedRow) -> ServedRow:
        return await self._run(lambda c: served.record(c, row), durable=True)

    async def get_served(self, kind: str, ident: str) -> ServedRow | None:
        return await self._run(lambda c: served.get(c, kind, ident), durable=False)

    async def update_served(self, kind: str, ident: str, state: str) -> ServedRow | None:
        now = self.clock()
        return await self._run(lambda c: served.update_state(c, kind, ident, state, now), durable=False)

    async def refund_served(self, kind: str, ident: str) -> ServedRow | None:
        now = self.clock()
        return await self._run(lambda c: served.refund(c, kind, ident, now), durable=True)

    async def get_payment_claim(self, network: str, payer: str, nonce: str) -> ClaimRow | None:
        return await self._run(lambda c: claims.get(c, network, payer, nonce), durable=False)
