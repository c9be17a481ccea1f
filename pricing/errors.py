"""Typed errors of the pricing engine.

    PricingError
    ├── UnknownModel        (also LookupError)   no model has that id or alias
    ├── InvalidUsage        (also ValueError)    usage that contradicts itself or the model
    ├── UnpricedUsage                            a quantity the model has no price for: never priced as zero
    └── NotQuotable         (also ValueError)    a request that cannot be quoted as asked
"""

from __future__ import annotations


class PricingError(Exception):
    """Base of every error the engine raises on purpose."""


class UnknownModel(PricingError, LookupError):
    def __init__(self, model: str) -> None:
        super().__init__(f"unknown model {model!r}: no model or alias of the catalog has this id")
        self.model = model

    def __str__(self) -> str:  # LookupError would quote the whole message
        return str(self.args[0])


class InvalidUsage(PricingError, ValueError):
    pass


class UnpricedUsage(PricingError):
    pass


class NotQuotable(PricingError, ValueError):
    pass
