"""Importers: programs that write `catalog_src/imported/<source>/` from a third-party price package.

What they write is generated (re-run the importer, never edit it); the hand-reviewed files under
`catalog_src/models/` always win over it. `genai_prices` reads pydantic/genai-prices.
"""
