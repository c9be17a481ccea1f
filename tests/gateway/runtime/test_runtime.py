"""Agent and workflow runtime routes with both payment modes, metered from the usage the runtime returns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import httpx
import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.payment.x402 import PaymentRequired, decode_header
from gateway_min.runtime.work import DEFAULT_CAP, MIN_CAP
from gateway_min.upstream import UpstreamReply
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness, payment_response
from tests.gateway.support import auth, serve

pytestmark = pytest.mark.anyio
AGENT = "0x" + "ab" * 20
CAP = {"x-x402-max-amount-wei": "200000"}


def tokens(model: str, inputs: int, outputs: int, reasoning: int = 0) -> pricing.Charge:
    return pricing.price(model, {"input_tokens": inputs, "output_tokens": outputs, "reasoning_tokens": reasoning})


@dataclass
class FakeRuntime:
    reply: Any = None
    status: int = 200
    seen: list[tuple[str, dict[str, Any], Mapping[str, str]]] = field(default_factory=list)
    json_streams: bool = False  # answer stream requests with one JSON document

    async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str], stream: bool) -> UpstreamReply:
        self.seen.append((path, body, headers))
        if stream and not self.json_streams:
            async def chunks() -> AsyncIterator[bytes]:
                for event in self.reply:
                    yield b"data: " + orjson.dumps(event) + b"\n\n"
                yield b"data: [DONE]\n\n"

            return UpstreamReply(self.status, "text/event-stream", chunks=chunks())
        return UpstreamReply(self.status, "application/json", orjson.dumps(self.reply))


async def x402_call(x402: X402Harness, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
                    ) -> tuple[httpx.Response, PaymentRequired]:
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, path, body, headers)
        response = await client.post(path, json=body, headers={**(headers or {}),
                                                                "payment-signature": x402.sign(required.accepts[0])})
    return response, required


async def x402_stream(x402: X402Harness, message: str) -> tuple[httpx.Response, PaymentRequired]:
    """An agent stream paid with raw x402 at CAP, over a real server (the events arrive as sent); the payer is
    funded by the caller."""
    path = f"/agent/{AGENT}/stream"
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            required = await x402.challenge(client, path, {"message": message}, CAP)
            response = await client.post(path, json={"message": message},
                                         headers={**CAP, "payment-signature": x402.sign(required.accepts[0])})
    return response, required


async def test_no_payment_is_an_upto_402_at_the_cap_or_the_documented_default(x402: X402Harness) -> None:
    async with x402.client() as client:
        default = await x402.challenge(client, f"/agent/{AGENT}/chat", {"message": "hi"})
        capped = await x402.challenge(client, "/workflow/execute", {"input": "go"}, CAP)
    assert [(a.scheme, a.amount) for a in default.accepts] == [("upto", str(DEFAULT_CAP))]
    assert [(a.scheme, a.amount) for a in capped.accepts] == [("upto", "200000")]
    assert default.resource.url.endswith(f"/agent/{AGENT}/chat")


@pytest.mark.parametrize("action", ["chat", "responses"])
async def test_agent_call_paid_with_x402(x402: X402Harness, action: str) -> None:
    response, _ = await x402_call(x402, f"/agent/{AGENT}/{action}", {"message": "plan my week please"}, CAP)
    assert response.status_code == 200, response.text
    body = response.json()
    usage = body["usage"]
    inputs = usage.get("promptTokens", usage.get("input_tokens"))
    outputs = usage.get("completionTokens", usage.get("output_tokens"))
    charge = tokens(body["model"], inputs, outputs)
    receipt = body["receipt"]
    assert receipt["settlement_status"] == "settled" and receipt["final_amount_wei"] == str(charge.final_amount)
    assert receipt["tx_hash"] == response.headers["x-transaction-hash"] == payment_response(response).transaction
    assert receipts.decode_header(response.headers["x-compose-receipt"]) == receipts.camel(receipt)
    assert x402.balance(PAYER) == FUNDS - charge.final_amount


async def test_agent_call_paid_with_a_compose_key(x402: X402Harness) -> None:
    token, key_id = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "hello agent"},
                                     headers={**auth(token), **CAP})
    assert response.status_code == 200, response.text
    body = response.json()
    charge = tokens(body["model"], body["usage"]["promptTokens"], body["usage"]["completionTokens"])
    receipt = body["receipt"]
    assert receipt["payment_intent_id"] == response.headers["x-payment-intent-id"]
    assert (receipt["settlement_status"], receipt["final_amount_wei"]) == ("settled", str(charge.final_amount))
    intent = await x402.h.ledger.get_intent(receipt["payment_intent_id"])
    assert intent is not None and (intent.state, intent.amount, intent.settled) == ("settled", 200_000,
                                                                                     charge.final_amount)
    key = await x402.h.ledger.get_key(key_id)
    assert key is not None and (key.spent, key.reserved) == (charge.final_amount, 0)
    assert response.headers["x-compose-key-budget-used"] == str(charge.final_amount)
    assert x402.settlements() == []  # the key path never touches the facilitator


async def test_a_key_holds_at_most_its_available_budget(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(5_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "hi"}, headers=auth(token))
    intent = await x402.h.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert intent is not None and intent.amount == 5_000


async def test_workflow_usage_records_are_priced_per_record_with_model_keys(x402: X402Harness) -> None:
    response, _ = await x402_call(x402, "/workflow/execute", {"workflowId": "wf-42", "input": "go"}, CAP)
    assert response.status_code == 200, response.text
    body = response.json()
    charges = [tokens(r["model"], r["inputTokens"], r["outputTokens"], r.get("reasoningTokens", 0))
               for r in body["usageRecords"]]
    provider = sum(c.provider_amount for c in charges)
    final = provider + -(-provider // 100)
    receipt = body["receipt"]
    assert receipt["subject"] == "workflow:wf-42"
    assert (receipt["provider_amount_wei"], receipt["final_amount_wei"]) == (str(provider), str(final))
    keys = [item["key"] for item in receipt["line_items"]]
    assert keys == [f"openai:{c.model}:{i.key}" for c in charges for i in c.line_items]
    assert x402.balance(PAYER) == FUNDS - final


async def test_workflow_with_a_compose_key(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post("/workflow/execute", json={"input": "go"}, headers=auth(token))
    assert response.status_code == 200, response.text
    receipt = response.json()["receipt"]
    assert receipt["subject"] == "workflow:execute" and receipt["payment_intent_id"]
    assert receipt["line_items"][0]["key"] == "openai:gpt-4.1:input_tokens"


async def test_runtime_usage_above_the_cap_settles_the_cap(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime({"model": "gpt-4.1", "output": "...", "usage": {
        "prompt_tokens": 1_000_000, "completion_tokens": 100_000}})
    response, _ = await x402_call(x402, f"/agent/{AGENT}/chat", {"message": "big"}, {"x-x402-max-amount-wei": "7000"})
    receipt = response.json()["receipt"]
    assert (receipt["final_amount_wei"], payment_response(response).amount) == ("7000", "7000")
    assert int(receipt["uncollected_wei"]) > 0
    assert x402.balance(PAYER) == FUNDS - 7_000


async def test_the_runtime_gets_the_cap_not_the_credentials(x402: X402Harness) -> None:
    fake = FakeRuntime({"model": "gpt-4.1", "usage": {"input_tokens": 3, "output_tokens": 4}})
    x402.h.gw.runtime = fake
    response, _ = await x402_call(x402, f"/agent/{AGENT}/chat", {"message": "x"},
                                  {**CAP, "x-session-user-address": AGENT})
    assert response.status_code == 200
    path, _, headers = fake.seen[0]
    assert path == f"/agent/{AGENT}/chat"
    assert headers == {"x-session-user-address": AGENT, "x-compose-max-amount-wei": "200000",
                       "x-request-id": response.headers["x-request-id"]}  # the id the caller sees, minted here


@pytest.mark.parametrize("reply", [{"model": "gpt-4.1"}, {"model": "no-such-model", "usage": {"input_tokens": 1,
                                   "output_tokens": 1}}, ["not", "an", "object"]])
async def test_an_answer_without_usable_usage_is_served_and_settles_the_cap(x402: X402Harness, reply: Any) -> None:
    x402.h.gw.runtime = FakeRuntime(reply)
    response, _ = await x402_call(x402, f"/agent/{AGENT}/chat", {"message": "x"}, CAP)
    assert response.status_code == 200, response.text
    assert payment_response(response).amount == "200000" and x402.balance(PAYER) == FUNDS - 200_000
    header = receipts.decode_header(response.headers["x-compose-receipt"])
    assert header["estimated"] is True and header["reason"].startswith("not metered: ")
    assert header["reason"].endswith(": settled the cap")


async def test_a_runtime_stream_without_its_terminal_event_settles_the_cap(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime([{"type": "text-delta", "delta": "half an answer"}])
    await x402.fund(PAYER)
    response, _ = await x402_stream(x402, "go")
    receipt = orjson.loads(sse(response.text)[-2].split("data: ", 1)[1])
    assert (receipt["finalAmountWei"], receipt["estimated"]) == ("200000", True)
    assert receipt["reason"] == "no terminal event: settled the cap"
    assert x402.balance(PAYER) == FUNDS - 200_000


async def test_a_cap_below_the_runtime_minimum_is_a_400(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(1_000_000)
    low = {"x-x402-max-amount-wei": str(MIN_CAP - 1)}
    async with x402.client() as client:
        raw = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"}, headers=low)
        keyed = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"}, headers={**low, **auth(token)})
    for refused in (raw, keyed):
        assert refused.status_code == 400
        assert refused.json()["error"]["message"].endswith(f"is below the least an agent run can be paid with "
                                                           f"({MIN_CAP})")


async def test_a_runtime_error_charges_nothing(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime({"error": {"message": "agent crashed"}}, status=500)
    token, key_id = await x402.h.create_key(1_000_000)
    response, _ = await x402_call(x402, f"/agent/{AGENT}/chat", {"message": "x"})
    async with x402.client() as client:
        keyed = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"}, headers=auth(token))
    for failed in (response, keyed):
        assert failed.status_code == 502 and failed.json()["error"] == {"code": "runtime_error",
                                                                         "message": "runtime error: agent crashed"}
    assert x402.balance(PAYER) == FUNDS and x402.settlements() == []
    assert await x402.h.ledger.totals(key_id) == (0, 0)


async def test_bad_input_on_runtime_routes(x402: X402Harness) -> None:
    async with x402.client() as client:
        wallet = await client.post("/agent/not-a-wallet/chat", json={"message": "x"})
        cap = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"}, headers={"x-x402-max-amount-wei": "x"})
        body = await client.post(f"/agent/{AGENT}/chat", content=b"[]", headers={"content-type": "application/json"})
        x402.h.gw.runtime = None
        missing = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"})
    assert [r.status_code for r in (wallet, cap, body, missing)] == [400, 400, 400, 503]
    assert missing.json()["error"]["code"] == "runtime_unavailable"


def sse(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block.strip()]


async def test_agent_stream_paid_with_x402_ends_with_the_receipt(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    response, required = await x402_stream(x402, "stream a plan")
    assert required.accepts[0].max_timeout_seconds == 3600
    events = sse(response.text)
    assert events[-1].startswith("event: compose.receipt\n")
    done = orjson.loads(events[-2][6:])
    assert done["type"] == "done"
    charge = tokens(done["model"], done["usage"]["promptTokens"], done["usage"]["completionTokens"])
    receipt = orjson.loads(events[-1].split("data: ", 1)[1])
    assert receipt["finalAmountWei"] == str(charge.final_amount)
    assert receipt["paymentResponse"]["success"] is True and receipt["txHash"]
    assert x402.balance(PAYER) == FUNDS - charge.final_amount


async def test_agent_stream_paid_with_a_compose_key(x402: X402Harness) -> None:
    token, key_id = await x402.h.create_key(1_000_000)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            response = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
    events = sse(response.text)
    assert events[-1].startswith("event: compose.receipt\n")  # the demo runtime sends no [DONE]
    receipt = orjson.loads(events[-1].split("data: ", 1)[1])
    key = await x402.h.ledger.get_key(key_id)
    assert key is not None and key.spent == int(receipt["finalAmountWei"]) > 0 and key.reserved == 0
    assert receipt["paymentIntentId"] == response.headers["x-payment-intent-id"]


async def test_a_runtime_done_marker_is_held_until_after_the_receipt(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime([{"type": "text-delta", "delta": "hi"}, {"type": "done", "model": "o3",
                                      "usage": {"inputTokens": 10, "outputTokens": 5, "reasoningTokens": 20}}])
    token, _ = await x402.h.create_key(1_000_000)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            response = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
    events = sse(response.text)
    assert events[-1] == "data: [DONE]" and events[-2].startswith("event: compose.receipt\n")
    receipt = orjson.loads(events[-2].split("data: ", 1)[1])
    # reasoning above the output count was reported apart: it is added to the output
    assert receipt["finalAmountWei"] == str(tokens("o3", 10, 25, 20).final_amount)


async def test_odd_events_and_json_answers_on_a_stream_are_metered_not_charged_the_cap(x402: X402Harness) -> None:
    usage = {"inputTokens": 10, "outputTokens": 5}
    expected = str(tokens("o3", 10, 5).final_amount)
    token, _ = await x402.h.create_key(1_000_000)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            x402.h.gw.runtime = FakeRuntime([{"type": ["meta"]}, {"type": {"x": 1}}, {"type": "done", "model": "o3",
                                                                                    "usage": usage}])
            odd = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
            x402.h.gw.runtime = FakeRuntime({"model": "o3", "output": "hello", "usage": usage}, json_streams=True)
            whole = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
    receipt = orjson.loads(sse(odd.text)[-2].split("data: ", 1)[1])
    assert receipt["finalAmountWei"] == expected  # before: a TypeError, the connection cut, the cap charged
    assert whole.status_code == 200 and whole.json()["output"] == "hello"  # before: nothing relayed, the cap charged
    assert whole.json()["receipt"]["final_amount_wei"] == expected


async def test_the_402_body_of_a_runtime_route_is_the_payment_required(x402: X402Harness) -> None:
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/responses", json={"input": "x"})
    assert response.json() == decode_header(response.headers["payment-required"], PaymentRequired).wire()


async def test_a_run_that_used_no_model_or_failed_before_any_usage_is_charged_zero(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime({"success": False, "error": "bad input", "usageRecords": []})
    workflow, _ = await x402_call(x402, "/workflow/execute", {"input": "x"}, CAP)
    assert workflow.status_code == 200, workflow.text
    assert payment_response(workflow).amount == "0" and workflow.json()["receipt"]["final_amount_wei"] == "0"
    x402.h.gw.runtime = FakeRuntime([{"type": "start"}, {"type": "error", "message": "agent crashed"}])
    response, _ = await x402_stream(x402, "go")
    receipt = orjson.loads(sse(response.text)[-2].split("data: ", 1)[1])
    assert receipt["finalAmountWei"] == "0" and receipt["reason"].startswith("the runtime reported an error")
    assert x402.balance(PAYER) == FUNDS


async def test_a_runtime_that_times_out_on_its_own_is_a_502_not_a_payment_deadline(x402: X402Harness) -> None:
    class TimingOut(FakeRuntime):
        async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str],
                       stream: bool) -> UpstreamReply:
            raise TimeoutError

    x402.h.gw.runtime = TimingOut()
    token, key_id = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"}, headers=auth(token))
    assert response.status_code == 502 and response.json()["error"] == {
        "code": "runtime_unavailable", "message": "the runtime timed out; nothing was charged"}
    assert await x402.h.ledger.totals(key_id) == (0, 0)


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 800}},  # OpenAI chat
    {"input_tokens": 1000, "output_tokens": 50, "input_tokens_details": {"cached_tokens": 800}},  # Responses API
    {"promptTokens": 1000, "completionTokens": 50, "cachedTokens": 800},  # Compose's camelCase
])
def test_a_runtimes_cached_tokens_are_priced_as_cached_like_everywhere_else(usage: dict[str, Any]) -> None:
    from gateway_min.runtime.meter import agent_charge

    expected = pricing.price("gpt-4.1", {"input_tokens": 1000, "cached_input_tokens": 800, "output_tokens": 50})
    assert agent_charge({"model": "gpt-4.1", "usage": usage}) == expected  # was 2x: cached billed as fresh input


def test_workflow_lines_are_one_per_record_and_each_recomputes() -> None:
    """Records of one model are not merged: a merged line's quantity and summed rounded amounts no longer satisfy
    amount = ceil(quantity × price / scale), which a reader of the receipt checks."""
    from catalog_build.units import scale
    from gateway_min.runtime.meter import workflow_charge

    record = {"model": "gpt-4.1-nano", "input_tokens": 1, "output_tokens": 1}
    charge = workflow_charge({"usageRecords": [record] * 3}, "workflow:wf-1")
    assert len(charge.line_items) == 6 and charge.provider_amount == 3 * tokens("gpt-4.1-nano", 1, 1).provider_amount
    for item in charge.line_items:
        exact = Fraction(item.quantity) * Fraction(item.unit_price_usd) * 10**6 / scale(item.unit).things
        assert item.amount == -(-exact.numerator // exact.denominator), item


async def test_an_agents_usage_is_priced_at_the_gateways_clock(x402: X402Harness) -> None:
    """gemini-4-argon's input price doubles on 2026-12-01: by the gateway's clock (injected), as on every route."""
    from datetime import UTC, datetime

    x402.h.gw.runtime = FakeRuntime({"model": "gemini-4-argon", "usage": {"promptTokens": 1000, "completionTokens": 0}})
    prices = []
    for day in (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)):
        x402.h.clock.now = int(day.timestamp()) * 1000
        token, _ = await x402.h.create_key(1_000_000)
        async with x402.client() as client:
            response = await client.post(f"/agent/{AGENT}/chat", json={"message": "hi"}, headers=auth(token))
        assert response.status_code == 200, response.text
        prices.append(response.json()["receipt"]["line_items"][0]["unit_price_usd"])
    assert prices == ["2", "4"]


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": 10, "completionTokens": 1_000_000},  # read as OpenAI's, the camelCase output was dropped: 21
    {"promptTokens": 10, "outputTokens": 1_000_000, "completionTokens": 1},  # the last alias used to win
])
async def test_a_runtime_usage_in_two_shapes_settles_the_cap_not_a_part_of_it(x402: X402Harness,
                                                                              usage: dict[str, Any]) -> None:
    x402.h.gw.runtime = FakeRuntime({"model": "gpt-4.1", "usage": usage})
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "hi"}, headers=auth(token))
    receipt = response.json()["receipt"]
    assert receipt["final_amount_wei"] == receipt["max_amount_wei"] and receipt["estimated"] is True
    assert "usage mixes shapes" in receipt["reason"] or "count twice" in receipt["reason"]


@pytest.mark.parametrize(("path", "reply"), [
    ("/workflow/execute", {"type": "error", "usageRecords": [{"model": "gpt-4.1", "promptTokens": 1000,
                                                              "completionTokens": 100}]}),
    (f"/agent/{AGENT}/chat", {"type": "error", "output": "it failed late"}),
])
async def test_an_answer_that_calls_itself_an_error_is_still_charged(x402: X402Harness, path: str,
                                                                     reply: dict[str, Any]) -> None:
    """Only a stream's error event without usage is free (the run failed before using anything): a JSON answer
    saying `type: error` may have done the work, and one reporting usage did."""
    x402.h.gw.runtime = FakeRuntime(reply)
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(path, json={"message": "hi", "input": "go"}, headers=auth(token))
    receipt = response.json()["receipt"]
    expected = tokens("gpt-4.1", 1000, 100).final_amount if "usageRecords" in reply else int(receipt["max_amount_wei"])
    assert int(receipt["final_amount_wei"]) == expected > 0


class RawRuntime:
    """A runtime stream of raw bytes, exactly as given."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str], stream: bool) -> UpstreamReply:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                yield chunk

        return UpstreamReply(200, "text/event-stream", chunks=chunks())


