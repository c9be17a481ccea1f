"""Minimal ASGI gateway in front of OpenAI-compatible providers: budgeted keys, x402 payments, receipts."""
