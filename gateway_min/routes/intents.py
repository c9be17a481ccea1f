"""The intent API for services: prepare (reserve), settle, abort, and the meter quote. LegacyError bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

import orjson

import pricing
from catalog_build.units import UnknownUnit, scale
from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, parse_json, send_json
from gateway_min.http.auth import bearer, is_admin
from gateway_min.http.types import Send
from gateway_min.ledger import MAX_AMOUNT, Hold, IntentRow, KeyRow, LedgerError
from gateway_min.payment import receipts
from gateway_min.payment.compose_key import session, wallet
from gateway_min.payment.compose_key.payer import ledger_http_error
from gateway_min.payment.compose_key.tokens import budget_headers, check_chain, key_for_token, token_hash
from gateway_min.work import usage_shapes
from generated.catalog import PLATFORM_FEE_BPS
from pricing.charge import LineItem, ceil_div, platform_fee

DIGITS: Final = re.compile(r"[0-9]+")
MODALITIES: Final = ("text", "image", "audio", "video", "embedding")  # the contract's CanonicalModality


def _decimal_json(raw: bytes) -> dict[str, Any]:
    """JSON whose numbers are read as Decimal (unit prices must not pass through float). The document is checked
    first (syntax, depth) by the parser every route uses; only then read again with the standard library's."""
    if not isinstance(parse_json(raw), dict):
        raise HTTPError(400, "invalid_json", "request body must be a JSON object")
    value: dict[str, Any] = json.loads(raw, parse_float=Decimal, parse_int=_int64)
    return value


def _int64(literal: str) -> int:
    """Integers as the ledger stores them (64 bits): a longer literal is no amount, and would not re-encode."""
    if len(literal.lstrip("-")) > 19 or not -2**63 <= int(literal) <= MAX_AMOUNT:
        raise HTTPError(400, "validation_error", f"the integer {literal[:24]}… does not fit 64 bits (as a number; "
                        "send amounts as decimal strings)", style="legacy")
    return int(literal)


async def _body(request: Request) -> dict[str, Any]:
    request.expect_json()
    return _decimal_json(await request.body(SMALL_BODY))


def _atomic(value: Any, field: str, *, allow_zero: bool = False) -> int:
    if isinstance(value, str) and DIGITS.fullmatch(value) and len(value) <= 19:
        value = int(value)
    if type(value) is not int or value < (0 if allow_zero else 1) or value > MAX_AMOUNT:
        raise HTTPError(400, "validation_error", f"{field} must be a {'non-negative' if allow_zero else 'positive'} "
                        f"integer of USDC atomic units, got {value!r}")
    return value


def _bounded(value: Any, field: str) -> Decimal:
    """A positive meter number, read exactly and within bounds (a huge exponent would cost minutes of CPU)."""
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    digits = len(number.as_tuple().digits) if number.is_finite() else 0
    if not number.is_finite() or number <= 0 or not -18 <= number.adjusted() <= 18 or digits > 36:
        raise HTTPError(400, "validation_error", f"{field} must be a positive number between 1e-18 and 1e18, "
                        f"got {str(value)[:40]!r}")
    return number


