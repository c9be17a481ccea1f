"""Compose Keys management and the intent API (prepare, settle, abort, meter) with the contract's status codes."""

from __future__ import annotations

import httpx
import orjson
import pytest

from gateway_min.payment import receipts
from tests.gateway.support import ADMIN, KEY_HEADERS, OTHER_WALLET, WALLET, Harness, auth

pytestmark = pytest.mark.anyio
PREPARE = {"service": "agent", "action": "run", "resource": "agent:demo", "method": "POST"}


async def test_create_list_get_delete_keys(harness: Harness) -> None:
    async with harness.client() as client:
        created = await client.post("/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": "1000000", "expiresAt": harness.clock() + 10_000, "chainId": 43113, "purpose": "api",
            "name": "OpenCode"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["token"].startswith("compose-") and body["budgetLimit"] == "1000000"
        assert (body["budgetUsed"], body["budgetRemaining"], body["name"]) == ("0", "1000000", "OpenCode")
        listed = await client.get("/api/keys", headers=KEY_HEADERS)
        assert [k["keyId"] for k in listed.json()["keys"]] == [body["keyId"]]
        assert "token" not in listed.text and body["token"] not in listed.text
        own = await client.get(f"/api/keys/{body['keyId']}", headers=auth(body["token"]))
        assert own.status_code == 200 and own.json()["keyId"] == body["keyId"]
        other_token, other_id = await harness.create_key(10, wallet=OTHER_WALLET, client=client)
        for method in ("GET", "DELETE"):  # another wallet's key is not found (the contract's 200 / 401 / 404)
            stranger = await client.request(method, f"/api/keys/{body['keyId']}", headers=auth(other_token))
            assert (stranger.status_code, stranger.json()["error"]["message"]) == (404, "Key not found")
        missing = await client.get("/api/keys/nope", headers={"authorization": f"Bearer {ADMIN}"})
        assert missing.status_code == 404
        deleted = await client.delete(f"/api/keys/{body['keyId']}", headers=auth(body["token"]))
        assert deleted.json() == {"success": True, "keyId": body["keyId"]}
        again = await client.get(f"/api/keys/{body['keyId']}", headers=auth(body["token"]))
        assert again.status_code == 401 and again.json()["error"]["message"] == "Key has been revoked"
        assert other_id


@pytest.mark.parametrize(("headers", "body", "status", "message"), [
    ({**KEY_HEADERS, "authorization": "Bearer wrong"}, {}, 401, "creating keys needs the admin token"),
    ({k: v for k, v in KEY_HEADERS.items() if k != "x-session-user-address"}, {}, 400, "x-session-user-address"),
    ({k: v for k, v in KEY_HEADERS.items() if k != "x-chain-id"}, {}, 400, "x-chain-id header is required"),
    ({**KEY_HEADERS, "x-chain-id": "abc"}, {}, 400, "x-chain-id must be a positive integer chain id, got 'abc'"),
    ({**KEY_HEADERS, "x-chain-id": "999"}, {"budgetLimit": 10, "expiresAt": 1_790_000_100_000}, 400,
     "chain 999 is not one this gateway settles on (43113, 43114)"),
    (KEY_HEADERS, {"budgetLimit": 0, "expiresAt": 1_790_000_100_000}, 400, "budgetLimit must be a positive integer"),
    (KEY_HEADERS, {"budgetLimit": 1.5, "expiresAt": 1_790_000_100_000}, 400, "budgetLimit must be a positive integer"),
    (KEY_HEADERS, {"budgetLimit": 10, "expiresAt": 1_000}, 400, "expiresAt must be a future Unix time"),
    (KEY_HEADERS, {"budgetLimit": 10, "expiresAt": 1_790_000_100_000, "purpose": "root"}, 400, "purpose must be"),
    (KEY_HEADERS, {"budgetLimit": 10, "expiresAt": 1_790_000_100_000, "chainId": 1}, 409, "differs from x-chain-id"),
    (KEY_HEADERS, {"budgetLimit": 10, "expiresAt": 1_790_000_100_000, "chainId": [43113]}, 400,
     "chainId must be a positive integer chain id"),
    (KEY_HEADERS, {"budgetLimit": 10, "expiresAt": 1_790_000_100_000, "colour": "red"}, 400, "unknown field(s): colour"),
])
async def test_key_creation_errors(harness: Harness, headers: dict[str, str], body: dict[str, object], status: int,
                                   message: str) -> None:
    async with harness.client() as client:
        response = await client.post("/api/keys", headers=headers, json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


async def test_prepare_settle_abort_lifecycle_and_status_codes(harness: Harness) -> None:
    token, key_id = await harness.create_key(1_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    async with harness.client() as client:
        prepared = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "maxAmountWei": "600"})
        assert prepared.status_code == 200, prepared.text
        intent = prepared.json()["paymentIntentId"]
        assert prepared.json() == {"paymentIntentId": intent, "maxAmountWei": "600", "status": "authorized"}
        assert prepared.headers["x-compose-key-budget-reserved"] == "600"
        exhausted = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "maxAmountWei": 500})
        assert (exhausted.status_code, exhausted.json()["error"]) == (402, "Compose key budget exhausted")
        above = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": intent, "finalAmountWei": "601"})
        assert above.status_code == 409 and "cannot exceed the reserved amount" in above.json()["error"]
        settled = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": intent, "finalAmountWei": "250"})
        assert settled.status_code == 200
        assert settled.json()["finalAmountWei"] == "250" and settled.json()["status"] == "settled"
        assert settled.headers["x-compose-key-final-amount-wei"] == "250"
        replay = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": intent, "finalAmountWei": "250"})
        assert replay.status_code == 200 and replay.json() == settled.json()
        abort_settled = await client.post("/api/payments/abort", headers=auth(token), json={"paymentIntentId": intent, "reason": "x"})
        assert abort_settled.status_code == 409
        second = (await client.post("/api/payments/prepare", headers=headers,
                                    json={**PREPARE, "maxAmountWei": 700})).json()["paymentIntentId"]
        aborted = await client.post("/api/payments/abort", headers=auth(token), json={"paymentIntentId": second, "reason": "failed"})
        assert aborted.json() == {"success": True, "paymentIntentId": second, "status": "aborted", "reason": "failed"}
        assert (await client.post("/api/payments/abort", headers=auth(token), json={"paymentIntentId": second, "reason": "again"})
                ).status_code == 200
        settle_aborted = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": second, "finalAmountWei": 1})
        assert settle_aborted.status_code == 409
        missing = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": "nope", "finalAmountWei": 1})
        assert missing.status_code == 404
        no_reason = await client.post("/api/payments/abort", headers=auth(token), json={"paymentIntentId": second})
        assert no_reason.status_code == 400
        both = await client.post("/api/payments/prepare", headers=headers,
                                 json={**PREPARE, "maxAmountWei": 1, "meter": {"subject": "x", "lineItems": []}})
        assert both.status_code == 400
        no_chain = await client.post("/api/payments/prepare", headers=auth(token), json={**PREPARE, "maxAmountWei": 1})
        assert (no_chain.status_code, no_chain.json()["error"]) == (400, "x-chain-id header is required")
        wrong_chain = await client.post("/api/payments/prepare", headers={**auth(token), "x-chain-id": "43114"},
                                        json={**PREPARE, "maxAmountWei": 1})
        assert wrong_chain.status_code == 409
        garbled_chain = await client.post("/api/payments/prepare", headers={**auth(token), "x-chain-id": "abc"},
                                          json={**PREPARE, "maxAmountWei": 1})
        assert (garbled_chain.status_code, garbled_chain.json()["code"]) == (400, "validation_error")
    key = await harness.ledger.get_key(key_id)
    assert key is not None and (key.spent, key.reserved) == (250, 0)


