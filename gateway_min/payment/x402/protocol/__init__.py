"""x402 v2 on the wire: models, header codecs, EIP-712 signatures (EIP-3009 `exact`, Permit2 `upto`), payload
parsing, the checks a payment must pass, requirement matching, and a payer's wallet (tests, demos, benchmarks)."""

from .checks import EXACT, SCHEMES, UPTO
from .codec import decode_header, decode_receipt, encode_header, encode_receipt
from .errors import SETTLEMENT_PENDING, FacilitatorError, FacilitatorUnavailable, MalformedPayment
from .models import (
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    ResourceInfo,
    SettleRequest,
    SettleResponse,
    SupportedKind,
    SupportedResponse,
    VerifyRequest,
    VerifyResponse,
)
from .requirements import build_requirements, expires_at, local_checks, matches, payer_and_nonce
from .wallet import pay

__all__ = [
    "EXACT",
    "SCHEMES",
    "SETTLEMENT_PENDING",
    "UPTO",
    "FacilitatorError",
    "FacilitatorUnavailable",
    "MalformedPayment",
    "PaymentPayload",
    "PaymentRequired",
    "PaymentRequirements",
    "ResourceInfo",
    "SettleRequest",
    "SettleResponse",
    "SupportedKind",
    "SupportedResponse",
    "VerifyRequest",
    "VerifyResponse",
    "build_requirements",
    "decode_header",
    "decode_receipt",
    "encode_header",
    "encode_receipt",
    "expires_at",
    "local_checks",
    "matches",
    "pay",
    "payer_and_nonce",
]