def meter_lines(meter: Any) -> tuple[str, tuple[LineItem, ...]]:
    """A MeteredInput `{subject, lineItems:[{key, unit, quantity > 0, unitPriceUsd > 0}]}` priced by our rule."""
    if not isinstance(meter, dict) or not isinstance(meter.get("subject"), str) or not isinstance(
            meter.get("lineItems"), list) or not meter["lineItems"]:
        raise HTTPError(400, "validation_error",
                        "meter must be {subject, lineItems: [{key, unit, quantity, unitPriceUsd}]}")
    lines = []
    for i, item in enumerate(meter["lineItems"]):
        if not isinstance(item, dict):
            raise HTTPError(400, "validation_error", f"meter.lineItems[{i}] must be an object")
        try:
            key, unit = str(item["key"]), str(item["unit"])
            per = scale(unit).things if len(unit) <= 64 else 0  # quantities count the unit's own things (minutes…)
        except (KeyError, UnknownUnit) as exc:
            raise HTTPError(400, "validation_error", f"meter.lineItems[{i}]: {exc}") from None
        if not per:
            raise HTTPError(400, "validation_error", f"meter.lineItems[{i}]: unit is too long")
        quantity = _bounded(item.get("quantity"), f"meter.lineItems[{i}].quantity")
        price = _bounded(item.get("unitPriceUsd"), f"meter.lineItems[{i}].unitPriceUsd")
        exact = Fraction(quantity) * Fraction(price) * 10**6 / per  # exact: no decimal context involved
        amount = ceil_div(exact.numerator, exact.denominator)
        lines.append(LineItem(key, unit, int(quantity) if quantity == int(quantity) else quantity, price, amount))
    return meter["subject"], tuple(lines)


def _meter_total(lines: tuple[LineItem, ...]) -> tuple[int, int, int]:
    provider = sum(line.amount for line in lines)
    fee = platform_fee(provider, PLATFORM_FEE_BPS)
    if provider + fee > MAX_AMOUNT:
        raise HTTPError(400, "validation_error", f"the meter comes to {provider + fee} atomic units, more than any "
                        f"budget ({MAX_AMOUNT})", style="legacy")
    return provider, fee, provider + fee


