"""Build output of the catalog compiler (scripts/build_catalog.py) — generated — do not edit."""
