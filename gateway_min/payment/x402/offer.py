"""What a raw-x402 request is offered: the facilitator's kinds (learned once, checked at start-up), the network,
the client's cap, the PaymentRequirements and resource, and the 402 challenge that carries them.

The same request always yields the same offer, so the paid retry is checked against exactly what was advertised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.payment.x402.facilitator import Facilitator, HttpFacilitator
from gateway_min.payment.x402.protocol import (
    EXACT,
    SCHEMES,
    UPTO,
    FacilitatorError,
    PaymentRequired,
    PaymentRequirements,
    ResourceInfo,
    SupportedResponse,
    build_requirements,
    encode_header,
)
from generated.catalog import DEFAULT_NETWORK, NETWORKS, Network

_DIGITS: Final = re.compile(r"[0-9]{1,20}")
COMPOSE_EXTRA: Final = {"metering": "authoritative_usage", "intents": "supported"}
EXTENSIONS: Final = {
    "compose-metering-v1": {"info": {"mode": "authoritative_usage", "meterEndpoint": "/api/payments/meter/model"}},
    "compose-payment-intent-v1": {"info": {"authorizeEndpoint": "/api/payments/prepare",
                                           "settleEndpoint": "/api/payments/settle",
                                           "abortEndpoint": "/api/payments/abort"}},
}
Kinds = dict[tuple[str, str], dict[str, Any]]


class FacilitatorMisconfigured(Exception):
    """The facilitator cannot be used: unreachable, or it lacks exact/upto on our default network."""


class PaymentChallenge(HTTPError):
    """A 402 whose body is the PaymentRequired itself, also sent base64-encoded in PAYMENT-REQUIRED."""

    def __init__(self, required: PaymentRequired) -> None:
        super().__init__(402, "payment_required", required.error or "payment required",
                         headers={"payment-required": encode_header(required), "cache-control": "no-store"})
        self.required = required

    def body(self, style: str) -> dict[str, Any]:
        return self.required.wire()


def usable_kinds(supported: SupportedResponse) -> Kinds:
    """(scheme, network) → /supported extra for x402 v2 exact and upto on our networks; upto needs its
    facilitatorAddress. FacilitatorMisconfigured when the default network lacks either scheme."""
    found: Kinds = {}
    for kind in supported.kinds:
        extra = dict(kind.extra or {})
        if kind.x402_version != 2 or kind.scheme not in SCHEMES or kind.network not in NETWORKS:
            continue
        if kind.scheme == UPTO and not isinstance(extra.get("facilitatorAddress"), str):
            continue
        found[kind.scheme, kind.network] = extra
    if (EXACT, DEFAULT_NETWORK) not in found or (UPTO, DEFAULT_NETWORK) not in found:
        offered = ", ".join(f"{k.scheme}@{k.network} (v{k.x402_version})" for k in supported.kinds) or "nothing"
        raise FacilitatorMisconfigured(
            f"the facilitator lacks x402 v2 'exact' and 'upto' (with extra.facilitatorAddress) on {DEFAULT_NETWORK}; "
            f"its /supported offers: {offered}")
    return found


async def check_facilitator(facilitator: Facilitator) -> Kinds:
    try:
        supported = await facilitator.supported()
        refusal = await facilitator.settle_refusal() if isinstance(facilitator, HttpFacilitator) else None
    except FacilitatorError as exc:
        raise FacilitatorMisconfigured(f"the facilitator's /supported could not be read: {exc}") from None
    if refusal:
        raise FacilitatorMisconfigured(f"the facilitator would refuse to settle: {refusal}")
    return usable_kinds(supported)


async def kinds(gw: Gateway) -> Kinds:
    """What the facilitator supports, learned once (at start-up, or here on first use)."""
    if gw.x402_kinds is None:
        if gw.facilitator is None:
            raise HTTPError(401, "authentication_failed", "missing Compose Key (Authorization: Bearer compose-...); "
                            "raw x402 payments are not enabled on this gateway")
        try:
            gw.x402_kinds = await check_facilitator(gw.facilitator)
        except FacilitatorMisconfigured as exc:
            raise HTTPError(503, "facilitator_unavailable", str(exc)) from None
    return gw.x402_kinds


def network_for(request: Request, found: Kinds) -> Network:
    """The catalog's default network, or the one `x-chain-id` names (it must be one we take payments on)."""
    raw = request.headers.get("x-chain-id")
    if raw is None:
        return NETWORKS[DEFAULT_NETWORK]
    usable = [n for n in NETWORKS.values() if (EXACT, n.id) in found and (UPTO, n.id) in found]
    network = NETWORKS.get(f"eip155:{int(raw)}") if _DIGITS.fullmatch(raw.strip()) else None
    if network is None or network not in usable:
        raise HTTPError(400, "validation_error", f"x-chain-id {raw!r} is not a chain this gateway takes x402 payments "
                        f"on (supported: {', '.join(str(n.chain_id) for n in usable)})")
    return network


def timeout_seconds(gw: Gateway, stream: bool) -> int:
    """maxTimeoutSeconds: how long the authorization must stay valid, the intent/stream TTL of Compose Key holds
    (15 min / 1 h by default). The work is cut before the authorization's own end (admit.work_deadline)."""
    return (gw.stream_ttl_ms if stream else gw.intent_ttl_ms) // 1000


def absolute_url(request: Request) -> str:
    scope = request.scope
    host = request.headers.get("host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}{request.path}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Offer:
    requirements: PaymentRequirements
    resource: ResourceInfo

    def challenge(self, error: str | None) -> PaymentChallenge:
        return PaymentChallenge(PaymentRequired(error=error, resource=self.resource, accepts=[self.requirements],
                                                extensions=EXTENSIONS))


def offer(request: Request, found: Kinds, scheme: str, network: Network, amount: int, *, timeout: int,
          description: str, mime_type: str | None = None) -> Offer:
    requirements = build_requirements(scheme, network, amount, network.pay_to, found[scheme, network.id],
                                      max_timeout_seconds=timeout)
    requirements = requirements.model_copy(update={"extra": {**requirements.extra, "compose": dict(COMPOSE_EXTRA)}})
    return Offer(requirements, ResourceInfo(url=absolute_url(request), description=description, mime_type=mime_type))
