"""Operator-funded (`credit`) Compose Keys, minted the same way by the key API's admin path, the demo and the keys
CLI; and the KeyRecord every one of them shows (amounts as decimal strings, no token material)."""

from __future__ import annotations

import uuid
from typing import Any

from gateway_min.ledger import FundingRow, KeyRow
from gateway_min.payment.compose_key.tokens import new_token, session_token, token_hash


def credit_key(*, owner: str, chain_id: int, budget: int, expires_at: int, purpose: str, name: str | None, now: int,
               secret: bytes) -> tuple[KeyRow, str]:
    """(the key to create, its token). A session key's token is derived from the gateway's token secret, so that
    its owner can be given it again (GET /api/session); any other is random. Only the token's hash is stored."""
    key_id = str(uuid.uuid4())
    token = session_token(secret, key_id) if purpose == "session" else new_token()
    return KeyRow(key_id, token_hash(token), token[:12], owner, chain_id, purpose, name, budget, 0, 0, now,
                  expires_at, None, None, "credit"), token


def record(key: KeyRow, funding: FundingRow | None = None) -> dict[str, Any]:
    """KeyRecord: amounts as decimal strings, no token material; a wallet key's funding and collection."""
    out: dict[str, Any] = {
        "keyId": key.id, "kind": key.kind, "purpose": key.purpose, "budgetLimit": str(key.budget),
        "budgetUsed": str(key.spent), "budgetReserved": str(key.reserved),
        "budgetRemaining": str(max(0, key.available)), "createdAt": key.created_at, "expiresAt": key.expires_at,
        "chainId": key.chain_id, "owner": key.owner, "revokedAt": key.revoked_at, "lastUsedAt": key.last_used_at,
    }
    if key.name is not None:
        out["name"] = key.name
    if funding is not None:
        out["funding"] = {"payer": funding.payer, "network": funding.network, "deadline": funding.deadline,
                          "collection": funding.state, "endedBecause": funding.reason,
                          "collectedAmount": str(funding.amount) if funding.state == "collected" else None,
                          "txHash": funding.tx_hash, "uncollected": str(funding.uncollected),
                          "error": funding.error}
    return out
