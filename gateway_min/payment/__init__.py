"""Ways to pay for paid work, each a package of its own: a Compose Key (compose_key/: a budget in the ledger) or
raw x402 v2 (x402/: a signed payment, settled on chain by a facilitator). Each makes the hold, settles, and adds
its headers and receipt (receipts.py: one receipt content, three carriers)."""
