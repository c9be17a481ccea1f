"""An offline x402 v2 facilitator for `exact` (EIP-3009) and `upto` (Permit2 witness) on the catalog's networks.

The chain is replaced by a SQLite ledger (ledger.py); signatures, windows, nonces and balances are checked as a
chain-backed facilitator would, and every answer is a VerifyResponse / SettleResponse dict, never an exception.
"""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from pydantic import ValidationError

from generated.catalog import DEFAULT_NETWORK, NETWORKS, Network

from ..protocol import errors as e
from ..protocol.checks import EXACT, SCHEMES, UPTO, Outcome, check_payload, envelope_reason
from ..protocol.codec import summarize
from ..protocol.eip712 import PERMIT2_ADDRESS, UPTO_PROXY_ADDRESS
from ..protocol.models import (
    PaymentPayload,
    PaymentRequirements,
    SettleRequest,
    SettleResponse,
    SupportedKind,
    SupportedResponse,
    VerifyRequest,
    VerifyResponse,
)
from ..protocol.payloads import ExactPayload, UptoPayload, nonce_key, parse_upto, same_address
from ..protocol.payloads import address as parse_address
from .chain import Ledger, Refusal, Transfer

logger = logging.getLogger(__name__)

_TESTNET_CHAIN_IDS: Final = frozenset({43113, 84532, 11155111, 421614, 11155420, 80002})


def _unix_now() -> int:
    return int(time.time())


