"""Wallet keys' funding on PostgreSQL: the rules of sqlite/funding.py, held across replicas. Creating a wallet key
takes a transaction-scoped advisory lock on its owner and chain (a session supersedes the owner's live session: two
created at once on two replicas must not both stay live); collections are leased with FOR UPDATE SKIP LOCKED, so
replicas collecting at once take different ones, and every transition is conditional on the current state.
"""

from __future__ import annotations

from typing import Final

from gateway_min.ledger.model import FundingRow, KeyRow, LedgerError, PaymentUsed, UnpaidCollection
from gateway_min.ledger.postgres import ops
from gateway_min.ledger.postgres.ops import Conn

_COLUMNS: Final = ", ".join(FundingRow._fields)
_INSERT: Final = (f"INSERT INTO key_funding ({_COLUMNS}) VALUES "
                  f"({', '.join(f'${i + 1}' for i in range(len(FundingRow._fields)))})")


async def get(conn: Conn, key_id: str) -> FundingRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM key_funding WHERE key_id = $1", key_id)
    return None if row is None else FundingRow(*row)


async def unpaid(conn: Conn, payer: str) -> FundingRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM key_funding WHERE lower(payer) = lower($1) "
                              "AND state = 'failed' AND uncollected > 0 ORDER BY updated_at LIMIT 1", payer)
    return None if row is None else FundingRow(*row)


async def create_wallet_key(conn: Conn, key: KeyRow, funding: FundingRow, now: int, *,
                            claim_owner: str | None) -> KeyRow | LedgerError:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"keys|{key.owner}|{key.chain_id}")
    owed = await unpaid(conn, funding.payer)
    if owed is not None:
        return UnpaidCollection(f"wallet {funding.payer} owes {owed.uncollected} from the collection of key "
                                f"{owed.key_id}, which failed: it opens no other wallet-backed key until that is paid")
    taken = await conn.fetchval(
        "INSERT INTO x402_claims (network, payer, nonce, state, scheme, amount, claimed_at, stream, owner) "
        "VALUES ($1, $2, $3, 'funding', 'upto', $4, $5, 0, $6) ON CONFLICT (network, payer, nonce) DO UPDATE SET "
        "state = 'funding', scheme = 'upto', amount = excluded.amount, settled = NULL, tx_hash = NULL, receipt = NULL, "
        "claimed_at = excluded.claimed_at, resolved_at = NULL, stream = 0, owner = excluded.owner, token = NULL "
        "WHERE x402_claims.state = 'released' RETURNING 1",
        funding.network, funding.payer, funding.nonce, key.budget, now, claim_owner)
    if not taken:
        return PaymentUsed("this authorization was already presented: sign a new one")
    await create_key(conn, key, locked=True)
    await conn.execute(_INSERT, *funding)
    return key


async def create_key(conn: Conn, key: KeyRow, *, locked: bool = False) -> KeyRow:
    """A key; a session supersedes the owner's live session on its chain (under the owner's advisory lock)."""
    if key.purpose == "session":
        if not locked:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                               f"keys|{key.owner}|{key.chain_id}")
        for row in await conn.fetch("SELECT id FROM compose_keys WHERE owner = $1 AND chain_id = $2 "
                                    "AND purpose = 'session' AND revoked_at IS NULL AND expires_at > $3",
                                    key.owner, key.chain_id, key.created_at):
            await ops.revoke_key(conn, row[0], key.created_at)
            await end(conn, row[0], "superseded", key.created_at)
    return await ops.create_key(conn, key)


async def end(conn: Conn, key_id: str, reason: str, now: int) -> bool:
    return bool(await conn.fetchval("UPDATE key_funding SET state = 'pending', reason = $1, updated_at = $2 "
                                    "WHERE key_id = $3 AND state = 'open' RETURNING 1", reason, now, key_id))


