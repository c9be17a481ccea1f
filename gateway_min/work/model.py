"""The work of the model routes (chat, embeddings, images, speech, transcription, video): admitted from the
request, called on the model's provider, measured from the provider's usage.

Usage-priced work (chat, embeddings, transcription) is held at `pricing.quote_max`'s worst case with its output
limit enforced upstream, and settled at the measured usage; request-priced work (images, speech, video) has its
exact charge before the call. Usage that cannot be read settles an upper estimate (the prompt bound and every byte
of the reply as output), capped at the hold and marked estimated: a served request is never free. Usage the
provider reports as zero settles 0: its report is the measurement.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

import pricing
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.http.multipart import Files
from gateway_min.ledger import ServedRow
from gateway_min.payment.compose_key.tokens import read_token
from gateway_min.pipeline.plugs import Metered, Payer, Settled
from gateway_min.upstream import Provider, UpstreamReply, UpstreamRequest
from gateway_min.work import responses, usage_shapes, videos
from gateway_min.work.chat_stream import ChatStream, TokenStream
from gateway_min.work.metered import priced
from gateway_min.work.quote import Quote, audio_bound, check_limits, quote, requested_limit
from gateway_min.work.request import client_cap, read_payload, resolve_model, stream_flag
from gateway_min.work.responses import ResponsesStream
from generated.catalog import PROVIDERS, Model, PriceSet
from pricing.bounds import rerank_search_bound

FLAVORS: Final = {"chat": "openai-chat", "responses": "openai-responses", "embeddings": "openai-embeddings",
                  "images": "openai-images", "image_edits": "openai-images", "transcription": "openai-transcription",
                  "video": "openai-video", "rerank": "rerank"}
PRICED_AS: Final = {"responses": "chat", "image_edits": "images"}  # priced (and served by the models) as another
TOKEN_WORK: Final = frozenset({"chat", "responses"})  # a prompt and an output limit: fitted to a budget
MIME: Final = {"speech": None, "video": "application/json"}  # what the x402 offer says the answer is


@dataclass(frozen=True)
class ModelWork:
    gw: Gateway
    provider: Provider
    route: str
    operation: str
    model: Model
    body: dict[str, Any]
    files: Files | None
    stream: bool
    quoted: Quote
    audio_seconds: int | None
    cap: int | None
    natural_limit: int
    """The output limit before any budget lowered it."""
    service: str = "inference"
    origin: str = "upstream"
    who: str = "provider"
    memo: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What the call learned that outlives it (a response's id), shared by the work's fitted copies."""

    @property
    def action(self) -> str:
        return self.operation

    @property
    def ident(self) -> str:
        return self.model.id

    @property
    def subject(self) -> str:
        return f"{self.model.provider}:{self.model.id}"

    @property
    def hold(self) -> int:
        return self.quoted.hold

    @property
    def exact(self) -> pricing.Charge | None:
        return self.quoted.exact

    @property
    def priced_as(self) -> str:
        return PRICED_AS.get(self.operation, self.operation)

    @property
    def adjustable(self) -> bool:
        return self.operation in TOKEN_WORK  # only an output limit can be lowered to fit a budget

    @property
    def output_limit(self) -> int:
        return self.quoted.output_limit

    @property
    def headers(self) -> dict[str, str]:
        """Diagnostics on every answer, and the applied output limit when it is lower than the request asked
        (the model's maximum) or than the model allows (what the budget or the payment's cap covers)."""
        out = {"x-compose-public-model": self.model.id, "x-compose-upstream-provider": self.model.provider,
               "x-compose-upstream-model": self.model.upstream_id}
        asked = requested_limit(self.body)
        if self.operation in TOKEN_WORK and self.output_limit < (asked or self.natural_limit):
            out["x-compose-output-limit"] = str(self.output_limit)
            out["x-compose-output-limit-reason"] = "budget" if self.output_limit < self.natural_limit \
                else "model_maximum"
        served = self.served_id()
        if served is not None:
            out["x-compose-read-token"] = read_token(self.gw.token_secret, *served)
        return out

    def served_id(self) -> tuple[str, str] | None:
        """(kind, provider id) of what this work served that can be read back, once known."""
        if self.operation == "responses":
            stream = self.memo.get("stream")
            ident = stream.response_id if isinstance(stream, ResponsesStream) else self.memo.get("response_id")
            return None if ident is None else ("response", ident)
        if self.operation == "video":
            ident = videos.job_id(self.memo.get("job"))
            return None if ident is None else ("video", ident)
        return None

    @property
    def description(self) -> str:
        return f"Compose.Market AI inference: {self.operation} with {self.model.id}"

    @property
    def mime_type(self) -> str | None:
        return "text/event-stream" if self.stream else MIME.get(self.operation, "application/json")

    def fit(self, budget: int) -> ModelWork:
        return dataclasses.replace(self, quoted=quote(self.model, self.body, self.priced_as, self.gw.moment(),
                                                      self.audio_seconds, budget=budget))

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.route.encode() + b"\n" + self.operation.encode() + b"\n" +
                                orjson.dumps(self.body, option=orjson.OPT_SORT_KEYS))
        for name, (filename, content, kind) in self.files or ():  # the uploads are the request too
            digest.update(b"\n" + orjson.dumps([name, filename, kind]) + hashlib.sha256(content).digest())
        return digest.hexdigest()

    async def call(self, maximum: int) -> UpstreamReply:
        return await self.provider.send(UpstreamRequest(self.operation, self.upstream_body(), self.stream,
                                                        self.files))

    def upstream_body(self) -> dict[str, Any]:
        """The request as the provider sees it: its model id, our output limit enforced, stream usage forced.

        OpenAI takes the limit as `max_completion_tokens` (its reasoning models refuse `max_tokens`); the other
        OpenAI-compatible providers document `max_tokens`, so they get that one."""
        body = {k: v for k, v in self.body.items() if k != "provider"}  # routing is the catalog's: no override
        body["model"] = self.model.upstream_id
        if self.operation == "chat":
            for field in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
                body.pop(field, None)
            body["max_completion_tokens" if self.model.provider == "openai" else "max_tokens"] = self.output_limit
            if self.stream:
                body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        if self.operation == "responses":  # its one limit field; a stream's terminal event always has usage
            for field in ("max_tokens", "max_completion_tokens"):
                body.pop(field, None)
            body["max_output_tokens"] = self.output_limit
        if self.operation == "video" and "seconds" in body:
            body["seconds"] = str(body["seconds"])
        return body

    def upstream_error(self, reply: UpstreamReply, external: bool) -> HTTPError:
        return upstream_error(reply, external)

    def measure(self, content: bytes, maximum: int) -> Metered:
        """The provider's usage priced and capped at `maximum`; an upper estimate when it cannot be read."""
        at = self.gw.moment()
        try:
            usage: pricing.Usage | None = self.measured_usage(content, at)
            reason, estimated = None, False
        except (pricing.PricingError, orjson.JSONDecodeError) as exc:
            usage, reason, estimated = self.estimated_usage(content, at), f"usage unreadable: {exc}", True
        return priced(self.model, usage, maximum, at, estimated, reason)

    def measured_usage(self, content: bytes, at: datetime) -> pricing.Usage:
        """Provider-reported usage, or for speech the characters of the request (its exact quote)."""
        if self.operation == "speech":
            return pricing.usage_from_request(self.model, self.body, "speech", at=at)
        document = orjson.loads(content)
        if self.operation == "responses":
            self.memo["response_id"] = responses.response_id(document)
        elif self.operation == "video":
            self.memo["job"] = document
        usage = usage_shapes.read(FLAVORS[self.operation], document)
        if self.priced_as == "images":  # the response may not echo what was asked, nor only what is priced
            asked = pricing.usage_from_request(self.model, self.body, "images", at=at)
            group = pricing.price_set_at(self.model, at).images
            priced_by = group.params if group is not None else ()  # a parameter the price ignores is dropped
            usage = usage._replace(image_size=(usage.image_size if "size" in priced_by else None) or asked.image_size,
                                   image_quality=(usage.image_quality if "quality" in priced_by else None)
                                   or asked.image_quality)
        if self.operation == "rerank":
            usage = rerank_priced(usage, pricing.price_set_at(self.model, at))
        if self.operation == "video":
            asked = pricing.usage_from_request(self.model, self.body, "video", at=at)
            usage = usage._replace(video_resolution=usage.video_resolution or asked.video_resolution)
        return usage

    def estimated_usage(self, content: bytes, at: datetime) -> pricing.Usage | None:
        """An upper estimate when the provider's usage cannot be read: the prompt bound and every byte of the reply
        as output (a token is at least a byte), the request itself for request-priced work (its options as the set
        in force at `at` chooses them, as for the hold), or the audio bound."""
        if self.exact is not None:
            return pricing.usage_from_request(self.model, self.body, self.priced_as, at=at)
        if self.operation in TOKEN_WORK:
            return pricing.Usage(input_tokens=self.quoted.prompt_bound,
                                 output_tokens=min(len(content), self.output_limit))
        if self.operation == "embeddings":
            return pricing.Usage(input_tokens=self.quoted.prompt_bound)
        if self.operation == "rerank":
            return rerank_priced(pricing.Usage(input_tokens=self.quoted.prompt_bound,
                                               searches=rerank_search_bound(self.body)),
                                 pricing.price_set_at(self.model, at))
        if self.audio_seconds is not None:
            return pricing.Usage(audio_seconds=self.audio_seconds)
        return None

    def meter_stream(self) -> TokenStream:
        kind = ResponsesStream if self.operation == "responses" else ChatStream
        meter = kind(self.model, self.body, self.quoted.prompt_bound, self.output_limit, self.gw.moment)
        self.memo["stream"] = meter
        return meter

    def answer_status(self, status: int) -> int:
        """202 for a video job the provider is still working on (it was charged now, at submission)."""
        job = self.memo.get("job")
        return 202 if status == 200 and videos.running(job) else status

    async def served(self, payer: Payer, settled: Settled) -> None:
        """A response or a video job is recorded with the wallet that paid for it (only a key of that wallet reads
        it back) and, for a job, what it was charged: a job the provider fails is refunded (work/videos.py)."""
        served = self.served_id()
        if served is None:
            return
        kind, ident = served
        state = videos.job_status(self.memo.get("job")) if kind == "video" else "served"
        now = self.gw.clock()
        amount = int(settled.receipt.get("final_amount_wei", 0))
        row = ServedRow(kind, ident, payer.owner, self.model.provider, self.model.id, payer.intent_id, amount, state,
                        None, orjson.dumps(settled.receipt).decode(), now, now)
        await self.gw.ledger.record_served(row)
        if kind == "video" and state in videos.FAILED:
            await self.gw.ledger.refund_served("video", ident)

    def answer(self, content: bytes, content_type: str, receipt: dict[str, Any]) -> bytes:
        return with_receipt(content, content_type, receipt)


