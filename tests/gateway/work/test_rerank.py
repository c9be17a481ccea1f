"""POST /v1/rerank and /external/v1/rerank (Cohere v2's shape, which Voyage and Jina also take): held at the
request's bound, settled from the units or tokens the provider reports (whichever its model is priced by)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import pricing
from gateway_min.payment import receipts
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness, payment_response
from tests.gateway.support import Harness, auth, serve

pytestmark = pytest.mark.anyio


def ask(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "query": "red apples", "documents": ["apples are red", "bananas", {"text": "red cars"}],
            **extra}


async def test_search_priced_and_token_priced_models(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        cohere = await client.post("/v1/rerank", json=ask("rerank-v3.5", top_n=2), headers=auth(token))
        voyage = await client.post("/v1/rerank", json=ask("rerank-2.5"), headers=auth(token))
    assert cohere.status_code == 200, cohere.text
    assert [result["index"] for result in cohere.json()["results"]] == [0, 2]
    search = cohere.json()["compose_receipt"]
    assert [(item["key"], item["quantity"]) for item in search["line_items"]] == [("searches", 1)]
    assert search["final_amount_wei"] == str(pricing.price("rerank-v3.5", {"searches": 1}).final_amount)
    tokens = voyage.json()["usage"]["total_tokens"]
    assert voyage.json()["compose_receipt"]["line_items"][0]["key"] == "input_tokens"
    assert voyage.json()["compose_receipt"]["final_amount_wei"] == str(
        pricing.price("rerank-2.5", {"input_tokens": tokens}).final_amount)
    assert receipts.decode_header(cohere.headers["x-compose-receipt"]) == receipts.camel(search)
    total = int(search["final_amount_wei"]) + int(voyage.json()["compose_receipt"]["final_amount_wei"])
    assert await harness.ledger.totals(key_id) == (0, total)


async def test_the_external_route_with_a_plain_client(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            response = await client.post("/external/v1/rerank", json=ask("rerank-v3.5"), headers=auth(token))
    assert response.status_code == 200 and "compose_receipt" not in response.text
    assert response.headers["x-compose-key-final-amount-wei"] == str(pricing.price("rerank-v3.5",
                                                                                   {"searches": 1}).final_amount)


async def test_raw_x402_pays_a_rerank_upto_its_bound(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    body = ask("rerank-v3.5")
    bound = pricing.quote_max("rerank-v3.5", body, "rerank").amount
    async with x402.client() as client:
        headers = {"x-x402-max-amount-wei": str(bound)}
        required = await x402.challenge(client, "/v1/rerank", body, headers)
        paid = await client.post("/v1/rerank", json=body, headers={**headers,
                                                                    "payment-signature": x402.sign(required.accepts[0])})
    assert paid.status_code == 200, paid.text
    charged = pricing.price("rerank-v3.5", {"searches": 1}).final_amount
    assert payment_response(paid).amount == str(charged) and x402.balance(PAYER) == FUNDS - charged


@pytest.mark.parametrize(("body", "message"), [
    ({"model": "rerank-v3.5", "documents": ["a"]}, "needs `query`"),
    ({"model": "rerank-v3.5", "query": "q", "documents": []}, "needs `documents`"),
    ({"model": "gpt-4.1", "query": "q", "documents": ["a"]}, "does not serve rerank"),
])
async def test_a_rerank_that_cannot_be_bounded_holds_nothing(harness: Harness, body: dict[str, Any],
                                                             message: str) -> None:
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/rerank", json=body, headers=auth(token))
    assert response.status_code == 400 and message in response.json()["error"]["message"]
    assert await harness.ledger.totals(key_id) == (0, 0)
