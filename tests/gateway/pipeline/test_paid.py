"""The paid call through the real ASGI app: reserve, call upstream, price, settle, receipt; and what is refused."""

from __future__ import annotations

import base64
import re

import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from tests.gateway.ledger import backends
from tests.gateway.support import Harness, auth, chat, wav

pytestmark = pytest.mark.anyio


async def test_chat_settles_measured_usage_and_returns_one_receipt_three_ways(harness: Harness) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", headers=auth(token), json=chat("one two three"))
    assert response.status_code == 200, response.text
    body = response.json()
    usage = body["usage"]
    expected = pricing.price("gpt-4.1", {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"]})
    receipt = body["compose_receipt"]
    assert receipt["final_amount_wei"] == str(expected.final_amount)
    assert receipt["provider_amount_wei"] == str(expected.provider_amount)
    assert [item["amount_wei"] for item in receipt["line_items"]] == [str(i.amount) for i in expected.line_items]
    assert receipts.decode_header(response.headers["x-compose-receipt"]) == receipts.camel(receipt)
    intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert intent is not None and intent.state == "settled" and intent.settled == expected.final_amount
    assert orjson.loads(intent.receipt or "") == receipt  # the receipt is the ledger row (I10)
    key = await harness.ledger.get_key(key_id)
    assert key is not None and (key.spent, key.reserved) == (expected.final_amount, 0)
    assert response.headers["x-compose-key-budget-used"] == str(expected.final_amount)
    assert response.headers["x-compose-key-budget-remaining"] == str(1_000_000 - expected.final_amount)
    assert harness.provider.calls == 1


async def test_request_ids_are_echoed_or_minted_and_the_final_amount_is_a_header(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    async with harness.client() as client:
        served = await client.post("/v1/chat/completions", headers={**auth(token), "x-request-id": "run-7.step:2"},
                                   json=chat())
        refused = await client.post("/v1/chat/completions", headers={"x-request-id": "no spaces allowed"}, json=chat())
        listing = await client.get("/v1/models")
    assert served.status_code == 200 and served.headers["x-request-id"] == "run-7.step:2"
    receipt = served.json()["compose_receipt"]
    assert served.headers["x-compose-key-final-amount-wei"] == receipt["final_amount_wei"]
    for minted in (refused, listing):  # errors and free routes carry one too; an invalid caller value is replaced
        assert re.fullmatch(r"req_[0-9a-f]{32}", minted.headers["x-request-id"]), minted.headers
    assert refused.status_code == 401


async def test_output_limit_and_model_id_are_enforced_upstream(harness: Harness) -> None:
    from tests.gateway.support import FaultyProvider

    fake = FaultyProvider()
    harness.gw.providers.every = fake
    token, _ = await harness.create_key(1_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", headers=auth(token),
                                     json=chat(max_tokens=None, provider="anthropic", model="openai/gpt-4.1"))
    assert response.status_code == 200, response.text
    sent = fake.seen[0]
    assert sent["model"] == "gpt-4.1" and "provider" not in sent and "max_tokens" not in sent
    assert sent["max_completion_tokens"] == 32_768  # the model's maximum, since the client named none


async def test_budget_lowers_the_output_limit_before_refusing(harness: Harness) -> None:
    from tests.gateway.support import FaultyProvider

    fake = FaultyProvider()
    harness.gw.providers.every = fake
    token, _ = await harness.create_key(2_000)  # too little for 32,768 output tokens at $8/M, enough for some
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", headers=auth(token), json=chat(max_tokens=None))
        assert response.status_code == 200, response.text
        limit = fake.seen[0]["max_completion_tokens"]
        assert 0 < limit < 32_768
        assert pricing.quote_max("gpt-4.1", chat(max_tokens=limit), "chat").amount <= 2_000
        tiny, _ = await harness.create_key(5)
        refused = await client.post("/v1/chat/completions", headers=auth(tiny), json=chat())
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "payment_required"
    least = pricing.quote_max("gpt-4.1", chat(max_tokens=1), "chat").amount  # what the message must name
    assert f"needs a hold of at least {least} (with a one-token output limit), 5 of 5 is available" in \
        refused.json()["error"]["message"]
    assert refused.headers["x-compose-key-budget-remaining"] == "5"
    assert fake.calls == 1  # the refused request never reached the provider


async def test_every_operation_settles(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    audio = base64.b64encode(wav(9)).decode()
    cases = [
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a b c", "d e"]}, 2),  # 5 tokens: 0.1 → 1, fee 1
        ("/v1/images/generations", {"model": "dall-e-3", "prompt": "a cat", "n": 2, "quality": "hd"}, 161_600),
        ("/v1/audio/speech", {"model": "tts-1", "input": "Hello world", "voice": "alloy"}, 167),  # 165 + fee 2
        ("/v1/audio/transcriptions", {"model": "whisper-1", "file": audio}, 909),  # 9 s at $0.006/min + fee
        ("/v1/videos/generations", {"model": "sora-2", "prompt": "waves", "seconds": 4, "size": "1280x720"}, 404_000),
    ]
    async with harness.client() as client:
        for path, body, final in cases:
            response = await client.post(path, headers=auth(token), json=body)
            assert response.status_code == (202 if "videos" in path else 200), (path, response.text)
            receipt = receipts.decode_header(response.headers["x-compose-receipt"])
            assert receipt["finalAmountWei"] == str(final), (path, receipt)
    assert response.json()["compose_receipt"]["final_amount_wei"] == "404000"


@pytest.mark.parametrize(("headers", "content", "status", "code"), [
    ({}, orjson.dumps(chat()), 401, "authentication_failed"),
    ({"authorization": "Bearer sk-not-a-compose-key"}, orjson.dumps(chat()), 401, "authentication_failed"),
    ({"authorization": "Bearer compose-garbled"}, orjson.dumps(chat()), 401, "authentication_failed"),
    (None, b"{not json", 400, "invalid_json"),
    (None, b"[1, 2]", 400, "invalid_json"),
    (None, orjson.dumps(chat(model="gpt-9")), 404, "model_not_found"),
    (None, orjson.dumps(chat(model="dall-e-3")), 400, "validation_error"),
    (None, orjson.dumps(chat(max_tokens=-5)), 400, "validation_error"),
    (None, orjson.dumps(chat(max_tokens=10**12)), 400, "validation_error"),
    (None, orjson.dumps(chat(max_tokens="many")), 400, "validation_error"),
    (None, orjson.dumps(chat(stream="yes")), 400, "invalid_stream"),
    (None, orjson.dumps({"messages": []}), 400, "validation_error"),
    (None, orjson.dumps({**chat(), "messages": "hi"}), 400, "validation_error"),
])
async def test_bad_requests_get_a_4xx_json_error_and_reserve_nothing(harness: Harness, headers: dict[str, str] | None,
                                                                    content: bytes, status: int, code: str) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", content=content,
                                     headers={"content-type": "application/json", **(auth(token) if headers is None
                                                                                     else headers)})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert await harness.ledger.totals(key_id) == (0, 0)
    assert harness.provider.calls == 0


@pytest.mark.parametrize(("path", "chain", "status", "code"), [
    ("/v1/chat/completions", "43114", 409, "conflict"),
    ("/v1/chat/completions", "abc", 400, "validation_error"),
    ("/external/v1/chat/completions", "43114", 409, "conflict"),
    ("/external/v1/chat/completions", "43113", 200, None),
])
async def test_a_chain_other_than_the_keys_is_refused_before_any_hold(harness: Harness, path: str, chain: str,
                                                                      status: int, code: str | None) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        response = await client.post(path, json=chat(), headers={**auth(token), "x-chain-id": chain})
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code
        assert await harness.ledger.totals(key_id) == (0, 0)
        assert harness.provider.calls == 0


async def test_wrong_content_type_oversized_body_and_external_error_shape(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    async with harness.client() as client:
        wrong = await client.post("/v1/chat/completions", headers={**auth(token), "content-type": "text/plain"},
                                  content=orjson.dumps(chat()))
        big = await client.post("/v1/chat/completions", headers={**auth(token), "content-type": "application/json"},
                                content=b"x" * (33 * 1024 * 1024))
        external = await client.post("/external/v1/chat/completions", json=chat())
        missing = await client.post("/v1/nothing-here", json={})
        method = await client.get("/v1/chat/completions")
        intents = await client.get("/api/payments/prepare")
        external_method = await client.get("/external/v1/chat/completions")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (415, "unsupported_media_type")
    assert (big.status_code, big.json()["error"]["code"]) == (413, "payload_too_large")
    assert external.status_code == 401
    assert external.json()["error"]["type"] == "authentication_error"  # OpenAI-shaped on external routes
    assert (missing.status_code, method.status_code) == (404, 405)
    # a 405 speaks the error dialect of the path's routes
    assert intents.json() == {"error": "GET is not allowed on /api/payments/prepare", "code": "method_not_allowed"}
    assert (intents.headers["allow"], method.headers["allow"]) == ("POST", "POST")
    assert external_method.json()["error"]["type"] == "api_error" and method.json()["error"]["code"] == \
        "method_not_allowed"


async def test_revoked_and_expired_keys_are_refused_at_once(harness: Harness) -> None:
    token, _key_id = await harness.create_key(1_000_000, expires_in_ms=60_000)
    async with harness.client() as client:
        assert (await client.post("/v1/chat/completions", headers=auth(token), json=chat())).status_code == 200
        harness.clock.advance(60_001)
        expired = await client.post("/v1/chat/completions", headers=auth(token), json=chat())
        assert (expired.status_code, expired.json()["error"]["message"]) == (401, "Key has expired")
        token2, key2 = await harness.create_key(1_000_000)
        assert (await client.post("/v1/chat/completions", headers=auth(token2), json=chat())).status_code == 200
        revoked = await client.delete(f"/api/keys/{key2}", headers=auth(token2))
        assert revoked.json() == {"success": True, "keyId": key2}
        after = await client.post("/v1/chat/completions", headers=auth(token2), json=chat())
    assert (after.status_code, after.json()["error"]["message"]) == (401, "Key has been revoked")
    assert token2 not in after.text


async def test_upstream_errors_abort_and_charge_nothing(tmp_path: object) -> None:
    from pathlib import Path

    from tests.gateway.support import FaultyProvider, build

    for mode, status in (("unreachable", 502), ("error_before", 502)):
        fake = FaultyProvider(mode=mode)
        harness = build(Path(str(tmp_path)) / mode, fake)
        try:
            token, key_id = await harness.create_key(1_000_000)
            async with harness.client() as client:
                response = await client.post("/v1/chat/completions", headers=auth(token), json=chat())
            assert response.status_code == status, response.text
            assert await harness.ledger.totals(key_id) == (0, 0)
            intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
            assert intent is not None and intent.state == "aborted"
            assert response.headers["x-compose-key-budget-remaining"] == "1000000"
            key = await harness.ledger.get_key(key_id)
            assert key is not None and (key.spent, key.reserved) == (0, 0)
        finally:
            harness.ledger.close()


async def test_unreadable_usage_settles_an_upper_estimate_marked_estimated(tmp_path: object) -> None:
    from pathlib import Path

    from tests.gateway.support import FaultyProvider, build

    harness = build(Path(str(tmp_path)), FaultyProvider(mode="no_usage"))
    try:
        token, _ = await harness.create_key(1_000_000)
        async with harness.client() as client:
            response = await client.post("/v1/chat/completions", headers=auth(token), json=chat())
        receipt = response.json()["compose_receipt"]
        assert receipt["estimated"] is True and "usage unreadable" in receipt["reason"]
        # the prompt bound as input and every byte of the reply as output (a token is at least a byte)
        lines = {item["key"]: item["quantity"] for item in receipt["line_items"]}
        assert lines["output_tokens"] == 64 and lines["input_tokens"] > 0
        assert 0 < int(receipt["final_amount_wei"]) <= int(receipt["max_amount_wei"])
        assert receipt["subject"] == "openai:gpt-4.1"
    finally:
        harness.ledger.close()


async def test_idempotency_key_serves_once(harness: Harness) -> None:
    token, key_id = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-idempotency-key": "req-1"}
    async with harness.client() as client:
        first = await client.post("/v1/chat/completions", headers=headers, json=chat())
        again = await client.post("/v1/chat/completions", headers=headers, json=chat())
        different = await client.post("/v1/chat/completions", headers=headers, json=chat("other"))
    assert first.status_code == 200
    assert (again.status_code, again.headers["x-idempotent-replay"]) == (409, "true")
    assert again.json()["error"]["details"] == first.json()["compose_receipt"]
    assert different.status_code == 409
    assert harness.provider.calls == 1
    _, spent = await harness.ledger.totals(key_id)
    assert spent == int(first.json()["compose_receipt"]["final_amount_wei"])


async def test_ledger_conservation_after_a_mixed_run(harness: Harness) -> None:
    token, key_id = await harness.create_key(3_000_000)
    async with harness.client() as client:
        for content in ("a", "b c", "d e f"):
            await client.post("/v1/chat/completions", headers=auth(token), json=chat(content))
        await client.post("/v1/images/generations", headers=auth(token), json={"model": "dall-e-3", "prompt": "x"})
    key = await harness.ledger.get_key(key_id)
    assert key is not None
    assert await harness.ledger.totals(key_id) == (key.reserved, key.spent)  # I2: counters = journal of intents
    journal = await backends.query(harness.ledger, "SELECT reserved, spent FROM journal WHERE key_id = $1 "
                                   "ORDER BY seq DESC LIMIT 1", key_id)
    assert journal == [(key.reserved, key.spent)]
