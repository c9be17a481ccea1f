"""Compose Keys: `compose-<random>` bearer tokens with a budget. Only a SHA-256 of the token is stored.

A key is looked up by its token's hash, checked for revocation and expiry (401 otherwise), and bound to one chain
(`x-chain-id`, when sent, must be the key's). Its budget is never checked here: the ledger's conditional reserve is
the only place that decides what a key may spend.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Final

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.http.auth import COMPOSE_PREFIX, bearer
from gateway_min.ledger import KeyRow

PREFIX: Final = COMPOSE_PREFIX
_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_DIGITS: Final = re.compile(r"[0-9]+")


def pays_with_compose_key(request: Request) -> bool:
    """`Bearer compose-...` or a bare `compose-...`; anything else (or nothing) is another way to pay."""
    token = bearer(request)
    return token is not None and token.startswith(PREFIX)


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def session_token(secret: bytes, key_id: str) -> str:
    """A session key's token, derived from the gateway's token secret: the session's owner can be given it again
    (GET /api/session with a live key of the wallet) while only its hash is stored."""
    mac = hmac.new(secret, b"compose session key " + key_id.encode(), hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def read_token(secret: bytes, kind: str, ident: str) -> str:
    """The capability to read back a served response or video job (`x-compose-read-token`), given with the paid
    answer: a raw x402 payer has no key to prove its wallet with."""
    mac = hmac.new(secret, f"compose read {kind} ".encode() + ident.encode(), hashlib.sha256).digest()
    return "cr_" + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def key_for_token(gw: Gateway, token: str | None, *, fresh: bool = True) -> KeyRow:
    """The key of a Compose Key token, checked for revocation and expiry; 401 otherwise (never echoes the token).

    `fresh=False` (paid routes) may answer from the process cache: the reserve re-checks revocation, expiry and
    budget atomically, so a revoked key is still refused before any upstream call.
    """
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        raise HTTPError(401, "authentication_failed",
                        "missing or malformed Compose Key (Authorization: Bearer compose-...)")
    digest = token_hash(token)
    key = None if fresh else gw.keys.get(digest)
    if key is None:
        key = await gw.ledger.key_by_hash(digest)
        if key is not None and key.revoked_at is None:
            if len(gw.keys) >= 100_000:
                gw.keys.clear()
            gw.keys[digest] = key
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        raise HTTPError(401, "authentication_failed", "Key not found")
    if key.revoked_at is not None:
        raise HTTPError(401, "authentication_failed", "Key has been revoked",
                        headers=await _session_invalid(gw, key, "revoked"))
    if key.expires_at <= gw.clock():
        raise HTTPError(401, "authentication_failed", "Key has expired", headers=await _session_invalid(gw, key,
                                                                                                      "expired"))
    return key


async def _session_invalid(gw: Gateway, key: KeyRow, why: str) -> dict[str, str]:
    """A refused session says why in `x-compose-session-invalid` (a wallet session's ending is recorded with its
    funding: superseded, closed, wallet_drained …)."""
    if key.purpose != "session":
        return {}
    funding = await gw.ledger.get_funding(key.id) if key.kind == "wallet" and why == "revoked" else None
    return {"x-compose-session-invalid": funding.reason if funding and funding.reason else why}


def budget_headers(key: KeyRow) -> dict[str, str]:
    return {
        "x-compose-key-budget-limit": str(key.budget),
        "x-compose-key-budget-used": str(key.spent),
        "x-compose-key-budget-reserved": str(key.reserved),
        "x-compose-key-budget-remaining": str(max(0, key.available)),
    }


def session_headers(request: Request) -> tuple[str, int]:
    wallet = parse_wallet(request.headers.get("x-session-user-address", ""), "x-session-user-address header")
    chain = request.headers.get("x-chain-id")
    if chain is None:
        raise HTTPError(400, "validation_error", "x-chain-id header is required: a positive integer chain id")
    return wallet.lower(), parse_chain_id(chain, "x-chain-id")


def parse_wallet(value: str, source: str) -> str:
    """A wallet address (0x and 40 hex digits), lower-cased; 400 naming `source` otherwise."""
    if not _WALLET.fullmatch(value):
        raise HTTPError(400, "validation_error", f"{source} is required: the owner wallet, 0x and 40 hex digits")
    return value.lower()


def parse_chain_id(value: str, source: str) -> int:
    if not _DIGITS.fullmatch(value) or len(value) > 18 or int(value) < 1:
        raise HTTPError(400, "validation_error", f"{source} must be a positive integer chain id, got {value[:40]!r}")
    return int(value)


def check_chain(request: Request, key: KeyRow, *, required: bool = False) -> None:
    """`x-chain-id` names the chain of the key, the intent and the settlement: optional on the paid routes, required
    on the intent routes. Malformed → 400; another chain than the key's → 409 (contract §4)."""
    chain = request.headers.get("x-chain-id")
    if chain is None:
        if required:
            raise HTTPError(400, "validation_error", "x-chain-id header is required")
        return
    if parse_chain_id(chain, "x-chain-id") != key.chain_id:
        raise HTTPError(409, "conflict", f"x-chain-id {chain} does not match the key's chain {key.chain_id}")
