"""The gateway's OpenAPI 3.1 document (`GET /openapi.json`), built from its route table (document.py)."""
