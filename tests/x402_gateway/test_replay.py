"""A PAYMENT-SIGNATURE serves one request: the same header sent 50 times at once → one success, one settlement."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

import pricing
from tests.gateway.support import serve
from tests.x402_gateway.support import FUNDS, PAYER, X402Harness, chat

pytestmark = pytest.mark.anyio
IMAGE = {"model": "dall-e-3", "prompt": "a red kite", "n": 1, "size": "1024x1024"}


@pytest.mark.parametrize(("path", "body"), [("/v1/images/generations", IMAGE), ("/v1/chat/completions", chat())])
async def test_fifty_concurrent_replays_serve_once_and_settle_once(x402: X402Harness, path: str, body: dict) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, path, body)
        header = x402.sign(required.accepts[0])
        responses = await asyncio.gather(*[client.post(path, json=body, headers={"payment-signature": header})
                                           for _ in range(50)])
    assert Counter(r.status_code for r in responses) == {200: 1, 402: 49}
    refused = [r for r in responses if r.status_code == 402]
    assert all(r.json()["error"].startswith("payment_already_used") and "payment-required" in r.headers
               for r in refused)
    settlements = x402.settlements()
    assert len(settlements) == 1
    assert x402.balance(PAYER) == FUNDS - settlements[0][2]
    assert [state for state, *_ in await x402.claims()] == ["settled"]
    assert x402.h.provider.calls == 1  # the claim is taken before the upstream call


async def test_replays_over_real_connections_after_the_first_one_settled(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    price = pricing.quote_exact("dall-e-3", IMAGE, "images").final_amount
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            required = await x402.challenge(client, "/v1/images/generations", IMAGE)
            header = x402.sign(required.accepts[0])
            first = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
            again = await asyncio.gather(*[client.post("/v1/images/generations", json=IMAGE,
                                                       headers={"payment-signature": header}) for _ in range(20)])
    assert first.status_code == 200
    assert {r.status_code for r in again} == {402}
    assert "(settled)" in again[0].json()["error"]
    assert x402.balance(PAYER) == FUNDS - price and len(x402.settlements()) == 1
