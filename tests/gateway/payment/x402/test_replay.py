"""A PAYMENT-SIGNATURE serves one request: the same header sent 50 times at once → one success, one settlement."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest

import pricing
from tests.gateway.payment.x402.support import FUNDS, PAYER, STRANGER, X402Harness, build_x402, chat
from tests.gateway.support import FaultyProvider, serve

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


async def test_an_upto_stream_is_the_payers_only_live_payment(x402: X402Harness) -> None:
    """x402 holds no funds: a payment settling while an upto stream runs could leave the stream unpayable, so a
    stream needs the payer to have no other live claim and blocks new ones until it has settled (409, retryable)."""
    ledger, net, payer = x402.h.ledger, "eip155:43113", PAYER.address
    assert (await ledger.claim_payment(net, payer, "0x01", "exact", 5))[0]
    taken, row = await ledger.claim_payment(net, payer, "0x02", "upto", 9, stream=True)
    assert not taken and row.nonce == "0x01"  # a live payment is in the way of a stream
    assert (await ledger.claim_payment(net, payer, "0x03", "upto", 9))[0]  # non-streams coexist
    for nonce in ("0x01", "0x03"):
        assert await ledger.resolve_payment(net, payer, nonce, "settled", settled=1)
    assert (await ledger.claim_payment(net, payer, "0x02", "upto", 9, stream=True))[0]
    taken, row = await ledger.claim_payment(net, payer, "0x01", "exact", 5)
    assert not taken and (row.nonce, row.state) == ("0x01", "settled")  # a replay is a replay, stream or not
    taken, row = await ledger.claim_payment(net, payer, "0x04", "exact", 5)
    assert not taken and (row.nonce, row.stream) == ("0x02", 1)  # and a live stream is in the way of everything
    assert (await ledger.claim_payment(net, STRANGER.address, "0x04", "exact", 5))[0]  # other payers are not
    assert (await ledger.claim_payment("eip155:43114", payer, "0x05", "exact", 5))[0]  # nor other networks
    assert await ledger.resolve_payment(net, payer, "0x02", "released")
    assert (await ledger.claim_payment(net, payer, "0x04", "exact", 5))[0]
    assert (await ledger.claim_payment(net, payer, "0x06", "upto", 9, stream=True, live_ms=60_000))[0] is False
    x402.clock.advance(60_001)  # 0x04 is still `claimed` (a crash, say) but older than any work may run
    assert (await ledger.claim_payment(net, payer, "0x06", "upto", 9, stream=True, live_ms=60_000))[0]


async def test_a_second_payment_during_an_upto_stream_is_a_409_and_works_after_it(tmp_path: Path) -> None:
    x402 = build_x402(tmp_path, FaultyProvider(chunks=4, delay=0.5))  # a 2 s stream
    await x402.fund(PAYER)
    body = chat(stream=True)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            stream_terms = await x402.challenge(client, "/v1/chat/completions", body)
            plain_terms = await x402.challenge(client, "/v1/chat/completions", chat())
            plain = x402.sign(plain_terms.accepts[0])
            async with client.stream("POST", "/v1/chat/completions", json=body,
                                     headers={"payment-signature": x402.sign(stream_terms.accepts[0])}) as live:
                assert live.status_code == 200
                busy = await client.post("/v1/chat/completions", json=chat(), headers={"payment-signature": plain})
                await live.aread()
            after = await client.post("/v1/chat/completions", json=chat(), headers={"payment-signature": plain})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "payment_in_flight"
    # how long it can block at most: a claim cut short by a restart stops counting then
    assert "stream not yet settled" in busy.json()["error"]["message"]
    assert "at the latest after" in busy.json()["error"]["message"]
    assert after.status_code == 200, after.text
    assert [state for state, *_ in await x402.claims()] == ["settled", "settled"]
    x402.h.ledger.close()
    x402.embedded.close()
