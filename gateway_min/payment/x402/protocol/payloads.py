"""Scheme payloads (`PaymentPayload.payload`) parsed from and written to their wire dicts."""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from eth_utils.address import to_checksum_address

from .eip712 import PermitWitnessTransfer, TransferAuthorization

_ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_DIGITS: Final = re.compile(r"[0-9]{1,78}")
_HEX_WORD: Final = re.compile(r"0x[0-9a-fA-F]{1,64}")
_BYTES32: Final = re.compile(r"0x[0-9a-fA-F]{64}")
_HEX_BYTES: Final = re.compile(r"0x(?:[0-9a-fA-F]{2})+")
_UINT256_LIMIT: Final = 1 << 256


@dataclass(frozen=True, slots=True)
class ExactPayload:
    authorization: TransferAuthorization
    signature: bytes


@dataclass(frozen=True, slots=True)
class UptoPayload:
    permit: PermitWitnessTransfer
    signature: bytes


def parse_exact(payload: Mapping[str, Any]) -> ExactPayload:
    """Raises ValueError naming the first bad field."""
    auth = _object(payload, "authorization", "payload")
    return ExactPayload(
        authorization=TransferAuthorization(
            from_=address(auth.get("from"), "authorization.from"),
            to=address(auth.get("to"), "authorization.to"),
            value=uint256(auth.get("value"), "authorization.value"),
            valid_after=uint256(auth.get("validAfter"), "authorization.validAfter"),
            valid_before=uint256(auth.get("validBefore"), "authorization.validBefore"),
            nonce=bytes32(auth.get("nonce"), "authorization.nonce"),
        ),
        signature=signature(payload.get("signature")),
    )


def parse_upto(payload: Mapping[str, Any]) -> UptoPayload:
    """Raises ValueError naming the first bad field. The Permit2 nonce may be decimal (SDK) or hex (spec example)."""
    auth = _object(payload, "permit2Authorization", "payload")
    permitted = _object(auth, "permitted", "permit2Authorization")
    witness = _object(auth, "witness", "permit2Authorization")
    return UptoPayload(
        permit=PermitWitnessTransfer(
            owner=address(auth.get("from"), "permit2Authorization.from"),
            token=address(permitted.get("token"), "permit2Authorization.permitted.token"),
            amount=uint256(permitted.get("amount"), "permit2Authorization.permitted.amount"),
            spender=address(auth.get("spender"), "permit2Authorization.spender"),
            nonce=uint256(auth.get("nonce"), "permit2Authorization.nonce", hex_ok=True),
            deadline=uint256(auth.get("deadline"), "permit2Authorization.deadline"),
            to=address(witness.get("to"), "permit2Authorization.witness.to"),
            facilitator=address(witness.get("facilitator"), "permit2Authorization.witness.facilitator"),
            valid_after=uint256(witness.get("validAfter"), "permit2Authorization.witness.validAfter"),
        ),
        signature=signature(payload.get("signature")),
    )


def exact_to_wire(auth: TransferAuthorization, sig: str) -> dict[str, Any]:
    return {
        "signature": sig,
        "authorization": {
            "from": auth.from_,
            "to": auth.to,
            "value": str(auth.value),
            "validAfter": str(auth.valid_after),
            "validBefore": str(auth.valid_before),
            "nonce": "0x" + auth.nonce.hex(),
        },
    }


def upto_to_wire(permit: PermitWitnessTransfer, sig: str) -> dict[str, Any]:
    return {
        "signature": sig,
        "permit2Authorization": {
            "from": permit.owner,
            "permitted": {"token": permit.token, "amount": str(permit.amount)},
            "spender": permit.spender,
            "nonce": str(permit.nonce),
            "deadline": str(permit.deadline),
            "witness": {"to": permit.to, "facilitator": permit.facilitator, "validAfter": str(permit.valid_after)},
        },
    }


def address(value: Any, where: str) -> str:
    # Any letter case is accepted: the chain compares 20 bytes, not EIP-55 spellings.
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ValueError(f"{where} is not a 0x-prefixed 20-byte address")
    return _checksummed(value.lower())


@functools.lru_cache(maxsize=4096)
def _checksummed(lower: str) -> str:
    """EIP-55 spelling (a keccak each, ~18 µs): a payment names the same few addresses many times over."""
    return str(to_checksum_address(lower))


def same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def uint256(value: Any, where: str, *, hex_ok: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    elif hex_ok and isinstance(value, str) and _HEX_WORD.fullmatch(value):
        number = int(value, 16)
    else:
        kind = "a decimal or 0x-hex" if hex_ok else "a decimal"
        raise ValueError(f"{where} is not {kind} uint256 string")
    if not 0 <= number < _UINT256_LIMIT:
        raise ValueError(f"{where} is outside uint256")
    return number


def bytes32(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not _BYTES32.fullmatch(value):
        raise ValueError(f"{where} is not 0x-prefixed 32-byte hex")
    return bytes.fromhex(value[2:])


def signature(value: Any) -> bytes:
    if not isinstance(value, str) or not _HEX_BYTES.fullmatch(value):
        raise ValueError("signature is not 0x-prefixed hex")
    return bytes.fromhex(value[2:])


def nonce_key(nonce: bytes | int) -> str:
    """One spelling for a nonce of either scheme: 0x + 64 lowercase hex digits."""
    raw = nonce if isinstance(nonce, bytes) else nonce.to_bytes(32, "big")
    return "0x" + raw.hex()


def _object(container: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = container.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}.{key} is missing or not an object")
    return value