async def end_due(conn: Conn, now: int, margin_ms: int) -> int:
    rows = await conn.fetch(
        "SELECT f.key_id, k.revoked_at, k.expires_at, k.spent, k.budget FROM key_funding f "
        "JOIN compose_keys k ON k.id = f.key_id WHERE f.state = 'open' AND (k.revoked_at IS NOT NULL "
        "OR k.expires_at <= $1 OR k.spent >= k.budget OR f.deadline * 1000 - $2 <= $1) "
        "FOR UPDATE OF f SKIP LOCKED", now, margin_ms)
    ended = 0
    for key_id, revoked_at, expires_at, spent, budget in rows:
        reason = "revoked" if revoked_at is not None else "expired" if expires_at <= now else \
            "exhausted" if spent >= budget else "deadline"
        if reason == "deadline":  # the key stops spending: what it spent must still be collectable
            await ops.revoke_key(conn, key_id, now)
        ended += await end(conn, key_id, reason, now)
    return ended


async def lease(conn: Conn, now: int, owner: str, lease_ms: int, limit: int = 50) -> list[FundingRow]:
    """sqlite/funding.py's lease. The key rows are locked with the fundings (a late settle of an expired hold takes
    the key's lock, then sees the collection), and the amount is read by a second statement, after the locks."""
    taken = [row[0] for row in await conn.fetch(
        "SELECT f.key_id FROM key_funding f JOIN compose_keys k ON k.id = f.key_id "
        "WHERE (f.state = 'pending' AND k.reserved = 0) OR (f.state = 'collecting' AND f.lease_until <= $1) "
        "ORDER BY f.updated_at LIMIT $2 FOR UPDATE OF f, k SKIP LOCKED", now, limit)]
    if not taken:
        return []
    rows = await conn.fetch(
        f"UPDATE key_funding f SET state = 'collecting', amount = COALESCE(f.amount, k.spent), lease_owner = $2, "
        f"lease_until = $3, updated_at = $1 FROM compose_keys k WHERE k.id = f.key_id AND f.key_id = ANY($4::text[]) "
        f"AND ((f.state = 'pending' AND k.reserved = 0) OR (f.state = 'collecting' AND f.lease_until <= $1)) "
        f"RETURNING {', '.join('f.' + name for name in FundingRow._fields)}", now, owner, now + lease_ms, taken)
    return [FundingRow(*row) for row in rows]


async def finish(conn: Conn, key_id: str, owner: str, collected: bool, now: int, *,
                 tx_hash: str | None = None, error: str | None = None) -> FundingRow | None:
    row = await conn.fetchrow(
        f"UPDATE key_funding SET state = $1, tx_hash = $2, error = $3, uncollected = CASE WHEN $4 THEN 0 "
        f"ELSE COALESCE(amount, 0) END, lease_owner = NULL, lease_until = NULL, updated_at = $5 "
        f"WHERE key_id = $6 AND state = 'collecting' AND lease_owner = $7 RETURNING {_COLUMNS}",
        "collected" if collected else "failed", tx_hash, error, collected, now, key_id, owner)
    if row is None:
        return None
    funding = FundingRow(*row)
    await conn.execute("UPDATE x402_claims SET state = $1, settled = $2, tx_hash = $3, resolved_at = $4 "
                       "WHERE network = $5 AND payer = $6 AND nonce = $7 AND state IN ('funding', 'failed')",
                       "settled" if collected else "failed", (funding.amount or 0) if collected else None, tx_hash,
                       now, funding.network, funding.payer, funding.nonce)
    return funding


async def touch_verified(conn: Conn, key_id: str, now: int, every_ms: int) -> bool:
    return bool(await conn.fetchval("UPDATE key_funding SET verified_at = $1 WHERE key_id = $2 AND state = 'open' "
                                    "AND verified_at <= $3 RETURNING 1", now, key_id, now - every_ms))


async def operator_decides(conn: Conn, key_id: str, action: str, now: int) -> FundingRow | None:
    state = {"retry": "pending", "forgive": "forgiven"}[action]
    row = await conn.fetchrow(f"UPDATE key_funding SET state = $1, updated_at = $2 WHERE key_id = $3 "
                              f"AND state = 'failed' RETURNING {_COLUMNS}", state, now, key_id)
    return None if row is None else FundingRow(*row)
