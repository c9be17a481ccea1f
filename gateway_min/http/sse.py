"""Server-sent events from an upstream: lines end with CRLF, LF or CR, an event ends at a blank line, `data:` lines
join, `event:` names it (field values are read with their surrounding whitespace stripped). Bounded: an event may
not grow past MAX_EVENT bytes. And the two rules every relay applies to an upstream's events (is_done,
speaks_for_compose)."""

from __future__ import annotations

from typing import Final

MAX_EVENT: Final = 1 << 20  # an upstream event larger than this is a broken stream, not an event to buffer
BOM: Final = b"\xef\xbb\xbf"  # a stream may start with one, which is not part of its first field name


class EventTooLarge(ValueError):
    """The stream sent an event over MAX_EVENT bytes: a broken stream (the sender's fault), not one to buffer."""


class SseEvents:
    """Splits a byte stream into events, whatever the chunking: a CR at the end of a chunk waits for the next one
    (it may be half of a CRLF), and only the new bytes are searched for the end of an event. `feed(b"")` is the end
    of the stream: a CR held back is a line end after all. A leading BOM is dropped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._held_cr = False
        self._head: bytes | None = b""  # the stream's first bytes, until there are enough to tell a BOM

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._head is not None:
            head = self._head + chunk
            if len(head) < len(BOM) and chunk:
                self._head = head
                return []
            chunk, self._head = head.removeprefix(BOM), None
        ending = not chunk
        data = (b"\r" if self._held_cr else b"") + chunk
        self._held_cr = data.endswith(b"\r") and not ending
        if self._held_cr:
            data = data[:-1]
        start = max(len(self._buffer) - 1, 0)  # a blank line may begin with the buffer's last byte
        self._buffer += data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[bytes] = []
        if self._buffer.find(b"\n\n", start) >= 0:
            *events, rest = bytes(self._buffer).split(b"\n\n")
            self._buffer = bytearray(rest)
        if len(self._buffer) > MAX_EVENT or any(len(event) > MAX_EVENT for event in events):
            raise EventTooLarge(f"the stream sent an event over {MAX_EVENT} bytes")
        return [event for event in events if event.strip()]


def sse_data(event: bytes) -> bytes | None:
    lines = [line[5:].lstrip() for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


def event_name(event: bytes) -> bytes:
    """The event's `event:` field (the last one), or b"" for an unnamed (`message`) event."""
    names = [line[6:].strip() for line in event.split(b"\n") if line.startswith(b"event:")]
    return names[-1] if names else b""


def is_done(data: bytes | None) -> bool:
    """The upstream's end of stream, `[DONE]` (whitespace around it included, as clients read it)."""
    return data is not None and data.strip().startswith(b"[DONE]")


def speaks_for_compose(event: bytes) -> bool:
    """An upstream event named `compose.*`: only the gateway speaks for Compose (a receipt of the upstream's making
    would otherwise precede ours, or reach an external client), so a relay drops it."""
    return event_name(event).startswith(b"compose.")
