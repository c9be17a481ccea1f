"""Wallet keys' funding on SQLite: each a function of one connection, inside the writer's transaction.

A wallet key is funded by one x402 `upto` authorization of its owner, claimed for good in x402_claims (state
'funding': single use, like any payment) and kept in key_funding with its collection:

    open --(the key ended)--> pending --(no hold left: lease)--> collecting --> collected | failed --> forgiven

Each transition is one conditional statement, so it happens once whoever tries; a collection is leased by one
process for a while (a crash lets another take it over, which presents the same settlement again: the
facilitator answers an identical settlement with its first outcome). The amount is fixed when the collection is
first leased: the key's spent once its last hold is resolved.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from gateway_min.ledger.model import FundingRow, KeyRow, LedgerError, PaymentUsed, UnpaidCollection
from gateway_min.ledger.sqlite import ops

_COLUMNS: Final = ", ".join(FundingRow._fields)
_INSERT: Final = f"INSERT INTO key_funding ({_COLUMNS}) VALUES ({', '.join('?' * len(FundingRow._fields))})"


def get(conn: sqlite3.Connection, key_id: str) -> FundingRow | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM key_funding WHERE key_id = ?", (key_id,)).fetchone()
    return None if row is None else FundingRow(*row)


def unpaid(conn: sqlite3.Connection, payer: str) -> FundingRow | None:
    """A failed collection the wallet still owes, if any."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM key_funding WHERE payer = ? COLLATE NOCASE AND state = 'failed' "
                       "AND uncollected > 0 ORDER BY updated_at LIMIT 1", (payer,)).fetchone()
    return None if row is None else FundingRow(*row)


def create_wallet_key(conn: sqlite3.Connection, key: KeyRow, funding: FundingRow, now: int, *,
                      claim_owner: str | None) -> KeyRow | LedgerError:
    """The key and its funding, or why not: the wallet owes an earlier collection, or the authorization was
    presented before. A session supersedes the owner's live session on its chain, which ends (and is collected)."""
    owed = unpaid(conn, funding.payer)
    if owed is not None:
        return UnpaidCollection(f"wallet {funding.payer} owes {owed.uncollected} from the collection of key "
                                f"{owed.key_id}, which failed: it opens no other wallet-backed key until that is paid")
    taken = conn.execute(
        "INSERT INTO x402_claims (network, payer, nonce, state, scheme, amount, claimed_at, stream, owner) "
        "VALUES (?, ?, ?, 'funding', 'upto', ?, ?, 0, ?) ON CONFLICT (network, payer, nonce) DO UPDATE SET "
        "state = 'funding', scheme = 'upto', amount = excluded.amount, settled = NULL, tx_hash = NULL, receipt = NULL, "
        "claimed_at = excluded.claimed_at, resolved_at = NULL, stream = 0, owner = excluded.owner, token = NULL "
        "WHERE x402_claims.state = 'released'",
        (funding.network, funding.payer, funding.nonce, key.budget, now, claim_owner)).rowcount
    if not taken:
        return PaymentUsed("this authorization was already presented: sign a new one")
    create_key(conn, key)
    conn.execute(_INSERT, funding)
    return key


def create_key(conn: sqlite3.Connection, key: KeyRow) -> KeyRow:
    """A key; a session supersedes the owner's live session on its chain: that one is revoked, and a wallet one's
    collection follows (reason `superseded`)."""
    if key.purpose == "session":
        for (previous,) in conn.execute(
                "SELECT id FROM compose_keys WHERE owner = ? AND chain_id = ? AND purpose = 'session' "
                "AND revoked_at IS NULL AND expires_at > ?", (key.owner, key.chain_id, key.created_at)).fetchall():
            ops.revoke_key(conn, previous, key.created_at)
            end(conn, previous, "superseded", key.created_at)
    return ops.create_key(conn, key)


def end(conn: sqlite3.Connection, key_id: str, reason: str, now: int) -> bool:
    """The key ended: its collection is pending (once its holds are resolved). False when it was not open."""
    return conn.execute("UPDATE key_funding SET state = 'pending', reason = ?, updated_at = ? "
                        "WHERE key_id = ? AND state = 'open'", (reason, now, key_id)).rowcount == 1


