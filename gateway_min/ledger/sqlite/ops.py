"""SQLite ledger operations: each a function of one connection, run inside the writer's transaction (writer.py).

Per key: budget B, spent S, reserved R, available A = B − S − R. Reserve is one conditional UPDATE
(A ≥ hold and the key live), so S + R ≤ B holds at every commit (I1) whatever runs concurrently; settle and abort
claim the intent row first (`WHERE state = 'authorized'`), so an intent resolves at most once (I3); every change
of the counters writes a journal row in the same transaction (I2).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any, Final

import orjson

from gateway_min.ledger import migrations
from gateway_min.ledger.model import (
    BudgetExhausted,
    Hold,
    IntentConflict,
    IntentNotFound,
    IntentRow,
    KeyExpired,
    KeyNotFound,
    KeyRevoked,
    KeyRow,
    LedgerError,
    Receipt,
    Reservation,
    Resolution,
)

_KEY_COLUMNS: Final = ", ".join(KeyRow._fields)
_INTENT_COLUMNS: Final = ", ".join(IntentRow._fields)


def migrate(conn: sqlite3.Connection, now: int) -> list[int]:
    """Apply the pending migrations (ledger/migrations.py) inside the writer's transaction (BEGIN IMMEDIATE: the
    file's write lock, so processes starting together apply them once); the versions applied."""
    conn.execute(migrations.TABLE)
    applied = {version for (version,) in conn.execute("SELECT version FROM schema_migrations")}
    done = []
    for migration in migrations.pending(migrations.load("sqlite"), applied):
        for statement in migrations.statements(migration.sql):
            conn.execute(statement)
        if migration.version == 1:
            _columns_of_older_ledgers(conn)
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                     (migration.version, migration.name, now))
        done.append(migration.version)
    return done


