"""The key API: `POST /api/keys` (the admin mints a key), `GET /api/keys` (by owner), `GET|DELETE
/api/keys/{keyId}` (the admin, or a live key of the same owner). Tokens are shown once, at creation."""

from __future__ import annotations

import re
import uuid
from typing import Any, Final

from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, send_json
from gateway_min.http.auth import bearer, is_admin
from gateway_min.http.types import Send
from gateway_min.ledger import MAX_AMOUNT, KeyRow
from gateway_min.payment.compose_key.tokens import key_for_token, new_token, parse_chain_id, session_headers, token_hash
from generated.catalog import NETWORKS

_DIGITS: Final = re.compile(r"[0-9]+")
MAX_BUDGET: Final = 10**15  # a billion USDC: anything above is a typo


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


def _amount(value: Any, field: str) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 19:
        value = int(value)
    if type(value) is not int or value <= 0 or value > MAX_BUDGET:
        raise HTTPError(400, "validation_error", f"{field} must be a positive integer of USDC atomic units "
                        f"(≤ {MAX_BUDGET}), as a number or a decimal string; got {value!r}")
    return value


async def create_key(gw: Gateway, request: Request, send: Send) -> None:
    if not is_admin(request, gw.admin_token):
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
        if parse_chain_id(str(given), "chainId") != chain_id:
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
    if not is_admin(request, gw.admin_token):
        raise HTTPError(401, "authentication_failed", "listing keys needs the admin token (COMPOSE_ADMIN_TOKEN)")
    owner, _ = session_headers(request)
    await send_json(send, 200, {"keys": [record(key) for key in await gw.ledger.list_keys(owner)]})


async def _authorised_for(gw: Gateway, request: Request) -> KeyRow:
    key = await gw.ledger.get_key(request.params["key_id"])
    if is_admin(request, gw.admin_token):
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
