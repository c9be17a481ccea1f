"""x402 facilitators: the interface the gateway verifies and settles through (client.py: any x402 v2 facilitator
over HTTP, or the embedded one in-process), and the embedded facilitator itself (embedded.py), whose "chain" is a
local USDC ledger (chain.py), served over HTTP (routes.py)."""

from .client import Facilitator, HttpFacilitator, LocalFacilitator
from .embedded import EmbeddedFacilitator

__all__ = ["EmbeddedFacilitator", "Facilitator", "HttpFacilitator", "LocalFacilitator"]