async def test_only_the_owner_resolves_an_intent_and_never_a_gateway_hold(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    other, _ = await harness.create_key(1_000_000, wallet=OTHER_WALLET)
    headers = {**auth(token), "x-chain-id": "43113"}
    async with harness.client() as client:
        intent = (await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "maxAmountWei": 9})
                  ).json()["paymentIntentId"]
        body = {"paymentIntentId": intent, "finalAmountWei": 0}
        anonymous = await client.post("/api/payments/settle", json=body)
        stranger = await client.post("/api/payments/abort", headers=auth(other), json={**body, "reason": "x"})
        admin = await client.post("/api/payments/settle", headers={"authorization": f"Bearer {ADMIN}"}, json=body)
        assert (anonymous.status_code, stranger.status_code, admin.status_code) == (401, 403, 200)
        served = await client.post("/v1/chat/completions", headers={**auth(token), "x-idempotency-key": "k"},
                                   json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]})
        gateway_hold = served.headers["x-payment-intent-id"]
        for route in ("settle", "abort"):
            refused = await client.post(f"/api/payments/{route}", headers=auth(token),
                                        json={"paymentIntentId": gateway_hold, "finalAmountWei": 0, "reason": "x"})
            assert refused.status_code == 409 and "held by the gateway" in refused.json()["error"]
        # a service may call itself what the gateway records on its own holds: its intent is still its own
        named = (await client.post("/api/payments/prepare", headers=headers, json={
            **PREPARE, "service": "inference", "maxAmountWei": 9})).json()["paymentIntentId"]
        released = await client.post("/api/payments/abort", headers=auth(token),
                                     json={"paymentIntentId": named, "reason": "not needed"})
        assert released.status_code == 200, released.text


