"""The ledger backends every backend-neutral test runs on: SQLite (a file in the test's folder) and PostgreSQL (a
fresh schema on the server named by COMPOSE_TEST_POSTGRES, e.g. `scripts/postgres start DIR`'s URL).

Without that variable, or when the server cannot be reached, the PostgreSQL cases skip with the reason; with
CI=true they fail instead (.ci/run starts a server: a skip there would hide that nothing ran).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import re
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from gateway_min.ledger import Ledger, open_ledger
from gateway_min.ledger.postgres import PostgresLedger, redacted
from gateway_min.ledger.sqlite import SqliteLedger

T = TypeVar("T")
BACKENDS = ("sqlite", "postgres")
__all__ = ["BACKENDS", "ENV", "execute", "fresh_schema", "location", "make", "query", "redacted", "server",
           "server_url"]
ENV = "COMPOSE_TEST_POSTGRES"


def _blocking(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `work()` to its end on an event loop of its own, in a thread: callers may be inside a loop already."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


@functools.cache
def server() -> tuple[str | None, str]:
    """(the server's URL, or None and why it cannot be used)."""
    url = os.environ.get(ENV)
    if not url:
        return None, f"no PostgreSQL server: set {ENV}=postgresql://… (scripts/postgres start DIR prints one)"

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        _blocking(probe)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return None, f"{ENV}={url} cannot be reached: {type(exc).__name__}: {exc}"
    return url, ""


def server_url() -> str:
    """The PostgreSQL server for the tests; skips (fails under CI=true) without one."""
    url, why = server()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {why}")
        pytest.skip(why)
    return url


def fresh_schema() -> str:
    """The server's URL with a search_path of a new, empty schema: a ledger of its own for one test."""
    url = server_url()
    schema = "t_" + uuid.uuid4().hex[:16]

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f"CREATE SCHEMA {schema}")
        finally:
            await conn.close()

    _blocking(create)
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


def drop_schema(location: str) -> None:
    found = re.search(r"search_path=(t_[0-9a-f]{16})", location)
    if found is None:
        return

    async def drop() -> None:
        conn = await asyncpg.connect(location.split("?", 1)[0])
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {found[1]} CASCADE")
        finally:
            await conn.close()

    _blocking(drop)


def location(backend: str, tmp: Path) -> str:
    """Where a test's ledger lives on `backend`."""
    return str(tmp / "ledger.sqlite3") if backend == "sqlite" else fresh_schema()


def make(backend: str, tmp: Path, clock: Callable[[], int], **options: Any) -> Ledger:
    return open_ledger(location(backend, tmp), clock=clock, **options)


async def query(ledger: Ledger, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query (PostgreSQL placeholders, `$1` …), on either backend: for tests that look at
    what the interface does not show (journal rows, states of every intent)."""
    if isinstance(ledger, SqliteLedger):
        text = re.sub(r"\$\d+", "?", sql)
        return [tuple(row) for row in await ledger.writer.run(lambda c: c.execute(text, args).fetchall())]
    assert isinstance(ledger, PostgresLedger)
    await ledger.start()
    assert ledger.pool is not None
    return [tuple(row) for row in await ledger.pool.fetch(sql, *args)]


async def execute(ledger: Ledger, sql: str) -> None:
    """A statement a test runs behind the ledger's back (a buggy writer, an operator's hand)."""
    if isinstance(ledger, SqliteLedger):
        await ledger.writer.run(lambda c: c.execute(sql))
        return
    assert isinstance(ledger, PostgresLedger)
    await ledger.start()
    assert ledger.pool is not None
    await ledger.pool.execute(sql)
