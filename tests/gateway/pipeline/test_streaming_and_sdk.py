"""Live server on 127.0.0.1: the official openai SDK against /external/v1, native streams, and the stream fault
matrix (error before / after the first byte, no usage chunk, client disconnect)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.pipeline.stream import relay_sse
from gateway_min.upstream import UpstreamReply
from tests.gateway.support import FaultyProvider, Harness, auth, build, chat, serve

pytestmark = pytest.mark.anyio


def _events(text: str) -> list[tuple[str | None, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        name = None
        data = []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        out.append((name, "\n".join(data)))
    return out


async def test_openai_sdk_unmodified_against_external_routes(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        client = openai.AsyncOpenAI(base_url=f"{base}/external/v1", api_key=token, max_retries=0)
        completion = await client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "Hi"}])
        assert completion.choices[0].message.content and completion.usage and completion.usage.prompt_tokens > 0
        assert "compose_receipt" not in completion.model_dump()  # external bodies are exactly OpenAI-shaped
        pieces = []
        stream = await client.chat.completions.create(model="gpt-4.1", stream=True,
                                                      messages=[{"role": "user", "content": "stream me"}])
        assert "x-compose-response-id" not in stream.response.headers  # native streams only
        async for chunk in stream:
            assert chunk.choices, "a usage-only chunk the client did not ask for must not reach it"
            pieces.append(chunk.choices[0].delta.content or "")
        assert "stream me" in "".join(pieces)
        embedding = await client.embeddings.create(model="text-embedding-3-small", input="hello world")
        assert len(embedding.data[0].embedding) == 16 and embedding.usage.prompt_tokens == 2
        image = await client.images.generate(model="dall-e-3", prompt="a lighthouse", size="1024x1024")
        assert image.data and image.data[0].b64_json
        speech = await client.audio.speech.create(model="tts-1", voice="alloy", input="Hello")
        assert speech.content.startswith(b"\xff\xfb")  # mp3, the SDK's (and OpenAI's) default format
        models = await client.models.list()
        assert any(model.id == "gpt-4.1" for model in models.data)
        async with openai.AsyncOpenAI(base_url=f"{base}/external/v1", api_key="compose-bad", max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError):
                await bad.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
        with pytest.raises(openai.NotFoundError):
            await client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "x"}])
        await client.close()
    reserved, spent = await harness.ledger.totals(key_id)
    assert reserved == 0 and spent > 0


async def test_native_stream_emits_the_receipt_before_done_and_openai_sdk_reads_it(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            response = await client.post("/v1/chat/completions", headers=auth(token),
                                         json=chat(stream=True, stream_options={"include_usage": True}))
        events = _events(response.text)
        assert events[-1] == (None, "[DONE]")
        name, data = events[-3]
        assert name == "compose.receipt"
        receipt = orjson.loads(data)
        usage_chunk = orjson.loads(events[-2][1])  # asked for, so passed on: last, as on OpenAI's streams
        assert events[-2][0] is None and usage_chunk["usage"]["completion_tokens"] > 0
        intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
        assert intent is not None
        stored = receipts.camel(orjson.loads(intent.receipt or ""))
        # a chunk of the stream it ends (its id, created, model; no choices), the receipt beside it
        assert {k: receipt[k] for k in ("id", "object", "created", "model", "choices")} == {
            k: usage_chunk[k] for k in ("id", "object", "created", "model")} | {"choices": []}
        assert receipt["object"] == "chat.completion.chunk"
        chunk_keys = ("id", "object", "created", "model", "choices", "receiptId")
        assert {k: v for k, v in receipt.items() if k not in chunk_keys} == {k: v for k, v in stored.items() if k != "id"}
        assert receipt["receiptId"] == stored["id"]
        assert response.headers["x-compose-budget-remaining-kind"] == "reserved"
        assert response.headers["x-compose-response-id"] == "resp_" + receipt["receiptId"].removeprefix("rct_")
        sdk = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0)
        text, seen = "", []
        async for chunk in await sdk.chat.completions.create(model="gpt-4.1", stream=True,
                                                             messages=[{"role": "user", "content": "native"}]):
            seen.append(chunk)
            text += chunk.choices[0].delta.content or "" if chunk.choices else ""
        assert "native" in text
        assert [c.choices for c in seen].count([]) == 1 and seen[-1].choices == []  # a loop over choices skips it
        last = seen[-1]
        assert last.id == seen[0].id and last.object == "chat.completion.chunk"
        assert (last.model_extra or {})["finalAmountWei"] and (last.model_extra or {})["receiptId"].startswith("rct_")
        # the SDK's .stream() helper takes the usage from the last chunk: it is the usage chunk, after the receipt
        async with sdk.chat.completions.stream(model="gpt-4.1", messages=[{"role": "user", "content": "helper"}],
                                               stream_options={"include_usage": True}) as helper:
            final = await helper.get_final_completion()
        assert final.usage is not None and final.usage.completion_tokens > 0
        assert "helper" in (final.choices[0].message.content or "")
        await sdk.close()


async def _run_fault(tmp_path: Path, mode: str, **options: object) -> tuple[httpx.Response | None, Harness, str]:
    fake = FaultyProvider(mode=mode, **options)  # type: ignore[arg-type]
    harness = build(tmp_path / mode, fake)
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            response = await client.post("/v1/chat/completions", headers=auth(token), json=chat(stream=True))
    return response, harness, key_id


async def test_fault_error_before_first_byte_aborts(tmp_path: Path) -> None:
    response, harness, key_id = await _run_fault(tmp_path, "error_before")
    assert response is not None and response.status_code == 502
    assert await harness.ledger.totals(key_id) == (0, 0)
    harness.ledger.close()


async def test_fault_no_usage_chunk_settles_an_estimate(tmp_path: Path) -> None:
    response, harness, _key_id = await _run_fault(tmp_path, "no_usage")
    assert response is not None and response.status_code == 200
    receipt = orjson.loads(_events(response.text)[-2][1])
    intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert intent is not None and intent.state == "settled" and intent.estimated == 1
    assert receipt["estimated"] is True and 0 < int(receipt["finalAmountWei"]) <= intent.amount
    assert receipt["reason"] == "no usage chunk: settled an estimate"
    harness.ledger.close()


async def test_fault_a_chunk_of_another_shape_is_passed_on_and_the_usage_still_settles(tmp_path: Path) -> None:
    response, harness, _key_id = await _run_fault(tmp_path, "odd_chunk")
    assert response is not None and response.status_code == 200
    receipt = orjson.loads(_events(response.text)[-2][1])
    assert "estimated" not in receipt and '{"choices": 5}' in response.text  # before: a TypeError cut the stream
    harness.ledger.close()


async def test_a_chunk_that_cannot_be_relayed_ends_the_stream_as_broken_and_settled_once() -> None:
    sent: list[dict[str, object]] = []
    finished: list[tuple[bool, str | None]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data: 1\n\n"

    def forward(chunk: bytes) -> bytes:
        raise TypeError("a bug")

    async def finish(disconnected: bool, broken: str | None) -> bytes:
        finished.append((disconnected, broken))
        return b"tail"

    await relay_sse(send, receive, UpstreamReply(200, "text/event-stream", chunks=chunks()), {}, forward, finish)
    assert finished == [(False, "a chunk could not be relayed")]
    assert sent[-1] == {"type": "http.response.body", "body": b"tail", "more_body": False}


async def test_fault_upstream_breaks_after_first_byte(tmp_path: Path) -> None:
    response, harness, key_id = await _run_fault(tmp_path, "break_after")
    assert response is not None and response.status_code == 200
    events = _events(response.text)
    assert [name for name, _ in events[-3:]] == ["compose.error", "compose.receipt", None]
    assert "upstream error" in orjson.loads(events[-3][1])["error"]["message"]
    receipt = orjson.loads(events[-2][1])
    assert receipt["estimated"] is True and "upstream stream broke" in receipt["reason"]
    reserved, spent = await harness.ledger.totals(key_id)
    assert reserved == 0 and 0 < spent == int(receipt["finalAmountWei"])
    harness.ledger.close()


async def test_fault_client_disconnect_cancels_upstream_and_settles_once(tmp_path: Path) -> None:
    fake = FaultyProvider(chunks=400, delay=0.02)  # 8 s of stream: only a detected disconnect settles sooner
    harness = build(tmp_path, fake)
    token, key_id = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base) as client, client.stream(
                "POST", "/v1/chat/completions", headers=auth(token), json=chat(stream=True)) as response:
            intent_id = response.headers["x-payment-intent-id"]
            received = 0
            async for _ in response.aiter_bytes():
                received += 1
                if received >= 3:
                    break  # leaving the block closes the connection mid-stream
        deadline = time.monotonic() + 5
        while True:
            intent = await harness.ledger.get_intent(intent_id)
            if (intent is not None and intent.state != "authorized") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
    assert fake.closed.is_set()  # the upstream stream was cancelled
    assert intent is not None and intent.state == "settled" and intent.estimated == 1
    assert 0 < (intent.settled or 0) <= intent.amount
    receipt = orjson.loads(intent.receipt or "")
    assert receipt["reason"] == "client disconnected: settled an estimate"
    reserved, spent = await harness.ledger.totals(key_id)
    assert reserved == 0 and spent == intent.settled
    harness.ledger.close()


def test_the_stream_estimate_counts_every_kind_of_output_and_ignores_what_it_cannot_read() -> None:
    """Without a readable usage chunk the stream settles prompt bound + output bytes: content, reasoning, refusals
    and tool-call arguments all count; data that is not JSON, or a usage block that does not parse, is passed on
    and adds nothing."""
    from datetime import UTC, datetime

    from gateway_min.work.chat_stream import ChatStream

    stream = ChatStream(pricing.get_model("gpt-4.1"), {"stream": True}, 40, 500, lambda: datetime.now(UTC))
    tool_calls = [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]
    events = [
        {"choices": [{"index": 0, "delta": {"content": "héllo"}}]},  # 6 bytes
        {"choices": [{"index": 0, "delta": {"reasoning_content": "think"}}]},  # 5
        {"choices": [{"index": 0, "delta": {"refusal": "no"}}]},  # 2
        {"choices": [{"index": 0, "delta": {"tool_calls": tool_calls}}]},
        {"choices": [], "usage": {"prompt_tokens": "many"}},  # a usage block that does not parse
    ]
    wire = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events) + b"data: not json\n\n"
    out = stream.forward(wire[:37]) + stream.forward(wire[37:])  # split mid-event
    assert out.count(b"\n\n") == 5  # the odd data passed on; the usage-only chunk was not asked for
    assert b"not json" in out and b"prompt_tokens" not in out
    assert stream.measured() is None
    assert stream.estimate() == pricing.Usage(input_tokens=40, output_tokens=13 + len(orjson.dumps(tool_calls)))
