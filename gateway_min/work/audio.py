"""Audio the gateway reads (the duration of a WAV upload, which bounds a transcription's hold) and writes (the
demo provider's speech)."""

from __future__ import annotations

import io
import struct
import wave
from typing import Final

SAMPLE_RATE: Final = 8_000


def wav_silence(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"\x80" * int(SAMPLE_RATE * seconds))
    return buffer.getvalue()


def wav_seconds(data: bytes) -> float | None:
    """The duration of a WAV file (its header's, bounded by the bytes it holds), or None if it is not one (or not one
    the standard library can read: it raises RuntimeError, ValueError or struct.error as well as wave.Error on
    some malformed headers)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            frames, rate = audio.getnframes(), audio.getframerate()
            present = len(data) // (audio.getnchannels() * audio.getsampwidth())  # at most, header included
    except (wave.Error, EOFError, ZeroDivisionError, RuntimeError, ValueError, struct.error):
        return None
    # a WAV written to a pipe states no size (0, or 0xFFFFFFFF): what the file holds is the bound either way
    return (present if frames == 0 or frames > present else frames) / rate
