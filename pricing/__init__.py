"""Exact pricing of AI inference in USDC atomic units (see pricing/charge.py for the rounding rule)."""

from pricing.charge import Charge, LineItem
from pricing.engine import get_model, price, price_set_at
from pricing.errors import InvalidArgument, InvalidUsage, NotQuotable, PricingError, UnknownModel, UnpricedUsage
from pricing.extract import usage_from_response
from pricing.quotes import InsufficientBudget, MaxQuote, Settlement, quote_exact, quote_max, settle, usage_from_request
from pricing.usage import Usage

__all__ = [
    "Charge",
    "InsufficientBudget",
    "InvalidArgument",
    "InvalidUsage",
    "LineItem",
    "MaxQuote",
    "NotQuotable",
    "PricingError",
    "Settlement",
    "UnknownModel",
    "UnpricedUsage",
    "Usage",
    "get_model",
    "price",
    "price_set_at",
    "quote_exact",
    "quote_max",
    "settle",
    "usage_from_request",
    "usage_from_response",
]
