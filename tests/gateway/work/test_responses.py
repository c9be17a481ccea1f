"""OpenAI's Responses API, paid like chat: the official openai SDK on both route families (create, stream, retrieve),
raw x402, the never-billed reads for the wallet that paid only, the stream fault matrix on typed events, and the
hold of what cannot be bounded by bytes (stored context) or priced at all (built-in tools)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.upstream import UpstreamReply, UpstreamRequest, UpstreamUnavailable
from tests.gateway.payment.x402.support import PAYER, X402Harness, payment_response
from tests.gateway.support import OTHER_WALLET, Harness, auth, build, serve

pytestmark = pytest.mark.anyio
ASK = {"model": "gpt-4.1", "input": "Say something short", "max_output_tokens": 32}


def events(text: str) -> list[tuple[str | None, dict[str, Any]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        name = next((line[7:] for line in lines if line.startswith("event: ")), None)
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        out.append((name, orjson.loads(data) if data else {}))
    return out


def charge_of(usage: dict[str, Any]) -> int:
    return pricing.price("gpt-4.1", {"input_tokens": usage["input_tokens"],
                                     "output_tokens": usage["output_tokens"]}).final_amount


async def test_the_openai_sdk_creates_streams_and_retrieves_on_both_route_families(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0) as native, \
                openai.AsyncOpenAI(base_url=f"{base}/external/v1", api_key=token, max_retries=0) as external:
            raw = await native.responses.with_raw_response.create(**ASK)
            made = raw.parse()
            assert made.output_text.startswith("Demo response from gpt-4.1")
            receipt = (made.model_extra or {})["compose_receipt"]
            assert receipt["final_amount_wei"] == str(charge_of(made.usage.model_dump()))  # type: ignore[union-attr]
            assert receipts.decode_header(raw.headers["x-compose-receipt"]) == receipts.camel(receipt)
            plain = await external.responses.with_raw_response.create(**ASK)
            assert "compose_receipt" not in plain.text and "x-compose-receipt" not in plain.headers
            assert plain.headers["x-compose-key-final-amount-wei"] == receipt["final_amount_wei"]
            again = await native.responses.retrieve(made.id)
            also = await external.responses.retrieve(made.id)
            assert again.id == also.id == made.id and again.output_text == made.output_text
            items = await native.responses.input_items.list(made.id)
            assert [item.type for item in items.data] == ["message"]
            async with native.responses.stream(**ASK) as stream:
                kinds = [event.type async for event in stream]  # the SDK passes the typed receipt event by
                final = await stream.get_final_response()
            assert final.output_text == made.output_text and kinds[-2:] == ["compose.receipt", "response.completed"]
            streamed = [event async for event in await external.responses.create(**ASK, stream=True)]
            assert streamed[-1].type == "response.completed"
    reserved, spent = await harness.ledger.totals(key_id)
    assert reserved == 0 and spent == 4 * int(receipt["final_amount_wei"])  # four calls, never the reads


async def test_a_native_stream_ends_with_a_typed_receipt_equal_to_the_ledger(harness: Harness) -> None:
    token, _key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/responses", json={**ASK, "stream": True}, headers=auth(token))
        external = await client.post("/external/v1/responses", json={**ASK, "stream": True}, headers=auth(token))
    got = events(response.text)
    # the terminal event is held until the stream is settled, and ends it after the receipt, as OpenAI's streams end
    assert [name for name, _ in got][-2:] == ["compose.receipt", "response.completed"]
    _name, receipt = got[-2]
    assert receipt["type"] == "compose.receipt"
    assert receipt["finalAmountWei"] == str(charge_of(got[-1][1]["response"]["usage"]))
    intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert intent is not None and str(intent.settled) == receipt["finalAmountWei"]
    assert orjson.loads(intent.receipt or "")["id"] == receipt["id"]
    assert response.headers["x-compose-response-id"].startswith("resp_")
    assert "compose." not in external.text and events(external.text)[-1][0] == "response.completed"
    assert "data: [DONE]" not in response.text


async def test_raw_x402_pays_a_response_at_its_measured_usage(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        headers = {"x-x402-max-amount-wei": "200000"}
        required = await x402.challenge(client, "/v1/responses", ASK, headers)
        assert required.accepts[0].scheme == "upto"
        response = await client.post("/v1/responses", json=ASK, headers={
            **headers, "payment-signature": x402.sign(required.accepts[0])})
        assert response.status_code == 200, response.text
        charge = charge_of(response.json()["usage"])
        assert payment_response(response).amount == str(charge)
        assert x402.balance(PAYER) == 5_000_000 - charge
        # the paying wallet reads it back with a key of its own; another wallet's key sees nothing
        token, _ = await x402.h.create_key(1_000, wallet=PAYER.address)
        other, _ = await x402.h.create_key(1_000, wallet=OTHER_WALLET)
        mine = await client.get(f"/v1/responses/{response.json()['id']}", headers=auth(token))
        theirs = await client.get(f"/v1/responses/{response.json()['id']}", headers=auth(other))
    assert mine.status_code == 200 and mine.json()["id"] == response.json()["id"]
    assert theirs.status_code == 404


async def test_reads_belong_to_the_wallet_that_paid_and_are_never_billed(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    sibling, _ = await harness.create_key(1_000)
    stranger, _ = await harness.create_key(1_000, wallet=OTHER_WALLET)
    async with harness.client() as client:
        made = (await client.post("/v1/responses", json=ASK, headers=auth(token))).json()
        spent = await harness.ledger.totals(key_id)
        path = f"/v1/responses/{made['id']}"
        by_sibling = await client.get(path, headers=auth(sibling))
        by_stranger = await client.get(path, headers=auth(stranger))
        anonymous = await client.get(path)
        external_stranger = await client.get(f"/external{path}", headers=auth(stranger))
        unknown = await client.get("/v1/responses/resp_nope", headers=auth(token))
        items = await client.get(f"{path}/input_items?limit=5&order=asc", headers=auth(token))
        cancel = await client.post(f"{path}/cancel", headers=auth(token))
    assert by_sibling.status_code == 200 and by_sibling.json()["id"] == made["id"]
    assert by_stranger.status_code == 404 and made["id"] in by_stranger.json()["error"]["message"]
    assert anonymous.status_code == 401
    assert external_stranger.status_code == 404 and external_stranger.json()["error"]["code"] == "not_found"
    assert unknown.status_code == 404
    assert items.status_code == 200 and items.json()["object"] == "list"
    assert cancel.status_code == 400 and "background" in cancel.json()["error"]["message"]
    assert await harness.ledger.totals(key_id) == spent


@pytest.mark.parametrize(("body", "message"), [
    ({**ASK, "tools": [{"type": "web_search"}]}, "'web_search' is a built-in tool"),
    ({**ASK, "tools": "all"}, "`tools` must be a list"),
    ({**ASK, "background": True}, "`background` responses are not served here"),
    ({"model": "gpt-4.1"}, "`input` is required"),
    ({**ASK, "stream": "yes"}, "`stream` must be a boolean"),
    ({**ASK, "max_output_tokens": 0}, "`max_output_tokens` must be an integer"),
    ({**ASK, "model": "text-embedding-3-small"}, "does not serve chat"),
    ({**ASK, "input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]},
     "a file referenced by id or URL"),
])
async def test_what_a_paid_response_cannot_be(harness: Harness, body: dict[str, Any], message: str) -> None:
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/responses", json=body, headers=auth(token))
    assert response.status_code == 400 and message in response.json()["error"]["message"], response.text
    assert await harness.ledger.totals(key_id) == (0, 0)


async def test_a_response_continuing_stored_context_holds_the_context_window(harness: Harness) -> None:
    token, _key_id = await harness.create_key(10_000_000)
    body = {**ASK, "previous_response_id": "resp_earlier"}
    async with harness.client() as client:
        response = await client.post("/v1/responses", json=body, headers=auth(token))
    intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert response.status_code == 200, response.text
    assert intent is not None and intent.amount == pricing.quote_max("gpt-4.1", body, "chat").amount
    assert pricing.quote_max("gpt-4.1", body, "chat").prompt_tokens == pricing.get_model("gpt-4.1").context_window


async def test_a_budget_lowers_max_output_tokens_and_says_so(harness: Harness) -> None:
    token, _ = await harness.create_key(400)
    async with harness.client() as client:
        response = await client.post("/v1/responses", json={**ASK, "max_output_tokens": 1000}, headers=auth(token))
    assert response.status_code == 200, response.text
    limit = int(response.headers["x-compose-output-limit"])
    assert limit < 1000 and response.headers["x-compose-output-limit-reason"] == "budget"
    assert response.json()["max_output_tokens"] == limit  # enforced upstream


async def test_an_idempotency_key_serves_a_response_once(harness: Harness) -> None:
    token, _key_id = await harness.create_key(10_000_000)
    headers = {**auth(token), "x-idempotency-key": "resp-once"}
    async with harness.client() as client:
        first = await client.post("/v1/responses", json=ASK, headers=headers)
        again = await client.post("/v1/responses", json=ASK, headers=headers)
    assert first.status_code == 200
    assert again.status_code == 409 and again.headers["x-idempotent-replay"] == "true"
    stored = again.json()["error"]["details"]
    assert stored["final_amount_wei"] == first.json()["compose_receipt"]["final_amount_wei"]


@dataclass
class FaultyResponses:
    """A Responses provider that fails on purpose (`mode`)."""

    mode: str
    deltas: int = 5
    delay: float = 0.0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    usage: dict[str, int] = field(default_factory=lambda: {"input_tokens": 9, "output_tokens": 5,
                                                           "total_tokens": 14})

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        if self.mode == "error_before":
            return UpstreamReply(500, "application/json", orjson.dumps({"error": {"message": "boom"}}))

        async def close() -> None:
            self.closed.set()

        return UpstreamReply(200, "text/event-stream", chunks=self._events(), close=close)

    async def _events(self) -> AsyncIterator[bytes]:
        def event(kind: str, **fields: Any) -> bytes:
            return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, **fields}) + b"\n\n"

        if self.mode == "break_before":
            raise UpstreamUnavailable("the stream broke: ReadError")
        yield event("response.created", response={"id": "resp_faulty", "status": "in_progress"})
        yield b"event: compose.receipt\ndata: {\"type\": \"compose.receipt\", \"finalAmountWei\": \"0\"}\n\n"
        if self.mode == "failed_empty":
            yield event("response.failed", response={"id": "resp_faulty", "status": "failed", "usage": None,
                                                     "error": {"code": "server_error", "message": "no"}})
            return
        for index in range(self.deltas):
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.mode == "break_after" and index == 2:
                raise UpstreamUnavailable("the stream broke: ReadError")
            yield event("response.output_text.delta", delta=f"word{index} ")
        terminal = "response.failed" if self.mode == "failed_with_usage" else "response.completed"
        usage = None if self.mode == "no_usage" else self.usage
        yield event(terminal, response={"id": "resp_faulty", "status": "completed", "usage": usage})
        yield event("response.after_the_end", note="not read")


async def run_fault(tmp_path: Path, mode: str) -> tuple[httpx.Response, Harness, str]:
    harness = build(tmp_path / mode, FaultyResponses(mode))
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            response = await client.post("/v1/responses", headers=auth(token), json={**ASK, "stream": True})
    return response, harness, key_id


@pytest.mark.parametrize(("mode", "charged", "reason"), [
    ("ok", "measured", None),
    ("failed_with_usage", "measured", None),
    ("no_usage", "estimate", "no usage in a terminal event: settled an estimate"),
    ("break_after", "estimate", "upstream stream broke"),
    ("break_before", "nothing", "upstream_broken"),
    ("failed_empty", "nothing", "upstream_failed"),
    ("error_before", "nothing", None),
])
async def test_the_stream_fault_matrix_on_typed_events(tmp_path: Path, mode: str, charged: str,
                                                       reason: str | None) -> None:
    response, harness, key_id = await run_fault(tmp_path, mode)
    try:
        reserved, spent = await harness.ledger.totals(key_id)
        assert reserved == 0
        if mode == "error_before":
            assert response.status_code == 502 and spent == 0
            return
        got = events(response.text)
        names = [name for name, _ in got]
        assert names.count("compose.receipt") == (0 if charged == "nothing" else 1)  # the upstream's is dropped
        assert "response.after_the_end" not in names
        intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
        assert intent is not None
        if charged == "nothing":
            assert (intent.state, intent.reason, spent) == ("aborted", reason, 0)
            return
        receipt = next(document for name, document in got if name == "compose.receipt")
        if mode != "break_after":  # the terminal event ends the stream, after the receipt
            assert names[-2:] == ["compose.receipt", "response.failed" if mode == "failed_with_usage" else
                                  "response.completed"]
        assert intent.state == "settled" and str(intent.settled) == receipt["finalAmountWei"] == str(spent)
        if charged == "measured":
            assert spent == charge_of({"input_tokens": 9, "output_tokens": 5}) and "estimated" not in receipt
        else:
            assert receipt["estimated"] is True and reason in receipt["reason"] and 0 < spent <= intent.amount
        if mode == "break_after":
            assert names[-2:] == ["compose.error", "compose.receipt"]
    finally:
        await harness.aclose()


async def test_a_client_that_leaves_a_response_stream_is_charged_the_estimate_once(tmp_path: Path) -> None:
    fake = FaultyResponses("ok", deltas=400, delay=0.02)
    harness = build(tmp_path, fake)
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base) as client, client.stream(
                "POST", "/v1/responses", headers=auth(token), json={**ASK, "stream": True}) as response:
            intent_id = response.headers["x-payment-intent-id"]
            async for _ in response.aiter_bytes():
                break
        deadline = time.monotonic() + 5
        while (intent := await harness.ledger.get_intent(intent_id)) is not None and intent.state == "authorized" \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    assert fake.closed.is_set()
    assert intent is not None and intent.state == "settled" and intent.estimated == 1
    assert orjson.loads(intent.receipt or "")["reason"] == "client disconnected: settled an estimate"
    assert await harness.ledger.totals(key_id) == (0, intent.settled)
    await harness.aclose()
