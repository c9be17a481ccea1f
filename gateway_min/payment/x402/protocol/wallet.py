"""Client side: sign a PaymentPayload for advertised requirements (the demo client and the tests)."""

import secrets

from eth_account.signers.local import LocalAccount

from .checks import UPTO, chain_id_of
from .eip712 import (
    UPTO_PROXY_ADDRESS,
    PermitWitnessTransfer,
    TokenDomain,
    TransferAuthorization,
    sign_permit2,
    sign_transfer,
)
from .models import PaymentPayload, PaymentRequirements, ResourceInfo
from .payloads import address, exact_to_wire, upto_to_wire


def pay(
    account: LocalAccount,
    requirements: PaymentRequirements,
    now: int,
    *,
    resource: ResourceInfo | None = None,
    nonce: int | None = None,
    valid_after: int = 0,
    valid_before: int | None = None,
) -> PaymentPayload:
    """Sign `requirements` as the SDK clients do: validAfter 0, valid until now + maxTimeoutSeconds, random nonce.

    `nonce` is a uint256 (an EIP-3009 nonce is its 32-byte big-endian form). Raises ValueError when the
    requirements lack what the scheme needs (a CAIP-2 eip155 network, extra.name/version, facilitatorAddress).
    """
    chain_id = chain_id_of(requirements.network)
    if chain_id is None:
        raise ValueError(f"not an eip155 network: {requirements.network!r}")
    nonce = secrets.randbits(256) if nonce is None else nonce
    expires = now + requirements.max_timeout_seconds if valid_before is None else valid_before
    if requirements.scheme == UPTO:
        permit = PermitWitnessTransfer(
            owner=account.address,
            token=address(requirements.asset, "asset"),
            amount=int(requirements.amount),
            spender=UPTO_PROXY_ADDRESS,
            nonce=nonce,
            deadline=expires,
            to=address(requirements.pay_to, "payTo"),
            facilitator=address(requirements.extra.get("facilitatorAddress"), "extra.facilitatorAddress"),
            valid_after=valid_after,
        )
        body = upto_to_wire(permit, sign_permit2(permit, chain_id, account))
    else:
        name, version = requirements.extra.get("name"), requirements.extra.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise ValueError("exact needs extra.name and extra.version (the token's EIP-712 domain)")
        auth = TransferAuthorization(
            from_=account.address,
            to=address(requirements.pay_to, "payTo"),
            value=int(requirements.amount),
            valid_after=valid_after,
            valid_before=expires,
            nonce=nonce.to_bytes(32, "big"),
        )
        domain = TokenDomain(name, version, chain_id, address(requirements.asset, "asset"))
        body = exact_to_wire(auth, sign_transfer(auth, domain, account))
    return PaymentPayload(resource=resource, accepted=requirements, payload=body)
