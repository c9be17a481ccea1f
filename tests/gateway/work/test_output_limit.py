"""A chat whose output limit the gateway lowered (to the model's maximum, or to what the budget or the payment's cap
covers) says so: `x-compose-output-limit` is the limit enforced upstream and `x-compose-output-limit-reason` why,
on both route families and on streams; a chat that runs with what it asked carries neither."""

from __future__ import annotations

import httpx
import pytest

import pricing
from tests.gateway.payment.x402.support import PAYER, X402Harness
from tests.gateway.support import FaultyProvider, Harness, auth, chat, serve

pytestmark = pytest.mark.anyio
LIMIT = "x-compose-output-limit"
REASON = "x-compose-output-limit-reason"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/external/v1/chat/completions"])
async def test_a_budget_that_lowers_the_limit_is_said_in_the_headers(harness: Harness, path: str) -> None:
    fake = FaultyProvider()
    harness.gw.providers.every = fake
    token, _ = await harness.create_key(2_000)  # some output tokens of gpt-4.1, not its 32,768
    async with harness.client() as client:
        response = await client.post(path, headers=auth(token), json=chat(max_tokens=10_000))
    assert response.status_code == 200, response.text
    applied = fake.seen[0]["max_completion_tokens"]
    assert 0 < applied < 10_000
    assert (response.headers[LIMIT], response.headers[REASON]) == (str(applied), "budget")
    assert pricing.quote_max("gpt-4.1", chat(max_tokens=applied), "chat").amount <= 2_000 < \
        pricing.quote_max("gpt-4.1", chat(max_tokens=applied + 1), "chat").amount  # the largest that fits


async def test_a_budget_that_lowers_the_models_own_limit_is_said_too(harness: Harness) -> None:
    """Nothing asked, so the model's maximum (32,768) would apply; the budget lowered it."""
    fake = FaultyProvider()
    harness.gw.providers.every = fake
    token, _ = await harness.create_key(2_000)
    async with harness.client() as client:
        response = await client.post("/external/v1/chat/completions", headers=auth(token), json=chat(max_tokens=None))
    assert response.status_code == 200, response.text
    assert response.headers[LIMIT] == str(fake.seen[0]["max_completion_tokens"])
    assert response.headers[REASON] == "budget"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/external/v1/chat/completions"])
async def test_asking_more_than_the_model_allows_is_said(harness: Harness, path: str) -> None:
    fake = FaultyProvider()
    harness.gw.providers.every = fake
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post(path, headers=auth(token), json=chat(max_tokens=100_000))
    assert response.status_code == 200, response.text
    assert fake.seen[0]["max_completion_tokens"] == 32_768
    assert (response.headers[LIMIT], response.headers[REASON]) == ("32768", "model_maximum")


async def test_a_limit_that_is_not_lowered_is_not_mentioned(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        asked = await client.post("/v1/chat/completions", headers=auth(token), json=chat(max_tokens=64))
        unasked = await client.post("/v1/chat/completions", headers=auth(token), json=chat(max_tokens=None))
        embedded = await client.post("/v1/embeddings", headers=auth(token),
                                     json={"model": "text-embedding-3-small", "input": "a b c"})
    for response in (asked, unasked, embedded):
        assert response.status_code == 200, response.text
        assert LIMIT not in response.headers and REASON not in response.headers


async def test_a_stream_says_it_before_its_first_event(harness: Harness) -> None:
    token, _ = await harness.create_key(2_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client, client.stream(
                "POST", "/v1/chat/completions", headers=auth(token), json=chat(max_tokens=10_000, stream=True)) \
                as response:
            assert response.status_code == 200
            assert response.headers[REASON] == "budget" and int(response.headers[LIMIT]) < 10_000
            await response.aread()


async def test_an_x402_cap_that_lowers_the_limit_is_said(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    body = chat(max_tokens=10_000)
    headers = {"x-x402-max-amount-wei": "3000"}
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/chat/completions", body, headers)
        paid = await client.post("/v1/chat/completions", json=body,
                                 headers={**headers, "payment-signature": x402.sign(required.accepts[0])})
    assert paid.status_code == 200, paid.text
    assert paid.headers[REASON] == "budget" and int(paid.headers[LIMIT]) < 10_000