def end_due(conn: sqlite3.Connection, now: int, margin_ms: int) -> int:
    """End the open fundings whose key can no longer spend: revoked, expired, exhausted, or too close to the
    authorization's deadline to collect after one more call."""
    due = conn.execute(
        "SELECT f.key_id, k.revoked_at, k.expires_at, k.spent, k.budget FROM key_funding f "
        "JOIN compose_keys k ON k.id = f.key_id WHERE f.state = 'open' AND (k.revoked_at IS NOT NULL "
        "OR k.expires_at <= ? OR k.spent >= k.budget OR f.deadline * 1000 - ? <= ?)", (now, margin_ms, now)).fetchall()
    ended = 0
    for key_id, revoked_at, expires_at, spent, budget in due:
        reason = "revoked" if revoked_at is not None else "expired" if expires_at <= now else \
            "exhausted" if spent >= budget else "deadline"
        if reason == "deadline":  # the key stops spending: what it spent must still be collectable
            ops.revoke_key(conn, key_id, now)
        ended += end(conn, key_id, reason, now)
    return ended


def lease(conn: sqlite3.Connection, now: int, owner: str, lease_ms: int, limit: int = 50) -> list[FundingRow]:
    """Collections this process takes on: pending ones whose key holds nothing more, and collecting ones whose
    lease ran out (their process died mid-way). The amount is fixed at the first lease."""
    leased = []
    for key_id, spent in conn.execute(
            "SELECT f.key_id, k.spent FROM key_funding f JOIN compose_keys k ON k.id = f.key_id "
            "WHERE (f.state = 'pending' AND k.reserved = 0) OR (f.state = 'collecting' AND f.lease_until <= ?) "
            "ORDER BY f.updated_at LIMIT ?", (now, limit)).fetchall():
        taken = conn.execute(
            "UPDATE key_funding SET state = 'collecting', amount = COALESCE(amount, ?), lease_owner = ?, "
            "lease_until = ?, updated_at = ? WHERE key_id = ? AND (state = 'pending' OR (state = 'collecting' "
            "AND lease_until <= ?))", (spent, owner, now + lease_ms, now, key_id, now)).rowcount
        if taken:
            row = get(conn, key_id)
            assert row is not None
            leased.append(row)
    return leased


def finish(conn: sqlite3.Connection, key_id: str, owner: str, collected: bool, now: int, *,
           tx_hash: str | None = None, error: str | None = None) -> FundingRow | None:
    """Record the collection's outcome, if this process still holds its lease; the authorization's claim
    follows (settled, or failed)."""
    row = get(conn, key_id)
    if row is None or row.state != "collecting" or row.lease_owner != owner:
        return None
    amount = row.amount or 0
    conn.execute("UPDATE key_funding SET state = ?, tx_hash = ?, error = ?, uncollected = ?, lease_owner = NULL, "
                 "lease_until = NULL, updated_at = ? WHERE key_id = ? AND state = 'collecting' AND lease_owner = ?",
                 ("collected" if collected else "failed", tx_hash, error, 0 if collected else amount, now, key_id,
                  owner))
    conn.execute("UPDATE x402_claims SET state = ?, settled = ?, tx_hash = ?, resolved_at = ? WHERE network = ? "
                 "AND payer = ? AND nonce = ? AND state IN ('funding', 'failed')",
                 ("settled" if collected else "failed", amount if collected else None, tx_hash, now, row.network,
                  row.payer, row.nonce))
    return get(conn, key_id)


def touch_verified(conn: sqlite3.Connection, key_id: str, now: int, every_ms: int) -> bool:
    """Whether this caller re-verifies the funding now: at most once per `every_ms` per key, across processes."""
    return conn.execute("UPDATE key_funding SET verified_at = ? WHERE key_id = ? AND state = 'open' "
                        "AND verified_at <= ?", (now, key_id, now - every_ms)).rowcount == 1


def operator_decides(conn: sqlite3.Connection, key_id: str, action: str, now: int) -> FundingRow | None:
    """A failed collection, retried (pending again: the same authorization, if it can still be settled) or forgiven
    (written off: the wallet may open keys again). None when the collection is not failed."""
    state = {"retry": "pending", "forgive": "forgiven"}[action]
    changed = conn.execute("UPDATE key_funding SET state = ?, updated_at = ? WHERE key_id = ? AND state = 'failed'",
                           (state, now, key_id)).rowcount
    return get(conn, key_id) if changed else None
