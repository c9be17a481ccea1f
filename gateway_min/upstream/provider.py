"""Upstream providers behind one interface: the OpenAI-compatible HTTP provider (httpx) and a registry by model."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import httpx
import orjson

from gateway_min.upstream.errors import UpstreamBroken, UpstreamUnavailable
from generated.catalog import PROVIDERS, Model

PATHS: Final = {
    "chat": "/chat/completions",
    "responses": "/responses",
    "embeddings": "/embeddings",
    "images": "/images/generations",
    "image_edits": "/images/edits",
    "speech": "/audio/speech",
    "transcription": "/audio/transcriptions",
    "video": "/videos",
    "rerank": "/rerank",
}


@dataclass
class UpstreamRequest:
    operation: str
    body: dict[str, Any]
    stream: bool = False
    files: Sequence[tuple[str, tuple[str, bytes, str]]] | None = None  # multipart uploads, by field name
    method: str = "POST"
    suffix: str = ""
    """After the operation's path: `/{id}`, `/{id}/input_items` … (the never-billed reads of what was served)."""


async def _nothing() -> None:
    return None


@dataclass
class UpstreamReply:
    status: int
    content_type: str
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = None
    close: Callable[[], Awaitable[None]] = field(default=_nothing)

    async def read(self) -> bytes:
        if self.chunks is not None:
            parts = [chunk async for chunk in self.chunks]
            self.body, self.chunks = b"".join(parts), None
        return self.body


class Provider(Protocol):
    async def send(self, request: UpstreamRequest) -> UpstreamReply: ...


class HttpProvider:
    """An OpenAI-compatible provider over one shared httpx.AsyncClient."""

    def __init__(self, base_url: str, api_key: str | None, client: httpx.AsyncClient, *,
                 rerank_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.urls = {operation: httpx.URL(self.base_url + path) for operation, path in PATHS.items()}
        if rerank_url is not None:
            self.urls["rerank"] = httpx.URL(rerank_url)
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        # what client.build_request would merge on every call (its default headers, its timeouts), merged once:
        # building the request here costs half as much on the paid path
        self.json_headers = httpx.Headers({**client.headers, **self.headers, "content-type": "application/json"})
        self.get_headers = httpx.Headers({**client.headers, **self.headers})
        # a stream is passed on as it arrives: asked uncompressed (a compressing provider may hold events back)
        self.stream_headers = httpx.Headers({**self.json_headers, "accept-encoding": "identity"})
        self.extensions = {"timeout": client.timeout.as_dict()}
        self.client = client

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        url = self.urls[request.operation]
        if request.suffix or request.method != "POST":
            url = httpx.URL(str(url) + request.suffix)
            reading = request.method == "GET"
            built = httpx.Request(request.method, url, headers=self.get_headers if reading else self.json_headers,
                                  content=None if reading else orjson.dumps(request.body),
                                  extensions=dict(self.extensions))
            return await exchange(self.client, built, request.stream, str(url))
        if request.files:
            data = {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in request.body.items()}
            built = self.client.build_request("POST", url, data=data, files=list(request.files), headers=self.headers)
        else:
            built = httpx.Request("POST", url, content=orjson.dumps(request.body),
                                  headers=self.stream_headers if request.stream else self.json_headers,
                                  extensions=dict(self.extensions))
        return await exchange(self.client, built, request.stream, str(url))


async def exchange(client: httpx.AsyncClient, built: httpx.Request, stream: bool, target: str, *,
                   stream_name: str = "stream") -> UpstreamReply:
    """Send `built` on the shared client (providers and the runtime): a successful reply asked as a stream is
    passed on as it arrives, any other is read whole; transport failures are UpstreamUnavailable naming
    `target` (and `stream_name` when a stream breaks)."""
    try:
        response = await client.send(built, stream=True)
    except httpx.TransportError as exc:
        raise UpstreamUnavailable(f"{type(exc).__name__} calling {target}") from None
    content_type = response.headers.get("content-type", "application/octet-stream")
    if stream and response.status_code < 400:
        return UpstreamReply(response.status_code, content_type, chunks=_guarded(response, stream_name),
                             close=response.aclose)
    try:
        body = await response.aread()
    except httpx.HTTPError as exc:  # transport failures, and a body that cannot be decoded (garbage gzip)
        raise UpstreamBroken(f"{type(exc).__name__} reading {target}") from None
    finally:
        await response.aclose()
    return UpstreamReply(response.status_code, content_type, body)


async def _guarded(response: httpx.Response, stream_name: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():  # decoded, should the upstream compress it anyway
            yield chunk
    except httpx.HTTPError as exc:  # transport failures, and a body that cannot be decoded (garbage gzip)
        raise UpstreamBroken(f"the {stream_name} broke: {type(exc).__name__}") from None


class Providers:
    """Which provider serves a model: one for every model (demo, --upstream-url) or the catalog's, by provider."""

    def __init__(self, *, every: Provider | None = None, by_provider: Mapping[str, Provider] | None = None) -> None:
        self.every = every
        self.by_provider = dict(by_provider or {})

    def for_model(self, model: Model) -> Provider | None:
        return self.every or self.by_provider.get(model.provider)

    @classmethod
    def from_catalog(cls, client: httpx.AsyncClient, environ: Mapping[str, str] = os.environ) -> Providers:
        """Providers whose API key is set in the environment; the others answer 503 provider_unavailable (and
        those the catalog prices without an endpoint the gateway can call, 501 provider_not_callable)."""
        return cls(by_provider={
            provider.id: HttpProvider(provider.base_url, environ[provider.api_key_env], client,
                                      rerank_url=provider.rerank_url)
            for provider in PROVIDERS.values()
            if provider.base_url is not None and provider.api_key_env is not None and environ.get(provider.api_key_env)
        })