class EmbeddedFacilitator:
    def __init__(
        self,
        path: str,
        signer: LocalAccount,
        networks: Mapping[str, Network] | None = None,
        now: Callable[[], int] = _unix_now,
        extensions: Sequence[str] = (),
    ) -> None:
        self._networks = dict(NETWORKS if networks is None else networks)
        if not self._networks:
            raise ValueError("a facilitator needs at least one network")
        self._address = str(signer.address)
        self._default = DEFAULT_NETWORK if DEFAULT_NETWORK in self._networks else next(iter(self._networks))
        self._now = now
        self._extensions = list(extensions)
        self._ledger = Ledger(path)

    @property
    def address(self) -> str:
        return self._address

    def close(self) -> None:
        self._ledger.close()

    def supported(self) -> dict[str, Any]:
        kinds = []
        for network_id in self._networks:
            kinds.append(SupportedKind(x402_version=2, scheme=EXACT, network=network_id))
            kinds.append(
                SupportedKind(
                    x402_version=2, scheme=UPTO, network=network_id, extra={"facilitatorAddress": self._address}
                )
            )
        response = SupportedResponse(kinds=kinds, extensions=self._extensions, signers={"eip155:*": [self._address]})
        return response.wire()

    def chains(self) -> dict[str, Any]:
        chains = [
            {
                "chainId": network.chain_id,
                "name": network.name,
                "network": network.id,
                "isTestnet": network.chain_id in _TESTNET_CHAIN_IDS,
                "usdcAddress": network.asset,
                "x402UptoPermit2Proxy": UPTO_PROXY_ADDRESS,
                "schemes": list(SCHEMES),
                "asset": "USDC",
                "decimals": network.decimals,
            }
            for network in self._networks.values()
        ]
        return {"chains": chains, "defaultChainId": self._networks[self._default].chain_id}

    def fund(self, address: str, amount: int, network: str | None = None) -> int:
        """Mint test USDC; returns the new balance."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("amount must be an int of atomic units")
        return self._ledger.credit(self._network_id(network), parse_address(address, "address"), amount)

    def balance(self, address: str, network: str | None = None) -> int:
        return self._ledger.balance(self._network_id(network), parse_address(address, "address"))

    def verify(self, body: Any) -> dict[str, Any]:
        try:
            request = _parse(body, VerifyRequest)
            if isinstance(request, tuple):
                return VerifyResponse(is_valid=False, invalid_reason=request[0], invalid_message=request[1]).wire()
            outcome = self._verify(request.payment_payload, request.payment_requirements)
            if outcome.reason is None and outcome.parsed is not None:
                required = int(request.payment_requirements.amount)
                if self._ledger.balance(request.payment_requirements.network, outcome.payer or "") < required:
                    insufficient = e.PERMIT2_INSUFFICIENT_BALANCE if _is_upto(outcome) else e.INSUFFICIENT_FUNDS
                    outcome = Outcome(insufficient, outcome.payer, outcome.parsed)
            valid = outcome.reason is None
            return VerifyResponse(is_valid=valid, invalid_reason=outcome.reason, payer=outcome.payer).wire()
        except Exception:  # the HTTP route must always get a VerifyResponse
            logger.exception("unexpected error in verify")
            return VerifyResponse(is_valid=False, invalid_reason=e.UNEXPECTED_VERIFY_ERROR).wire()

    def settle(self, body: Any) -> dict[str, Any]:
        network = _network_of(body)
        try:
            request = _parse(body, SettleRequest)
            if isinstance(request, tuple):
                reason, message = request
                return SettleResponse(success=False, error_reason=reason, error_message=message, network=network).wire()
            return self._settle(request.payment_payload, request.payment_requirements).wire()
        except Exception:  # the HTTP route must always get a SettleResponse
            logger.exception("unexpected error in settle")
            return SettleResponse(success=False, error_reason=e.UNEXPECTED_SETTLE_ERROR, network=network).wire()

    def _verify(self, payload: PaymentPayload, requirements: PaymentRequirements) -> Outcome:
        """Every check but the balance, which verify and settle treat differently."""
        reason = envelope_reason(payload, requirements)
        if reason:
            return Outcome(reason)
        network = self._networks.get(requirements.network)
        if network is None:
            return Outcome(e.INVALID_NETWORK)
        if not same_address(requirements.asset, network.asset):
            return Outcome(e.INVALID_PAYMENT_REQUIREMENTS)
        if requirements.scheme == EXACT:
            # A chain would reject a signature over another domain; we know the token's real domain.
            name, version = requirements.extra.get("name"), requirements.extra.get("version")
            if name is None or version is None:
                return Outcome(e.MISSING_EIP712_DOMAIN)
            if name != network.asset_name:
                return Outcome(e.EXACT_TOKEN_NAME_MISMATCH)
            if version != network.asset_version:
                return Outcome(e.EXACT_TOKEN_VERSION_MISMATCH)
        outcome = check_payload(payload, requirements, self._now(), self._address)
        if outcome.reason or outcome.parsed is None or outcome.payer is None:
            return outcome
        space, nonce = self._nonce_of(outcome.parsed, network)
        if self._ledger.nonce_used(network.id, space, outcome.payer, nonce):
            return Outcome(_nonce_used_reason(outcome), outcome.payer, outcome.parsed)
        return outcome

    def _settle(self, payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse:
        network_id = requirements.network
        amount = int(requirements.amount)
        checked = requirements
        if requirements.scheme == UPTO and payload.accepted.scheme == UPTO:
            # Settle-time verification runs against the authorized maximum, not the amount to settle.
            try:
                permitted = parse_upto(payload.payload).permit.amount
            except ValueError:
                return SettleResponse(success=False, error_reason=e.INVALID_PAYLOAD, network=network_id)
            checked = requirements.model_copy(update={"amount": str(permitted)})
        outcome = self._verify(payload, checked)
        replayed = self._replayed(outcome, network_id, amount)
        if replayed is not None:
            return replayed
        if outcome.reason or outcome.parsed is None or outcome.payer is None:
            reason = outcome.reason or e.INVALID_PAYLOAD
            return SettleResponse(success=False, error_reason=reason, payer=outcome.payer, network=network_id)
        payer = outcome.payer
        if isinstance(outcome.parsed, UptoPayload) and amount > outcome.parsed.permit.amount:
            reason = e.UPTO_SETTLEMENT_EXCEEDS_AMOUNT
            return SettleResponse(success=False, error_reason=reason, payer=payer, network=network_id)
        network = self._networks[network_id]
        space, nonce = self._nonce_of(outcome.parsed, network)
        tx_hash = self._tx_hash(network_id, space, payer, nonce, amount)
        transfer = Transfer(
            network=network_id,
            asset=space,
            payer=payer,
            pay_to=parse_address(requirements.pay_to, "payTo"),
            nonce=nonce,
            amount=amount,
            scheme=requirements.scheme,
            tx_hash=tx_hash,
            at=self._now(),
        )
        refusal = self._ledger.settle(transfer)
        if refusal is Refusal.NONCE_USED:  # a twin settled it since _verify looked: its outcome, if it was this one
            replayed = self._replayed(Outcome(_nonce_used_reason(outcome), payer, outcome.parsed), network_id, amount)
            if replayed is not None:
                return replayed
            reason = _nonce_used_reason(outcome)
            return SettleResponse(success=False, error_reason=reason, payer=payer, network=network_id)
        if refusal is Refusal.INSUFFICIENT:
            reason = e.PERMIT2_INSUFFICIENT_BALANCE if _is_upto(outcome) else e.INSUFFICIENT_FUNDS
            return SettleResponse(success=False, error_reason=reason, payer=payer, network=network_id)
        transaction = tx_hash if amount else ""  # a $0 upto settle sends no transaction
        return SettleResponse(
            success=True, payer=payer, transaction=transaction, network=network_id, amount=str(amount)
        )

    def _replayed(self, outcome: Outcome, network_id: str, amount: int) -> SettleResponse | None:
        """The first outcome of a settlement presented again, identical: a caller that lost the answer (a crash
        mid-settle) gets it, as a chain's receipt of the mined transaction would tell it; nothing moves twice."""
        if outcome.reason != _nonce_used_reason(outcome) or outcome.parsed is None or outcome.payer is None \
                or not amount:
            return None
        space, nonce = self._nonce_of(outcome.parsed, self._networks[network_id])
        tx_hash = self._tx_hash(network_id, space, outcome.payer, nonce, amount)
        if not self._ledger.settled(tx_hash):
            return None
        return SettleResponse(success=True, payer=outcome.payer, transaction=tx_hash, network=network_id,
                              amount=str(amount))

    @staticmethod
    def _tx_hash(network_id: str, space: str, payer: str, nonce: str, amount: int) -> str:
        return "0x" + keccak("\n".join([network_id, space, payer, nonce, str(amount)]).lower().encode()).hex()

    def _nonce_of(self, parsed: ExactPayload | UptoPayload, network: Network) -> tuple[str, str]:
        """(contract that owns the nonce space, nonce): EIP-3009 nonces live in the token, Permit2's in Permit2."""
        if isinstance(parsed, ExactPayload):
            return parse_address(network.asset, "asset"), nonce_key(parsed.authorization.nonce)
        return PERMIT2_ADDRESS, nonce_key(parsed.permit.nonce)

    def _network_id(self, network: str | None) -> str:
        network_id = network or self._default
        if network_id not in self._networks:
            raise ValueError(f"unknown network {network_id!r}")
        return network_id


