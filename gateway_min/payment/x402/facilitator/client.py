"""The gateway's view of a facilitator: one Protocol, an HTTP implementation and an in-process one."""

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import httpx
import orjson
from pydantic import ValidationError

from ..protocol.errors import SETTLEMENT_PENDING, FacilitatorError, FacilitatorUnavailable
from ..protocol.models import (
    PaymentPayload,
    PaymentRequirements,
    SettleResponse,
    SupportedResponse,
    VerifyResponse,
    WireModel,
)
from .embedded import EmbeddedFacilitator

R = TypeVar("R", bound=WireModel)


class Facilitator(Protocol):
    async def supported(self) -> SupportedResponse: ...

    async def verify(self, payload: PaymentPayload, requirements: PaymentRequirements) -> VerifyResponse: ...

    async def settle(self, payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse: ...

    async def balance(self, network: str, address: str) -> int | None:
        """The address's USDC balance on `network` as the facilitator sees it, or None when it cannot say (not part
        of x402: the embedded facilitator answers it, for the details of a 402)."""
        ...


def request_body(payload: PaymentPayload, requirements: PaymentRequirements) -> dict[str, Any]:
    return {"x402Version": 2, "paymentPayload": payload.wire(), "paymentRequirements": requirements.wire()}


class HttpFacilitator:
    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = client
        self._timeout = timeout
        self._headers = dict(headers or {})

    async def supported(self) -> SupportedResponse:
        response = await self._send("GET", "/supported", None)
        if response.status_code != 200:
            raise _failure(response, "supported")
        return _parse_model(response, SupportedResponse, None, "supported")

    async def verify(self, payload: PaymentPayload, requirements: PaymentRequirements) -> VerifyResponse:
        body = orjson.dumps(request_body(payload, requirements))
        return _parse_model(await self._send("POST", "/verify", body), VerifyResponse, "isValid", "verify")

    async def settle(self, payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse:
        body = orjson.dumps(request_body(payload, requirements))
        result = _parse_model(await self._send("POST", "/settle", body), SettleResponse, "success", "settle")
        if not result.success and result.error_reason == SETTLEMENT_PENDING:
            # The transaction is out but unconfirmed; the identical body lets the facilitator reconcile it.
            result = _parse_model(await self._send("POST", "/settle", body), SettleResponse, "success", "settle")
        return result

    async def balance(self, network: str, address: str) -> int | None:
        try:
            response = await self._client.get(self._base + "/balance", params={"network": network, "address": address},
                                               headers=self._headers, timeout=self._timeout)
        except httpx.RequestError:
            return None
        try:
            found = response.json().get("balance") if response.status_code == 200 else None
        except ValueError:
            return None
        return int(found) if isinstance(found, str) and found.isdigit() else None

    async def settle_refusal(self) -> str | None:
        """Why this facilitator would refuse our settles (an empty POST /settle answered 401/403: a missing or wrong
        token), or None. Sent at start-up, since /supported is open and would not tell."""
        response = await self._send("POST", "/settle", b"{}")
        if response.status_code in (401, 403):
            return f"POST /settle answers HTTP {response.status_code}: check GATEWAY_FACILITATOR_TOKEN"
        return None

    async def _send(self, method: str, path: str, body: bytes | None) -> httpx.Response:
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return await self._client.request(
                method, self._base + path, content=body, headers=headers, timeout=self._timeout, follow_redirects=True
            )
        except httpx.RequestError as exc:
            raise FacilitatorUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc


def _parse_model(response: httpx.Response, model: type[R], marker: str | None, what: str) -> R:
    """A verify/settle answer is trusted on any status code when its JSON body carries `marker`."""
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise _failure(response, what) from None
    if not isinstance(data, dict) or (marker is not None and marker not in data):
        raise _failure(response, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FacilitatorError(f"{what}: the facilitator's {model.__name__} is invalid: {exc}") from None


def _failure(response: httpx.Response, what: str) -> FacilitatorError:
    message = f"{what}: HTTP {response.status_code} without a usable body"
    return FacilitatorUnavailable(message) if response.status_code >= 500 else FacilitatorError(message)


class LocalFacilitator:
    """EmbeddedFacilitator in-process. Its SQLite work (a settle's fsync) runs in a worker thread so the event loop
    never blocks another request; when `inline()` says no other request is in flight, it runs on the loop itself,
    which saves the thread hop (~0.1 ms a call) and blocks no one (the ledger's own rule, ledger/sqlite/writer.py)."""

    def __init__(self, embedded: EmbeddedFacilitator, inline: Callable[[], bool] = lambda: False) -> None:
        self._embedded = embedded
        self.inline = inline

    async def _call(self, fn: Callable[[Any], dict[str, Any]], body: Any) -> dict[str, Any]:
        return fn(body) if self.inline() else await asyncio.to_thread(fn, body)

    async def supported(self) -> SupportedResponse:
        return SupportedResponse.model_validate(await asyncio.to_thread(self._embedded.supported))

    async def balance(self, network: str, address: str) -> int | None:
        return await asyncio.to_thread(self._embedded.balance, address, network)

    async def verify(self, payload: PaymentPayload, requirements: PaymentRequirements) -> VerifyResponse:
        return VerifyResponse.model_validate(await self._call(self._embedded.verify,
                                                              request_body(payload, requirements)))

    async def settle(self, payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse:
        return SettleResponse.model_validate(await self._call(self._embedded.settle,
                                                              request_body(payload, requirements)))
