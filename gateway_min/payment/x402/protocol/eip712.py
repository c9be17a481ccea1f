"""EIP-712 typed data for exact (EIP-3009 TransferWithAuthorization) and upto (Permit2 witness transfer)."""

from dataclasses import dataclass
from typing import Any, Final

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

PERMIT2_ADDRESS: Final = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
UPTO_PROXY_ADDRESS: Final = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002"

TypedData = dict[str, Any]

_TOKEN_DOMAIN_TYPE: Final = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
# Permit2's domain has no version.
_PERMIT2_DOMAIN_TYPE: Final = [
    {"name": "name", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_TRANSFER_WITH_AUTHORIZATION: Final = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
_PERMIT_WITNESS_TRANSFER_FROM: Final = [
    {"name": "permitted", "type": "TokenPermissions"},
    {"name": "spender", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
    {"name": "witness", "type": "Witness"},
]
_TOKEN_PERMISSIONS: Final = [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}]
_WITNESS: Final = [
    {"name": "to", "type": "address"},
    {"name": "facilitator", "type": "address"},
    {"name": "validAfter", "type": "uint256"},
]


@dataclass(frozen=True, slots=True)
class TokenDomain:
    name: str
    version: str
    chain_id: int
    verifying_contract: str


@dataclass(frozen=True, slots=True)
class TransferAuthorization:
    """EIP-3009 transferWithAuthorization arguments (addresses checksummed, nonce 32 bytes)."""

    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: bytes


@dataclass(frozen=True, slots=True)
class PermitWitnessTransfer:
    """Permit2 PermitWitnessTransferFrom with the x402 upto witness; `owner` is the payload's `from`."""

    owner: str
    token: str
    amount: int
    spender: str
    nonce: int
    deadline: int
    to: str
    facilitator: str
    valid_after: int


def transfer_typed_data(auth: TransferAuthorization, domain: TokenDomain) -> TypedData:
    return {
        "types": {"EIP712Domain": _TOKEN_DOMAIN_TYPE, "TransferWithAuthorization": _TRANSFER_WITH_AUTHORIZATION},
        "primaryType": "TransferWithAuthorization",
        "domain": {
            "name": domain.name,
            "version": domain.version,
            "chainId": domain.chain_id,
            "verifyingContract": domain.verifying_contract,
        },
        "message": {
            "from": auth.from_,
            "to": auth.to,
            "value": auth.value,
            "validAfter": auth.valid_after,
            "validBefore": auth.valid_before,
            "nonce": auth.nonce,
        },
    }


def permit2_typed_data(permit: PermitWitnessTransfer, chain_id: int) -> TypedData:
    return {
        "types": {
            "EIP712Domain": _PERMIT2_DOMAIN_TYPE,
            "PermitWitnessTransferFrom": _PERMIT_WITNESS_TRANSFER_FROM,
            "TokenPermissions": _TOKEN_PERMISSIONS,
            "Witness": _WITNESS,
        },
        "primaryType": "PermitWitnessTransferFrom",
        "domain": {"name": "Permit2", "chainId": chain_id, "verifyingContract": PERMIT2_ADDRESS},
        "message": {
            "permitted": {"token": permit.token, "amount": permit.amount},
            "spender": permit.spender,
            "nonce": permit.nonce,
            "deadline": permit.deadline,
            "witness": {"to": permit.to, "facilitator": permit.facilitator, "validAfter": permit.valid_after},
        },
    }


def digest(typed_data: TypedData) -> bytes:
    """keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash): the hash an EOA signs."""
    message = _signable(typed_data)
    return keccak(b"\x19" + message.version + message.header + message.body)


def recover(typed_data: TypedData, signature: bytes) -> str | None:
    """The checksummed signer of a 65-byte ECDSA signature, or None when it cannot be recovered."""
    if len(signature) != 65:
        return None  # EIP-1271 / ERC-6492 smart-wallet signatures need a chain; we have none
    try:
        return str(Account.recover_message(_signable(typed_data), signature=signature))
    except Exception:  # eth-keys raises several types for an r/s/v outside the curve
        return None


def sign(typed_data: TypedData, account: LocalAccount) -> bytes:
    return bytes(account.sign_message(_signable(typed_data)).signature)


def sign_transfer(auth: TransferAuthorization, domain: TokenDomain, account: LocalAccount) -> str:
    return "0x" + sign(transfer_typed_data(auth, domain), account).hex()


def sign_permit2(permit: PermitWitnessTransfer, chain_id: int, account: LocalAccount) -> str:
    return "0x" + sign(permit2_typed_data(permit, chain_id), account).hex()


def recover_transfer(auth: TransferAuthorization, domain: TokenDomain, signature: bytes) -> str | None:
    return recover(transfer_typed_data(auth, domain), signature)


def recover_permit2(permit: PermitWitnessTransfer, chain_id: int, signature: bytes) -> str | None:
    return recover(permit2_typed_data(permit, chain_id), signature)


def _signable(typed_data: TypedData) -> SignableMessage:
    return encode_typed_data(full_message=typed_data)
