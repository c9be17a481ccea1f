"""Paying with a Compose Key: a budgeted bearer key (tokens.py), held and settled in the ledger (payer.py)."""
