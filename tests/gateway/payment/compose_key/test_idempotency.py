"""`x-idempotency-key` serves a request once; the route is part of the request, so the same key and body on
another route is another request (a conflict), never a replay of the first one's receipt."""

from __future__ import annotations

import pytest

from tests.gateway.support import Harness, auth, chat

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("first", "second"), [("/external/v1/chat/completions", "/v1/chat/completions"),
                                               ("/v1/chat/completions", "/external/v1/chat/completions"),
                                               ("/v1/chat/completions", "/api/inference")])
async def test_the_same_key_and_body_on_another_route_is_a_conflict_not_a_replay(
        harness: Harness, first: str, second: str) -> None:
    token, key_id = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-idempotency-key": "same-key"}
    async with harness.client() as client:
        served = await client.post(first, headers=headers, json=chat())
        other = await client.post(second, headers=headers, json=chat())
        replay = await client.post(first, headers=headers, json=chat())
    assert served.status_code == 200, served.text
    assert other.status_code == 409 and "x-idempotent-replay" not in other.headers
    assert "different request" in other.text and "final_amount_wei" not in other.text and "rct_" not in other.text
    assert (replay.status_code, replay.headers["x-idempotent-replay"]) == (409, "true")
    assert harness.provider.calls == 1
    _, spent = await harness.ledger.totals(key_id)
    assert spent == int(served.headers["x-compose-key-final-amount-wei"])


async def test_a_prepared_intent_and_a_paid_call_never_share_an_idempotency_key(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-idempotency-key": "shared", "x-chain-id": "43113"}
    async with harness.client() as client:
        prepared = await client.post("/api/payments/prepare", headers=headers, json={
            "service": "svc", "action": "a", "resource": "r", "method": "POST", "maxAmountWei": "1000"})
        paid = await client.post("/v1/chat/completions", headers=headers, json=chat())
    assert prepared.status_code == 200, prepared.text
    assert paid.status_code == 409 and "x-idempotent-replay" not in paid.headers
    assert harness.provider.calls == 0