def _columns_of_older_ledgers(conn: sqlite3.Connection) -> None:
    """A ledger made before versioned migrations has the tables of version 1 (CREATE TABLE IF NOT EXISTS kept them)
    but maybe not every x402_claims column that version 1 declares."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(x402_claims)")}
    if "stream" not in columns:
        conn.execute("ALTER TABLE x402_claims ADD COLUMN stream INTEGER NOT NULL DEFAULT 0")
    for column in ("owner", "token"):
        if column not in columns:
            conn.execute(f"ALTER TABLE x402_claims ADD COLUMN {column} TEXT")


def journal(conn: sqlite3.Connection, key: KeyRow, intent_id: str | None, kind: str, at: int) -> None:
    conn.execute("INSERT INTO journal (key_id, intent_id, kind, reserved, spent, at) VALUES (?, ?, ?, ?, ?, ?)",
                 (key.id, intent_id, kind, key.reserved, key.spent, at))


def get_key(conn: sqlite3.Connection, key_id: str) -> KeyRow | None:
    row = conn.execute(f"SELECT {_KEY_COLUMNS} FROM compose_keys WHERE id = ?", (key_id,)).fetchone()
    return None if row is None else KeyRow(*row)


def key_by_hash(conn: sqlite3.Connection, key_hash: str) -> KeyRow | None:
    row = conn.execute(f"SELECT {_KEY_COLUMNS} FROM compose_keys WHERE key_hash = ?", (key_hash,)).fetchone()
    return None if row is None else KeyRow(*row)


def list_keys(conn: sqlite3.Connection, owner: str) -> list[KeyRow]:
    rows = conn.execute(f"SELECT {_KEY_COLUMNS} FROM compose_keys WHERE owner = ? ORDER BY created_at, id",
                        (owner,)).fetchall()
    return [KeyRow(*row) for row in rows]


def latest_session(conn: sqlite3.Connection, owner: str, chain_id: int) -> KeyRow | None:
    row = conn.execute(f"SELECT {_KEY_COLUMNS} FROM compose_keys WHERE owner = ? AND chain_id = ? "
                       "AND purpose = 'session' ORDER BY revoked_at IS NULL DESC, created_at DESC, id DESC LIMIT 1",
                       (owner, chain_id)).fetchone()
    return None if row is None else KeyRow(*row)


def create_key(conn: sqlite3.Connection, key: KeyRow) -> KeyRow:
    conn.execute(f"INSERT INTO compose_keys ({_KEY_COLUMNS}) VALUES ({', '.join('?' * len(KeyRow._fields))})", key)
    journal(conn, key, None, "fund", key.created_at)
    return key


def revoke_key(conn: sqlite3.Connection, key_id: str, now: int) -> KeyRow | None:
    row = conn.execute(f"UPDATE compose_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? "
                       f"RETURNING {_KEY_COLUMNS}", (now, key_id)).fetchone()
    if row is None:
        return None
    key = KeyRow(*row)
    journal(conn, key, None, "revoke", now)
    return key


def get_intent(conn: sqlite3.Connection, intent_id: str) -> IntentRow | None:
    row = conn.execute(f"SELECT {_INTENT_COLUMNS} FROM intents WHERE id = ?", (intent_id,)).fetchone()
    return None if row is None else IntentRow(*row)


def move(conn: sqlite3.Connection, key_id: str, reserved: int, spent: int) -> KeyRow:
    row = conn.execute(f"UPDATE compose_keys SET reserved = reserved + ?, spent = spent + ? WHERE id = ? "
                       f"RETURNING {_KEY_COLUMNS}", (reserved, spent, key_id)).fetchone()
    return KeyRow(*row)


def expire_due(conn: sqlite3.Connection, now: int, key_id: str | None = None) -> int:
    """Expire authorized intents past their TTL: release the hold, or book it when the upstream call was made."""
    query = f"SELECT {_INTENT_COLUMNS} FROM intents WHERE state = 'authorized' AND expires_at <= ?"
    args: tuple[Any, ...] = (now,)
    if key_id is not None:
        query += " AND key_id = ?"
        args = (now, key_id)
    expired = 0
    for intent in [IntentRow(*row) for row in conn.execute(query, args).fetchall()]:
        booked = intent.amount if intent.dispatched_at is not None else None
        claimed = conn.execute(
            "UPDATE intents SET state = 'expired', settled = ?, estimated = ?, resolved_at = ? "
            "WHERE id = ? AND state = 'authorized'", (booked, int(booked is not None), now, intent.id)).rowcount
        if claimed:
            key = move(conn, intent.key_id, -intent.amount, booked or 0)
            journal(conn, key, intent.id, "expire", now)
            expired += 1
    return expired


def _classify(conn: sqlite3.Connection, key_id: str, amount: int, now: int) -> LedgerError:
    key = get_key(conn, key_id)
    if key is None:
        return KeyNotFound("Key not found")
    if key.revoked_at is not None:
        return KeyRevoked("Key has been revoked")
    if key.expires_at <= now:
        return KeyExpired("Key has expired")
    return BudgetExhausted(f"Compose key budget exhausted: this request needs a hold of {amount}, "
                           f"{key.available} of {key.budget} is available", key)


def _collecting(conn: sqlite3.Connection, key_id: str) -> bool:
    """Whether the key is a wallet key whose collection has fixed its amount (its spent may no longer change)."""
    return conn.execute("SELECT 1 FROM key_funding WHERE key_id = ? AND state NOT IN ('open', 'pending')",
                        (key_id,)).fetchone() is not None


def reserve(conn: sqlite3.Connection, hold: Hold, now: int, *, dispatched: bool = False) -> Reservation | LedgerError:
    """The hold, or the reason it was refused: returned, not raised, so the reclaimed holds stay reclaimed."""
    if hold.idem_key is not None:
        existing = conn.execute(f"SELECT {_INTENT_COLUMNS} FROM intents WHERE key_id = ? AND idem_key = ?",
                                (hold.key_id, hold.idem_key)).fetchone()
        if existing is not None:
            intent = IntentRow(*existing)
            if intent.state == "authorized" and intent.expires_at <= now:
                expire_due(conn, now, hold.key_id)
                intent = intent._replace(state="expired")
            if intent.state in ("expired", "aborted"):  # a dead intent frees its idempotency slot
                conn.execute("UPDATE intents SET idem_key = NULL WHERE id = ?", (intent.id,))
            elif intent.request_hash != hold.request_hash:
                raise IntentConflict("this idempotency key was already used for a different request")
            else:
                key = get_key(conn, hold.key_id)
                assert key is not None
                return Reservation(intent, key, True)
    update = (f"UPDATE compose_keys SET reserved = reserved + ?, last_used_at = ? WHERE id = ? AND revoked_at IS NULL "
              f"AND expires_at > ? AND budget - spent - reserved >= ? RETURNING {_KEY_COLUMNS}")
    args = (hold.amount, now, hold.key_id, now, hold.amount)
    row = conn.execute(update, args).fetchone()
    if row is None and expire_due(conn, now, hold.key_id):  # reclaim abandoned holds, then try once more
        row = conn.execute(update, args).fetchone()
    if row is None:
        return _classify(conn, hold.key_id, hold.amount, now)
    key = KeyRow(*row)
    intent = IntentRow(hold.intent_id or str(uuid.uuid4()), hold.key_id, hold.idem_key, hold.request_hash,
                       hold.amount, None, 0, "authorized", 0, hold.service, hold.action, hold.resource, hold.model,
                       hold.run_id, None, None, now, now if dispatched else None, now + hold.ttl_ms, None, None)
    conn.execute(f"INSERT INTO intents ({_INTENT_COLUMNS}) VALUES ({', '.join('?' * len(IntentRow._fields))})", intent)
    journal(conn, key, intent.id, "reserve", now)
    return Reservation(intent, key, False)


def dispatch(conn: sqlite3.Connection, intent_id: str, now: int) -> None:
    """Mark that the upstream call is being made: an expired hold is then booked, not released (I6)."""
    conn.execute("UPDATE intents SET dispatched_at = ? WHERE id = ? AND state = 'authorized'", (now, intent_id))




def _resolved(conn: sqlite3.Connection, intent_id: str) -> tuple[IntentRow, KeyRow]:
    intent = get_intent(conn, intent_id)
    assert intent is not None
    key = get_key(conn, intent.key_id)
    assert key is not None
    return intent, key


def settle(conn: sqlite3.Connection, intent_id: str, final: int, uncollected: int, estimated: bool,
           receipt: Receipt, now: int, known: IntentRow | None = None) -> Resolution:
    """Settle at most once, at most the hold; a late settle of an expired intent still books (I7).
    The receipt is built from the row as it will be stored, and stored with it (I10). `known`: the row as the
    caller reserved it, which saves reading it when the claim succeeds (the claim itself is the check)."""
    if known is not None and known.id == intent_id and known.state == "authorized" and final <= known.amount:
        after = known._replace(state="settled", settled=final, uncollected=uncollected, estimated=int(estimated),
                               resolved_at=now)
        body = orjson.dumps(receipt(after)).decode()
        claimed = conn.execute(
            "UPDATE intents SET state = 'settled', settled = ?, uncollected = ?, estimated = ?, resolved_at = ?, "
            "receipt = ? WHERE id = ? AND state = 'authorized'",
            (final, uncollected, int(estimated), now, body, intent_id)).rowcount
        if claimed == 1:
            key = move(conn, known.key_id, -known.amount, final)
            journal(conn, key, intent_id, "settle", now)
            return Resolution(after._replace(receipt=body), key, False)
    intent = get_intent(conn, intent_id)
    if intent is None:
        raise IntentNotFound(f"payment intent {intent_id} not found")
    if intent.state == "authorized":
        if final > intent.amount:
            raise IntentConflict(f"finalAmountWei {final} cannot exceed the reserved amount {intent.amount}")
        after = intent._replace(state="settled", settled=final, uncollected=uncollected, estimated=int(estimated),
                                resolved_at=now)
        moved, kind = (-intent.amount, final), "settle"
    elif intent.state == "expired" and intent.late_settled_at is None:
        if final > intent.amount:
            raise IntentConflict(f"finalAmountWei {final} cannot exceed the reserved amount {intent.amount}")
        current = get_key(conn, intent.key_id)
        assert current is not None
        booked = intent.settled or 0  # the hold, if the expiry booked it
        owed = final + uncollected
        target = min(owed, intent.amount) if booked else min(owed, intent.amount, current.available)
        if _collecting(conn, intent.key_id):  # its wallet key's collection has its amount: what is booked stays
            target = booked
        after = intent._replace(settled=target, uncollected=owed - target, estimated=int(estimated),
                                late_settled_at=now)
        moved, kind = (0, target - booked), "adjust"
    elif intent.state in ("settled", "expired"):
        return Resolution(*_resolved(conn, intent_id), True)
    else:
        raise IntentConflict(f"payment intent {intent_id} is {intent.state} and cannot be settled")
    key = move(conn, intent.key_id, *moved)
    body = orjson.dumps(receipt(after)).decode()
    claimed = conn.execute(
        "UPDATE intents SET state = ?, settled = ?, uncollected = ?, estimated = ?, resolved_at = ?, "
        "late_settled_at = ?, receipt = ? WHERE id = ? AND state = ? AND late_settled_at IS NULL",
        (after.state, after.settled, after.uncollected, after.estimated, after.resolved_at, after.late_settled_at,
         body, intent_id, intent.state)).rowcount
    if claimed != 1:  # pragma: no cover - the writer serialises operations; this guards the claim all the same
        raise IntentConflict(f"payment intent {intent_id} changed while settling")
    journal(conn, key, intent_id, kind, now)
    return Resolution(after._replace(receipt=body), key, False)


def abort(conn: sqlite3.Connection, intent_id: str, reason: str, now: int) -> Resolution:
    intent = get_intent(conn, intent_id)
    if intent is None:
        raise IntentNotFound(f"payment intent {intent_id} not found")
    if intent.state == "aborted":
        return Resolution(*_resolved(conn, intent_id), True)
    if intent.state == "expired" and intent.late_settled_at is None and intent.settled:
        # the sweeper booked this dispatched hold, but the work failed: nothing was served, so refund it
        conn.execute("UPDATE intents SET settled = 0, reason = ?, late_settled_at = ? WHERE id = ?",
                     (reason, now, intent_id))
        key = move(conn, intent.key_id, 0, -intent.settled)
        journal(conn, key, intent_id, "adjust", now)
        return Resolution(*_resolved(conn, intent_id), False)
    if intent.state != "authorized":
        raise IntentConflict(f"payment intent {intent_id} is {intent.state} and cannot be aborted")
    conn.execute("UPDATE intents SET state = 'aborted', reason = ?, resolved_at = ? WHERE id = ? AND "
                 "state = 'authorized'", (reason, now, intent_id))
    key = move(conn, intent.key_id, -intent.amount, 0)
    journal(conn, key, intent_id, "release", now)
    return Resolution(*_resolved(conn, intent_id), False)


def totals(conn: sqlite3.Connection, key_id: str) -> tuple[int, int]:
    """(Σ holds of authorized intents, Σ settled amounts less what was refunded): what the key's counters must
    equal (I2)."""
    reserved = conn.execute("SELECT COALESCE(SUM(amount), 0) FROM intents WHERE key_id = ? AND state = 'authorized'",
                            (key_id,)).fetchone()[0]
    spent = conn.execute("SELECT COALESCE(SUM(settled - refunded), 0) FROM intents WHERE key_id = ? AND state IN "
                         "('settled', 'expired')", (key_id,)).fetchone()[0]
    return int(reserved), int(spent)
