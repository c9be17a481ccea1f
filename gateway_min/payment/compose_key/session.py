"""Sessions: a `purpose: "session"` key is its wallet's active session on its chain (opening one supersedes the
previous one). What a call under a session says about it (`x-session-*`), what refuses one
(`x-compose-session-invalid`), and the ActiveSessionMetadata of GET /api/session."""

from __future__ import annotations

from typing import Any, Final

from gateway_min.ledger import KeyRow

LOW: Final = 10  # percent of the budget left under which a session is `budget-low`
EXPIRING_MS: Final = 5 * 60 * 1000  # a session this close to its expiry is `expiring-soon`
INVALID: Final = "x-compose-session-invalid"


def status(key: KeyRow, now: int) -> str:
    """`budget-depleted`, `budget-low` (under 10% left), `expiring-soon` (under 5 minutes), or `active`."""
    if key.available <= 0:
        return "budget-depleted"
    if key.available * 100 < key.budget * LOW:
        return "budget-low"
    if key.expires_at - now < EXPIRING_MS:
        return "expiring-soon"
    return "active"


def headers(key: KeyRow, now: int) -> dict[str, str]:
    """The headers of a call made under a session (none for another key)."""
    if key.purpose != "session":
        return {}
    out = {"x-payment-method": "session-bypass", "x-session-budget-limit": str(key.budget),
           "x-session-budget-used": str(key.spent), "x-session-budget-locked": str(key.reserved),
           "x-session-budget-remaining": str(max(0, key.available)),
           "x-session-expires-in": str(max(0, (key.expires_at - now) // 1000))}
    state = status(key, now)
    if state != "active":
        out["x-session-status"] = state
    return out


def metadata(key: KeyRow, now: int) -> dict[str, Any]:
    """ActiveSessionMetadata of a live session (the token is added only for a caller who proved the wallet)."""
    return {"hasSession": True, "keyId": key.id, "kind": key.kind, "chainId": key.chain_id,
            "budgetLimit": str(key.budget), "budgetUsed": str(key.spent), "budgetLocked": str(key.reserved),
            "budgetRemaining": str(max(0, key.available)), "expiresAt": key.expires_at,
            "expiresIn": max(0, (key.expires_at - now) // 1000), "status": status(key, now)}
