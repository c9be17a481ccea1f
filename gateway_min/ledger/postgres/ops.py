"""PostgreSQL ledger operations: each an async function of one connection, run inside one transaction at READ
COMMITTED (postgres/__init__.py), the same rules as the SQLite operations (sqlite/ops.py), held by the database
itself so that they hold across replicas:

- reserve is one conditional UPDATE of the key (`budget − spent − reserved ≥ hold`, live): under READ COMMITTED a
  concurrent change makes PostgreSQL re-evaluate the condition on the newest row version before it updates, so
  S + R ≤ B at every commit (I1) with no read-then-write in Python; the CHECK constraints back it;
- settle and abort claim the intent (`UPDATE … WHERE state = 'authorized'`, or `SELECT … FOR UPDATE`), so it
  resolves once (I3); an idempotency key is single use by the unique index `intents_idem` (I5);
- locks are taken intent first, then key; the sweeper takes its due holds with `FOR UPDATE SKIP LOCKED` (several
  replicas sweep disjoint sets) and their keys in key order, so replicas do not deadlock one another (a deadlock
  PostgreSQL still detects is retried, postgres/__init__.py);
- every change of a key's counters writes its journal row in the same transaction (I2).
"""

from __future__ import annotations

import uuid
from typing import Final, TypeAlias

import asyncpg
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

Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
KEY_COLUMNS: Final = ", ".join(KeyRow._fields)
INTENT_COLUMNS: Final = ", ".join(IntentRow._fields)
MIGRATION_LOCK: Final = 0x636F6D706F7365  # "compose": the advisory lock under which migrations are applied
SWEEP_BATCH: Final = 200
_KEY_INSERT: Final = (f"INSERT INTO compose_keys ({KEY_COLUMNS}) VALUES "
                      f"({', '.join(f'${i + 1}' for i in range(len(KeyRow._fields)))})")
_INTENT_INSERT: Final = (f"INSERT INTO intents ({INTENT_COLUMNS}) VALUES "
                         f"({', '.join(f'${i + 1}' for i in range(len(IntentRow._fields)))})")
_RESERVE: Final = (f"UPDATE compose_keys SET reserved = reserved + $1, last_used_at = $2 WHERE id = $3 "
                   f"AND revoked_at IS NULL AND expires_at > $2 AND budget - spent - reserved >= $1 "
                   f"RETURNING {KEY_COLUMNS}")
_MOVE: Final = (f"UPDATE compose_keys SET reserved = reserved + $1, spent = spent + $2 WHERE id = $3 "
                f"RETURNING {KEY_COLUMNS}")
_COLLECTING: Final = "SELECT 1 FROM key_funding WHERE key_id = $1 AND state NOT IN ('open', 'pending')"
_JOURNAL: Final = ("INSERT INTO journal (key_id, intent_id, kind, reserved, spent, at) "
                   "VALUES ($1, $2, $3, $4, $5, $6)")