async def admit(gw: Gateway, request: Request, operation: str) -> ModelWork:
    """Read, check and quote a model request; every failure is a 4xx (or a 503 when its provider has no key)."""
    body, files = await read_payload(request, operation)
    cap = client_cap(request, body)
    priced_as = PRICED_AS.get(operation, operation)
    model = resolve_model(body, priced_as)
    stream = stream_flag(body, operation)
    provider = gw.providers.for_model(model)
    if provider is None:
        raise no_provider(model.provider)
    audio_seconds = audio_bound(body, files, gw.max_audio_seconds) if operation == "transcription" else None
    if operation == "responses":
        responses.check(body)
    if operation in TOKEN_WORK:
        check_limits(model, body, "max_output_tokens" if operation == "responses" else "max_tokens")
    quoted = quote(model, body, priced_as, gw.moment(), audio_seconds)
    return ModelWork(gw, provider, request.path, operation, model, body, files, stream, quoted, audio_seconds, cap,
                     quoted.output_limit)


def rerank_priced(usage: pricing.Usage, prices: PriceSet) -> pricing.Usage:
    """A rerank's usage as its model is billed: Cohere reports search units and tokens but bills the units,
    Voyage and Jina bill tokens. What the model is not priced by is not billed (it is not priced as zero: the
    provider does not charge it)."""
    tokens = prices.tokens is not None and prices.tokens.input is not None
    return usage._replace(searches=usage.searches if prices.searches is not None else 0,
                          input_tokens=usage.input_tokens if tokens else 0)