async def prepare(gw: Gateway, request: Request, send: Send) -> None:
    key = await key_for_token(gw, bearer(request))
    try:
        check_chain(request, key, required=True)
    except HTTPError as error:
        raise _legacy(error) from None
    body = await _body(request)
    for field in ("service", "action", "resource", "method"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise HTTPError(400, "validation_error", f"`{field}` is required")
    given = [name for name in ("maxAmountWei", "meter") if body.get(name) is not None]
    if len(given) != 1:
        raise HTTPError(400, "validation_error", "exactly one of maxAmountWei or meter is required")
    if given[0] == "maxAmountWei":
        amount = _atomic(body["maxAmountWei"], "maxAmountWei")
    else:
        _, lines = meter_lines(body["meter"])
        amount = _meter_total(lines)[2]
    idem, header = body.get("idempotencyKey"), request.headers.get("x-idempotency-key")
    if idem is not None and header is not None and idem != header:
        raise HTTPError(400, "validation_error", "idempotencyKey and x-idempotency-key differ: send one of them")
    idem = idem if idem is not None else header
    if idem is not None and (not isinstance(idem, str) or not 1 <= len(idem) <= 200):
        raise HTTPError(400, "validation_error", "idempotencyKey must be 1 to 200 characters")
    run_id = body.get("composeRunId") or body.get("runId")
    # the same request whether its idempotency key came in the body or the header
    hashed = {name: value for name, value in body.items() if name != "idempotencyKey"}
    digest = hashlib.sha256(request.path.encode() + b"\n" + orjson.dumps(hashed, default=str,
                                                                      option=orjson.OPT_SORT_KEYS)).hexdigest()
    hold = Hold(key.id, amount, gw.intent_ttl_ms, idem, digest if idem else None, body["service"], body["action"],
                body["resource"],
                body.get("modelId") if isinstance(body.get("modelId"), str) else None,
                run_id if isinstance(run_id, str) else None)
    drained = await wallet.still_funded(gw, key, amount)
    if drained is not None:
        raise HTTPError(402, "payment_required", "the wallet behind this key no longer covers what it used and holds: "
                        "the key has ended, and what it spent is collected", style="legacy",
                        headers={session.INVALID: drained})
    try:
        reservation = await gw.ledger.reserve(hold)
    except LedgerError as exc:
        raise _legacy(ledger_http_error(exc)) from None
    headers = {"x-payment-intent-id": reservation.intent.id, **budget_headers(reservation.key)}
    if reservation.replay:
        headers["x-idempotent-replay"] = "true"
    intent = reservation.intent
    await send_json(send, 200, {"paymentIntentId": intent.id, "maxAmountWei": str(intent.amount),
                                "status": intent.state}, headers)


def _legacy(error: HTTPError) -> HTTPError:
    error.style = "legacy"
    if error.status == 402:
        error.message = "Compose key budget exhausted"
    return error


def _settled_body(intent: IntentRow) -> dict[str, Any]:
    stored = orjson.loads(intent.receipt) if intent.receipt else {}
    out: dict[str, Any] = {"paymentIntentId": intent.id, "maxAmountWei": str(intent.amount),
                           "finalAmountWei": str(intent.settled or 0), "status": "settled"}
    if intent.uncollected:  # a late settle books what the budget still allows: the rest is said, never dropped (I7)
        out["uncollectedWei"] = str(intent.uncollected)
    for ours, theirs in (("subject", "meterSubject"), ("provider_amount_wei", "providerAmountWei"),
                         ("platform_fee_wei", "platformFeeWei")):
        if ours in stored:
            out[theirs] = stored[ours]
    if "line_items" in stored:
        out["lineItems"] = receipts.camel({"line_items": stored["line_items"]})["lineItems"]
    return out


async def _resolvable(gw: Gateway, request: Request, intent_id: str) -> tuple[IntentRow, KeyRow | None]:
    """Only the owner of an intent's key (the key itself, revoked or expired since included, or any live Compose Key
    of the same wallet) or the admin may settle or abort it, and
    never a hold the gateway made for work it dispatches itself (a paid route, an agent or workflow run): that one
    it settles from usage. Those are the holds reserved as dispatched; a prepared intent never is, whatever its
    `service` says (a caller may well name its own service "inference"). An `x-chain-id`, when sent, must be
    the chain of the intent's key (409 otherwise, as on prepare). Returns the intent and its key."""
    current = await gw.ledger.get_intent(intent_id)
    if current is None:
        raise HTTPError(404, "not_found", f"payment intent {intent_id} not found", style="legacy")
    if current.dispatched_at is not None:
        raise HTTPError(409, "conflict", "this intent is held by the gateway for a request it serves; it settles "
                        "from the provider's usage", style="legacy")
    owner = await gw.ledger.get_key(current.key_id)
    token = bearer(request)
    own = owner is not None and token is not None and hmac.compare_digest(token_hash(token), owner.key_hash)
    if not own and not is_admin(request, gw.admin_token):  # its own key resolves it even once revoked or expired
        caller = await key_for_token(gw, token)
        if owner is None or caller.owner != owner.owner:
            raise HTTPError(403, "forbidden", "only the intent's owner may settle or abort it", style="legacy")
    if owner is not None:
        try:
            check_chain(request, owner)
        except HTTPError as error:
            raise _legacy(error) from None
    return current, owner


def _line(key: str, unit: str, quantity: int | Decimal, price: Decimal | None, amount: int) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "unit": unit, "quantity": receipts.number(quantity)}
    if price is not None:
        out["unit_price_usd"] = receipts.price_text(price)
    out["amount_wei"] = str(amount)
    return out