def data(document: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(document) + b"\n\n"


BIG = {"type": "done", "model": "gpt-4.1", "usage": {"promptTokens": 10_000, "completionTokens": 5_000}}
SMALL = {"type": "done", "model": "gpt-4.1", "usage": {"promptTokens": 10, "completionTokens": 5}}


@pytest.mark.parametrize(("chunks", "charged"), [
    ((data(BIG), data({"type": "error"})), BIG),  # usage reported, then an error without it: the usage counts
    ((data(BIG), data(SMALL)), BIG),  # the first terminal event is the one metered
    ((data(SMALL), b"data: [DONE] \n\n", data({"type": "text-delta", "delta": "AFTER"}), data(BIG)), SMALL),
    ((b"\xef\xbb\xbfevent: compose.receipt\ndata: {\"finalAmountWei\": \"1\"}\n\n", data(SMALL)), SMALL),  # a BOM
    ((data(SMALL)[:-1] + b"\r",), SMALL),  # the stream's last line end is a lone CR
])
async def test_a_runtime_stream_cannot_choose_what_it_is_charged(x402: X402Harness, chunks: tuple[bytes, ...],
                                                                  charged: dict[str, Any]) -> None:
    x402.h.gw.runtime = RawRuntime(*chunks)
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
    events = sse(response.text)
    receipts_sent = [e for e in events if e.startswith("event: compose.receipt")]
    assert len(receipts_sent) == 1 and "AFTER" not in response.text and '"finalAmountWei": "1"' not in response.text
    receipt = orjson.loads(receipts_sent[0].split("data: ", 1)[1])
    usage = charged["usage"]
    assert receipt["finalAmountWei"] == str(tokens("gpt-4.1", usage["promptTokens"], usage["completionTokens"])
                                            .final_amount)


async def test_a_runtime_json_answer_cannot_carry_a_receipt_of_its_own(x402: X402Harness) -> None:
    x402.h.gw.runtime = FakeRuntime({**SMALL, "compose_receipt": {"final_amount_wei": "1"}})
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "hi"}, headers=auth(token))
    assert "compose_receipt" not in response.json() and response.json()["receipt"]["final_amount_wei"] == str(
        tokens("gpt-4.1", 10, 5).final_amount)


