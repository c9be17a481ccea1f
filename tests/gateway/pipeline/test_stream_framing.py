"""Hostile upstream streams (an audit's findings): SSE framing as the spec has it, Compose events only from the
gateway, usage read whole or not at all, nothing charged for a stream that broke before its first event, every
output byte in the estimate, and an upstream [DONE] that ends the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import pricing
from gateway_min.http import sse
from gateway_min.upstream import UpstreamBroken, UpstreamReply, UpstreamRequest
from tests.gateway.support import Harness, auth, chat, harness_on

pytestmark = pytest.mark.anyio
USAGE = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}


def event(document: Any, name: str | None = None) -> bytes:
    head = f"event: {name}\n".encode() if name else b""
    return head + b"data: " + (document if isinstance(document, bytes) else orjson.dumps(document)) + b"\n\n"


def content(text: str, **delta: Any) -> bytes:
    return event({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text, **delta}}]})


def usage_chunk(usage: dict[str, Any] = USAGE) -> bytes:
    return event({"object": "chat.completion.chunk", "choices": [], "usage": usage})


class Streaming:
    """Streams `chunks` (bytes, or an exception to raise there); `hang` keeps the connection open afterwards."""

    def __init__(self) -> None:
        self.chunks: list[bytes | BaseException] = []
        self.hang = False

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        async def body() -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                if isinstance(chunk, BaseException):
                    raise chunk
                yield chunk
            if self.hang:
                await asyncio.sleep(3600)

        return UpstreamReply(200, "text/event-stream", chunks=body())


@pytest.fixture
def streaming(tmp_path: Path) -> Iterator[tuple[Harness, Streaming]]:
    with harness_on(tmp_path, Streaming()) as built:
        yield built


async def stream(harness: Harness, path: str = "/v1/chat/completions", **extra: Any) -> tuple[str, Any]:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await asyncio.wait_for(client.post(path, headers=auth(token), json=chat(stream=True, **extra)), 10)
    intent = await harness.ledger.get_intent(response.headers["x-payment-intent-id"])
    return response.text, intent


def frames(text: str) -> list[tuple[str | None, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        name = next((line[6:].strip() for line in block.split("\n") if line.startswith("event:")), None)
        out.append((name, "\n".join(line[5:].strip() for line in block.split("\n") if line.startswith("data:"))))
    return out


def test_events_split_anywhere_and_ended_by_any_line_break_are_the_same_events() -> None:
    lf = content("héllo") + b": ping\n\n" + usage_chunk()
    expected = sse.SseEvents().feed(lf)
    for wire in (lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")):
        for cut in range(1, len(wire)):
            events = sse.SseEvents()
            got = events.feed(wire[:cut]) + events.feed(wire[cut:])
            # with CR line ends the stream's very last CR waits for a next byte (it could start a CRLF)
            assert got == expected or (b"\n" not in wire and got == expected[:-1]), (wire[:cut], wire[cut:])
    one_by_one = sse.SseEvents()
    assert [e for byte in lf.replace(b"\n", b"\r\n") for e in one_by_one.feed(bytes([byte]))] == expected


def test_an_event_that_never_ends_breaks_the_stream_at_the_bound() -> None:
    events = sse.SseEvents()
    with pytest.raises(sse.EventTooLarge, match="event over"):
        for _ in range(sse.MAX_EVENT // 4096 + 2):
            events.feed(b"data: " + b"x" * 4090)
    with pytest.raises(sse.EventTooLarge, match="event over"):  # however it arrives: whole in one chunk too
        sse.SseEvents().feed(b"data: " + b"x" * sse.MAX_EVENT + b"\n\n")


def test_the_end_of_the_stream_ends_a_line_held_back_and_a_leading_bom_is_dropped() -> None:
    events = sse.SseEvents()
    assert events.feed(b"\xef\xbb") + events.feed(b"\xbfevent: x\rdata: 1\r\r") == []  # the last CR may be a CRLF's
    assert events.feed(b"") == [b"event: x\ndata: 1"] and sse.event_name(b"event: x\ndata: 1") == b"x"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/external/v1/chat/completions"])
async def test_an_upstream_cannot_speak_for_compose(streaming: tuple[Harness, Streaming], path: str) -> None:
    harness, provider = streaming
    fake = {"id": "rct_fake", "finalAmountWei": "0"}
    provider.chunks = [event(fake, "compose.receipt"), content("hi"), event({"x": 1}, "compose.error"), usage_chunk(),
                       b"data: [DONE]\n\n"]
    text, intent = await stream(harness, path)
    names = [name for name, _ in frames(text)]
    assert "rct_fake" not in text and names.count("compose.error") == 0
    assert names.count("compose.receipt") == (0 if path.startswith("/external") else 1)
    assert intent.state == "settled" and not intent.estimated


async def test_usage_in_two_shapes_settles_the_estimate_not_a_part(streaming: tuple[Harness, Streaming]) -> None:
    harness, provider = streaming
    provider.chunks = [content("x" * 40), usage_chunk({"prompt_tokens": 7, "completion_tokens": 1, "output_tokens": 60})]
    text, intent = await stream(harness)
    receipt = orjson.loads(frames(text)[-2][1])
    assert intent.estimated and receipt["reason"] == "usage chunk unreadable: settled an estimate"
    assert intent.settled > pricing.price("gpt-4.1", {"input_tokens": 7, "output_tokens": 1}).final_amount


@pytest.mark.parametrize("chunks", [
    [UpstreamBroken("the stream broke: ReadError")],
    [b": keep-alive\n\n", UpstreamBroken("the stream broke: ReadError")],  # a comment is no event
])
async def test_a_stream_that_breaks_before_its_first_event_charges_nothing(
        streaming: tuple[Harness, Streaming], chunks: list[Any]) -> None:
    harness, provider = streaming
    provider.chunks = chunks
    text, intent = await stream(harness)
    assert (intent.state, intent.reason) == ("aborted", "upstream_broken")
    assert [name for name, _ in frames(text)][-2:] == ["compose.error", None] and "compose.receipt" not in text


@pytest.mark.parametrize(("choice", "bytes_out"), [
    ({"delta": {"reasoning": "r" * 30}}, 30),  # reasoning under another name than reasoning_content
    ({"delta": {"function_call": {"name": "f", "arguments": "{}"}}}, len(b'{"name":"f","arguments":"{}"}')),
    ({"text": "legacy completion"}, 17),
])
async def test_the_estimate_counts_every_output_byte(streaming: tuple[Harness, Streaming], choice: dict[str, Any],
                                                     bytes_out: int) -> None:
    harness, provider = streaming
    provider.chunks = [event({"choices": [{"index": 0, **choice}]})]  # and no usage chunk
    _, intent = await stream(harness)
    bound = pricing.quote_max("gpt-4.1", chat(stream=True), "chat")
    expected = pricing.price("gpt-4.1", {"input_tokens": bound.prompt_tokens, "output_tokens": bytes_out})
    assert intent.estimated and intent.settled == expected.final_amount


async def test_the_estimate_of_n_choices_is_capped_at_their_limit_not_one(streaming: tuple[Harness, Streaming]) -> None:
    harness, provider = streaming
    provider.chunks = [event({"choices": [{"index": i, "delta": {"content": "y" * 60}} for i in range(3)]})]
    _, intent = await stream(harness, n=3, max_tokens=64)
    bound = pricing.quote_max("gpt-4.1", chat(stream=True, n=3, max_tokens=64), "chat")
    expected = pricing.price("gpt-4.1", {"input_tokens": bound.prompt_tokens, "output_tokens": 180})
    assert intent.settled == min(expected.final_amount, intent.amount) and intent.settled > pricing.price(
        "gpt-4.1", {"input_tokens": bound.prompt_tokens, "output_tokens": 64}).final_amount


@pytest.mark.parametrize("done", [b"data: [DONE]\n\n", b"data: [DONE] \n\n"])
async def test_the_upstreams_done_ends_the_stream(streaming: tuple[Harness, Streaming], done: bytes) -> None:
    """An upstream that says [DONE] and keeps the connection open: the client gets the receipt at once, and
    nothing sent after [DONE] is relayed."""
    harness, provider = streaming
    provider.chunks = [content("hi"), usage_chunk(), done, content("after the end")]
    provider.hang = True
    text, intent = await stream(harness, stream_options={"include_usage": True})
    assert "after the end" not in text and frames(text)[-1] == (None, "[DONE]") and text.count("[DONE]") == 1
    assert intent.state == "settled" and not intent.estimated


@pytest.mark.parametrize("chunks", [[], [b"data: [DONE]\n\n"]])
async def test_a_stream_that_sends_nothing_charges_nothing(streaming: tuple[Harness, Streaming],
                                                           chunks: list[Any]) -> None:
    harness, provider = streaming
    provider.chunks = chunks
    _, intent = await stream(harness)
    assert (intent.state, intent.reason) == ("aborted", "upstream_sent_nothing")


@pytest.mark.parametrize(("first", "identity"), [
    ({"id": "chatcmpl-up", "created": 1_700_000_123, "model": "gpt-4.1-2025-04-14"},
     {"id": "chatcmpl-up", "created": 1_700_000_123, "model": "gpt-4.1-2025-04-14"}),
    ({}, None),  # an upstream that names no id: the receipt's hex, its time, the model
    ({"id": 5, "created": "soon", "model": ["x"]}, None),  # nor one that can be a chunk's
])
async def test_the_receipt_event_is_a_chunk_of_the_stream_it_ends(streaming: tuple[Harness, Streaming],
                                                                 first: dict[str, Any],
                                                                 identity: dict[str, Any] | None) -> None:
    """OpenAI-compatible clients parse every event as a chunk: the receipt is one with no choices (like the usage
    chunk), named by the stream's id, created and model, with the receipt's fields beside them."""
    harness, provider = streaming
    provider.chunks = [event({**first, "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "hi"}}]}), content("there"), usage_chunk(), b"data: [DONE]\n\n"]
    text, intent = await stream(harness)
    name, data = frames(text)[-2]
    frame = orjson.loads(data)
    stored = orjson.loads(intent.receipt)
    assert name == "compose.receipt" and frame["object"] == "chat.completion.chunk" and frame["choices"] == []
    assert frame["receiptId"] == stored["id"] and frame["finalAmountWei"] == stored["final_amount_wei"]
    expected = identity or {"id": "chatcmpl-" + stored["id"].removeprefix("rct_"),
                            "created": stored["settled_at"] // 1000, "model": "gpt-4.1"}
    assert {k: frame[k] for k in ("id", "created", "model")} == expected
