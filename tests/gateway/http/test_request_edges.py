"""Edges of the paid call: the price in force now, the limit sent upstream, choices, streams options, formats."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from generated.catalog import MODELS
from tests.gateway.support import Clock, FaultyProvider, Harness, auth, build, chat, wav

pytestmark = pytest.mark.anyio


def _wav(seconds: int) -> str:
    return base64.b64encode(wav(seconds)).decode()


async def test_the_gateway_prices_with_the_set_in_force_now_not_a_scheduled_one(tmp_path: Path) -> None:
    model = next(m for m in MODELS if "chat" in m.operations and m.prices[-1].effective_from
                 and m.prices[-1].effective_from.year >= 2027)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    harness = build(tmp_path, clock=Clock(int(now.timestamp()) * 1000))
    try:
        token, _ = await harness.create_key(10**9)
        async with harness.client() as client:
            response = await client.post("/v1/chat/completions", headers=auth(token),
                                         json=chat("one two three", model=model.id, max_tokens=50))
        assert response.status_code == 200, response.text
        usage = response.json()["usage"]
        measured = {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"]}
        receipt = response.json()["compose_receipt"]
        assert receipt["final_amount_wei"] == str(pricing.price(model, measured, at=now).final_amount)
        assert receipt["final_amount_wei"] != str(pricing.price(model, measured).final_amount)
    finally:
        harness.ledger.close()


@pytest.mark.parametrize(("model", "field"), [("gpt-4.1", "max_completion_tokens"),
                                              ("claude-sonnet-4-5", "max_tokens")])
async def test_the_output_limit_goes_upstream_in_the_providers_own_field(tmp_path: Path, model: str,
                                                                         field: str) -> None:
    fake = FaultyProvider()
    harness = build(tmp_path, fake)
    try:
        token, _ = await harness.create_key(10**9)
        async with harness.client() as client:
            await client.post("/v1/chat/completions", headers=auth(token), json=chat(model=model, max_tokens=77))
        sent = fake.seen[0]
        assert sent[field] == 77
        other = ({"max_tokens", "max_completion_tokens"} - {field}).pop()
        assert other not in sent
    finally:
        harness.ledger.close()


async def test_choices_multiply_the_hold(harness: Harness) -> None:
    token, _ = await harness.create_key(10**9)
    async with harness.client() as client:
        one = await client.post("/v1/chat/completions", headers=auth(token), json=chat(max_tokens=1000))
        four = await client.post("/v1/chat/completions", headers=auth(token), json=chat(max_tokens=1000, n=4))
    held = [int(r.json()["compose_receipt"]["max_amount_wei"]) for r in (one, four)]
    assert held[1] - held[0] >= 3 * 1000 * 8  # three more choices of up to 1,000 tokens at $8 per 1M


async def test_a_stream_options_that_is_not_an_object_is_a_400_before_any_hold(harness: Harness) -> None:
    token, key_id = await harness.create_key(10**9)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", headers=auth(token),
                                     json=chat(stream=True, stream_options="yes"))
    assert response.status_code == 400 and "stream_options" in response.json()["error"]["message"]
    assert await harness.ledger.totals(key_id) == (0, 0)


async def test_transcription_formats_without_usage_are_refused_and_minutes_recompute(harness: Harness) -> None:
    token, _ = await harness.create_key(10**9)
    async with harness.client() as client:
        text = await client.post("/v1/audio/transcriptions", headers=auth(token),
                                 json={"model": "whisper-1", "file": _wav(3), "response_format": "text"})
        ok = await client.post("/v1/audio/transcriptions", headers=auth(token),
                               json={"model": "whisper-1", "file": _wav(90)})
        form = await client.post("/v1/audio/transcriptions", headers=auth(token),
                                 files={"file": ("a.wav", base64.b64decode(_wav(2)), "audio/wav")},
                                 data={"model": "whisper-1", "stream": "false"})
    assert text.status_code == 400 and "response_format" in text.json()["error"]["message"]
    assert form.status_code == 200, form.text
    line = ok.json()["compose_receipt"]["line_items"][0]
    assert (line["unit"], line["quantity"], line["amount_wei"]) == ("usd_per_60_seconds", 90, "9000")
    # Compose's formula recomputes it: ceil(quantity × unit price × 10^6 / scale), scale(usd_per_60_seconds) = 60
    assert int(line["amount_wei"]) == -(-90 * 6_000 // 60)
    assert receipts.decode_header(ok.headers["x-compose-receipt"])["lineItems"][0]["unit"] == "usd_per_60_seconds"


async def test_models_without_a_published_limit_get_a_default_one(tmp_path: Path) -> None:
    model = next(m for m in MODELS if "chat" in m.operations and m.max_output_tokens is None
                 and m.context_window is None)
    fake = FaultyProvider()
    harness = build(tmp_path, fake)
    try:
        token, _ = await harness.create_key(10**9)
        async with harness.client() as client:
            response = await client.post("/v1/chat/completions", headers=auth(token),
                                         json={"model": model.id, "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 200, response.text
        assert 4_096 in fake.seen[0].values()
    finally:
        harness.ledger.close()


async def test_image_parameters_the_price_ignores_are_accepted(harness: Harness) -> None:
    token, _ = await harness.create_key(10**9)
    async with harness.client() as client:
        response = await client.post("/v1/images/generations", headers=auth(token),
                                     json={"model": "dall-e-2", "prompt": "x", "quality": "standard",
                                           "size": "256x256"})
    assert response.status_code == 200, response.text
    assert orjson.loads(response.content)["compose_receipt"]["final_amount_wei"] == "16160"
