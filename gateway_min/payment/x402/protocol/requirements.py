"""Pure helpers for the gateway: what to advertise, whether a payment answers it, cheap pre-facilitator checks."""

from collections.abc import Mapping
from typing import Any

from generated.catalog import Network

from .checks import EXACT, UPTO, check_payload, envelope_reason
from .errors import MalformedPayment
from .models import PaymentPayload, PaymentRequirements
from .payloads import nonce_key, parse_exact, parse_upto

_COMPARED = ("scheme", "network", "amount", "asset", "pay_to", "max_timeout_seconds")
_ADDRESS_FIELDS = frozenset({"asset", "pay_to"})


def build_requirements(
    scheme: str,
    network: Network,
    amount: int,
    pay_to: str,
    supported_extra: Mapping[str, Any] | None,
    *,
    max_timeout_seconds: int = 300,
) -> PaymentRequirements:
    """One `accepts[]` entry; `supported_extra` is the facilitator's /supported kind extra for (scheme, network)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive int of atomic units, got {amount!r}")
    if max_timeout_seconds <= 0:
        raise ValueError("max_timeout_seconds must be positive")
    extra: dict[str, Any] = {**(supported_extra or {}), "name": network.asset_name, "version": network.asset_version}
    if scheme == UPTO:
        facilitator = extra.get("facilitatorAddress")
        if not isinstance(facilitator, str) or not facilitator:
            raise ValueError("upto needs the facilitator's facilitatorAddress (from /supported)")
        extra["assetTransferMethod"] = "permit2"
    elif scheme != EXACT:
        raise ValueError(f"unsupported scheme {scheme!r}")
    return PaymentRequirements(
        scheme=scheme,
        network=network.id,
        amount=str(amount),
        asset=network.asset,
        pay_to=pay_to,
        max_timeout_seconds=max_timeout_seconds,
        extra=extra,
    )


def matches(accepted: PaymentRequirements, advertised: PaymentRequirements) -> str | None:
    """None when `accepted` answers `advertised`: same terms (addresses in any case), our extra ⊆ theirs."""
    for field in _COMPARED:
        ours, theirs = getattr(advertised, field), getattr(accepted, field)
        if field in _ADDRESS_FIELDS:
            ours, theirs = ours.lower(), theirs.lower()
        if ours != theirs:
            return f"accepted.{_wire(field)} does not match the advertised {_wire(field)}"
    for key, ours in advertised.extra.items():
        if key not in accepted.extra or not _same_value(ours, accepted.extra[key]):
            return f"accepted.extra.{key} does not match the advertised extra"
    return None


def _same_value(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, str) and isinstance(theirs, str) and ours.startswith("0x"):
        return ours.lower() == theirs.lower()  # facilitatorAddress and other addresses: any letter case
    return bool(ours == theirs)


def local_checks(payload: PaymentPayload, requirements: PaymentRequirements, now: int) -> str | None:
    """Recipient, amount, time window and signature, with the facilitator's reason strings.

    A pre-filter only: it cannot see balances or spent nonces. The upto facilitator is the one advertised.
    """
    reason = envelope_reason(payload, requirements)
    if reason:
        return reason
    facilitator = requirements.extra.get("facilitatorAddress")
    return check_payload(payload, requirements, now, facilitator if isinstance(facilitator, str) else None).reason


def payer_and_nonce(payload: PaymentPayload) -> tuple[str, str]:
    """(checksummed payer, nonce as 0x + 64 hex) for a single-use claim; MalformedPayment if unreadable.

    Exact and upto nonces live in different contracts, so a claim key should include the scheme too.
    """
    try:
        if payload.accepted.scheme == UPTO:
            permit = parse_upto(payload.payload).permit
            return permit.owner, nonce_key(permit.nonce)
        auth = parse_exact(payload.payload).authorization
        return auth.from_, nonce_key(auth.nonce)
    except ValueError as exc:
        raise MalformedPayment(f"PAYMENT-SIGNATURE payload: {exc}") from None


def expires_at(payload: PaymentPayload) -> int:
    """The unix second after which the authorization can no longer be settled: exact's validBefore, upto's
    Permit2 deadline. MalformedPayment if unreadable."""
    try:
        if payload.accepted.scheme == UPTO:
            return parse_upto(payload.payload).permit.deadline
        return parse_exact(payload.payload).authorization.valid_before
    except ValueError as exc:
        raise MalformedPayment(f"PAYMENT-SIGNATURE payload: {exc}") from None


def _wire(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)
