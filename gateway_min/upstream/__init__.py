"""Upstream providers behind one interface (provider.py): the OpenAI-compatible HTTP provider on one shared httpx
client and its lean transport (transport.py), the deterministic demo provider (demo.py), and what can go wrong."""

from gateway_min.upstream.errors import UpstreamBroken, UpstreamUnavailable
from gateway_min.upstream.provider import (
    HttpProvider,
    Provider,
    Providers,
    UpstreamReply,
    UpstreamRequest,
    exchange,
)

__all__ = ["HttpProvider", "Provider", "Providers", "UpstreamBroken", "UpstreamReply", "UpstreamRequest",
           "UpstreamUnavailable", "exchange"]
