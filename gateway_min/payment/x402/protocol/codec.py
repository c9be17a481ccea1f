"""Header codecs: PAYMENT-* as standard padded base64 of compact JSON, X-Compose-Receipt as unpadded base64url.

Decoding is lenient about the alphabet, padding and surrounding whitespace (compose-contract §10), and strict
about everything else: each failure raises MalformedPayment with a message fit for an HTTP 400 body.
"""

import base64
import re
from typing import Any, Final, TypeVar

import orjson
from pydantic import ValidationError

from gateway_min.http.request import MAX_DEPTH, nested_within

from .errors import MalformedPayment
from .models import PaymentPayload, PaymentRequired, SettleResponse, WireModel

M = TypeVar("M", bound=WireModel)

# Real payloads are 1-3 KB; the cap keeps a hostile header from costing a large decode.
MAX_HEADER_CHARS: Final = 64 * 1024
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_URLSAFE_TO_STANDARD: Final = str.maketrans("-_", "+/")
_HEADER_NAMES: Final[dict[type[WireModel], str]] = {
    PaymentPayload: "PAYMENT-SIGNATURE",
    PaymentRequired: "PAYMENT-REQUIRED",
    SettleResponse: "PAYMENT-RESPONSE",
}
RECEIPT_HEADER: Final = "X-Compose-Receipt"


def encode_header(model: WireModel) -> str:
    return base64.b64encode(model.wire_json().encode()).decode("ascii")


def decode_header(value: str, model_type: type[M], header: str | None = None) -> M:
    name = header or _HEADER_NAMES.get(model_type, model_type.__name__)
    data = _decode_json(value, name)
    if not isinstance(data, dict):
        raise MalformedPayment(f"{name} is not a JSON object")
    if "x402_version" in model_type.model_fields:
        version = data.get("x402Version")
        if type(version) is not int or version != 2:
            raise MalformedPayment(f"{name} x402Version must be 2")
    try:
        return model_type.model_validate(data)
    except ValidationError as exc:
        raise MalformedPayment(f"{name} is invalid: {summarize(exc)}") from None


def encode_receipt(receipt: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(receipt)).rstrip(b"=").decode("ascii")


def decode_receipt(value: str) -> dict[str, Any]:
    data = _decode_json(value, RECEIPT_HEADER)
    if not isinstance(data, dict):
        raise MalformedPayment(f"{RECEIPT_HEADER} is not a JSON object")
    return data


def summarize(exc: ValidationError, limit: int = 5) -> str:
    """'accepted.amount: String should match pattern ...; payload: Field required' (first `limit` errors)."""
    parts = []
    for error in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def b64decode_lenient(value: str) -> bytes:
    """Either alphabet, padding optional, surrounding whitespace ignored; ValueError otherwise."""
    text = value.strip().translate(_URLSAFE_TO_STANDARD)
    if not _BASE64.fullmatch(text):
        raise ValueError("not base64")
    text = text.rstrip("=")
    if len(text) % 4 == 1:
        raise ValueError("not base64")
    # Alphabet and length are checked above; binascii.Error is a ValueError should anything slip through.
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _decode_json(value: str, name: str) -> Any:
    if not value.strip():
        raise MalformedPayment(f"{name} is empty")
    if len(value) > MAX_HEADER_CHARS:
        raise MalformedPayment(f"{name} is too large")
    try:
        raw = b64decode_lenient(value)
    except ValueError:
        raise MalformedPayment(f"{name} is not base64") from None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedPayment(f"{name} is not JSON") from None
    if not nested_within(value, MAX_DEPTH):  # deeper would pass here and fail when re-encoded (orjson stops at 255)
        raise MalformedPayment(f"{name} is nested more than {MAX_DEPTH} levels deep")
    return value