def test_a_runtime_usage_with_details_of_another_shape_is_unreadable() -> None:
    from gateway_min.runtime.meter import Unmetered, token_usage

    for usage in ({"promptTokens": 10, "completionTokens": 5, "completion_tokens_details": {"reasoning_tokens": 10**5}},
                  {"input_tokens": 10, "output_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 9}},
                  {"promptTokens": 10, "completionTokens": 5, "prompt_tokens_details": {"cached_tokens": 9}}):
        with pytest.raises(Unmetered, match="usage mixes shapes"):
            token_usage(usage)


async def test_a_runtime_stream_that_breaks_before_its_first_event_charges_nothing(x402: X402Harness) -> None:
    from gateway_min.upstream import UpstreamBroken

    class Broken(RawRuntime):
        async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str],
                       stream: bool) -> UpstreamReply:
            async def chunks() -> AsyncIterator[bytes]:
                raise UpstreamBroken("the stream broke: ReadError")
                yield b""  # pragma: no cover - makes this an async generator

            return UpstreamReply(200, "text/event-stream", chunks=chunks())

    x402.h.gw.runtime = Broken()
    token, key_id = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        keyed = await client.post(f"/agent/{AGENT}/stream", json={"message": "go"}, headers=auth(token))
    assert "compose.error" in keyed.text and "compose.receipt" not in keyed.text
    assert await x402.h.ledger.totals(key_id) == (0, 0)
    paid, _ = await x402_call(x402, f"/agent/{AGENT}/stream", {"message": "go"}, CAP)
    assert "compose.receipt" not in paid.text and x402.balance(PAYER) == FUNDS  # released: nothing moved


