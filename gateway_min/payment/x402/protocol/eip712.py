"""EIP-712 typed data for exact (EIP-3009 TransferWithAuthorization) and upto (Permit2 witness transfer)."""

import functools
from dataclasses import dataclass
from typing import Any, Final

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import Signature
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


# The hot path: a payment's signer from the two fixed structs, hashed by EIP-712's rules directly (eth_account's
# encoder is general, and takes ~0.2 ms a payment, most of the gateway's x402 cost), then recovered with eth_keys
# (coincurve). `digest` of the typed data is the oracle the tests hold them to. A signer is recovered once per
# process: the gateway's checks, then the embedded facilitator's verify and settle (in the same process) ask for
# the same authorization, and recovery is a pure function of its (frozen, hashable) arguments.
RECOVERED: Final = 4096
_DOMAIN_TYPEHASH: Final = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_PERMIT2_DOMAIN_TYPEHASH: Final = keccak(b"EIP712Domain(string name,uint256 chainId,address verifyingContract)")
_TRANSFER_TYPEHASH: Final = keccak(b"TransferWithAuthorization(address from,address to,uint256 value,"
                                   b"uint256 validAfter,uint256 validBefore,bytes32 nonce)")
_PERMIT_TYPEHASH: Final = keccak(b"PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,"
                                 b"uint256 deadline,Witness witness)TokenPermissions(address token,uint256 amount)"
                                 b"Witness(address to,address facilitator,uint256 validAfter)")
_TOKEN_PERMISSIONS_TYPEHASH: Final = keccak(b"TokenPermissions(address token,uint256 amount)")
_WITNESS_TYPEHASH: Final = keccak(b"Witness(address to,address facilitator,uint256 validAfter)")


def _word(value: int | str) -> bytes:
    """A uint256, or a 0x-address, as one 32-byte ABI word."""
    return (value if isinstance(value, int) else int(value, 16)).to_bytes(32, "big")


@functools.lru_cache(maxsize=64)
def _token_domain(domain: TokenDomain) -> bytes:
    return keccak(_DOMAIN_TYPEHASH + keccak(domain.name.encode()) + keccak(domain.version.encode())
                  + _word(domain.chain_id) + _word(domain.verifying_contract))


@functools.lru_cache(maxsize=64)
def _permit2_domain(chain_id: int) -> bytes:
    return keccak(_PERMIT2_DOMAIN_TYPEHASH + keccak(b"Permit2") + _word(chain_id) + _word(PERMIT2_ADDRESS))


def transfer_digest(auth: TransferAuthorization, domain: TokenDomain) -> bytes:
    """The EIP-712 digest of an EIP-3009 TransferWithAuthorization (= digest(transfer_typed_data(...)))."""
    struct = keccak(_TRANSFER_TYPEHASH + _word(auth.from_) + _word(auth.to) + _word(auth.value)
                    + _word(auth.valid_after) + _word(auth.valid_before) + auth.nonce.rjust(32, b"\0"))
    return keccak(b"\x19\x01" + _token_domain(domain) + struct)


def permit2_digest(permit: PermitWitnessTransfer, chain_id: int) -> bytes:
    """The EIP-712 digest of a Permit2 PermitWitnessTransferFrom (= digest(permit2_typed_data(...)))."""
    permitted = keccak(_TOKEN_PERMISSIONS_TYPEHASH + _word(permit.token) + _word(permit.amount))
    witness = keccak(_WITNESS_TYPEHASH + _word(permit.to) + _word(permit.facilitator) + _word(permit.valid_after))
    struct = keccak(_PERMIT_TYPEHASH + permitted + _word(permit.spender) + _word(permit.nonce)
                    + _word(permit.deadline) + witness)
    return keccak(b"\x19\x01" + _permit2_domain(chain_id) + struct)


def recover_digest(digest: bytes, signature: bytes) -> str | None:
    """The checksummed signer of a 65-byte (r, s, v) signature over `digest`, or None when it cannot be recovered."""
    if len(signature) != 65 or signature[64] not in (0, 1, 27, 28):
        return None  # EIP-1271 / ERC-6492 smart-wallet signatures need a chain; we have none
    try:
        vrs = (signature[64] % 27, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"))
        return str(Signature(vrs=vrs).recover_public_key_from_msg_hash(digest).to_checksum_address())
    except Exception:  # eth-keys raises several types for an r/s/v outside the curve
        return None


@functools.lru_cache(maxsize=RECOVERED)
def recover_transfer(auth: TransferAuthorization, domain: TokenDomain, signature: bytes) -> str | None:
    return recover_digest(transfer_digest(auth, domain), signature)


@functools.lru_cache(maxsize=RECOVERED)
def recover_permit2(permit: PermitWitnessTransfer, chain_id: int, signature: bytes) -> str | None:
    return recover_digest(permit2_digest(permit, chain_id), signature)


def _signable(typed_data: TypedData) -> SignableMessage:
    return encode_typed_data(full_message=typed_data)
