"""x402 v2 for the gateway: wire models, header codecs, EIP-712, an embedded facilitator and its clients."""

from .client import Facilitator, HttpFacilitator, LocalFacilitator
from .codec import decode_header, decode_receipt, encode_header, encode_receipt
from .errors import FacilitatorError, FacilitatorUnavailable, MalformedPayment
from .facilitator import EmbeddedFacilitator
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
    "EmbeddedFacilitator",
    "Facilitator",
    "FacilitatorError",
    "FacilitatorUnavailable",
    "HttpFacilitator",
    "LocalFacilitator",
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