@pytest.mark.parametrize("body", [
    {"paymentIntentId": "x", "meter": {"subject": "s", "lineItems": [
        {"key": "k", "unit": "usd_per_request", "quantity": "1e1000000", "unitPriceUsd": "1"}]}},
    {"paymentIntentId": "x", "meter": {"subject": "s", "lineItems": [
        {"key": "k", "unit": "usd_per_" + "9" * 5000 + "_seconds", "quantity": 1, "unitPriceUsd": 1}]}},
    {"paymentIntentId": "x", "finalAmountWei": "²"},
    {"paymentIntentId": "x", "finalAmountWei": 10**20},
])
async def test_hostile_settle_bodies_are_cheap_400s(harness: Harness, body: dict[str, object]) -> None:
    import time

    token, _ = await harness.create_key(10)
    started = time.perf_counter()
    async with harness.client() as client:
        response = await client.post("/api/payments/settle", headers=auth(token), json=body)
    assert response.status_code == 400 and time.perf_counter() - started < 2


async def test_meter_counts_minutes_in_minutes_as_compose_does(harness: Harness) -> None:
    from gateway_min.routes.intents import meter_lines

    _, lines = meter_lines({"subject": "openai:whisper-1", "lineItems": [
        {"key": "audio", "unit": "usd_per_minute", "quantity": 2, "unitPriceUsd": "0.006"}]})
    assert lines[0].amount == 12_000  # 2 minutes × $0.006


async def test_prepare_idempotency_and_meter(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    headers = {**auth(token), "x-chain-id": "43113", "x-idempotency-key": "run-7"}
    meter = {"subject": "openai:gpt-4.1", "lineItems": [
        {"key": "input_tokens", "unit": "usd_per_1m_tokens", "quantity": 1000, "unitPriceUsd": 1.25}]}
    async with harness.client() as client:
        first = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "meter": meter})
        again = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "meter": meter})
        assert first.json()["maxAmountWei"] == "1263"  # docs example: 1250 + fee 13
        assert again.json()["paymentIntentId"] == first.json()["paymentIntentId"]
        assert again.headers["x-idempotent-replay"] == "true"
        both = await client.post("/api/payments/prepare", headers=headers,
                                 json={**PREPARE, "meter": meter, "idempotencyKey": "run-8"})
        assert both.status_code == 400 and both.json() == {
            "error": "idempotencyKey and x-idempotency-key differ: send one of them", "code": "validation_error"}
        other = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE, "maxAmountWei": 5})
        assert other.status_code == 409 and "this idempotency key was already used" in other.json()["error"]
        quoted = await client.post("/api/payments/meter/model", json={
            "modelId": "gemini-2.5-pro", "modality": "text", "usage": {"promptTokens": 1000, "totalTokens": 1000}})
        assert quoted.status_code == 200
        assert (quoted.json()["providerAmountWei"], quoted.json()["platformFeeWei"],
                quoted.json()["finalAmountWei"]) == ("1250", "13", "1263")
        unknown = await client.post("/api/payments/meter/model", json={"modelId": "gpt-9", "modality": "text"})
        assert unknown.status_code == 404
        for bad in ({"usage": [1, 2]}, {"media": "ab"}, {"usage": {"promptTokens": 10**30}},
                    {"usage": {"promptTokens": 2**63 - 1}}):  # fits 64 bits, but its price would not
            refused = await client.post("/api/payments/meter/model", json={"modelId": "gpt-4.1", "modality": "text",
                                                                          **bad})
            assert refused.status_code == 400, bad
        settled = await client.post("/api/payments/settle", headers=auth(token), json={"paymentIntentId": first.json()["paymentIntentId"],
                                                                  "meter": meter})
        assert settled.json()["meterSubject"] == "openai:gpt-4.1" and settled.json()["finalAmountWei"] == "1263"


