"""Receipts: one content built from the ledger row at settlement (I10), three carriers.

- `X-Compose-Receipt` header: base64url without padding of UTF-8 JSON, camelCase;
- `compose_receipt` in JSON bodies: snake_case;
- SSE `event: compose.receipt` before `[DONE]`: camelCase.
None of them appears on /external/v1/*.
"""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal
from typing import Any

import orjson

from catalog_build.units import scale
from gateway_min.ledger import IntentRow
from pricing import Charge


def call_id(seed: str) -> str:
    """The hex that names one paid call in its ids: the receipt's `rct_<hex>` and, on native streams, the
    `x-compose-response-id` `resp_<hex>` (so a stream and its receipt pair up). A name-based UUID of what the ledger
    records: the intent id (Compose Key) or the payment's network, payer and nonce (raw x402)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, seed).hex


def response_id(seed: str) -> str:
    return "resp_" + call_id(seed)


def build(intent: IntentRow, charge: Charge | None, network: str, *, tx_hash: str | None = None,
          estimated: bool = False, reason: str | None = None, subject: str | None = None) -> dict[str, Any]:
    """The canonical (snake_case) receipt of a settled intent, from the ledger row and the measured charge."""
    settled = intent.settled if intent.settled is not None else 0
    receipt: dict[str, Any] = {
        "id": "rct_" + call_id(intent.id),
        "payment_intent_id": intent.id,
        "settlement_status": "settled",
        "subject": charge.subject if charge else subject or ":".join(filter(None, (intent.service, intent.model))),
        "final_amount_wei": str(settled),
        "network": network,
        "settled_at": intent.late_settled_at or intent.resolved_at,
        "max_amount_wei": str(intent.amount),
    }
    if charge is not None:
        receipt.update(charge_fields(charge))
    if intent.uncollected:
        receipt["uncollected_wei"] = str(intent.uncollected)
    if estimated:
        receipt["estimated"] = True
    if reason:
        receipt["reason"] = reason
    if tx_hash:
        receipt["tx_hash"] = tx_hash
    return receipt


def charge_fields(charge: Charge) -> dict[str, Any]:
    """A charge's part of a receipt (every route's): its line items, each recomputable by Compose's formula from its
    own unit, quantity and unit price, and the provider amount and the platform fee."""
    return {
        "line_items": [{"key": item.key, "unit": receipt_unit(item.unit), "quantity": number(item.quantity),
                        "unit_price_usd": price_text(item.unit_price_usd), "amount_wei": str(item.amount)}
                       for item in charge.line_items],
        "provider_amount_wei": str(charge.provider_amount),
        "platform_fee_wei": str(charge.platform_fee),
    }


def receipt_unit(unit: str) -> str:
    """Minutes and hours are measured in seconds: the receipt names the unit in seconds (usd_per_minute →
    usd_per_60_seconds) so that Compose's formula, ceil(quantity × price × 10^6 / scale(unit)), recomputes it."""
    found = scale(unit)
    if found.dimension == "seconds" and found.per != found.things:
        return f"usd_per_{found.per}_seconds"
    return unit


def price_text(price: Decimal) -> str:
    """A unit price as its exact decimal string in plain notation (a caller's 2.5E-7 is "0.00000025")."""
    return format(price, "f")


def number(quantity: int | Decimal) -> int | str:
    """A quantity as a JSON number when it is whole; a fraction as its exact decimal string in plain notation (never
    a float, never an exponent: Decimal('1E+2') is "100")."""
    return quantity if isinstance(quantity, int) else format(quantity, "f")


_CAMEL: dict[str, str] = {}


def _camel(name: str) -> str:
    found = _CAMEL.get(name)
    if found is None:
        head, *rest = name.split("_")
        found = _CAMEL[name] = head + "".join(part.title() for part in rest)
    return found


def camel(receipt: dict[str, Any]) -> dict[str, Any]:
    """The camelCase form of a receipt (header and SSE carriers)."""
    return {_camel(name): [{_camel(k): v for k, v in item.items()} for item in value] if name == "line_items"
            else value for name, value in receipt.items()}


def header(receipt: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(camel(receipt))).rstrip(b"=").decode()


def decode_header(value: str) -> dict[str, Any]:
    padded = value + "=" * (-len(value) % 4)
    decoded: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(padded))
    return decoded


def sse_event(receipt: dict[str, Any]) -> bytes:
    return b"event: compose.receipt\ndata: " + orjson.dumps(camel(receipt)) + b"\n\n"
