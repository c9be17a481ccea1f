"""What the gateway served that its payer may read back, and the refund of a failed video job, on PostgreSQL: the
rules of sqlite/served.py. The refund locks the served row, then the intent's key (the order every other
operation on a key keeps after its own row), so two replicas refunding at once give back once."""

from __future__ import annotations

from typing import Final

from gateway_min.ledger.model import ServedRow
from gateway_min.ledger.postgres import ops
from gateway_min.ledger.postgres.ops import Conn

_COLUMNS: Final = ", ".join(ServedRow._fields)


async def record(conn: Conn, row: ServedRow) -> ServedRow:
    await conn.execute(f"INSERT INTO served ({_COLUMNS}) VALUES "
                       f"({', '.join(f'${i + 1}' for i in range(len(ServedRow._fields)))}) "
                       "ON CONFLICT (kind, id) DO NOTHING", *row)
    found = await get(conn, row.kind, row.id)
    assert found is not None
    return found


async def get(conn: Conn, kind: str, ident: str, *, lock: bool = False) -> ServedRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM served WHERE kind = $1 AND id = $2"
                              + (" FOR UPDATE" if lock else ""), kind, ident)
    return None if row is None else ServedRow(*row)


async def update_state(conn: Conn, kind: str, ident: str, state: str, now: int) -> ServedRow | None:
    await conn.execute("UPDATE served SET state = $1, updated_at = $2 WHERE kind = $3 AND id = $4",
                       state, now, kind, ident)
    return await get(conn, kind, ident)


async def refund(conn: Conn, kind: str, ident: str, now: int) -> ServedRow | None:
    row = await get(conn, kind, ident, lock=True)
    if row is None or row.refund is not None:
        return row
    how = "owed"
    if row.intent_id is not None:
        key_id = await conn.fetchval("SELECT key_id FROM intents WHERE id = $1", row.intent_id)
        await ops.get_key(conn, key_id, lock=True)  # a lease of its collection holds this lock too
        collecting = await conn.fetchval("SELECT 1 FROM key_funding WHERE key_id = $1 "
                                         "AND state NOT IN ('open', 'pending')", key_id)
        found = None if collecting else await conn.fetchrow(
            "UPDATE intents SET refunded = settled WHERE id = $1 AND state = 'settled' AND refunded = 0 "
            "RETURNING settled", row.intent_id)
        if found is not None:
            key = await ops.move(conn, key_id, 0, -found[0])
            await ops.journal(conn, key, row.intent_id, "adjust", now)
            how = "refunded"
    await conn.execute("UPDATE served SET refund = $1, updated_at = $2 WHERE kind = $3 AND id = $4 "
                       "AND refund IS NULL", how, now, kind, ident)
    return await get(conn, kind, ident)