def _caller_details(body: dict[str, Any], final: int) -> dict[str, Any]:
    """What a caller settling with `finalAmountWei` may add (contract §4: meterSubject, providerAmountWei,
    platformFeeWei, lineItems), as receipt fields, consistent with the final amount: provider + fee = final (one
    of them given implies the other), and the line items add up to the provider amount (to at most the final
    amount when neither is given). An empty subject or list is no detail."""
    out: dict[str, Any] = {}
    subject = body.get("meterSubject")
    if subject not in (None, ""):
        if not isinstance(subject, str) or len(subject) > 200:
            raise HTTPError(400, "validation_error", "meterSubject must be a string of at most 200 characters",
                            style="legacy")
        out["subject"] = subject
    split = {name: _atomic(body[name], name, allow_zero=True) for name in ("providerAmountWei", "platformFeeWei")
             if body.get(name) is not None}
    if sum(split.values()) > final or (len(split) == 2 and sum(split.values()) != final):
        raise HTTPError(400, "validation_error", "providerAmountWei + platformFeeWei must come to finalAmountWei "
                        f"({final})", style="legacy")
    out.update({"provider_amount_wei" if name == "providerAmountWei" else "platform_fee_wei": str(value)
                for name, value in split.items()})
    items = body.get("lineItems")
    if items not in (None, []):
        if not isinstance(items, list) or len(items) > 100:
            raise HTTPError(400, "validation_error", "lineItems must be a list of at most 100 items", style="legacy")
        lines = [_caller_line(item, f"lineItems[{i}]") for i, item in enumerate(items)]
        total = sum(int(line["amount_wei"]) for line in lines)
        if split:  # the provider amount is known, given or implied by the fee: the lines make it up exactly
            provider = split.get("providerAmountWei", final - split.get("platformFeeWei", 0))
            if total != provider:
                raise HTTPError(400, "validation_error", f"the lineItems' amountWei add up to {total}, not to the "
                                f"provider amount ({provider})", style="legacy")
        elif total > final:
            raise HTTPError(400, "validation_error", f"the lineItems' amountWei add up to {total}, more than "
                            f"finalAmountWei ({final})", style="legacy")
        out["line_items"] = lines
    return out


