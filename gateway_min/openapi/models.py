"""The typed bodies the OpenAPI document describes (pydantic models; their JSON Schemas are its components).

OpenAI-compatible requests and answers are described by the fields the gateway reads or writes, and allow the
rest (`extra="allow"`): the provider's own fields pass through. Compose's own bodies (keys, sessions, intents,
receipts, errors, catalog rows) are described whole.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Amount = str  # USDC atomic units as a decimal string


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ------------------------------------------------------------------------------------------------------

class ErrorDetail(Open):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(Closed):
    """Compose's error body: `{"error": {"code", "message", "details"?}}`."""

    error: ErrorDetail


class OpenAIErrorDetail(Open):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(Closed):
    """The error body of /external/v1: OpenAI's."""

    error: OpenAIErrorDetail


class LegacyError(Open):
    """The intent routes' error body (contract §6): `{"error": "<message>", "code"}`."""

    error: str
    code: str | None = None


# -- x402 --------------------------------------------------------------------------------------------------------

class PaymentRequirements(Open):
    scheme: Literal["exact", "upto"]
    network: str
    amount: Amount
    asset: str
    payTo: str
    maxTimeoutSeconds: int
    extra: dict[str, Any] | None = None


class PaymentRequired(Open):
    """x402 v2 PaymentRequired: the body (and, base64, the PAYMENT-REQUIRED header) of a 402 challenge."""

    x402Version: Literal[2]
    error: str | None = None
    resource: dict[str, Any]
    accepts: list[PaymentRequirements]
    extensions: dict[str, Any] | None = None


class VerifyResponse(Open):
    isValid: bool
    invalidReason: str | None = None
    payer: str | None = None


class SettleResponse(Open):
    success: bool
    errorReason: str | None = None
    transaction: str
    network: str
    payer: str | None = None
    amount: Amount | None = None


class FacilitatorRequest(Open):
    x402Version: Literal[2]
    paymentPayload: dict[str, Any]
    paymentRequirements: dict[str, Any]


# -- receipts and paid answers -----------------------------------------------------------------------------------

class LineItem(Open):
    key: str
    unit: str
    quantity: int | str
    unit_price_usd: str | None = None
    amount_wei: Amount


class Receipt(Open):
    """`compose_receipt` (snake_case; the header and the stream event carry it camelCase)."""

    id: str | None = None
    subject: str
    final_amount_wei: Amount
    network: str
    settled_at: int | None = None
    line_items: list[LineItem] | None = None
    provider_amount_wei: Amount | None = None
    platform_fee_wei: Amount | None = None
    tx_hash: str | None = None


class PaidAnswer(Open):
    """A provider's JSON answer, passed on; native routes add `compose_receipt`."""

    compose_receipt: Receipt | None = None


class RuntimeAnswer(Open):
    """A runtime's JSON answer; the gateway adds `receipt`."""

    receipt: Receipt | None = None


# -- OpenAI-compatible requests ----------------------------------------------------------------------------------

class ChatRequest(Open):
    model: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    stream: bool | None = None


class ResponsesRequest(Open):
    model: str
    input: str | list[dict[str, Any]]
    instructions: str | None = None
    max_output_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    stream: bool | None = None


class EmbeddingsRequest(Open):
    model: str
    input: str | list[str] | list[int] | list[list[int]]


class ImagesRequest(Open):
    model: str
    prompt: str
    n: int | None = Field(default=None, ge=1, le=10)
    size: str | None = None
    quality: str | None = None


class ImageEditsRequest(Open):
    """JSON form (images by URL); the OpenAI SDK sends multipart/form-data with `image` / `image[]` and `mask`."""

    model: str
    prompt: str
    images: list[dict[str, Any]] = Field(min_length=1)


class SpeechRequest(Open):
    model: str
    input: str = Field(min_length=1)
    voice: str
    response_format: str | None = None


class TranscriptionRequest(Open):
    """JSON form: the audio base64 in `file`; the OpenAI SDK sends multipart/form-data."""

    model: str
    file: str
    response_format: Literal["json", "verbose_json"] | None = None


class VideoRequest(Open):
    model: str
    prompt: str
    seconds: int | str
    size: str | None = None


class RerankRequest(Open):
    model: str
    query: str = Field(min_length=1)
    documents: list[str | dict[str, Any]] = Field(min_length=1)
    top_n: int | None = Field(default=None, ge=1)


class RuntimeRequest(Open):
    message: str | None = None
    model: str | None = None


# -- keys, sessions, intents -------------------------------------------------------------------------------------

class KeyCreate(Closed):
    budgetLimit: int | str
    expiresAt: int
    chainId: int | str | None = None
    purpose: Literal["api", "session"] | None = None
    name: str | None = Field(default=None, max_length=100)


class KeyRecord(Open):
    keyId: str
    kind: Literal["credit", "wallet"]
    purpose: Literal["api", "session"]
    budgetLimit: Amount
    budgetUsed: Amount
    budgetReserved: Amount
    budgetRemaining: Amount
    createdAt: int
    expiresAt: int
    chainId: int
    owner: str
    revokedAt: int | None = None
    lastUsedAt: int | None = None
    name: str | None = None
    funding: dict[str, Any] | None = None


class KeyCreated(KeyRecord):
    token: str


class KeyList(Closed):
    keys: list[KeyRecord]


class KeyDeleted(Closed):
    success: Literal[True]
    keyId: str


class CollectionDecision(Closed):
    action: Literal["retry", "forgive"]


class CollectionDecided(Closed):
    keyId: str
    collection: str


class SessionState(Open):
    """ActiveSessionMetadata, or `{hasSession: false, reason}`."""

    hasSession: bool
    reason: str | None = None
    keyId: str | None = None
    token: str | None = None


class Prepare(Open):
    service: str
    action: str
    resource: str
    method: str
    maxAmountWei: int | str | None = None
    meter: dict[str, Any] | None = None
    idempotencyKey: str | None = None


class Intent(Open):
    paymentIntentId: str
    maxAmountWei: Amount
    status: str


class Settle(Open):
    paymentIntentId: str
    finalAmountWei: int | str | None = None
    meter: dict[str, Any] | None = None


class Abort(Closed):
    paymentIntentId: str
    reason: str


class MeterQuote(Open):
    modelId: str
    modality: str
    usage: dict[str, Any] | None = None
    media: dict[str, Any] | None = None


# -- catalog and the rest ----------------------------------------------------------------------------------------

class ModelList(Open):
    object: Literal["list"]
    data: list[dict[str, Any]]


class Search(Open):
    q: str | None = None
    modality: str | None = None
    operation: str | None = None
    provider: str | None = None
    priceMaxPerMTok: str | float | None = None
    contextWindowMin: int | None = None
    streaming: bool | None = None
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=1, le=200)


class Fund(Closed):
    address: str
    amount: int
    network: str | None = None


class Health(Closed):
    status: Literal["ok"]


class AnyObject(Open):
    """A JSON object (described in the route's summary)."""