async def test_settle_and_abort_check_the_chain_and_a_late_settle_says_what_it_could_not_book(
        harness: Harness) -> None:
    token, _ = await harness.create_key(1000)
    headers = {**auth(token), "x-chain-id": "43113"}
    async with harness.client() as client:
        async def prepare(amount: int) -> str:
            response = await client.post("/api/payments/prepare", headers=headers, json={**PREPARE,
                                                                                         "maxAmountWei": amount})
            assert response.status_code == 200, response.text
            return str(response.json()["paymentIntentId"])

        first, late = await prepare(600), await prepare(300)
        for chain, status in (("43114", 409), ("abc", 400)):
            for route, extra in (("settle", {"finalAmountWei": "1"}), ("abort", {"reason": "x"})):
                refused = await client.post(f"/api/payments/{route}", headers={**auth(token), "x-chain-id": chain},
                                            json={"paymentIntentId": first, **extra})
                assert refused.status_code == status, (chain, route, refused.text)
        harness.clock.advance(harness.gw.intent_ttl_ms + 1)
        await prepare(1000)  # reclaims both expired holds and takes the whole budget
        settled = await client.post("/api/payments/settle", headers=headers,
                                    json={"paymentIntentId": late, "finalAmountWei": "300"})
    assert settled.status_code == 200, settled.text
    assert (settled.json()["finalAmountWei"], settled.json()["uncollectedWei"]) == ("0", "300")


