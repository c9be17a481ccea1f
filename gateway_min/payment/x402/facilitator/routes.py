"""The embedded facilitator over HTTP: `/api/x402/facilitator/{supported,chains,verify,settle}` with the bodies of
the x402 v2 facilitator API, plus `POST .../fund {"address", "amount", "network"?}` (admin token) to credit a
payer on its local USDC ledger for demos and tests, and `GET .../balance?address=&network=` (open) to read one.

Settle moves money, so it takes the admin token (`Authorization: Bearer $COMPOSE_ADMIN_TOKEN`), as hosted
facilitators take an API key: otherwise a payer could settle their own `upto` authorization for 0 while the
gateway streams them the answer, and the gateway's own settle would then find the nonce spent. Another gateway
using this one (`--facilitator-url`) sends the token from GATEWAY_FACILITATOR_TOKEN. Verify is open.
Verify and settle answer 200 when the payment is valid / settled and 400 with the same VerifyResponse /
SettleResponse body otherwise (Compose's documented behaviour; clients must read the body on any status).
Settle also sends PAYMENT-RESPONSE. Without an embedded facilitator (`--facilitator-url`), these routes are 404.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, parse_json, send_json
from gateway_min.http.auth import is_admin
from gateway_min.http.router import Router
from gateway_min.http.types import Send
from gateway_min.payment.x402.facilitator.chain import MAX_AMOUNT
from gateway_min.payment.x402.facilitator.embedded import EmbeddedFacilitator
from gateway_min.payment.x402.protocol import SettleResponse, encode_header
from gateway_min.payment.x402.protocol.payloads import address as parse_address
from pricing.errors import shown

BASE = "/api/x402/facilitator"


def add_routes(router: Router, gw: Gateway) -> None:
    router.add("GET", f"{BASE}/supported", partial(supported, gw))
    router.add("GET", f"{BASE}/chains", partial(chains, gw))
    router.add("POST", f"{BASE}/verify", partial(verify, gw))
    router.add("POST", f"{BASE}/settle", partial(settle, gw))
    router.add("POST", f"{BASE}/fund", partial(fund, gw))
    router.add("GET", f"{BASE}/balance", partial(balance, gw))


def _embedded(gw: Gateway) -> EmbeddedFacilitator:
    if gw.embedded_facilitator is None:
        raise HTTPError(404, "not_found", "this gateway uses an external facilitator (--facilitator-url); the "
                        "embedded one is not served")
    return gw.embedded_facilitator


async def _body(request: Request) -> Any:
    """The JSON body, or None when it is not JSON (the facilitator then answers invalid_payload)."""
    raw = await request.body(SMALL_BODY)  # too large, stalled or cut short: that error, not invalid_payload
    try:
        return parse_json(raw)
    except HTTPError:
        return None


async def supported(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, _embedded(gw).supported())


async def chains(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, _embedded(gw).chains())


async def verify(gw: Gateway, request: Request, send: Send) -> None:
    facilitator = _embedded(gw)
    result = await asyncio.to_thread(facilitator.verify, await _body(request))
    await send_json(send, 200 if result.get("isValid") else 400, result)


async def settle(gw: Gateway, request: Request, send: Send) -> None:
    facilitator = _embedded(gw)
    if not is_admin(request, gw.admin_token):
        raise HTTPError(401, "authentication_failed", "settling needs the admin token (COMPOSE_ADMIN_TOKEN); "
                        "payments are settled by the gateway that served them")
    result = await asyncio.to_thread(facilitator.settle, await _body(request))
    header = encode_header(SettleResponse.model_validate(result))
    await send_json(send, 200 if result.get("success") else 400, result, {"payment-response": header})


async def balance(gw: Gateway, request: Request, send: Send) -> None:
    """`GET …/balance?address=0x…&network=eip155:43113`: an address's balance on the local ledger (public, as a
    chain's state is; the gateway reads it for the details of an unfunded key's 402)."""
    facilitator = _embedded(gw)
    network = request.query.get("network") or None
    try:
        address = parse_address(request.query.get("address"), "address")
        found = await asyncio.to_thread(facilitator.balance, address, network)
    except ValueError as exc:
        raise HTTPError(400, "validation_error", f"cannot read a balance: {exc}") from None
    chosen = network or f"eip155:{facilitator.chains()['defaultChainId']}"
    await send_json(send, 200, {"address": address, "network": chosen, "balance": str(found)})


async def fund(gw: Gateway, request: Request, send: Send) -> None:
    facilitator = _embedded(gw)
    if not is_admin(request, gw.admin_token):
        raise HTTPError(401, "authentication_failed", "funding needs the admin token (COMPOSE_ADMIN_TOKEN)")
    body = await request.json()
    unknown = sorted(set(body) - {"address", "amount", "network"})
    if unknown:
        raise HTTPError(400, "validation_error", f"unknown field(s): {', '.join(unknown)}")
    amount = body.get("amount")
    if isinstance(amount, str) and amount.isascii() and amount.isdigit() and len(amount) <= 19:  # int() refuses
        amount = int(amount)  # strings past 4,300 digits with a ValueError; 19 digits hold any amount
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise HTTPError(400, "validation_error", "amount must be a positive integer of USDC atomic units, as a "
                        f"number or a decimal string; got {shown(body.get('amount'))}")
    network = body.get("network")
    if network is not None and not isinstance(network, str):
        raise HTTPError(400, "validation_error", "network must be a CAIP-2 string such as eip155:43113")
    try:
        address = parse_address(body.get("address"), "address")
        balance = await asyncio.to_thread(facilitator.fund, address, amount, network)
    except ValueError as exc:
        raise HTTPError(400, "validation_error", f"cannot fund: {exc}") from None
    chosen = network or f"eip155:{facilitator.chains()['defaultChainId']}"
    await send_json(send, 200, {"address": address, "network": chosen, "balance": str(balance)})
