"""The key API. `POST /api/keys`: the admin mints an operator-funded key (`credit`); anyone else opens a key funded
by their own wallet (`wallet`: one x402 signature, payment/compose_key/wallet.py). `GET /api/keys` (by owner),
`GET|DELETE /api/keys/{keyId}`: the admin, or a live key of the same wallet (its owner closes it: what it spent is
collected at once). `POST /api/keys/{keyId}/collection` (admin): retry or forgive a failed collection. Tokens are
shown once, at creation (a session's again to its owner: GET /api/session)."""

from __future__ import annotations

import re
from typing import Any, Final

from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, send_json
from gateway_min.http.auth import COMPOSE_PREFIX, bearer, is_admin
from gateway_min.http.types import Send
from gateway_min.ledger import MAX_AMOUNT, KeyRow
from gateway_min.payment.compose_key import wallet
from gateway_min.payment.compose_key.collect import collect_due
from gateway_min.payment.compose_key.minting import credit_key, record
from gateway_min.payment.compose_key.tokens import (
    key_for_token,
    parse_chain_id,
    session_headers,
)
from generated.catalog import NETWORKS

_DIGITS: Final = re.compile(r"[0-9]+")
MAX_BUDGET: Final = 10**15  # a billion USDC: anything above is a typo
FIELDS: Final = frozenset({"budgetLimit", "expiresAt", "chainId", "purpose", "name"})


def _amount(value: Any, field: str) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 19:
        value = int(value)
    if type(value) is not int or value <= 0 or value > MAX_BUDGET:
        raise HTTPError(400, "validation_error", f"{field} must be a positive integer of USDC atomic units "
                        f"(≤ {MAX_BUDGET}), as a number or a decimal string; got {value!r}")
    return value


async def create_key(gw: Gateway, request: Request, send: Send) -> None:
    admin = is_admin(request, gw.admin_token)
    given = bearer(request)
    if not admin and given is not None and not given.startswith(COMPOSE_PREFIX):
        raise HTTPError(401, "authentication_failed", "the bearer is not the admin token (COMPOSE_ADMIN_TOKEN): "
                        "creating keys needs the admin token, or no Authorization to open a key funded by your wallet")
    owner, chain_id = session_headers(request)
    body = await request.json(SMALL_BODY)
    unknown = sorted(set(body) - FIELDS)
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
    network = NETWORKS.get(f"eip155:{chain_id}")
    if network is None:
        supported = ", ".join(str(network.chain_id) for network in NETWORKS.values())
        raise HTTPError(400, "validation_error", f"chain {chain_id} is not one this gateway settles on ({supported})")
    purpose = body.get("purpose", "api")
    if purpose not in ("api", "session"):
        raise HTTPError(400, "validation_error", f"purpose must be 'api' or 'session', got {purpose!r}")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise HTTPError(400, "validation_error", "name must be a string of at most 100 characters")
    if admin:
        key, token = credit_key(owner=owner, chain_id=chain_id, budget=budget, expires_at=expires_at,
                                purpose=purpose, name=name, now=now, secret=gw.token_secret)
        await gw.ledger.create_key(key)
        funding = None
    else:
        key, token = await wallet.open_key(gw, request, owner=owner, network=network, budget=budget,
                                           expires=expires_at, purpose=purpose, name=name)
        funding = await gw.ledger.get_funding(key.id)
    if purpose == "session":  # the session it superseded (if any) is collected now
        gw.background(collect_due(gw))
    await send_json(send, 201, {**record(key, funding), "token": token})


async def _owner_or_admin(gw: Gateway, request: Request, owner: str) -> None:
    """The admin, or a live key of `owner`'s wallet (as bearer); 401 otherwise."""
    if is_admin(request, gw.admin_token):
        return
    caller = await key_for_token(gw, bearer(request))
    if caller.owner != owner:
        raise HTTPError(403, "forbidden", "a wallet's keys are listed to that wallet (a live key of it as bearer) "
                        "or to the admin")


async def list_keys(gw: Gateway, request: Request, send: Send) -> None:
    owner, _ = session_headers(request)
    if not bearer(request):
        raise HTTPError(401, "authentication_failed", "listing keys needs a live key of that wallet, or the admin "
                        "token (COMPOSE_ADMIN_TOKEN)")
    await _owner_or_admin(gw, request, owner)
    keys = await gw.ledger.list_keys(owner)
    await send_json(send, 200, {"keys": [record(key, await gw.ledger.get_funding(key.id) if key.kind == "wallet"
                                                else None) for key in keys]})


async def _authorised_for(gw: Gateway, request: Request) -> tuple[KeyRow, bool]:
    """(the key, whether the caller is the admin)."""
    key = await gw.ledger.get_key(request.params["key_id"])
    if is_admin(request, gw.admin_token):
        if key is None:
            raise HTTPError(404, "not_found", "Key not found")
        return key, True
    caller = await key_for_token(gw, bearer(request))
    if key is None or caller.owner != key.owner:  # another wallet's key is not found: no probing for ids
        raise HTTPError(404, "not_found", "Key not found")
    return key, False


async def get_key(gw: Gateway, request: Request, send: Send) -> None:
    key, _ = await _authorised_for(gw, request)
    funding = await gw.ledger.get_funding(key.id) if key.kind == "wallet" else None
    headers = {"x-compose-key-tx-hash": funding.tx_hash} if funding is not None and funding.tx_hash else {}
    await send_json(send, 200, record(key, funding), headers)


async def delete_key(gw: Gateway, request: Request, send: Send) -> None:
    key, admin = await _authorised_for(gw, request)
    await gw.ledger.revoke_key(key.id, "revoked" if admin else "closed")
    gw.keys.pop(key.key_hash, None)
    if key.kind == "wallet":  # collection follows at once (once its last hold is resolved)
        gw.background(collect_due(gw))
    await send_json(send, 200, {"success": True, "keyId": key.id})


async def decide_collection(gw: Gateway, request: Request, send: Send) -> None:
    """`{"action": "retry" | "forgive"}` on a failed collection: present the same authorization again (if it can
    still be settled), or write the amount off (the wallet may open keys again)."""
    if not is_admin(request, gw.admin_token):
        raise HTTPError(401, "authentication_failed", "collections are the operator's: the admin token")
    body = await request.json(SMALL_BODY)
    action = body.get("action")
    if action not in ("retry", "forgive"):
        raise HTTPError(400, "validation_error", f"action must be 'retry' or 'forgive', got {action!r}")
    funding = await gw.ledger.decide_collection(request.params["key_id"], action)
    if funding is None:
        raise HTTPError(409, "conflict", "only a failed collection can be retried or forgiven")
    if action == "retry":
        gw.background(collect_due(gw))
    await send_json(send, 200, {"keyId": funding.key_id, "collection": funding.state})