async def test_a_final_amount_settle_keeps_the_callers_breakdown(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    details = {"meterSubject": "azure:gpt-5.5", "providerAmountWei": "1250", "platformFeeWei": "13", "lineItems": [
        {"key": "input_tokens", "unit": "usd_per_1m_tokens", "quantity": 1000, "unitPriceUsd": 1.25,
         "amountWei": "1250"}]}
    async with harness.client() as client:
        async def settle(**extra: object) -> httpx.Response:
            intent = (await client.post("/api/payments/prepare", headers=headers, json={
                **PREPARE, "maxAmountWei": 2000})).json()["paymentIntentId"]
            return await client.post("/api/payments/settle", headers=auth(token), json={
                "paymentIntentId": intent, "finalAmountWei": "1263", **extra})

        settled = await settle(**details)
        assert settled.status_code == 200, settled.text
        body = settled.json()
        assert (body["meterSubject"], body["providerAmountWei"], body["platformFeeWei"]) == ("azure:gpt-5.5", "1250",
                                                                                           "13")
        assert body["lineItems"] == [{"key": "input_tokens", "unit": "usd_per_1m_tokens", "quantity": 1000,
                                      "unitPriceUsd": "1.25", "amountWei": "1250"}]
        stored = await harness.ledger.get_intent(body["paymentIntentId"])
        assert stored is not None and stored.receipt is not None and '"subject":"azure:gpt-5.5"' in stored.receipt
        assert receipts.decode_header(settled.headers["x-compose-receipt"]) == receipts.camel(orjson.loads(
            stored.receipt))  # the stored receipt, carried as on the paid routes
        for bad, message in (({"providerAmountWei": "1250", "platformFeeWei": "12"}, "must come to finalAmountWei"),
                             ({"providerAmountWei": "2000"}, "must come to finalAmountWei"),
                             ({**details, "providerAmountWei": "1200", "platformFeeWei": "63"},
                              "add up to 1250, not to the provider amount (1200)"),
                             ({"platformFeeWei": "13", "lineItems": [{**details["lineItems"][0], "amountWei": "1000"}]},
                              "add up to 1000, not to the provider amount (1250)"),  # 1263 − 13, implied
                             ({"lineItems": [{**details["lineItems"][0], "amountWei": "999999999999"}]},
                              "more than finalAmountWei (1263)"),
                             ({"lineItems": [{"key": "k"}]}, "lineItems[0] must be"),
                             ({"meterSubject": 7}, "meterSubject must be a string")):
            refused = await settle(**bad)
            assert refused.status_code == 400 and message in refused.json()["error"], (bad, refused.text)
        bare = await settle(meterSubject="", lineItems=[])  # empty details are no details
        assert bare.status_code == 200 and "lineItems" not in bare.json(), bare.text
        assert bare.json()["meterSubject"] == "agent"  # the intent's service: no model, so no ":None"


@pytest.mark.parametrize(("model", "body"), [
    ("gpt-4.1", {"usage": {"promptTokens": 1000, "totalTokens": 1000}}),  # Compose's shape
    ("gpt-4.1", {"usage": {"prompt_tokens": 1000, "completion_tokens": 0, "total_tokens": 1000}}),  # OpenAI's
    ("gpt-4.1", {"usage": {"prompt_tokens": 1000}}),
    ("gpt-4.1", {"usage": {"input_tokens": 1000}}),  # ours
    ("gpt-4.1", {"usage": {"input_tokens": 1000, "output_tokens": 0, "total_tokens": 1000,
                           "input_tokens_details": {"cached_tokens": 0}}}),  # OpenAI's Responses API
    ("gemini-2.5-pro", {"usageMetadata": {"promptTokenCount": 1000, "totalTokenCount": 1000}}),  # Google's
    ("gemini-2.5-pro", {"usage": {"promptTokenCount": 1000}}),
])
async def test_meter_reads_every_usage_shape_of_the_contract(harness: Harness, model: str,
                                                             body: dict[str, object]) -> None:
    async with harness.client() as client:
        quoted = await client.post("/api/payments/meter/model", json={"modelId": model, "modality": "text", **body})
    assert quoted.status_code == 200, quoted.text
    provider = {"gpt-4.1": 2000, "gemini-2.5-pro": 1250}[model]  # 1000 input tokens at $2 and $1.25 per 1M
    assert quoted.json()["finalAmountWei"] == str(provider + -(-provider // 100))
    assert quoted.json()["lineItems"][0]["quantity"] == 1000  # a number, as in the paid routes' receipts


@pytest.mark.parametrize(("body", "message"), [
    ({"usage": {"totalTokens": 1000}}, "totalTokens alone cannot be priced"),
    ({"usage": []}, "usage must be an object"),
    ({"usage": {}}, "nothing to quote"),
    ({}, "nothing to quote"),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": -1}}, "completion_tokens must be a non-negative integer"),
    ({"modality": "video", "usage": {"promptTokens": 10}}, "gpt-4.1 is a text model, not video"),
    ({"modality": "sound", "usage": {"promptTokens": 10}}, "modality must be one of"),
    # a count named twice, or in another shape than the usage is read as, would be dropped: the output below was
    ({"usage": {"prompt_tokens": 10, "completionTokens": 10**6}}, "usage mixes shapes: completionTokens"),
    ({"usage": {"promptTokenCount": 10, "output_tokens": 10**6}}, "usage mixes shapes: output_tokens"),
    ({"usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "inputTokens": 10**12}},
     "usage names its input count twice: inputTokens, input_tokens"),
    ({"usage": {"promptTokens": 1, "outputTokens": 10**6, "completionTokens": 1}},
     "usage names its output count twice: completionTokens, outputTokens"),
    ({"usage": {"promptTokens": 1}, "usageMetadata": {"promptTokenCount": 1}}, "usage names its input count twice"),
])
async def test_meter_refuses_what_it_cannot_quote(harness: Harness, body: dict[str, object], message: str) -> None:
    async with harness.client() as client:
        refused = await client.post("/api/payments/meter/model", json={"modelId": "gpt-4.1", "modality": "text",
                                                                       **body})
    assert refused.status_code == 400 and message in refused.json()["error"], refused.text


async def test_models_routes(harness: Harness) -> None:
    async with harness.client() as client:
        listed = (await client.get("/v1/models")).json()
        external = (await client.get("/external/v1/models")).json()
        one = await client.get("/v1/models/openai/gpt-4.1")
        missing = await client.get("/external/v1/models/gpt-9")
        health = await client.get("/health")
    assert listed["object"] == "list" and len(listed["data"]) >= 150
    assert set(external["data"][0]) == {"id", "object", "created", "owned_by"}
    assert one.json()["id"] == "gpt-4.1" and one.json()["pricing"]["tokens"]["input"] == "2"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    assert health.json() == {"status": "ok"}
    assert WALLET


async def test_listing_shows_the_price_in_force_not_a_scheduled_one(harness: Harness) -> None:
    from generated.catalog import MODELS

    future = [m for m in MODELS if any(s.effective_from and s.effective_from.year >= 2027 for s in m.prices)]
    assert future, "the catalog records a scheduled price change"
    async with harness.client() as client:
        entry = (await client.get(f"/v1/models/{future[0].id}")).json()
    assert entry["pricing"] != entry["prices"][-1]


@pytest.mark.parametrize("body", [
    {"modelId": "whisper-1", "modality": "audio", "media": {"audio_seconds": 90}},  # priced per minute
    {"modelId": "whisper-1", "modality": "audio", "media": {"audio_seconds": 100}},  # 100/60 min: no exact decimal
    {"modelId": "gpt-4.1", "modality": "text", "usage": {"promptTokens": 1234, "completionTokens": 56}},
    {"modelId": "dall-e-3", "modality": "image", "media": {"images": 2, "image_size": "1024x1024"}},
])
async def test_the_meter_a_quote_returns_reserves_exactly_the_quote(harness: Harness, body: dict[str, object]) -> None:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        quote = await client.post("/api/payments/meter/model", json=body)
        assert quote.status_code == 200, quote.text
        prepared = await client.post("/api/payments/prepare", headers={**auth(token), "x-chain-id": "43113"}, json={
            "service": "api", "action": "inference", "resource": "r", "method": "POST", "meter": quote.json()["meter"]})
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["maxAmountWei"] == quote.json()["finalAmountWei"]


async def test_every_route_prices_at_the_gateways_clock(harness: Harness) -> None:
    """gemini-4-argon's input price doubles on 2026-12-01: the listing, the quote and a paid call agree before and
    after that date, by the gateway's clock (injected here), not each by a clock of its own."""
    from datetime import UTC, datetime

    usage = {"modelId": "gemini-4-argon", "modality": "text", "usage": {"promptTokens": 1000, "completionTokens": 0}}
    seen = []
    for day in (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)):
        harness.clock.now = int(day.timestamp()) * 1000
        token, _ = await harness.create_key(10_000_000)  # keys expire by the same clock
        async with harness.client() as client:
            listed = (await client.get("/v1/models/gemini-4-argon")).json()["pricing"]["tokens"]["input"]
            quoted = (await client.post("/api/payments/meter/model", json=usage)).json()["lineItems"][0]
            paid = (await client.post("/v1/chat/completions", headers=auth(token), json={
                "model": "gemini-4-argon", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}))
        line = next(i for i in paid.json()["compose_receipt"]["line_items"] if i["key"] == "input_tokens")
        seen.append((listed, quoted["unitPriceUsd"], line["unit_price_usd"]))
    assert seen == [("2", "2", "2"), ("4", "4", "4")]


async def test_a_callers_unit_price_is_kept_in_plain_notation(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    meter = {"subject": "agent:x", "lineItems": [
        {"key": "calls", "unit": "usd_per_1m_tokens", "quantity": 4_000_000, "unitPriceUsd": 2.5e-7}]}
    async with harness.client() as client:
        prepared = await client.post("/api/payments/prepare", headers={**auth(token), "x-chain-id": "43113"},
                                     json={**PREPARE, "meter": meter})
        settled = await client.post("/api/payments/settle", headers=auth(token), json={
            "paymentIntentId": prepared.json()["paymentIntentId"], "meter": meter})
    assert settled.status_code == 200, settled.text
    assert settled.json()["lineItems"][0]["unitPriceUsd"] == "0.00000025"
    stored = receipts.decode_header(settled.headers["x-compose-receipt"])
    assert stored["lineItems"][0]["unitPriceUsd"] == "0.00000025"
