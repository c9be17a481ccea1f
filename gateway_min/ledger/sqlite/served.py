"""What the gateway served that its payer may read back (Responses API responses, video jobs) on SQLite, and the
refund of a failed video job: each a function of one connection, inside the writer's transaction."""

from __future__ import annotations

import sqlite3
from typing import Final

from gateway_min.ledger.model import KeyRow, ServedRow
from gateway_min.ledger.sqlite import ops

_COLUMNS: Final = ", ".join(ServedRow._fields)


def record(conn: sqlite3.Connection, row: ServedRow) -> ServedRow:
    """The row, or the one recorded first under its (kind, id)."""
    conn.execute(f"INSERT INTO served ({_COLUMNS}) VALUES ({', '.join('?' * len(ServedRow._fields))}) "
                 "ON CONFLICT (kind, id) DO NOTHING", row)
    found = get(conn, row.kind, row.id)
    assert found is not None
    return found


def get(conn: sqlite3.Connection, kind: str, ident: str) -> ServedRow | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM served WHERE kind = ? AND id = ?", (kind, ident)).fetchone()
    return None if row is None else ServedRow(*row)


def update_state(conn: sqlite3.Connection, kind: str, ident: str, state: str, now: int) -> ServedRow | None:
    conn.execute("UPDATE served SET state = ?, updated_at = ? WHERE kind = ? AND id = ?", (state, now, kind, ident))
    return get(conn, kind, ident)


def refund(conn: sqlite3.Connection, kind: str, ident: str, now: int) -> ServedRow | None:
    """Give back what a served thing was charged, once: to its Compose Key (the intent's settled amount leaves the
    key's spent; `refunded` on the intent says so), or recorded as owed to its raw x402 payer (the money moved on
    chain; the operator pays it back). A wallet key whose collection has fixed its amount is past giving back
    in the ledger: owed too. None when there is no such row."""
    row = get(conn, kind, ident)
    if row is None or row.refund is not None:
        return row
    how = "owed"
    if row.intent_id is not None and not _collecting(conn, row.intent_id):
        found = conn.execute("UPDATE intents SET refunded = settled WHERE id = ? AND state = 'settled' "
                             "AND refunded = 0 RETURNING key_id, settled", (row.intent_id,)).fetchone()
        if found is not None:
            key_id, amount = found
            key: KeyRow = ops.move(conn, key_id, 0, -amount)
            ops.journal(conn, key, row.intent_id, "adjust", now)
            how = "refunded"
    conn.execute("UPDATE served SET refund = ?, updated_at = ? WHERE kind = ? AND id = ? AND refund IS NULL",
                 (how, now, kind, ident))
    return get(conn, kind, ident)


def _collecting(conn: sqlite3.Connection, intent_id: str) -> bool:
    return conn.execute("SELECT 1 FROM intents i JOIN key_funding f ON f.key_id = i.key_id WHERE i.id = ? "
                        "AND f.state NOT IN ('open', 'pending')", (intent_id,)).fetchone() is not None
