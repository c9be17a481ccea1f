"""Compose Keys: `compose-<random>` bearer tokens with a budget. Only a SHA-256 of the token is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any, Final

from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, send_json
from gateway_min.ledger import MAX_AMOUNT, KeyRow
from gateway_min.types import Send
from generated.catalog import NETWORKS

PREFIX: Final = "compose-"
_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_DIGITS: Final = re.compile(r"[0-9]+")
MAX_BUDGET: Final = 10**15  # a billion USDC: anything above is a typo


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return value.strip() if value.strip().startswith(PREFIX) else None  # a bare compose-... is accepted too


def is_admin(gw: Gateway, request: Request) -> bool:
    token = bearer(request)
    return bool(gw.admin_token and token and hmac.compare_digest(token.encode(), gw.admin_token.encode()))


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
        raise HTTPError(401, "authentication_failed", "Key has been revoked")
    if key.expires_at <= gw.clock():
        raise HTTPError(401, "authentication_failed", "Key has expired")
    return key


def budget_headers(key: KeyRow) -> dict[str, str]:
    return {
        "x-compose-key-budget-limit": str(key.budget),
        "x-compose-key-budget-used": str(key.spent),
        "x-compose-key-budget-reserved": str(key.reserved),
        "x-compose-key-budget-remaining": str(max(0, key.available)),
    }


def record(key: KeyRow) -> dict[str, Any]:
    """KeyRecord: amounts as decimal strings, no token material."""
    out: dict[str, Any] = {
        "keyId": key.id, "purpose": key.purpose, "budgetLimit": str(key.budget), "budgetUsed": str(key.spent),
        "budgetReserved": str(key.reserved), "budgetRemaining": str(max(0, key.available)),
        "createdAt": key.created_at, "expiresAt": key.expires_at, "chainId": key.chain_id, "owner": key.owner,
        "revokedAt": key.revoked_at, "lastUsedAt": key.last_used_at,
    }
    if key.name is not None:
        out["name"] = key.name
    return out


def session_headers(request: Request) -> tuple[str, int]:
    wallet = request.headers.get("x-session-user-address", "")
    if not _WALLET.fullmatch(wallet):
        raise HTTPError(400, "validation_error",
                        "x-session-user-address header is required: the owner wallet, 0x and 40 hex digits")
    chain = request.headers.get("x-chain-id")
    if chain is None:
        raise HTTPError(400, "validation_error", "x-chain-id header is required: a positive integer chain id")
    return wallet.lower(), _chain_id(chain, "x-chain-id")


def _chain_id(value: str, source: str) -> int:
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
    if _chain_id(chain, "x-chain-id") != key.chain_id:
        raise HTTPError(409, "conflict", f"x-chain-id {chain} does not match the key's chain {key.chain_id}")


def _amount(value: Any, field: str) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 19:
        value = int(value)
    if type(value) is not int or value <= 0 or value > MAX_BUDGET:
        raise HTTPError(400, "validation_error", f"{field} must be a positive integer of USDC atomic units "
                        f"(≤ {MAX_BUDGET}), as a number or a decimal string; got {value!r}")
    return value


async def create_key(gw: Gateway, request: Request, send: Send) -> None:
    if not is_admin(gw, request):
        raise HTTPError(401, "authentication_failed", "creating keys needs the admin token (COMPOSE_ADMIN_TOKEN)")
    owner, chain_id = session_headers(request)
    body = await request.json(SMALL_BODY)
    unknown = sorted(set(body) - {"budgetLimit", "expiresAt", "chainId", "purpose", "name"})
    if unknown:
        raise HTTPError(400, "validation_error", f"unknown field(s): {', '.join(unknown)}")
    budget = _amount(body.get("budgetLimit"), "budgetLimit")
    expires_at = body.get("expiresAt")
    now = gw.clock()
    if type(expires_at) is not int or expires_at <= now or expires_at > MAX_AMOUNT:
        raise HTTPError(400, "validation_error", f"expiresAt must be a future Unix time in milliseconds, got "
                        f"{expires_at!r} (now is {now})")
    if "chainId" in body:
        given = body["chainId"]
        if type(given) is not int and not isinstance(given, str):
            raise HTTPError(400, "validation_error", f"chainId must be a positive integer chain id, got {given!r}")
        if _chain_id(str(given), "chainId") != chain_id:
            raise HTTPError(409, "conflict", f"chainId {given!r} differs from x-chain-id {chain_id}")
    if f"eip155:{chain_id}" not in NETWORKS:
        supported = ", ".join(str(network.chain_id) for network in NETWORKS.values())
        raise HTTPError(400, "validation_error", f"chain {chain_id} is not one this gateway settles on ({supported})")
    purpose = body.get("purpose", "api")
    if purpose not in ("api", "session"):
        raise HTTPError(400, "validation_error", f"purpose must be 'api' or 'session', got {purpose!r}")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise HTTPError(400, "validation_error", "name must be a string of at most 100 characters")
    token = new_token()
    key = KeyRow(str(uuid.uuid4()), token_hash(token), token[:12], owner, chain_id, purpose, name, budget, 0, 0, now,
                 expires_at, None, None)
    await gw.ledger.create_key(key)
    await send_json(send, 201, {**record(key), "token": token})


async def list_keys(gw: Gateway, request: Request, send: Send) -> None:
    if not is_admin(gw, request):
        raise HTTPError(401, "authentication_failed", "listing keys needs the admin token (COMPOSE_ADMIN_TOKEN)")
    owner, _ = session_headers(request)
    await send_json(send, 200, {"keys": [record(key) for key in await gw.ledger.list_keys(owner)]})


async def _authorised_for(gw: Gateway, request: Request) -> KeyRow:
    key = await gw.ledger.get_key(request.params["key_id"])
    if is_admin(gw, request):
        if key is None:
            raise HTTPError(404, "not_found", "Key not found")
        return key
    caller = await key_for_token(gw, bearer(request))
    if key is None or caller.owner != key.owner:  # another wallet's key is not found: no probing for ids
        raise HTTPError(404, "not_found", "Key not found")
    return key


async def get_key(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, record(await _authorised_for(gw, request)))


async def delete_key(gw: Gateway, request: Request, send: Send) -> None:
    key = await _authorised_for(gw, request)
    await gw.ledger.revoke_key(key.id)
    gw.keys.pop(key.key_hash, None)
    await send_json(send, 200, {"success": True, "keyId": key.id})