async def migrate(conn: Conn, now: int) -> list[int]:
    """Apply the pending migrations under a transaction-scoped advisory lock: replicas starting together wait for
    the first, then find its migrations applied. The versions applied."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
    await conn.execute(migrations.TABLE)
    applied = {row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")}
    done = []
    for migration in migrations.pending(migrations.load("postgres"), applied):
        for statement in migrations.statements(migration.sql):
            await conn.execute(statement)
        await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                           migration.version, migration.name, now)
        done.append(migration.version)
    return done


async def journal(conn: Conn, key: KeyRow, intent_id: str | None, kind: str, at: int) -> None:
    await conn.execute(_JOURNAL, key.id, intent_id, kind, key.reserved, key.spent, at)


def _key(row: asyncpg.Record | None) -> KeyRow | None:
    return None if row is None else KeyRow(*row)


def _intent(row: asyncpg.Record | None) -> IntentRow | None:
    return None if row is None else IntentRow(*row)


async def get_key(conn: Conn, key_id: str, *, lock: bool = False) -> KeyRow | None:
    return _key(await conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM compose_keys WHERE id = $1"
                                    + (" FOR UPDATE" if lock else ""), key_id))


async def key_by_hash(conn: Conn, key_hash: str) -> KeyRow | None:
    return _key(await conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM compose_keys WHERE key_hash = $1", key_hash))


async def list_keys(conn: Conn, owner: str) -> list[KeyRow]:
    rows = await conn.fetch(f"SELECT {KEY_COLUMNS} FROM compose_keys WHERE owner = $1 ORDER BY created_at, id", owner)
    return [KeyRow(*row) for row in rows]


async def latest_session(conn: Conn, owner: str, chain_id: int) -> KeyRow | None:
    return _key(await conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM compose_keys WHERE owner = $1 AND chain_id = $2 "
                                    "AND purpose = 'session' ORDER BY revoked_at IS NULL DESC, created_at DESC, "
                                    "id DESC LIMIT 1", owner, chain_id))


async def create_key(conn: Conn, key: KeyRow) -> KeyRow:
    await conn.execute(_KEY_INSERT, *key)
    await journal(conn, key, None, "fund", key.created_at)
    return key


async def revoke_key(conn: Conn, key_id: str, now: int) -> KeyRow | None:
    key = _key(await conn.fetchrow(f"UPDATE compose_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 "
                                   f"RETURNING {KEY_COLUMNS}", now, key_id))
    if key is not None:
        await journal(conn, key, None, "revoke", now)
    return key


async def get_intent(conn: Conn, intent_id: str, *, lock: bool = False) -> IntentRow | None:
    return _intent(await conn.fetchrow(f"SELECT {INTENT_COLUMNS} FROM intents WHERE id = $1"
                                       + (" FOR UPDATE" if lock else ""), intent_id))


async def move(conn: Conn, key_id: str, reserved: int, spent: int) -> KeyRow:
    row = await conn.fetchrow(_MOVE, reserved, spent, key_id)
    assert row is not None  # the key exists: an intent references it
    return KeyRow(*row)


async def expire_due(conn: Conn, now: int, key_id: str | None = None) -> int:
    """Expire authorized intents past their TTL: release the hold, or book it when the upstream call was made (I6).
    The due holds are locked with SKIP LOCKED (another replica's sweep, or a settle racing the expiry, keeps its
    own), a batch at a time, and their keys are locked in key order."""
    query = f"SELECT {INTENT_COLUMNS} FROM intents WHERE state = 'authorized' AND expires_at <= $1"
    args: list[object] = [now]
    if key_id is not None:
        query += " AND key_id = $2"
        args.append(key_id)
    query += f" ORDER BY key_id, expires_at LIMIT {SWEEP_BATCH} FOR UPDATE SKIP LOCKED"
    expired = 0
    for intent in [IntentRow(*row) for row in await conn.fetch(query, *args)]:
        booked = intent.amount if intent.dispatched_at is not None else None
        await conn.execute("UPDATE intents SET state = 'expired', settled = $1, estimated = $2, resolved_at = $3 "
                           "WHERE id = $4", booked, int(booked is not None), now, intent.id)
        key = await move(conn, intent.key_id, -intent.amount, booked or 0)
        await journal(conn, key, intent.id, "expire", now)
        expired += 1
    return expired


async def _classify(conn: Conn, key_id: str, amount: int, now: int) -> LedgerError:
    key = await get_key(conn, key_id)
    if key is None:
        return KeyNotFound("Key not found")
    if key.revoked_at is not None:
        return KeyRevoked("Key has been revoked")
    if key.expires_at <= now:
        return KeyExpired("Key has expired")
    return BudgetExhausted(f"Compose key budget exhausted: this request needs a hold of {amount}, "
                           f"{key.available} of {key.budget} is available", key)


async def reserve(conn: Conn, hold: Hold, now: int, *, dispatched: bool = False) -> Reservation | LedgerError:
    """The hold, or the reason it was refused: returned, not raised, so that reclaimed holds stay reclaimed. Two
    requests with one new idempotency key: the key's row lock orders them, and the second's INSERT meets the unique
    index; its transaction is retried whole and finds the first's intent (a replay)."""
    if hold.idem_key is not None:
        intent = _intent(await conn.fetchrow(
            f"SELECT {INTENT_COLUMNS} FROM intents WHERE key_id = $1 AND idem_key = $2 FOR UPDATE",
            hold.key_id, hold.idem_key))
        if intent is not None:
            if intent.state == "authorized" and intent.expires_at <= now:
                await expire_due(conn, now, hold.key_id)
                intent = intent._replace(state="expired")
            if intent.state in ("expired", "aborted"):  # a dead intent frees its idempotency slot
                await conn.execute("UPDATE intents SET idem_key = NULL WHERE id = $1", intent.id)
            elif intent.request_hash != hold.request_hash:
                raise IntentConflict("this idempotency key was already used for a different request")
            else:
                key = await get_key(conn, hold.key_id)
                assert key is not None
                return Reservation(intent, key, True)
    row = await conn.fetchrow(_RESERVE, hold.amount, now, hold.key_id)
    if row is None and await expire_due(conn, now, hold.key_id):  # reclaim abandoned holds, then try once more
        row = await conn.fetchrow(_RESERVE, hold.amount, now, hold.key_id)
    if row is None:
        return await _classify(conn, hold.key_id, hold.amount, now)
    key = KeyRow(*row)
    intent = IntentRow(hold.intent_id or str(uuid.uuid4()), hold.key_id, hold.idem_key, hold.request_hash,
                       hold.amount, None, 0, "authorized", 0, hold.service, hold.action, hold.resource, hold.model,
                       hold.run_id, None, None, now, now if dispatched else None, now + hold.ttl_ms, None, None)
    await conn.execute(_INTENT_INSERT, *intent)
    await journal(conn, key, intent.id, "reserve", now)
    return Reservation(intent, key, False)


async def _resolved(conn: Conn, intent_id: str) -> tuple[IntentRow, KeyRow]:
    intent = await get_intent(conn, intent_id)
    assert intent is not None
    key = await get_key(conn, intent.key_id)
    assert key is not None
    return intent, key


