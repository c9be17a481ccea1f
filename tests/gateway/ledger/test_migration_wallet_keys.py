"""A ledger at schema version 1 (before wallet-backed keys) is migrated to version 2 on open, on both backends:
its keys become operator-funded (`credit`) keys, its x402 claims keep their states, and it serves as before."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from gateway_min.ledger import open_ledger
from gateway_min.ledger.migrations import TABLE, load, statements
from tests.gateway.ledger import backends

KEY = ("k1", "h1", "compose-abc", "0x" + "ab" * 20, 43113, "api", None, 1000, 100, 0, 1, 10**13, None, None)
CLAIM = ("eip155:43113", "0xPayer", "0x01", "settled", "upto", 5, 5, "0xtx", None, 1, 2, 0, None, None)


def version_one(backend: str, tmp: Path) -> str:
    """A ledger made by the gateway before migration 2, holding a key and a settled claim."""
    first = load(backend)[0]
    if backend == "sqlite":
        path = str(tmp / "v1.sqlite3")
        conn = sqlite3.connect(path)
        for statement in [TABLE, *statements(first.sql)]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (1, ?, 0)", (first.name,))
        conn.execute(f"INSERT INTO compose_keys VALUES ({', '.join('?' * len(KEY))})", KEY)
        conn.execute(f"INSERT INTO x402_claims VALUES ({', '.join('?' * len(CLAIM))})", CLAIM)
        conn.commit()
        conn.close()
        return path
    location = backends.fresh_schema()
    schema = re.search(r"search_path=(\w+)", location)
    assert schema is not None

    async def make() -> None:
        conn = await asyncpg.connect(location.split("?", 1)[0])
        try:
            await conn.execute(f"SET search_path TO {schema[1]}")
            for statement in [TABLE, *statements(first.sql)]:
                await conn.execute(statement)
            await conn.execute("INSERT INTO schema_migrations VALUES (1, $1, 0)", first.name)
            await conn.execute(f"INSERT INTO compose_keys VALUES ({', '.join(f'${i + 1}' for i in range(len(KEY)))})",
                               *KEY)
            await conn.execute(f"INSERT INTO x402_claims VALUES "
                               f"({', '.join(f'${i + 1}' for i in range(len(CLAIM)))})", *CLAIM)
        finally:
            await conn.close()

    asyncio.run(make())
    return location


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_a_version_one_ledger_is_migrated_and_keeps_what_it_held(backend: str, tmp_path: Path) -> None:
    location = version_one(backend, tmp_path)

    async def check() -> None:
        ledger = open_ledger(location)
        try:
            await ledger.start()
            key = await ledger.get_key("k1")
            assert key is not None and (key.kind, key.spent, key.budget) == ("credit", 100, 1000)
            claim = await ledger.get_payment_claim("eip155:43113", "0xPayer", "0x01")
            assert claim is not None and (claim.state, claim.settled) == ("settled", 5)
            assert await ledger.get_funding("k1") is None
            versions = await backends.query(ledger, "SELECT version FROM schema_migrations ORDER BY version")
            assert versions == [(m.version,) for m in load(backend)]  # 2 and every later one
            # the new constraints hold on the migrated tables
            with pytest.raises(Exception, match=r"(?i)check"):
                await backends.execute(ledger, "UPDATE compose_keys SET kind = 'gift' WHERE id = 'k1'")
        finally:
            await ledger.aclose()
            ledger.close()

    try:
        asyncio.run(check())
    finally:
        backends.drop_schema(location)