def no_provider(provider: str) -> HTTPError:
    """Why a model cannot be served here: its provider has no endpoint the gateway can call (501), or no API key
    is configured for it (503)."""
    known = PROVIDERS.get(provider)
    if known is not None and known.base_url is None:
        return HTTPError(501, "provider_not_callable", f"the catalog prices {known.name}'s models, but this gateway "
                         "cannot call it (no OpenAI-compatible endpoint); GET /v1/models says which models it serves")
    return HTTPError(503, "provider_unavailable", f"no API key is configured for provider '{provider}'")


def admitting(operation: str) -> Callable[[Gateway, Request], Awaitable[ModelWork]]:
    """The admission of one operation's routes (routes/paid.py)."""
    async def admitted(gw: Gateway, request: Request) -> ModelWork:
        return await admit(gw, request, operation)

    return admitted


def with_receipt(content: bytes, content_type: str, receipt: dict[str, Any]) -> bytes:
    """A JSON object body with `compose_receipt` added; anything else as the provider sent it (the receipt is
    then in the X-Compose-Receipt header only)."""
    if not content_type.startswith("application/json"):
        return content
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content
    if not isinstance(document, dict):
        return content
    document["compose_receipt"] = receipt
    return orjson.dumps(document)


def upstream_error(reply: UpstreamReply, external: bool) -> HTTPError:
    """An upstream 4xx/5xx, passed on without its provider-specific details leaking into the message shape."""
    message = f"the provider answered {reply.status}"
    try:
        detail = orjson.loads(reply.body)
        if isinstance(detail, dict) and isinstance(detail.get("error"), dict):
            message = str(detail["error"].get("message") or message)
        elif isinstance(detail, dict) and isinstance(detail.get("error"), str):
            message = detail["error"]
    except orjson.JSONDecodeError:
        pass
    status = reply.status if 400 <= reply.status < 500 and reply.status not in (401, 402, 403) else 502
    return HTTPError(status, "upstream_error", f"upstream error: {message}", style="openai" if external else None)
