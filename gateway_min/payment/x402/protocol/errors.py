"""x402 reason strings (spec v2 §9, plus the SDK's EVM strings) and the package's exception types.

Exceptions:

    ValueError
     └── MalformedPayment        a header or body that cannot be decoded (HTTP 400)
    Exception
     └── FacilitatorError        the facilitator could not give an answer (HTTP 502)
          └── FacilitatorUnavailable   connection error, timeout, 5xx without a usable body
"""

from typing import Final

# Generic (spec v2 §9).
INSUFFICIENT_FUNDS: Final = "insufficient_funds"
INVALID_NETWORK: Final = "invalid_network"
INVALID_PAYLOAD: Final = "invalid_payload"
INVALID_PAYMENT_REQUIREMENTS: Final = "invalid_payment_requirements"
INVALID_SCHEME: Final = "invalid_scheme"
UNSUPPORTED_SCHEME: Final = "unsupported_scheme"
INVALID_X402_VERSION: Final = "invalid_x402_version"
UNEXPECTED_VERIFY_ERROR: Final = "unexpected_verify_error"
UNEXPECTED_SETTLE_ERROR: Final = "unexpected_settle_error"
NETWORK_MISMATCH: Final = "network_mismatch"
MISSING_EIP712_DOMAIN: Final = "missing_eip712_domain"
SETTLEMENT_PENDING: Final = "settlement_pending"

# exact / EIP-3009.
EXACT_VALID_AFTER: Final = "invalid_exact_evm_payload_authorization_valid_after"
EXACT_VALID_BEFORE: Final = "invalid_exact_evm_payload_authorization_valid_before"
EXACT_VALUE_MISMATCH: Final = "invalid_exact_evm_payload_authorization_value_mismatch"
EXACT_SIGNATURE: Final = "invalid_exact_evm_payload_signature"
EXACT_RECIPIENT_MISMATCH: Final = "invalid_exact_evm_payload_recipient_mismatch"
EXACT_NONCE_USED: Final = "invalid_exact_evm_nonce_already_used"
EXACT_TOKEN_NAME_MISMATCH: Final = "invalid_exact_evm_token_name_mismatch"
EXACT_TOKEN_VERSION_MISMATCH: Final = "invalid_exact_evm_token_version_mismatch"

# upto / Permit2 witness.
UPTO_SCHEME: Final = "invalid_upto_evm_scheme"
UPTO_NETWORK_MISMATCH: Final = "invalid_upto_evm_network_mismatch"
UPTO_SETTLEMENT_EXCEEDS_AMOUNT: Final = "invalid_upto_evm_payload_settlement_exceeds_amount"
UPTO_FACILITATOR_MISMATCH: Final = "upto_facilitator_mismatch"
PERMIT2_SPENDER: Final = "invalid_permit2_spender"
PERMIT2_RECIPIENT_MISMATCH: Final = "invalid_permit2_recipient_mismatch"
PERMIT2_DEADLINE_EXPIRED: Final = "permit2_deadline_expired"
PERMIT2_NOT_YET_VALID: Final = "permit2_not_yet_valid"
PERMIT2_AMOUNT_MISMATCH: Final = "permit2_amount_mismatch"
PERMIT2_TOKEN_MISMATCH: Final = "permit2_token_mismatch"
PERMIT2_SIGNATURE: Final = "invalid_permit2_signature"
PERMIT2_INSUFFICIENT_BALANCE: Final = "permit2_insufficient_balance"
# What the SDK reports when the Permit2 contract reverts InvalidNonce (a nonce already spent).
PERMIT2_NONCE_USED: Final = "permit2_invalid_nonce"


class MalformedPayment(ValueError):
    """A payment header or facilitator body that cannot be decoded; the message says exactly why."""


class FacilitatorError(Exception):
    """The facilitator gave no usable verify/settle answer."""


class FacilitatorUnavailable(FacilitatorError):
    """Connection error, timeout, or a 5xx without a usable JSON body."""