@pytest.mark.parametrize(("model", "status"), [("dall-e-3", 400), ("tts-1", 400), ("text-embedding-3-small", 400),
                                                ("no-such-model", 404)])
async def test_an_agent_run_on_a_model_that_cannot_be_metered_is_refused_before_any_hold(
        x402: X402Harness, model: str, status: int) -> None:
    """It used to be served, and settled at the whole cap (1 USDC, or a key's whole remaining budget): the gateway
    knows before the run that it cannot meter it by that model's token prices."""
    runtime = FakeRuntime({"model": model, "usage": {"promptTokens": 3, "completionTokens": 4}})
    x402.h.gw.runtime = runtime
    token, key_id = await x402.h.create_key(5_000_000)
    await x402.fund(PAYER)
    body = {"message": "draw me a cat", "model": model}
    async with x402.client() as client:
        keyed = await client.post(f"/agent/{AGENT}/chat", headers=auth(token), json=body)
        raw = await client.post(f"/agent/{AGENT}/chat", json=body)  # no payment: refused before the 402 challenge
        streamed = await client.post(f"/agent/{AGENT}/stream", headers=auth(token), json=body)
    for response in (keyed, raw, streamed):
        assert response.status_code == status, response.text
        assert model in response.json()["error"]["message"]
    assert "payment-required" not in raw.headers
    assert runtime.seen == []
    assert await x402.h.ledger.totals(key_id) == (0, 0)
    assert (await x402.h.ledger.get_key(key_id)).reserved == 0  # type: ignore[union-attr]


async def test_an_agent_run_on_a_chat_model_it_names_is_served(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(5_000_000)
    async with x402.client() as client:
        response = await client.post(f"/agent/{AGENT}/chat", headers=auth(token),
                                     json={"message": "hi", "model": "gpt-4.1-mini"})
    assert response.status_code == 200, response.text
    assert response.json()["receipt"]["line_items"][0]["key"].startswith("input")
