"""Wallet-backed Compose Keys in tests: open one with a signed budget (our own x402 signer, the SDK's equal), spend
it through the intent API, read the collection and the facilitator's balances."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount

from gateway_min.payment.compose_key.collect import collect_due
from gateway_min.payment.x402 import PaymentRequired, decode_header, encode_header, pay
from tests.gateway.payment.x402.support import ADMIN, PAYER, X402Harness
from tests.gateway.payment.x402.wallets import PAY_TO

__all__ = ["ADMIN", "OPERATOR", "PAYER", "collect", "key_headers", "open_key", "spend"]
OPERATOR = PAY_TO  # the gateway's payTo on Fuji: what collections pay


def key_headers(account: LocalAccount | str = PAYER) -> dict[str, str]:
    address = account if isinstance(account, str) else account.address
    return {"x-session-user-address": address, "x-chain-id": "43113"}


async def challenge(x402: X402Harness, client: httpx.AsyncClient, body: dict[str, Any],
                    account: LocalAccount | str = PAYER) -> PaymentRequired:
    response = await client.post("/api/keys", json=body, headers=key_headers(account))
    assert response.status_code == 402, response.text
    return decode_header(response.headers["payment-required"], PaymentRequired)


async def open_key(x402: X402Harness, budget: int, *, purpose: str = "api", expires_in_ms: int = 3_600_000,
                   account: LocalAccount = PAYER, owner: LocalAccount | str | None = None,
                   base_url: str = "http://gateway.test", **signing: Any) -> httpx.Response:
    """POST /api/keys twice: the 402 challenge, then the same request with the budget signed by `account`
    (in-process, or to the server at `base_url`)."""
    body = {"budgetLimit": budget, "expiresAt": x402.clock() + expires_in_ms, "purpose": purpose}
    served = not base_url.startswith("http://gateway.test")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) if served else x402.client() as client:
        required = await challenge(x402, client, body, owner or account)
        (offer,) = required.accepts
        signature = encode_header(pay(account, offer, x402.now(), resource=required.resource, **signing))
        return await client.post("/api/keys", json=body,
                                 headers={**key_headers(owner or account), "payment-signature": signature})


async def spend(client: httpx.AsyncClient, token: str, amount: int, *, settle: int | None = None) -> httpx.Response:
    """Prepare a hold of `amount` on the key and settle it at `settle` (default: all of it): the intent API, whose
    amounts the test chooses. Returns the settle's answer (or the prepare's, when it was refused)."""
    headers = {"authorization": f"Bearer {token}", "x-chain-id": "43113"}
    prepared = await client.post("/api/payments/prepare", headers=headers, json={
        "service": "test", "action": "spend", "resource": "/test", "method": "POST", "maxAmountWei": str(amount)})
    if prepared.status_code != 200:
        return prepared
    intent = prepared.json()["paymentIntentId"]
    return await client.post("/api/payments/settle", headers=headers, json={
        "paymentIntentId": intent, "finalAmountWei": str(amount if settle is None else settle)})


async def collect(x402: X402Harness) -> int:
    """What the sweeper does for wallet keys, now (once what the gateway started in the background is done)."""
    while x402.h.gw.tasks:
        await asyncio.gather(*x402.h.gw.tasks, return_exceptions=True)
    return await collect_due(x402.h.gw)


def admin() -> dict[str, str]:
    return {"authorization": f"Bearer {ADMIN}"}
