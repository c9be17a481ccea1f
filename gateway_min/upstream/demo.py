"""A deterministic OpenAI-compatible provider for `--demo` and tests: no network, exact usage for every operation.

Tokens are counted as whitespace-separated words (plus 3 per message, and the words of the tools and formats the
request carries), which never exceeds the engine's byte bound, and replies stop at the request's output limit, so a
demo call can always be settled from its usage. What a request's shape asks for beyond text (tool calls, JSON,
embedding options) is answered as demo_shapes.py says.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson

from gateway_min.upstream.demo_responses import DemoResponses
from gateway_min.upstream.demo_shapes import (
    Answer,
    DemoRefusal,
    chat_answer,
    embedding,
    embedding_options,
    encoded,
    prompt_words,
)
from gateway_min.upstream.demo_videos import DemoVideos
from gateway_min.upstream.provider import UpstreamReply, UpstreamRequest
from gateway_min.work.audio import wav_seconds, wav_silence

CREATED: Final = 1_735_689_600  # fixed timestamp: replies are byte-for-byte deterministic
PCM_RATE: Final = 24_000
MP3_HEADER: Final = b"\xff\xfb\x14\xc0"  # sync, MPEG-1, Layer III, no CRC, 32 kbit/s, 48 kHz, mono
MP3_FRAME: Final = 96  # 144 × 32,000 / 48,000 bytes


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [word for part in value for word in _words(part.get("text", "") if isinstance(part, dict) else part)]
    return []


def _prompt(body: dict[str, Any]) -> tuple[int, list[str]]:
    """(prompt tokens: the messages' words, 3 per message, the tools, formats and calls; the last user message's
    words)."""
    messages = body.get("messages") or [{"role": "user", "content": body.get("input", "")}]
    words = [w for m in messages if isinstance(m, dict) for w in _words(m.get("content"))]
    last = next((_words(m.get("content")) for m in reversed(messages) if isinstance(m, dict)
                 and m.get("role") == "user"), [])
    return len(words) + 3 * len(messages) + prompt_words(body), last


def _limit(body: dict[str, Any]) -> int:
    limits = [v for k in ("max_completion_tokens", "max_tokens") if isinstance(v := body.get(k), int)]
    return min(limits) if limits else 64


def _reply_words(model: str, last: list[str]) -> list[str]:
    return ["Demo", "reply", "from", model + ":", *last[:48], "(end", "of", "demo", "reply)"]


def _message(answer: Answer) -> dict[str, Any]:
    """The assistant message of `answer`: text, a tool call, or a legacy function call."""
    call = answer.call
    if call is None:
        return {"role": "assistant", "content": answer.text, "refusal": None}
    function = {"name": call.name, "arguments": answer.text}
    if call.legacy:
        return {"role": "assistant", "content": None, "function_call": function}
    return {"role": "assistant", "content": None, "refusal": None,
            "tool_calls": [{"id": call.call_id, "type": "function", "function": function}]}


def refused(refusal: DemoRefusal) -> UpstreamReply:
    """A request the demo cannot answer as asked: a 400 as OpenAI words one."""
    error = {"error": {"message": str(refusal), "type": "invalid_request_error", "param": refusal.param,
                       "code": "invalid_value"}}
    return UpstreamReply(400, "application/json", orjson.dumps(error))


def mp3_silence(seconds: float) -> bytes:
    """Silent MPEG-1 Layer III: 48 kHz mono frames at 32 kbit/s (96 bytes, 24 ms each), all side information zero."""
    frame = MP3_HEADER + bytes(MP3_FRAME - len(MP3_HEADER))
    return frame * max(1, round(seconds / 0.024))


def _png(seed: bytes) -> bytes:
    """A real 8×8 PNG whose colour depends on the prompt."""
    r, g, b = seed[0], seed[1], seed[2]
    raw = b"".join(b"\x00" + bytes([r, g, b]) * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class DemoProvider:
    def __init__(self, *, chunk_delay: float = 0.0) -> None:
        self.chunk_delay = chunk_delay
        self.calls = 0
        self.responses = DemoResponses(chunk_delay)
        self.videos = DemoVideos()

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        self.calls += 1
        handler = getattr(self, "_" + request.operation)
        return await handler(request)  # type: ignore[no-any-return]

    async def _chat(self, request: UpstreamRequest) -> UpstreamReply:
        body = request.body
        model = str(body.get("model"))
        prompt, last = _prompt(body)
        ident = "chatcmpl-demo" + hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:20]
        try:
            answer = chat_answer(body, _reply_words(model, last), _limit(body), ident)
        except DemoRefusal as refusal:
            return refused(refusal)
        usage = {"prompt_tokens": prompt, "completion_tokens": len(answer.pieces),
                 "total_tokens": prompt + len(answer.pieces)}
        if not request.stream:
            reply = {"id": ident, "object": "chat.completion", "created": CREATED, "model": model,
                     "choices": [{"index": 0, "message": _message(answer), "finish_reason": answer.finish,
                                  "logprobs": None}], "usage": usage}
            return UpstreamReply(200, "application/json", orjson.dumps(reply))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return UpstreamReply(200, "text/event-stream",
                             chunks=self._chat_events(ident, model, answer, usage if include_usage else None))

    async def _chat_events(self, ident: str, model: str, answer: Answer,
                           usage: dict[str, int] | None) -> AsyncIterator[bytes]:
        def event(delta: dict[str, Any], reason: str | None = None) -> bytes:
            chunk = {"id": ident, "object": "chat.completion.chunk", "created": CREATED, "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}
            return b"data: " + orjson.dumps(chunk) + b"\n\n"

        call = answer.call
        opening = _message(answer)
        if call is None:
            opening["content"] = ""
        elif call.legacy:
            opening["function_call"]["arguments"] = ""
        else:
            opening["tool_calls"] = [{"index": 0, **opening["tool_calls"][0]}]
            opening["tool_calls"][0]["function"]["arguments"] = ""
        yield event(opening)
        for fragment in answer.fragments():
            if self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            if call is None:
                yield event({"content": fragment})
            elif call.legacy:
                yield event({"function_call": {"arguments": fragment}})
            else:
                yield event({"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]})
        yield event({}, answer.finish)
        if usage is not None:
            chunk = {"id": ident, "object": "chat.completion.chunk", "created": CREATED, "model": model,
                     "choices": [], "usage": usage}
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"
        yield b"data: [DONE]\n\n"

    async def _rerank(self, request: UpstreamRequest) -> UpstreamReply:
        """Cohere v2's shape: documents scored by the words they share with the query, best first, with the search
        units (a unit per 100 documents) and the tokens (words) it would bill."""
        body = request.body
        query = set(str(body.get("query", "")).lower().split())
        texts = [d.get("text", "") if isinstance(d, dict) else str(d) for d in body.get("documents") or []]
        scored = []
        for index, text in enumerate(texts):
            words = set(text.lower().split())
            scored.append((round(len(query & words) / (len(query | words) or 1), 6), index))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        top = body.get("top_n") if isinstance(body.get("top_n"), int) else len(scored)
        tokens = sum(len(str(body.get("query", "")).split()) + len(text.split()) for text in texts)
        digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
        reply = {"id": "rerank-demo-" + digest[:16],
                 "results": [{"index": index, "relevance_score": score} for score, index in scored[:top]],
                 "meta": {"billed_units": {"search_units": -(-len(texts) // 100)}},
                 "usage": {"total_tokens": tokens}}
        return UpstreamReply(200, "application/json", orjson.dumps(reply))

    async def _responses(self, request: UpstreamRequest) -> UpstreamReply:
        return await self.responses.send(request)

    async def _embeddings(self, request: UpstreamRequest) -> UpstreamReply:
        """Vectors of the asked `dimensions` (16 by default), as floats or base64 float32 (`encoding_format`)."""
        try:
            dimensions, encoding = embedding_options(request.body)
        except DemoRefusal as refusal:
            return refused(refusal)
        inputs: Any = request.body.get("input") or []
        flat = isinstance(inputs, list) and bool(inputs) and all(type(item) is int for item in inputs)
        items: list[Any] = [inputs] if isinstance(inputs, str) or flat else list(inputs)  # one text, or token ids
        data, tokens = [], 0
        for index, item in enumerate(items):
            text = item if isinstance(item, str) else " ".join(map(str, item))
            tokens += len(text.split()) if isinstance(item, str) else len(item)
            vector = encoded(embedding(text, dimensions), encoding)
            data.append({"object": "embedding", "index": index, "embedding": vector})
        reply = {"object": "list", "data": data, "model": request.body.get("model"),
                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
        return UpstreamReply(200, "application/json", orjson.dumps(reply))

    async def _image_edits(self, request: UpstreamRequest) -> UpstreamReply:
        return await self._images(request)  # an edit of the uploads looks like a generation in the demo

    async def _images(self, request: UpstreamRequest) -> UpstreamReply:
        body = request.body
        given = body.get("n")
        count = given if isinstance(given, int) else int(given) if isinstance(given, str) and given.isdigit() else 1
        seed = hashlib.sha256(str(body.get("prompt")).encode()).digest()
        png = base64.b64encode(_png(seed)).decode()
        if body.get("response_format") == "url":
            data = [{"url": f"https://demo.invalid/images/{seed.hex()[:16]}-{i}.png"} for i in range(count)]
        else:
            data = [{"b64_json": png, "revised_prompt": str(body.get("prompt"))} for _ in range(count)]
        reply: dict[str, Any] = {"created": CREATED, "data": data}
        for field in ("size", "quality"):
            if isinstance(body.get(field), str):
                reply[field] = body[field]
        return UpstreamReply(200, "application/json", orjson.dumps(reply))

    async def _speech(self, request: UpstreamRequest) -> UpstreamReply:
        """Silence as long as the text would take to say, in the asked format (OpenAI's default: mp3); a format the
        demo cannot encode is refused as OpenAI refuses an unknown one."""
        text = str(request.body.get("input", ""))
        seconds = min(30.0, 0.05 * len(text))
        audio_format = request.body.get("response_format", "mp3")
        if audio_format == "mp3":
            return UpstreamReply(200, "audio/mpeg", mp3_silence(seconds))
        if audio_format == "wav":
            return UpstreamReply(200, "audio/wav", wav_silence(seconds))
        if audio_format == "pcm":  # OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono, no header
            return UpstreamReply(200, "audio/pcm", bytes(2 * round(PCM_RATE * seconds)))
        error = {"error": {"message": f"the demo provider encodes speech as mp3, wav or pcm; it cannot answer "
                                      f"response_format {str(audio_format)[:40]!r}", "type": "invalid_request_error",
                           "param": "response_format", "code": "unsupported_value"}}
        return UpstreamReply(400, "application/json", orjson.dumps(error))

    async def _transcription(self, request: UpstreamRequest) -> UpstreamReply:
        upload = next((file for name, file in request.files or () if name == "file"), None)
        seconds = wav_seconds(upload[1]) if upload else None
        if seconds is None:
            error = {"error": {"message": "the demo provider transcribes WAV files only",
                               "type": "invalid_request_error"}}
            return UpstreamReply(400, "application/json", orjson.dumps(error))
        whole = max(1, round(seconds))
        reply = {"text": f"Demo transcription of {whole} seconds of audio.",
                 "usage": {"type": "duration", "seconds": whole}}
        return UpstreamReply(200, "application/json", orjson.dumps(reply))

    async def _video(self, request: UpstreamRequest) -> UpstreamReply:
        return await self.videos.send(request)
