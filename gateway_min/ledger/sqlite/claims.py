"""x402 claims: a (network, payer, nonce) authorization serves one request (I12), claimed before the work starts.

claimed --settled--> settled        (the facilitator moved the money; amount, tx hash and receipt recorded)
   |-----failed----> failed         (verify refused it, or settle failed: the authorization is not reusable here)
   '-----released--> released       (nothing reached the facilitator's settle: upstream error, facilitator down)

A released claim may be claimed again by a later request carrying the same payment: it was never settled. Every
other state refuses the payment for good. Each transition is one conditional statement, so concurrent requests
with the same payment race on the row and exactly one wins, across processes too.

An `upto` stream is exclusive per (network, payer) while claimed: its content goes out before it settles, and
x402 has no escrow, so another payment from the same wallet settling first could leave it unpayable. It is only
claimed when the payer has no other live claim, and no other claim is taken while it is live (the check and the
insert run in one write transaction). A claim counts as live for `live_ms` after it was taken, the longest any
paid work may run, so one left `claimed` by a crash stops blocking its payer then at the latest; sooner when the
process that took it is known to be gone (ledger/owner.py): such a claim is marked `failed` (its outcome is
unknown: it is never presented again) the next time it is in the way.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Final

from gateway_min.ledger.model import CLAIM_OUTCOMES, ClaimRow
from gateway_min.ledger.owner import is_gone

log = logging.getLogger("gateway_min")


_COLUMNS: Final = ", ".join(ClaimRow._fields)


def get(conn: sqlite3.Connection, network: str, payer: str, nonce: str) -> ClaimRow | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM x402_claims WHERE network = ? AND payer = ? AND nonce = ?",
                       (network, payer, nonce)).fetchone()
    return ClaimRow(*row) if row else None


def claim(conn: sqlite3.Connection, network: str, payer: str, nonce: str, scheme: str, amount: int,
          now: int, stream: bool = False, live_ms: int = 3_600_000, owner: str | None = None,
          gone: Callable[[str | None], bool] = is_gone, token: str | None = None) -> tuple[bool, ClaimRow]:
    """(True, the new claim), or (False, the row in the way): this payment's own row, or (its nonce differs) the
    payer's live claim that an exclusive `upto` stream conflicts with. `stream`: this claim is an upto stream.
    `owner`: this process (ledger/owner.py); a claim in the way whose owner is `gone` is failed, not waited for.
    `token`: names this call's claim (release_unseen)."""
    exclusive = stream and scheme == "upto"
    own = get(conn, network, payer, nonce)
    if own is not None and own.state != "released":
        return False, own  # a replay: say so before anything else
    for busy in [ClaimRow(*row) for row in conn.execute(
            f"SELECT {_COLUMNS} FROM x402_claims WHERE network = ? AND payer = ? AND state = 'claimed' AND nonce != ? "
            "AND claimed_at > ? AND (stream = 1 OR ?) ORDER BY claimed_at", (
                network, payer, nonce, now - live_ms, exclusive)).fetchall()]:
        if not gone(busy.owner):
            return False, busy
        resolve(conn, network, payer, busy.nonce, "failed", now)
        log.warning("x402 claim %s/%s was left open by a process that is gone (%s): marked failed, its outcome "
                    "unknown", payer, busy.nonce, busy.owner)
    taken = conn.execute(
        "INSERT INTO x402_claims (network, payer, nonce, state, scheme, amount, claimed_at, stream, owner, token) "
        "VALUES (?, ?, ?, 'claimed', ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (network, payer, nonce) DO UPDATE SET state = 'claimed', scheme = excluded.scheme, "
        "amount = excluded.amount, settled = NULL, tx_hash = NULL, receipt = NULL, "
        "claimed_at = excluded.claimed_at, resolved_at = NULL, stream = excluded.stream, owner = excluded.owner, "
        "token = excluded.token WHERE x402_claims.state = 'released'",
        (network, payer, nonce, scheme, amount, now, int(exclusive), owner, token)).rowcount
    row = get(conn, network, payer, nonce)
    assert row is not None
    return taken == 1, row


def resolve(conn: sqlite3.Connection, network: str, payer: str, nonce: str, state: str, now: int, *,
            settled: int | None = None, tx_hash: str | None = None, receipt: str | None = None) -> bool:
    """Move a claimed row to its terminal state; False when it was not (or no longer) claimed."""
    if state not in CLAIM_OUTCOMES:
        raise ValueError(f"a claim resolves to settled, released or failed, not {state!r}")
    return conn.execute(
        "UPDATE x402_claims SET state = ?, settled = ?, tx_hash = ?, receipt = ?, resolved_at = ? "
        "WHERE network = ? AND payer = ? AND nonce = ? AND state = 'claimed'",
        (state, settled, tx_hash, receipt, now, network, payer, nonce)).rowcount == 1


def release_unseen(conn: sqlite3.Connection, network: str, payer: str, nonce: str, token: str, now: int) -> bool:
    """Release the claim taken by the call `token` names, if it was (and still is) that call's: a caller cancelled
    before it learnt of its claim never does the work. Another call's claim of the same payment is left alone."""
    return conn.execute(
        "UPDATE x402_claims SET state = 'released', resolved_at = ? "
        "WHERE network = ? AND payer = ? AND nonce = ? AND state = 'claimed' AND token = ?",
        (now, network, payer, nonce, token)).rowcount == 1