async def settle(conn: Conn, intent_id: str, final: int, uncollected: int, estimated: bool, receipt: Receipt,
                 now: int, known: IntentRow | None = None) -> Resolution:
    """Settle at most once, at most the hold; a late settle of an expired intent still books (I7). The receipt is
    built from the row as it will be stored, and stored with it (I10). `known`: the row as the caller reserved it,
    which saves reading it when the claim succeeds (the conditional UPDATE is the check)."""
    if known is not None and known.id == intent_id and known.state == "authorized" and final <= known.amount:
        after = known._replace(state="settled", settled=final, uncollected=uncollected, estimated=int(estimated),
                               resolved_at=now)
        body = orjson.dumps(receipt(after)).decode()
        claimed = await conn.fetchval(
            "UPDATE intents SET state = 'settled', settled = $1, uncollected = $2, estimated = $3, resolved_at = $4, "
            "receipt = $5 WHERE id = $6 AND state = 'authorized' RETURNING 1",
            final, uncollected, int(estimated), now, body, intent_id)
        if claimed:
            key = await move(conn, known.key_id, -known.amount, final)
            await journal(conn, key, intent_id, "settle", now)
            return Resolution(after._replace(receipt=body), key, False)
    intent = await get_intent(conn, intent_id, lock=True)
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
        current = await get_key(conn, intent.key_id, lock=True)  # locked: what it can still book holds till commit
        assert current is not None
        booked = intent.settled or 0  # the hold, if the expiry booked it
        owed = final + uncollected
        target = min(owed, intent.amount) if booked else min(owed, intent.amount, current.available)
        if await conn.fetchval(_COLLECTING, intent.key_id):  # read after the key's lock: a lease holds it too
            target = booked  # its wallet key's collection has its amount: what is booked stays
        after = intent._replace(settled=target, uncollected=owed - target, estimated=int(estimated),
                                late_settled_at=now)
        moved, kind = (0, target - booked), "adjust"
    elif intent.state in ("settled", "expired"):
        return Resolution(*await _resolved(conn, intent_id), True)
    else:
        raise IntentConflict(f"payment intent {intent_id} is {intent.state} and cannot be settled")
    key = await move(conn, intent.key_id, *moved)
    body = orjson.dumps(receipt(after)).decode()
    await conn.execute(
        "UPDATE intents SET state = $1, settled = $2, uncollected = $3, estimated = $4, resolved_at = $5, "
        "late_settled_at = $6, receipt = $7 WHERE id = $8",
        after.state, after.settled, after.uncollected, after.estimated, after.resolved_at, after.late_settled_at,
        body, intent_id)
    await journal(conn, key, intent_id, kind, now)
    return Resolution(after._replace(receipt=body), key, False)


async def abort(conn: Conn, intent_id: str, reason: str, now: int) -> Resolution:
    intent = await get_intent(conn, intent_id, lock=True)
    if intent is None:
        raise IntentNotFound(f"payment intent {intent_id} not found")
    if intent.state == "aborted":
        return Resolution(*await _resolved(conn, intent_id), True)
    if intent.state == "expired" and intent.late_settled_at is None and intent.settled:
        # the sweeper booked this dispatched hold, but the work failed: nothing was served, so refund it
        await conn.execute("UPDATE intents SET settled = 0, reason = $1, late_settled_at = $2 WHERE id = $3",
                           reason, now, intent_id)
        key = await move(conn, intent.key_id, 0, -intent.settled)
        await journal(conn, key, intent_id, "adjust", now)
        return Resolution(*await _resolved(conn, intent_id), False)
    if intent.state != "authorized":
        raise IntentConflict(f"payment intent {intent_id} is {intent.state} and cannot be aborted")
    await conn.execute("UPDATE intents SET state = 'aborted', reason = $1, resolved_at = $2 WHERE id = $3",
                       reason, now, intent_id)
    key = await move(conn, intent.key_id, -intent.amount, 0)
    await journal(conn, key, intent_id, "release", now)
    return Resolution(*await _resolved(conn, intent_id), False)


async def release_unseen(conn: Conn, intent_id: str, now: int) -> None:
    """Abort a hold whose caller was cancelled before it saw it; nothing if the reserve made none."""
    try:
        await abort(conn, intent_id, "cancelled before the upstream call", now)
    except IntentNotFound:
        return


async def totals(conn: Conn, key_id: str) -> tuple[int, int]:
    """(Σ holds of authorized intents, Σ settled amounts less what was refunded): what the key's counters must
    equal (I2)."""
    row = await conn.fetchrow(
        "SELECT COALESCE(SUM(amount) FILTER (WHERE state = 'authorized'), 0), "
        "COALESCE(SUM(settled - refunded) FILTER (WHERE state IN ('settled', 'expired')), 0) FROM intents "
        "WHERE key_id = $1",
        key_id)
    assert row is not None  # an aggregate always answers one row
    return int(row[0]), int(row[1])
