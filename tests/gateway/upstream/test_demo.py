"""The demo provider answers speech in the format asked (OpenAI's default, mp3; wav; pcm) with that content type,
and refuses one it cannot encode (nothing is charged: the gateway aborts the hold on an upstream error)."""

from __future__ import annotations

import io
import wave

import pytest

from gateway_min.upstream.demo import MP3_FRAME, MP3_HEADER, PCM_RATE
from tests.gateway.support import Harness, auth

pytestmark = pytest.mark.anyio
TEXT = "Hello there, this is the demo speaking."  # 39 characters: 1.95 s of silence


@pytest.mark.parametrize(("audio_format", "content_type"), [(None, "audio/mpeg"), ("mp3", "audio/mpeg"),
                                                            ("wav", "audio/wav"), ("pcm", "audio/pcm")])
async def test_speech_comes_in_the_asked_format(harness: Harness, audio_format: str | None,
                                                content_type: str) -> None:
    token, _ = await harness.create_key(1_000_000)
    body = {"model": "tts-1", "voice": "alloy", "input": TEXT}
    if audio_format is not None:
        body["response_format"] = audio_format
    async with harness.client() as client:
        response = await client.post("/v1/audio/speech", headers=auth(token), json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    audio = response.content
    if content_type == "audio/mpeg":
        assert audio.startswith(MP3_HEADER) and len(audio) % MP3_FRAME == 0
        assert audio.count(MP3_HEADER) == len(audio) // MP3_FRAME == round(1.95 / 0.024)
    elif content_type == "audio/wav":
        with wave.open(io.BytesIO(audio)) as read:
            assert round(read.getnframes() / read.getframerate(), 2) == 1.95
    else:
        assert len(audio) == 2 * round(PCM_RATE * 1.95) and not any(audio)


@pytest.mark.parametrize("audio_format", ["opus", "flac", "aac", "ogg"])
async def test_a_format_the_demo_cannot_encode_is_refused_and_not_charged(harness: Harness, audio_format: str) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/audio/speech", headers=auth(token), json={
            "model": "tts-1", "voice": "alloy", "input": TEXT, "response_format": audio_format})
    assert response.status_code == 400
    assert f"cannot answer response_format '{audio_format}'" in response.json()["error"]["message"]
    assert await harness.ledger.totals(key_id) == (0, 0)
