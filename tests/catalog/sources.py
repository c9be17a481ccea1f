"""A small valid catalog source, written to a temporary folder, for compiler tests."""

from __future__ import annotations

from pathlib import Path

SCHEMA_TOP = "# yaml-language-server: $schema=../generated/catalog_src.schema.json"
SCHEMA_MODELS = "# yaml-language-server: $schema=../../generated/catalog_src.schema.json"

SETTINGS = f"""{SCHEMA_TOP}
platform_fee_bps: 100
default_network: eip155:43113
networks:
  - id: eip155:43113
    name: Avalanche Fuji
    asset: "0x5425890298aed601595a70AB815c96711a31Bc65"
    asset_name: USD Coin
    asset_version: "2"
    decimals: 6
    pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
"""

PROVIDERS = f"""{SCHEMA_TOP}
providers:
  - id: acme
    name: Acme AI
    base_url: https://api.acme.test/v1
    api_key_env: ACME_API_KEY
    flavor: openai-chat
"""

MODEL_HEAD = f"""{SCHEMA_MODELS}
provider: acme
models:
"""

CHAT = """\
  - id: chat-1
    modality: text
    operations: [chat]
    source: https://acme.test/pricing
    as_of: 2025-01-01
    prices:
      - tokens: {input: "1.25", output: "10"}
"""


def write_source(root: Path, models: str = CHAT, *, settings: str = SETTINGS, providers: str = PROVIDERS,
                 files: dict[str, str] | None = None) -> Path:
    """Writes `root/src` (settings, providers, models/acme.yaml), whose schema comments point at `root/generated`."""
    src = root / "src"
    (src / "models").mkdir(parents=True, exist_ok=True)
    (src / "settings.yaml").write_text(settings)
    (src / "providers.yaml").write_text(providers)
    (src / "models" / "acme.yaml").write_text(MODEL_HEAD + models)
    for name, text in (files or {}).items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    return src
