#!/usr/bin/env python3
"""Which PostgreSQL driver for the ledger: asyncpg or psycopg 3 (async, with their pools), by measured latency.
Both pools are used as the ledger uses one: no reset query when a connection goes back to the pool.

Each driver runs the ledger's two hot transactions against the same server, in alternating blocks: a reserve (one
conditional UPDATE … RETURNING on the key, an INSERT of the intent, an INSERT of the journal row) and a settle
(a conditional UPDATE of the intent, an UPDATE of the key, a journal INSERT), each one transaction with
`synchronous_commit = on`, one after another on one connection of a pool of 4 (as one gateway worker serves a
sequential client), then 16 concurrent tasks for throughput. Prepared statements on both (asyncpg caches them by
itself; psycopg prepares a query after it has run `prepare_threshold` times).

    scripts/postgres start /tmp/pg && .venv/bin/python scripts/bench_pg_drivers.py postgresql://postgres@127.0.0.1:54329/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import psycopg
import psycopg_pool

SCHEMA = """
DROP TABLE IF EXISTS bench_journal, bench_intents, bench_keys;
CREATE TABLE bench_keys (id TEXT PRIMARY KEY, budget BIGINT NOT NULL, spent BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0, CHECK (spent + reserved <= budget));
CREATE TABLE bench_intents (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, amount BIGINT NOT NULL, settled BIGINT,
    state TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE bench_journal (seq BIGSERIAL PRIMARY KEY, key_id TEXT NOT NULL, intent_id TEXT, kind TEXT NOT NULL,
    reserved BIGINT NOT NULL, spent BIGINT NOT NULL, at BIGINT NOT NULL);
"""
RESERVE = ("UPDATE bench_keys SET reserved = reserved + $1 WHERE id = $2 AND budget - spent - reserved >= $1 "
           "RETURNING reserved, spent")
INTENT = "INSERT INTO bench_intents (id, key_id, amount, state, created_at) VALUES ($1, $2, $3, 'authorized', $4)"
JOURNAL = "INSERT INTO bench_journal (key_id, intent_id, kind, reserved, spent, at) VALUES ($1, $2, $3, $4, $5, $6)"
CLAIM = ("UPDATE bench_intents SET state = 'settled', settled = $1 WHERE id = $2 AND state = 'authorized' "
         "RETURNING key_id")
MOVE = ("UPDATE bench_keys SET reserved = reserved - $1, spent = spent + $2 WHERE id = $3 "
        "RETURNING reserved, spent")


def psycopg_sql(query: str) -> str:
    for number in range(9, 0, -1):
        query = query.replace(f"${number}", "%s")
    return query


class AsyncpgLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def paid_request(self, key: str) -> None:
        intent, now = str(uuid.uuid4()), time.time_ns() // 1_000_000
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(RESERVE, 100, key)
            assert row is not None
            await conn.execute(INTENT, intent, key, 100, now)
            await conn.execute(JOURNAL, key, intent, "reserve", row[0], row[1], now)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.fetchrow(CLAIM, 40, intent)
            row = await conn.fetchrow(MOVE, 100, 40, key)
            assert row is not None
            await conn.execute(JOURNAL, key, intent, "settle", row[0], row[1], now)


class PsycopgLedger:
    def __init__(self, pool: psycopg_pool.AsyncConnectionPool) -> None:
        self.pool = pool
        self.sql = {name: psycopg_sql(query) for name, query in
                    (("reserve", RESERVE), ("intent", INTENT), ("journal", JOURNAL), ("claim", CLAIM), ("move", MOVE))}

    async def paid_request(self, key: str) -> None:
        intent, now = str(uuid.uuid4()), time.time_ns() // 1_000_000
        sql = self.sql
        async with self.pool.connection() as conn, conn.transaction():
            row = await (await conn.execute(sql["reserve"], (100, key, 100))).fetchone()
            assert row is not None
            await conn.execute(sql["intent"], (intent, key, 100, now))
            await conn.execute(sql["journal"], (key, intent, "reserve", row[0], row[1], now))
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(sql["claim"], (40, intent))
            row = await (await conn.execute(sql["move"], (100, 40, key))).fetchone()
            assert row is not None
            await conn.execute(sql["journal"], (key, intent, "settle", row[0], row[1], now))


async def _no_reset(conn: asyncpg.Connection) -> None:
    """As the ledger's pool (postgres/__init__.py): no reset query on release. psycopg's pool sends none either
    (it checks the connection's state locally); asyncpg's default would cost a round trip per use."""


async def sequential(run: Callable[[str], Awaitable[None]], key: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await run(key)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def concurrent(run: Callable[[str], Awaitable[None]], key: str, seconds: float, tasks: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await run(key)
            done += 1

    await asyncio.gather(*(loop() for _ in range(tasks)))
    return done / seconds


async def main(url: str, blocks: int, per_block: int, seconds: float) -> dict[str, Any]:
    setup = await asyncpg.connect(url)
    await setup.execute(SCHEMA)
    await setup.execute("INSERT INTO bench_keys (id, budget) VALUES ('k-asyncpg', 1e15), ('k-psycopg', 1e15)")
    await setup.close()
    apool = await asyncpg.create_pool(url, min_size=4, max_size=4, reset=_no_reset)
    ppool = psycopg_pool.AsyncConnectionPool(url, min_size=4, max_size=4, open=False,
                                             kwargs={"autocommit": True, "prepare_threshold": 1})
    await ppool.open()
    drivers = {"asyncpg": AsyncpgLedger(apool).paid_request, "psycopg": PsycopgLedger(ppool).paid_request}
    for name, run in drivers.items():  # warm-up: connections, prepared statements
        await sequential(run, f"k-{name}", 200)
    samples: dict[str, list[float]] = {name: [] for name in drivers}
    order = list(drivers)
    for block in range(blocks):
        for name in order if block % 2 == 0 else reversed(order):
            samples[name] += await sequential(drivers[name], f"k-{name}", per_block)
    rates = {name: await concurrent(run, f"k-{name}", seconds, 16) for name, run in drivers.items()}
    await apool.close()
    await ppool.close()
    return {name: {"p50": statistics.median(values), "p99": statistics.quantiles(values, n=100)[98],
                   "rate": rates[name]} for name, values in samples.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url")
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--per-block", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    found = asyncio.run(main(options.url, options.blocks, options.per_block, options.seconds))
    print(f"one paid request's two ledger transactions (reserve, settle), synchronous_commit on, "
          f"{options.blocks} alternating blocks of {options.per_block}:")
    for name, figures in found.items():
        print(f"  {name:<8} p50 {figures['p50']:.3f} ms   p99 {figures['p99']:.3f} ms   "
              f"{figures['rate']:,.0f} paid requests/s with 16 tasks")
    ratio = found["psycopg"]["p50"] / found["asyncpg"]["p50"]
    print(f"  psycopg / asyncpg p50: {ratio:.2f}")
    _ = psycopg  # imported for its pool's sake
