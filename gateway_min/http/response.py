"""Responses on raw ASGI: bytes or JSON with the headers every answer carries, and JSON errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from gateway_min.http.errors import HTTPError
from gateway_min.http.types import Send

# the headers a browser may read (CORS): every Compose and x402 header an answer can carry
EXPOSED: Final = (
    "x-payment-intent-id, x-compose-key-budget-limit, x-compose-key-budget-used, x-compose-key-budget-reserved, "
    "x-compose-key-budget-remaining, x-compose-receipt, payment-required, payment-response, x-transaction-hash, "
    "x-idempotent-replay, x-request-id, x-compose-overhead-ms, x-compose-public-model, x-compose-upstream-provider, "
    "x-compose-upstream-model, x-compose-budget-remaining-kind, x-compose-key-final-amount-wei, "
    "x-compose-response-id, x-compose-output-limit, x-compose-output-limit-reason, x-compose-key-tx-hash, "
    "x-payment-method, x-session-budget-limit, x-session-budget-used, x-session-budget-locked, "
    "x-session-budget-remaining, x-session-status, x-session-expires-in, x-compose-session-invalid, "
    "x-compose-read-token"
)


def header_list(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


async def send_bytes(send: Send, status: int, body: bytes, content_type: str,
                     headers: Mapping[str, str] | None = None) -> None:
    out = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
           (b"access-control-expose-headers", EXPOSED.encode()), *header_list(headers or {})]
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
    await send_bytes(send, status, orjson.dumps(body), "application/json", headers)


async def send_error(send: Send, error: HTTPError, style: str) -> None:
    await send_json(send, error.status, error.body(style), error.headers)
