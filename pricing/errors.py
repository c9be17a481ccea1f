"""Typed errors of the pricing engine.

    PricingError
    ├── UnknownModel        (also LookupError)   no model has that id or alias
    ├── InvalidUsage        (also ValueError)    usage that contradicts itself or the model
    ├── UnpricedUsage                            a quantity the model has no price for: never priced as zero
    ├── NotQuotable         (also ValueError)    a request that cannot be quoted as asked
    └── InvalidArgument     (also ValueError)    an argument of the call (at, fee_bps, budget, authorized_max)
"""

from __future__ import annotations


class PricingError(Exception):
    """Base of every error the engine raises on purpose."""


class UnknownModel(PricingError, LookupError):
    def __init__(self, model: str) -> None:
        super().__init__(f"unknown model {shown(model)}: no model or alias of the catalog has this id")
        self.model = model

    def __str__(self) -> str:  # LookupError would quote the whole message
        return str(self.args[0])


class InvalidUsage(PricingError, ValueError):
    pass


class UnpricedUsage(PricingError):
    pass


class NotQuotable(PricingError, ValueError):
    pass


class InvalidArgument(PricingError, ValueError):
    pass


def shown(value: object) -> str:
    """A value for an error message, bounded: CPython refuses to print an int past 4,300 digits, and a message
    quoting a megabyte of input helps nobody."""
    if type(value) is int and value.bit_length() > 256:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def amount_argument(name: str, value: object) -> int:
    """A non-negative int of atomic units (never a bool, float or Decimal), or InvalidArgument."""
    if type(value) is not int or value < 0:
        raise InvalidArgument(f"{name} must be a non-negative int of atomic units, got {shown(value)}")
    return value
