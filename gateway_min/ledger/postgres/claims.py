"""x402 claims on PostgreSQL: the rules of sqlite/claims.py (states, single use, upto-stream exclusivity, claims a
crash left open), held across replicas. Single use is the primary key (network, payer, nonce) with a conditional
`ON CONFLICT … DO UPDATE … WHERE state = 'released'`; each transition is conditional on the current state. The
check that an `upto` stream is the payer's only open payment and the insert of its claim run under a
transaction-scoped advisory lock on (network, payer), so that two replicas cannot both pass the check (READ
COMMITTED alone would let them); payments of different payers never wait for one another.
"""

from __future__ import annotations

import functools
import logging
from typing import Final

from gateway_min.ledger.model import CLAIM_OUTCOMES, ClaimRow
from gateway_min.ledger.owner import is_gone
from gateway_min.ledger.postgres.ops import Conn

log = logging.getLogger("gateway_min")
_COLUMNS: Final = ", ".join(ClaimRow._fields)
gone = functools.partial(is_gone, shared=True)  # another machine's boot id is not a reboot


async def get(conn: Conn, network: str, payer: str, nonce: str) -> ClaimRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM x402_claims WHERE network = $1 AND payer = $2 AND nonce = $3",
                              network, payer, nonce)
    return ClaimRow(*row) if row else None


async def claim(conn: Conn, network: str, payer: str, nonce: str, scheme: str, amount: int, now: int,
                stream: bool, live_ms: int, owner: str | None, token: str) -> tuple[bool, ClaimRow]:
    """(True, the new claim), or (False, the row in the way), as sqlite/claims.claim."""
    exclusive = stream and scheme == "upto"
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"x402|{network}|{payer}")
    own = await get(conn, network, payer, nonce)
    if own is not None and own.state != "released":
        return False, own  # a replay: say so before anything else
    for busy in [ClaimRow(*row) for row in await conn.fetch(
            f"SELECT {_COLUMNS} FROM x402_claims WHERE network = $1 AND payer = $2 AND state = 'claimed' "
            "AND nonce != $3 AND claimed_at > $4 AND (stream = 1 OR $5) ORDER BY claimed_at",
            network, payer, nonce, now - live_ms, exclusive)]:
        if not gone(busy.owner):
            return False, busy
        await resolve(conn, network, payer, busy.nonce, "failed", now)
        log.warning("x402 claim %s/%s was left open by a process that is gone (%s): marked failed, its outcome "
                    "unknown", payer, busy.nonce, busy.owner)
    taken = await conn.fetchval(
        "INSERT INTO x402_claims (network, payer, nonce, state, scheme, amount, claimed_at, stream, owner, token) "
        "VALUES ($1, $2, $3, 'claimed', $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (network, payer, nonce) DO UPDATE SET state = 'claimed', scheme = excluded.scheme, "
        "amount = excluded.amount, settled = NULL, tx_hash = NULL, receipt = NULL, "
        "claimed_at = excluded.claimed_at, resolved_at = NULL, stream = excluded.stream, owner = excluded.owner, "
        "token = excluded.token WHERE x402_claims.state = 'released' RETURNING 1",
        network, payer, nonce, scheme, amount, now, int(exclusive), owner, token)
    row = await get(conn, network, payer, nonce)
    assert row is not None
    return taken == 1, row


async def resolve(conn: Conn, network: str, payer: str, nonce: str, state: str, now: int, *,
                  settled: int | None = None, tx_hash: str | None = None, receipt: str | None = None) -> bool:
    """Move a claimed row to its terminal state; False when it was not (or no longer) claimed."""
    if state not in CLAIM_OUTCOMES:
        raise ValueError(f"a claim resolves to settled, released or failed, not {state!r}")
    return bool(await conn.fetchval(
        "UPDATE x402_claims SET state = $1, settled = $2, tx_hash = $3, receipt = $4, resolved_at = $5 "
        "WHERE network = $6 AND payer = $7 AND nonce = $8 AND state = 'claimed' RETURNING 1",
        state, settled, tx_hash, receipt, now, network, payer, nonce))


async def release_unseen(conn: Conn, network: str, payer: str, nonce: str, token: str, now: int) -> bool:
    """Release the claim taken by the call `token` names, if it was (and still is) that call's."""
    return bool(await conn.fetchval(
        "UPDATE x402_claims SET state = 'released', resolved_at = $1 "
        "WHERE network = $2 AND payer = $3 AND nonce = $4 AND state = 'claimed' AND token = $5 RETURNING 1",
        now, network, payer, nonce, token))