def _is_upto(outcome: Outcome) -> bool:
    return isinstance(outcome.parsed, UptoPayload)


def _nonce_used_reason(outcome: Outcome) -> str:
    return e.PERMIT2_NONCE_USED if _is_upto(outcome) else e.EXACT_NONCE_USED


def _parse(body: Any, model: type[VerifyRequest]) -> VerifyRequest | tuple[str, str]:
    """The request, or (reason, message) saying why it was refused."""
    if not isinstance(body, dict):
        return e.INVALID_PAYLOAD, "the body is not a JSON object"
    version = body.get("x402Version", 2)  # older clients omit the top-level version
    if type(version) is not int or version != 2:
        return e.INVALID_X402_VERSION, "x402Version must be 2"
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]["loc"]
        if first[:2] == ("paymentPayload", "x402Version"):
            reason = e.INVALID_X402_VERSION
        elif first[:1] == ("paymentRequirements",):
            reason = e.INVALID_PAYMENT_REQUIREMENTS
        else:
            reason = e.INVALID_PAYLOAD
        return reason, summarize(exc)


def _network_of(body: Any) -> str:
    requirements = body.get("paymentRequirements") if isinstance(body, dict) else None
    network = requirements.get("network") if isinstance(requirements, dict) else None
    return network if isinstance(network, str) else ""
