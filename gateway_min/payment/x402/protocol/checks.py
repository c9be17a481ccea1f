"""Stateless payment checks shared by the gateway's pre-filter and the embedded facilitator.

Order and reason strings follow the SDK's reference facilitators (x402-v2.md §3, §4). What needs state
(balances, spent nonces) lives in the facilitator.
"""

from dataclasses import dataclass
from typing import Final

from . import errors as e
from .eip712 import UPTO_PROXY_ADDRESS, TokenDomain, recover_permit2, recover_transfer
from .models import PaymentPayload, PaymentRequirements
from .payloads import ExactPayload, UptoPayload, address, parse_exact, parse_upto, same_address

EXACT: Final = "exact"
UPTO: Final = "upto"
SCHEMES: Final = (EXACT, UPTO)
# A payment must stay valid a few seconds past verify so the settle transaction can land (SDK: 6 s).
SETTLE_MARGIN_SECONDS: Final = 6


@dataclass(frozen=True, slots=True)
class Outcome:
    reason: str | None
    payer: str | None = None
    parsed: ExactPayload | UptoPayload | None = None


def chain_id_of(network: str) -> int | None:
    namespace, _, reference = network.partition(":")
    if namespace != "eip155" or not reference.isascii() or not reference.isdigit() or reference.startswith("0"):
        return None
    return int(reference)


def envelope_reason(payload: PaymentPayload, requirements: PaymentRequirements) -> str | None:
    """Version, scheme and network agreement between what the client accepted and what is required."""
    if payload.x402_version != 2:
        return e.INVALID_X402_VERSION
    if requirements.scheme not in SCHEMES:
        return e.UNSUPPORTED_SCHEME
    upto = requirements.scheme == UPTO
    if payload.accepted.scheme != requirements.scheme:
        return e.UPTO_SCHEME if upto else e.INVALID_SCHEME
    if chain_id_of(requirements.network) is None:
        return e.INVALID_NETWORK
    if payload.accepted.network != requirements.network:
        return e.UPTO_NETWORK_MISMATCH if upto else e.NETWORK_MISMATCH
    return None


def check_payload(
    payload: PaymentPayload, requirements: PaymentRequirements, now: int, facilitator: str | None
) -> Outcome:
    """Parse the scheme payload and check it against `requirements` (run `envelope_reason` first).

    `facilitator` is the address an upto witness must name; None makes every upto payload fail that check.
    """
    chain_id = chain_id_of(requirements.network)
    if chain_id is None:
        return Outcome(e.INVALID_NETWORK)
    try:
        asset = address(requirements.asset, "asset")
        required = int(requirements.amount)
    except ValueError:
        return Outcome(e.INVALID_PAYMENT_REQUIREMENTS)
    try:
        parsed = parse_upto(payload.payload) if requirements.scheme == UPTO else parse_exact(payload.payload)
    except ValueError:
        return Outcome(e.INVALID_PAYLOAD)
    if isinstance(parsed, ExactPayload):
        name, version = requirements.extra.get("name"), requirements.extra.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            return Outcome(e.MISSING_EIP712_DOMAIN, parsed.authorization.from_, parsed)
        domain = TokenDomain(name, version, chain_id, asset)
        return Outcome(_exact_reason(parsed, requirements, required, now, domain), parsed.authorization.from_, parsed)
    reason = _upto_reason(parsed, requirements, required, asset, now=now, chain_id=chain_id, facilitator=facilitator)
    return Outcome(reason, parsed.permit.owner, parsed)


def _exact_reason(
    parsed: ExactPayload, requirements: PaymentRequirements, required: int, now: int, domain: TokenDomain
) -> str | None:
    auth = parsed.authorization
    if not same_address(auth.to, requirements.pay_to):
        return e.EXACT_RECIPIENT_MISMATCH
    if auth.value != required:
        return e.EXACT_VALUE_MISMATCH
    if auth.valid_before < now + SETTLE_MARGIN_SECONDS:
        return e.EXACT_VALID_BEFORE
    if auth.valid_after > now:
        return e.EXACT_VALID_AFTER
    if recover_transfer(auth, domain, parsed.signature) != auth.from_:
        return e.EXACT_SIGNATURE
    return None


def _upto_reason(
    parsed: UptoPayload,
    requirements: PaymentRequirements,
    required: int,
    asset: str,
    *,
    now: int,
    chain_id: int,
    facilitator: str | None,
) -> str | None:
    permit = parsed.permit
    if not same_address(permit.spender, UPTO_PROXY_ADDRESS):
        return e.PERMIT2_SPENDER
    if not same_address(permit.to, requirements.pay_to):
        return e.PERMIT2_RECIPIENT_MISMATCH
    if facilitator is None or not same_address(permit.facilitator, facilitator):
        return e.UPTO_FACILITATOR_MISMATCH
    if permit.deadline < now + SETTLE_MARGIN_SECONDS:
        return e.PERMIT2_DEADLINE_EXPIRED
    if permit.valid_after > now:
        return e.PERMIT2_NOT_YET_VALID
    if permit.amount != required:
        return e.PERMIT2_AMOUNT_MISMATCH
    if permit.token != asset:
        return e.PERMIT2_TOKEN_MISMATCH
    if recover_permit2(permit, chain_id, parsed.signature) != permit.owner:
        return e.PERMIT2_SIGNATURE
    return None
