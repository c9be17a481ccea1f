"""Admission of a paid request: read and check it, resolve the model, quote it, reserve the hold.

Everything here happens before any upstream call, and every failure is a 4xx with nothing reserved.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from python_multipart.multipart import parse_options_header

import pricing
from gateway_min.context import Gateway
from gateway_min.demo import wav_seconds
from gateway_min.http import HTTPError, Request
from gateway_min.keys import budget_headers
from gateway_min.ledger import BudgetExhausted, Hold, KeyRow, LedgerError, Reservation
from gateway_min.multipart_form import read_form
from generated.catalog import Model

MAX_OUTPUT_CAP: Final = 1_000_000  # an absurd max_tokens is a client bug, not a hold of a million tokens
DEFAULT_OUTPUT_TOKENS: Final = 4_096  # for models that publish no output limit and requests that set none
REQUEST_PRICED: Final = frozenset({"images", "speech", "video"})
GATEWAY_SERVICE: Final = "inference"  # the service recorded on the holds the paid routes make for themselves
TRANSCRIPTION_FORMATS: Final = frozenset({"json", "verbose_json"})  # the formats that report usage


def moment(gw: Gateway) -> datetime:
    """The gateway clock (Unix ms) as the aware datetime that picks the price set in force."""
    ms = gw.clock()
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)


@dataclass
class Admitted:
    operation: str
    model: Model
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] | None
    stream: bool
    hold: int
    """The reserved maximum, fee included."""
    output_limit: int
    """Output tokens enforced upstream (chat); 0 otherwise."""
    prompt_bound: int
    exact: pricing.Charge | None
    """The exact charge of request-priced work."""
    audio_seconds: int | None


Files = dict[str, tuple[str, bytes, str]]


async def read_payload(request: Request, operation: str) -> tuple[dict[str, Any], Files | None]:
    """JSON for every route; transcription also takes multipart/form-data (as the OpenAI SDK sends it) or a
    base64 `file` in JSON (the native contract)."""
    if operation != "transcription":
        return await request.json(), None
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type == b"multipart/form-data":
        fields, files = await read_form(request)
        return fields, files
    body = await request.json()
    encoded = body.get("file")
    if not isinstance(encoded, str):
        raise HTTPError(400, "validation_error", "`file` is required: the audio, base64-encoded")
    try:
        audio = base64.b64decode(encoded.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        raise HTTPError(400, "validation_error", "`file` is not valid base64") from None
    name: str = body["filename"] if isinstance(body.get("filename"), str) else "audio.wav"
    rest = {k: v for k, v in body.items() if k not in ("file", "filename")}
    return rest, {"file": (name, audio, "application/octet-stream")}


def resolve_model(body: dict[str, Any], operation: str) -> Model:
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise HTTPError(400, "validation_error", "`model` is required: a model id or alias from /v1/models")
    try:
        model = pricing.get_model(name)
    except pricing.UnknownModel:
        raise HTTPError(404, "model_not_found", f"The model '{name}' does not exist or is not served here") from None
    if operation not in model.operations:
        raise HTTPError(400, "validation_error", f"model '{name}' does not serve {operation} "
                        f"(it serves {', '.join(model.operations)})")
    return model


def stream_flag(body: dict[str, Any], operation: str) -> bool:
    value = body.get("stream", False)
    if operation == "transcription" and isinstance(value, str) and value in ("true", "false"):  # a form field
        value = value == "true"
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise HTTPError(400, "validation_error", f"`stream_options` must be an object, got {options!r}")
    if not isinstance(value, bool):
        raise HTTPError(400, "invalid_stream", f"`stream` must be a boolean, got {value!r}")
    if value and operation != "chat":
        raise HTTPError(400, "invalid_stream", f"streaming is not supported for {operation} here")
    return value


def _check_limits(model: Model, body: dict[str, Any]) -> None:
    fields = ("max_tokens", "max_completion_tokens", "max_output_tokens")
    for field in fields:
        value = body.get(field)
        if value is not None and (type(value) is not int or value < 1 or value > MAX_OUTPUT_CAP):
            raise HTTPError(400, "validation_error", f"`{field}` must be an integer from 1 to {MAX_OUTPUT_CAP}, "
                            f"got {value!r}")
    if model.max_output_tokens is None and model.context_window is None and all(body.get(f) is None for f in fields):
        body["max_tokens"] = DEFAULT_OUTPUT_TOKENS  # sent upstream too: the hold and the limit agree


def quote(gw: Gateway, model: Model, body: dict[str, Any], operation: str,
          files: dict[str, tuple[str, bytes, str]] | None, budget: int | None = None) -> Admitted:
    audio_seconds = None
    at = moment(gw)
    if operation == "transcription":
        upload = (files or {}).get("file")
        if upload is None:
            raise HTTPError(400, "validation_error", "`file` is required: the audio to transcribe")
        response_format = body.get("response_format", "json")
        if not isinstance(response_format, str) or response_format not in TRANSCRIPTION_FORMATS:
            raise HTTPError(400, "validation_error", "response_format must be json or verbose_json here: the other "
                            "formats do not report the usage the request is charged by")
        seconds = wav_seconds(upload[1])
        if seconds is not None and seconds > gw.max_audio_seconds:
            raise HTTPError(400, "validation_error", f"the audio lasts {seconds:.0f} s by its header; this gateway "
                            f"transcribes at most {gw.max_audio_seconds} s")
        audio_seconds = gw.max_audio_seconds if seconds is None else int(seconds) + 1
    try:
        if operation in REQUEST_PRICED:
            exact = pricing.quote_exact(model, body, operation, at=at)
            if budget is not None and exact.final_amount > budget:
                raise pricing.InsufficientBudget("over budget", exact.final_amount)
            return Admitted(operation, model, body, files, False, exact.final_amount, 0, 0, exact, None)
        if operation == "chat":
            _check_limits(model, body)
        maximum = pricing.quote_max(model, body, operation, at=at, budget=budget, audio_seconds=audio_seconds)
    except (pricing.NotQuotable, pricing.InvalidUsage) as exc:
        raise HTTPError(400, "validation_error", str(exc)) from None
    except pricing.UnpricedUsage as exc:
        raise HTTPError(400, "unpriced", str(exc)) from None
    return Admitted(operation, model, body, files, False, maximum.amount, maximum.output_tokens,
                    maximum.prompt_tokens, None, audio_seconds)


def request_hash(body: dict[str, Any], operation: str) -> str:
    return hashlib.sha256(operation.encode() + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def idempotency_key(request: Request) -> str | None:
    value = request.headers.get("x-idempotency-key")
    if value is None:
        return None
    if not 1 <= len(value) <= 200:
        raise HTTPError(400, "validation_error", "x-idempotency-key must be 1 to 200 characters")
    return value


async def reserve(gw: Gateway, key: KeyRow, admitted: Admitted, request: Request) -> tuple[Admitted, Reservation]:
    """Reserve the worst case; when the key cannot afford it, retry once with the output limit lowered to fit
    what is available (the request then runs with that limit enforced upstream)."""
    ttl = gw.stream_ttl_ms if admitted.stream else gw.intent_ttl_ms
    idem = idempotency_key(request)
    digest = request_hash(admitted.body, admitted.operation) if idem else None

    def hold(current: Admitted) -> Hold:
        return Hold(key.id, current.hold, ttl, idem, digest, GATEWAY_SERVICE, current.operation, request.path,
                    current.model.id, request.headers.get("x-compose-run-id") or request.headers.get("x-run-id"))

    try:
        return admitted, await gw.ledger.reserve(hold(admitted), dispatched=True)
    except BudgetExhausted as exhausted:
        if admitted.operation != "chat":
            raise _payment_required(exhausted) from None
        try:
            fitted = quote(gw, admitted.model, admitted.body, admitted.operation, admitted.files,
                           budget=exhausted.key.available)
        except pricing.InsufficientBudget as short:  # not even with a one-token output limit: say what would fit
            key = exhausted.key
            raise HTTPError(402, "payment_required", f"Compose key budget exhausted: this request needs a hold of at "
                            f"least {short.required} (with a one-token output limit), {key.available} of "
                            f"{key.budget} is available", headers=budget_headers(key)) from None
        except HTTPError:
            raise _payment_required(exhausted) from None
        fitted.stream = admitted.stream
        try:
            return fitted, await gw.ledger.reserve(hold(fitted), dispatched=True)
        except LedgerError as again:
            raise ledger_http_error(again) from None
    except LedgerError as exc:
        raise ledger_http_error(exc) from None


def _payment_required(exhausted: BudgetExhausted) -> HTTPError:
    return HTTPError(402, "payment_required", str(exhausted), headers=budget_headers(exhausted.key))


def ledger_http_error(error: LedgerError) -> HTTPError:
    if isinstance(error, BudgetExhausted):
        return _payment_required(error)
    return HTTPError(error.status, error.code, str(error))
