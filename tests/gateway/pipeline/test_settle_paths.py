"""The paid call's rarer endings, each against the ledger: a served request whose usage cannot be read or priced
is never free (an upper estimate, capped at the hold, marked estimated); a failure before anything was served is
never charged."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.upstream import Providers, UpstreamReply, UpstreamRequest, UpstreamUnavailable
from tests.gateway.ledger import backends
from tests.gateway.support import Harness, auth, build, chat, harness_on, wav

pytestmark = pytest.mark.anyio


@dataclass
class Scripted:
    """Answers each call with `reply` (or raises `raises`), and remembers the requests."""

    reply: UpstreamReply | None = None
    raises: BaseException | None = None
    seen: list[UpstreamRequest] = field(default_factory=list)

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        self.seen.append(request)
        if self.raises is not None:
            raise self.raises
        assert self.reply is not None
        return self.reply


@pytest.fixture
async def scripted(tmp_path: Path, backend: str) -> AsyncIterator[tuple[Harness, Scripted]]:
    provider = Scripted()
    harness = build(tmp_path, provider, backend=backend)
    yield harness, provider
    await harness.aclose()


def json_reply(body: Any) -> UpstreamReply:
    return UpstreamReply(200, "application/json", orjson.dumps(body))


async def paid(harness: Harness, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post(path, headers=auth(token), json=body)
    try:
        answer = response.json()
    except ValueError:  # the provider's own body, passed on as it came
        answer = {}
    return response.status_code, answer, dict(response.headers)


async def stored(harness: Harness, headers: dict[str, str]) -> tuple[str, int | None, int]:
    intent = await harness.ledger.get_intent(headers["x-payment-intent-id"])
    assert intent is not None
    return intent.state, intent.settled, intent.amount


async def test_embeddings_without_usage_settle_the_prompt_bound(scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted
    provider.reply = json_reply({"object": "list", "data": [{"embedding": [0.1], "index": 0}]})  # no usage
    body = {"model": "text-embedding-3-small", "input": ["a b c", "d e"]}
    status, answer, headers = await paid(harness, "/v1/embeddings", body)
    bound = pricing.quote_max("text-embedding-3-small", body, "embeddings")
    expected = pricing.price("text-embedding-3-small", {"input_tokens": bound.prompt_tokens}).final_amount
    assert status == 200
    receipt = answer["compose_receipt"]
    assert receipt["estimated"] is True and receipt["reason"].startswith("usage unreadable")
    assert receipt["final_amount_wei"] == str(expected)
    assert await stored(harness, headers) == ("settled", expected, bound.amount)


async def test_images_with_an_unreadable_body_settle_the_exact_quote(scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted
    provider.reply = UpstreamReply(200, "application/json", b"{not json")
    body = {"model": "dall-e-3", "prompt": "a cat", "n": 2, "quality": "hd"}
    status, _, headers = await paid(harness, "/v1/images/generations", body)
    exact = pricing.quote_exact("dall-e-3", body, "images").final_amount
    assert status == 200  # the body is passed on as the provider sent it; the receipt is in the header
    receipt = receipts.decode_header(headers["x-compose-receipt"])
    assert receipt["estimated"] is True and receipt["finalAmountWei"] == str(exact)
    assert await stored(harness, headers) == ("settled", exact, exact)


async def test_images_of_a_size_the_catalog_does_not_price_settle_the_hold(
        scripted: tuple[Harness, Scripted]) -> None:
    """The provider reports a size the model has no price for: the request was served, so it settles the hold (the
    exact quote of what was asked), marked estimated with the reason."""
    harness, provider = scripted
    provider.reply = json_reply({"created": 1, "data": [{"b64_json": "AA=="}] * 2, "size": "256x256"})
    body = {"model": "dall-e-3", "prompt": "a cat", "n": 2, "quality": "hd"}
    status, answer, headers = await paid(harness, "/v1/images/generations", body)
    exact = pricing.quote_exact("dall-e-3", body, "images").final_amount
    assert status == 200
    receipt = answer["compose_receipt"]
    assert receipt["estimated"] is True and receipt["reason"].startswith("unpriced usage")
    assert receipt["final_amount_wei"] == str(exact) and "line_items" not in receipt
    assert await stored(harness, headers) == ("settled", exact, exact)


async def test_more_images_than_asked_are_capped_at_the_hold(scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted
    provider.reply = json_reply({"created": 1, "data": [{"b64_json": "AA=="}] * 5})
    body = {"model": "dall-e-3", "prompt": "a cat", "n": 2, "quality": "hd"}
    status, answer, headers = await paid(harness, "/v1/images/generations", body)
    exact = pricing.quote_exact("dall-e-3", body, "images").final_amount
    five = pricing.price("dall-e-3", {"images": 5, "image_size": "1024x1024", "image_quality": "hd"}).final_amount
    assert status == 200
    receipt = answer["compose_receipt"]
    assert receipt["final_amount_wei"] == str(exact) and receipt["uncollected_wei"] == str(five - exact)
    assert await stored(harness, headers) == ("settled", exact, exact)


async def test_a_transcription_without_usage_settles_the_audio_bound(scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted
    provider.reply = json_reply({"text": "hello"})  # no usage block
    body = {"model": "whisper-1", "file": base64.b64encode(wav(9)).decode()}
    status, answer, headers = await paid(harness, "/v1/audio/transcriptions", body)
    expected = pricing.price("whisper-1", {"audio_seconds": 10}).final_amount  # 9 s by the header, rounded up, + 1
    assert status == 200
    assert answer["compose_receipt"]["estimated"] is True
    assert answer["compose_receipt"]["final_amount_wei"] == str(expected)
    assert (await stored(harness, headers))[:2] == ("settled", expected)


async def key_ids(harness: Harness) -> list[str]:
    return [row[0] for row in await backends.query(harness.ledger, "SELECT id FROM compose_keys")]


async def test_a_body_that_breaks_after_the_headers_is_a_502_and_no_charge(
        scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted

    async def broken() -> Any:
        yield b'{"id": "x", '
        raise UpstreamUnavailable("ReadError reading fake")

    provider.reply = UpstreamReply(200, "application/json", chunks=broken())
    status, answer, headers = await paid(harness, "/v1/chat/completions", chat())
    assert status == 502 and answer["error"]["code"] == "provider_unavailable"
    assert headers["x-compose-key-budget-reserved"] == "0"  # the hold is released, and the answer says so
    (key_id,) = await key_ids(harness)
    assert await harness.ledger.totals(key_id) == (0, 0)
    assert await stored(harness, headers) == ("aborted", None, pricing.quote_max("gpt-4.1", chat(), "chat").amount)


async def test_usage_in_two_shapes_settles_the_estimate(scripted: tuple[Harness, Scripted]) -> None:
    """A count named twice (or in two shapes) would be read in part: the answer settles the estimate instead."""
    harness, provider = scripted
    provider.reply = json_reply({"id": "x", "object": "chat.completion", "choices": [], "usage": {
        "prompt_tokens": 7, "completion_tokens": 1, "completionTokens": 60}})
    status, answer, _ = await paid(harness, "/v1/chat/completions", chat())
    receipt = answer["compose_receipt"]
    assert status == 200 and receipt["estimated"] is True
    assert "usage names its output count twice" in receipt["reason"]
    partial = pricing.price("gpt-4.1", {"input_tokens": 7, "output_tokens": 1}).final_amount
    assert int(receipt["final_amount_wei"]) > partial  # the estimate (prompt bound + reply bytes), not a part


async def test_an_unexpected_failure_of_the_upstream_call_aborts_the_hold(
        scripted: tuple[Harness, Scripted]) -> None:
    harness, provider = scripted
    provider.raises = RuntimeError("a bug in a provider adapter")
    status, answer, _ = await paid(harness, "/v1/chat/completions", chat())
    assert status == 500 and answer["error"]["code"] == "internal_error"
    (key_id,) = await key_ids(harness)
    assert await harness.ledger.totals(key_id) == (0, 0)
    states = await backends.query(harness.ledger, "SELECT state, reason FROM intents")
    assert states == [("aborted", "gateway_error")]


async def test_a_model_whose_provider_has_no_key_is_a_503_before_any_hold(tmp_path: Path) -> None:
    with harness_on(tmp_path, None) as (harness, _):
        harness.gw.providers = Providers(by_provider={})  # as from_catalog with no API key in the environment
        status, answer, headers = await paid(harness, "/v1/chat/completions", chat())
        assert status == 503 and answer["error"]["code"] == "provider_unavailable"
        assert "x-payment-intent-id" not in headers
        assert await backends.query(harness.ledger, "SELECT COUNT(*) FROM intents") == [(0,)]


async def test_an_image_parameter_the_model_does_not_price_by_is_ignored_as_in_the_quote(
        scripted: tuple[Harness, Scripted]) -> None:
    """dall-e-2 prices by size only: a provider echoing the `quality` it was asked is measured as the quote was
    made, not settled as unpriceable."""
    harness, provider = scripted
    provider.reply = json_reply({"created": 1, "data": [{"b64_json": "AA=="}], "quality": "hd", "size": "512x512"})
    body = {"model": "dall-e-2", "prompt": "x", "quality": "hd", "size": "512x512"}
    status, answer, _ = await paid(harness, "/v1/images/generations", body)
    exact = pricing.quote_exact("dall-e-2", body, "images")
    assert status == 200
    receipt = answer["compose_receipt"]
    assert "estimated" not in receipt and receipt["final_amount_wei"] == str(exact.final_amount)
    assert [item["key"] for item in receipt["line_items"]] == [item.key for item in exact.line_items]


def test_receipt_quantities_are_plain_decimals() -> None:
    from decimal import Decimal

    assert [receipts.number(q) for q in (7, Decimal("1E+2"), Decimal("60.0"), Decimal("1.5"))] == [
        7, "100", "60.0", "1.5"]


async def test_absurd_reported_usage_settles_the_hold_and_records_what_a_column_holds(
        scripted: tuple[Harness, Scripted]) -> None:
    """10^18 output tokens price far past 64 bits: the call settles its hold at once, with the excess recorded as
    uncollected up to 2^63 − 1, instead of overflowing the row (a 500, and the hold booked only at expiry)."""
    harness, provider = scripted
    provider.reply = json_reply({"id": "x", "object": "chat.completion", "choices": [], "usage": {
        "prompt_tokens": 1, "completion_tokens": 2 * 10**18, "total_tokens": 2 * 10**18 + 1}})
    status, answer, headers = await paid(harness, "/v1/chat/completions", chat())
    assert status == 200, answer
    state, settled, hold = await stored(harness, headers)
    assert (state, settled) == ("settled", hold)
    assert answer["compose_receipt"]["uncollected_wei"] == str(2**63 - 1)