def _caller_line(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not all(isinstance(item.get(name), str) and 0 < len(item[name]) <= 100
                                             for name in ("key", "unit")):
        raise HTTPError(400, "validation_error", f"{where} must be {{key, unit, quantity, unitPriceUsd?, amountWei}}",
                        style="legacy")
    quantity = _bounded(item.get("quantity"), f"{where}.quantity")
    price = None if item.get("unitPriceUsd") is None else _bounded(item["unitPriceUsd"], f"{where}.unitPriceUsd")
    return _line(item["key"], item["unit"], int(quantity) if quantity == int(quantity) else quantity, price,
                 _atomic(item.get("amountWei"), f"{where}.amountWei", allow_zero=True))


async def settle(gw: Gateway, request: Request, send: Send) -> None:
    body = await _body(request)
    intent_id = body.get("paymentIntentId")
    if not isinstance(intent_id, str):
        raise HTTPError(400, "validation_error", "paymentIntentId is required", style="legacy")
    given = [name for name in ("finalAmountWei", "meter") if body.get(name) is not None]
    if len(given) != 1:
        raise HTTPError(400, "validation_error", "exactly one of finalAmountWei or meter is required", style="legacy")
    if given[0] == "finalAmountWei":
        final = _atomic(body["finalAmountWei"], "finalAmountWei", allow_zero=True)
        details = _caller_details(body, final)
    else:
        subject, lines = meter_lines(body["meter"])
        provider, fee, final = _meter_total(lines)
        details = {"subject": subject, "provider_amount_wei": str(provider), "platform_fee_wei": str(fee),
                   "line_items": [_line(line.key, line.unit, line.quantity, line.unit_price_usd, line.amount)
                                  for line in lines]}
    _, key = await _resolvable(gw, request, intent_id)
    network = f"eip155:{key.chain_id}" if key else "eip155:0"

    def receipt(row: IntentRow) -> dict[str, Any]:
        return {**receipts.build(row, None, network), **details}

    try:
        resolution = await gw.ledger.settle(intent_id, final, 0, receipt)
    except LedgerError as exc:
        raise _legacy(ledger_http_error(exc)) from None
    headers = {"x-compose-key-final-amount-wei": str(resolution.intent.settled or 0), **budget_headers(resolution.key)}
    if resolution.intent.receipt:  # the receipt stored with the settlement (I10), as the paid routes carry it
        headers["x-compose-receipt"] = receipts.header(orjson.loads(resolution.intent.receipt))
    await send_json(send, 200, _settled_body(resolution.intent), headers)


async def abort(gw: Gateway, request: Request, send: Send) -> None:
    body = await _body(request)
    intent_id, reason = body.get("paymentIntentId"), body.get("reason")
    if not isinstance(intent_id, str):
        raise HTTPError(400, "validation_error", "paymentIntentId is required", style="legacy")
    if not isinstance(reason, str) or not reason:
        raise HTTPError(400, "validation_error", "reason is required", style="legacy")
    await _resolvable(gw, request, intent_id)
    try:
        resolution = await gw.ledger.abort(intent_id, reason)
    except LedgerError as exc:
        raise _legacy(ledger_http_error(exc)) from None
    await send_json(send, 200, {"success": True, "paymentIntentId": intent_id, "status": "aborted",
                                "reason": resolution.intent.reason}, budget_headers(resolution.key))


def _meter_usage(body: dict[str, Any]) -> dict[str, Any]:
    """The usage to quote, in our field names (usage_shapes), plus the media evidence."""
    usage = usage_shapes.token_counts(body.get("usage") or {}, body.get("usageMetadata"))  # InvalidUsage: a 400
    usage.update(body.get("media") or {})
    return usage


async def meter_model(gw: Gateway, request: Request, send: Send) -> None:
    """Quote a model's usage: `{modelId, modality, usage?, media?}`; usage in Compose (promptTokens…) or our keys."""
    body = await _body(request)
    model_id, modality = body.get("modelId"), body.get("modality")
    if not isinstance(model_id, str) or not isinstance(modality, str):
        raise HTTPError(400, "validation_error", "modelId and modality are required", style="legacy")
    try:
        model = pricing.get_model(model_id)
    except pricing.UnknownModel:
        raise HTTPError(404, "model_not_found", f"unknown model {model_id!r}", style="legacy") from None
    if modality not in MODALITIES:
        raise HTTPError(400, "validation_error", f"modality must be one of {', '.join(MODALITIES)}, got "
                        f"{modality[:40]!r}", style="legacy")
    if modality != model.modality:
        raise HTTPError(400, "validation_error", f"{model.id} is a {model.modality} model, not {modality}",
                        style="legacy")
    for field in ("usage", "usageMetadata", "media"):
        if body.get(field) is not None and not isinstance(body[field], dict):
            raise HTTPError(400, "validation_error", f"{field} must be an object", style="legacy")
    try:
        usage = _meter_usage(body)
    except (pricing.InvalidUsage, pricing.UnpricedUsage) as exc:
        raise HTTPError(400, "validation_error", str(exc), style="legacy") from None
    if not usage:
        raise HTTPError(400, "validation_error", "nothing to quote: send the usage (token counts) or the media "
                        "evidence", style="legacy")
    for name, value in usage.items():
        if isinstance(value, Decimal) or (type(value) is int and not 0 <= value <= MAX_AMOUNT):
            number = _bounded(value, f"usage.{name}")
            usage[name] = int(number) if number == number.to_integral_value() and "seconds" not in name else number
    try:
        charge = pricing.price(model, usage, at=gw.moment())
    except (pricing.InvalidUsage, pricing.UnpricedUsage) as exc:
        raise HTTPError(400, "validation_error", str(exc), style="legacy") from None
    if charge.final_amount > MAX_AMOUNT:
        raise HTTPError(400, "validation_error", f"the usage comes to {charge.final_amount} atomic units, more than "
                        f"any budget ({MAX_AMOUNT})", style="legacy")
    # the receipts' line items: units in seconds where the catalog's count minutes or hours, as a meter's quantity
    # counts the unit's own things, so this `meter`, passed to prepare, reserves exactly the quote
    items = receipts.camel(receipts.charge_fields(charge))["lineItems"]
    await send_json(send, 200, {
        "modelId": model.id, "provider": model.provider, "known": True,
        "meter": {"subject": charge.subject, "lineItems": [{k: v for k, v in i.items() if k != "amountWei"}
                                                           for i in items]},
        "lineItems": items, "providerAmountWei": str(charge.provider_amount),
        "platformFeeWei": str(charge.platform_fee), "finalAmountWei": str(charge.final_amount),
    })

