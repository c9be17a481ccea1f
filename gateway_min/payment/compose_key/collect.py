"""Collecting what a wallet key spent, once, when the key ends: the stored `upto` authorization settled through the
facilitator for the key's `budgetUsed`.

The sweep (every process's, every `--sweep-interval`; and right after a key is closed or superseded) ends the keys
that can no longer spend (revoked, expired, exhausted, near their authorization's deadline), then leases the
collections whose key holds nothing more, and settles each. The ledger's state machine (ledger/*/funding.py) makes
each step happen once; a lease that runs out (a crash mid-collection) lets another process present the same
settlement again, which the facilitator answers with its first outcome: nothing is collected twice. A facilitator
that cannot be reached leaves the collection leased, to be tried again when the lease runs out; a refusal records
it failed, with the uncollected amount, and the wallet opens no other wallet-backed key until the operator
retries or forgives it.
"""

from __future__ import annotations

import logging
from typing import Final

from gateway_min.context import Gateway
from gateway_min.ledger import FundingRow
from gateway_min.payment.compose_key.wallet import END_MARGIN_MS
from gateway_min.payment.x402.protocol import SETTLEMENT_PENDING, FacilitatorError, PaymentPayload, PaymentRequirements

log = logging.getLogger("gateway_min")
LEASE_MS: Final = 120_000  # a collection left this long by its process (a crash) is taken over by another


async def collect_due(gw: Gateway) -> int:
    """End the fundings whose key can no longer spend, and collect those whose holds are all resolved; how many
    were collected or failed by this call."""
    if gw.facilitator is None:
        return 0
    await gw.ledger.end_due_fundings(END_MARGIN_MS)
    done = 0
    for funding in await gw.ledger.lease_collections(gw.instance, LEASE_MS):
        done += await collect(gw, funding)
    return done


async def collect(gw: Gateway, funding: FundingRow) -> int:
    """Settle one leased collection; 1 when its outcome is recorded, 0 when it is left for a later try."""
    amount = funding.amount or 0
    if amount == 0:  # nothing spent: an upto settle of 0 sends no transaction
        finished = await gw.ledger.finish_collection(funding.key_id, gw.instance, True)
        return int(finished is not None)
    assert gw.facilitator is not None
    payload = PaymentPayload.model_validate_json(funding.payload)
    requirements = PaymentRequirements.model_validate_json(funding.requirements).model_copy(
        update={"amount": str(amount)})
    try:
        result = await gw.facilitator.settle(payload, requirements)
    except FacilitatorError as exc:  # maybe it moved, maybe not: the same settlement is presented again later
        log.warning("collection of key %s (%d) is left for a later try: %s", funding.key_id, amount, exc)
        return 0
    if not result.success and result.error_reason == SETTLEMENT_PENDING:
        log.warning("collection of key %s (%d) is pending on chain: tried again later", funding.key_id, amount)
        return 0
    if result.success:
        finished = await gw.ledger.finish_collection(funding.key_id, gw.instance, True,
                                                     tx_hash=result.transaction or None)
        log.info("collected %d for key %s (tx %s)", amount, funding.key_id, result.transaction or "none")
    else:
        why = f"{result.error_reason}: {result.error_message}" if result.error_message else result.error_reason
        finished = await gw.ledger.finish_collection(funding.key_id, gw.instance, False, error=why)
        log.error("collection of %d for key %s failed (%s): the wallet %s owes it", amount, funding.key_id, why,
                  funding.payer)
    return int(finished is not None)
