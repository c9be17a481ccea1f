"""One test per validation rule: the exact message and the exact file:line:col of each problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_build import CatalogInvalid, compile_catalog
from tests.catalog.sources import CHAT, MODEL_HEAD, PROVIDERS, SETTINGS, write_source

IMG = """\
  - id: img-1
    modality: image
    operations: [images]
    source: https://acme.test/pricing
    as_of: 2025-01-01
    prices:
      - images:
          unit: usd_per_image
          options:
            - {size: 1024x1024, quality: standard, price: "0.04", default: true}
            - {size: 1024x1024, quality: hd, price: "0.08"}
"""
TIERED = CHAT.replace(
    '      - tokens: {input: "1.25", output: "10"}\n',
    """      - tokens: {input: "1.25", output: "10"}
        tiers:
          - {above_input_tokens: 200000, input: "2.5", output: "15"}
""",
)
CASES: dict[str, dict] = {
    "invalid_yaml": dict(models=CHAT.replace("  - id", " - id")),
    "duplicate_key": dict(models=CHAT.replace("as_of: 2025-01-01", "as_of: 2025-01-01\n    as_of: 2025-01-02")),
    "two_documents": dict(models=CHAT + "---\nfoo: 1\n"),
    "schema_comment": dict(providers=PROVIDERS.replace("../generated", "../gen")),
    "schema_comment_missing": dict(files={"models/acme.yaml": MODEL_HEAD.split("\n", 1)[1] + CHAT}),
    "unexpected_file": dict(files={"models/extra.yml": "a: 1\n"}),
    "unknown_field": dict(models=CHAT.replace("    source:", "    colour: red\n    source:")),
    "missing_field": dict(models=CHAT.replace("    source: https://acme.test/pricing\n", "")),
    "negative_price": dict(models=CHAT.replace('"1.25"', '"-1"')),
    "yaml_tag": dict(models=CHAT.replace("as_of: 2025-01-01", "as_of: !!str 2025-01-01")),
    "forbidden_character": dict(models=CHAT.replace("https://acme.test/pricing", "https://acme.test/pri\x00cing")),
    "too_deep": dict(models=CHAT.replace("    source:", "    colour: " + "{a: " * 40 + "1" + "}" * 40 + "\n    source:")),
    "date_out_of_range": dict(
        models=CHAT.replace("      - tokens", "      - effective_from: 9999-12-31T23:59:59-05:00\n        tokens")
    ),
    "integer_past_64_bits": dict(models=CHAT.replace("    source:", "    context_window: 99999999999999999999\n    source:")),
    "integer_of_5000_digits": dict(models=CHAT.replace("    source:", "    context_window: " + "9" * 5000 + "\n    source:")),
    "price_too_large": dict(models=CHAT.replace('"1.25"', '"1000000"')),
    "unit_count_too_large": dict(models=IMG.replace("unit: usd_per_image", "unit: usd_per_1000000000_images")),
    "exponent_price": dict(models=CHAT.replace('"1.25"', "1.25e3")),
    "too_many_places": dict(models=CHAT.replace('"1.25"', '"0.0000000000001"')),
    "infinite_price": dict(models=CHAT.replace('"1.25"', '"Infinity"')),
    "unknown_unit": dict(models=CHAT.replace('{input: "1.25"', '{unit: usd_per_1m_tokenz, input: "1.25"')),
    "unit_dimension": dict(models=CHAT.replace('{input: "1.25"', '{unit: usd_per_image, input: "1.25"')),
    "bad_modality": dict(models=CHAT.replace("modality: text", "modality: txt")),
    "naive_datetime": dict(
        models=CHAT.replace("      - tokens", "      - effective_from: 2025-01-01T00:00:00\n        tokens")
    ),
    "bad_date": dict(models=CHAT.replace("as_of: 2025-01-01", "as_of: 2025-13-01")),
    "decimals": dict(settings=SETTINGS.replace("decimals: 6", "decimals: 18")),
    "bad_address": dict(
        settings=SETTINGS.replace('pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"', 'pay_to: "0x1234"')
    ),
    "fee_range": dict(settings=SETTINGS.replace("platform_fee_bps: 100", "platform_fee_bps: 10001")),
    "operation_modality": dict(models=CHAT.replace("operations: [chat]", "operations: [chat, images]")),
    "duplicate_operation": dict(models=CHAT.replace("operations: [chat]", "operations: [chat, chat]")),
    "alias_own_id": dict(models=CHAT.replace("    modality", "    aliases: [chat-1]\n    modality")),
    "max_output": dict(
        models=CHAT.replace("    modality", "    context_window: 1000\n    max_output_tokens: 2000\n    modality")
    ),
    "history_missing_from": dict(models=CHAT + '      - tokens: {input: "1", output: "8"}\n'),
    "history_order": dict(
        models=CHAT.replace("      - tokens", "      - effective_from: 2025-06-01\n        tokens")
        + '      - effective_from: 2025-05-01\n        tokens: {input: "1", output: "8"}\n'
    ),
    "free_with_prices": dict(models=CHAT.replace("      - tokens", "      - free: true\n        tokens")),
    "prices_nothing": dict(
        models=CHAT.replace('      - tokens: {input: "1.25", output: "10"}', "      - effective_from: 2025-01-01")
    ),
    "all_zero": dict(models=CHAT.replace('"1.25"', '"0"').replace('"10"', '"0.0"')),
    "tiers_without_tokens": dict(
        models=TIERED.replace(
            '      - tokens: {input: "1.25", output: "10"}\n        tiers',
            '      - requests: {unit: usd_per_request, price: "0.01"}\n        tiers',
        ).replace("operations: [chat]", "operations: [chat]")
    ),
    "empty_tokens": dict(models=CHAT.replace('{input: "1.25", output: "10"}', "{unit: usd_per_1m_tokens}")),
    "tiers_order": dict(models=TIERED + '          - {above_input_tokens: 100000, input: "2", output: "12"}\n'),
    "tier_keys": dict(models=TIERED.replace('input: "2.5", output: "15"', 'input: "2.5", reasoning: "15"')),
    "media_no_default": dict(models=IMG.replace(", default: true", "")),
    "media_two_defaults": dict(models=IMG.replace('price: "0.08"}', 'price: "0.08", default: true}')),
    "media_params": dict(models=IMG.replace("{size: 1024x1024, quality: hd,", "{size: 1024x1792,")),
    "media_duplicate": dict(models=IMG.replace("quality: hd", "quality: standard")),
    "coverage": dict(models=CHAT.replace('{input: "1.25", output: "10"}', '{input: "1.25"}')),
    "network_twice": dict(settings=SETTINGS + SETTINGS[SETTINGS.index("  - id") :]),
    "default_network": dict(settings=SETTINGS.replace("default_network: eip155:43113", "default_network: eip155:1")),
    "provider_twice": dict(providers=PROVIDERS + PROVIDERS[PROVIDERS.index("  - id") :]),
    "provider_unknown": dict(
        files={"models/other.yaml": MODEL_HEAD.replace("acme", "nobody") + CHAT.replace("chat-1", "chat-2")}
    ),
    "id_across_files": dict(files={"models/other.yaml": MODEL_HEAD + CHAT}),
    "alias_is_other_id": dict(
        models=CHAT + CHAT.replace("chat-1", "chat-2").replace("    modality", "    aliases: [chat-1]\n    modality")
    ),
    "alias_is_other_alias": dict(
        models=CHAT.replace("    modality", "    aliases: [acme/x]\n    modality")
        + CHAT.replace("chat-1", "chat-2").replace("    modality", "    aliases: [acme/x]\n    modality")
    ),
}

EXPECTED: dict[str, list[str]] = {
    "invalid_yaml": [
        "src/models/acme.yaml:5:13: (file): invalid YAML: mapping values are not allowed in this context",
    ],
    "duplicate_key": [
        "src/models/acme.yaml:9:5: models[0].as_of: duplicate key 'as_of' (first defined at line 8)",
    ],
    "two_documents": [
        "src/models/acme.yaml:1:1: (file): expected exactly one YAML document, found 2",
    ],
    "schema_comment": [
        "src/providers.yaml:1:1: (file): the first line must be '# yaml-language-server: $schema=../generated/catalog_src.schema.json'",
    ],
    "schema_comment_missing": [
        "src/models/acme.yaml:1:1: (file): the first line must be '# yaml-language-server: $schema=../../generated/catalog_src.schema.json'",
    ],
    "unexpected_file": [
        "src/models/extra.yml:1:1: (file): unexpected file: sources are settings.yaml, providers.yaml, models/*.yaml, imported/<source>/providers.yaml and imported/<source>/models/*.yaml",
    ],
    "unknown_field": [
        "src/models/acme.yaml:7:5: models[0].colour: unknown field",
    ],
    "missing_field": [
        "src/models/acme.yaml:4:5: models[0].source: required field is missing",
    ],
    "forbidden_character": [
        'src/models/acme.yaml:7:34: (file): invalid YAML: control characters are not allowed: U+0000',
    ],
    "too_deep": [
        'src/models/acme.yaml:7:129: models[0].colour.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nested more than 32 levels deep',
    ],
    "date_out_of_range": [
        'src/models/acme.yaml:10:25: models[0].prices[0].effective_from: 9999-12-31T23:59:59-05:00 is out of range once in UTC',
    ],
    "integer_past_64_bits": [
        'src/models/acme.yaml:7:21: models[0].context_window: Input should be less than or equal to 9223372036854775807',
    ],
    "integer_of_5000_digits": [
        'src/models/acme.yaml:7:21: models[0].context_window: Input should be a valid integer',
    ],
    "price_too_large": [
        "src/models/acme.yaml:10:25: models[0].prices[0].tokens.input: price '1000000' is 7 digits or more before the point: at most 999999 USD a unit",
    ],
    "unit_count_too_large": [
        "src/models/acme.yaml:11:17: models[0].prices[0].images.unit: unknown unit 'usd_per_1000000000_images'; units follow the grammar usd_per_<thing> or usd_per_<1k|1m|N>_<things> with thing in token, image, character, second, minute, hour, request, video, search (e.g. usd_per_1m_tokens, usd_per_image, usd_per_10_seconds, usd_per_minute, usd_per_1k_searches)",
    ],
    "yaml_tag": [
        "src/models/acme.yaml:8:12: models[0].as_of: YAML tags (tag:yaml.org,2002:str) are not supported in the catalog: a value is read from its text alone",
    ],
    "negative_price": [
        "src/models/acme.yaml:10:25: models[0].prices[0].tokens.input: price '-1' is negative",
    ],
    "exponent_price": [
        "src/models/acme.yaml:10:25: models[0].prices[0].tokens.input: price '1.25e3' must be written as a plain decimal such as \"0.000125\" (no exponent, sign, underscores or leading zeros)",
    ],
    "too_many_places": [
        "src/models/acme.yaml:10:25: models[0].prices[0].tokens.input: price '0.0000000000001' has 13 decimal places; at most 12 are allowed",
    ],
    "infinite_price": [
        "src/models/acme.yaml:10:25: models[0].prices[0].tokens.input: price 'Infinity' is not finite",
    ],
    "unknown_unit": [
        "src/models/acme.yaml:10:24: models[0].prices[0].tokens.unit: unknown unit 'usd_per_1m_tokenz'; units follow the grammar usd_per_<thing> or usd_per_<1k|1m|N>_<things> with thing in token, image, character, second, minute, hour, request, video, search (e.g. usd_per_1m_tokens, usd_per_image, usd_per_10_seconds, usd_per_minute, usd_per_1k_searches)",
    ],
    "unit_dimension": [
        "src/models/acme.yaml:10:24: models[0].prices[0].tokens.unit: unit 'usd_per_image' measures images, but this price needs a tokens unit",
    ],
    "bad_modality": [
        "src/models/acme.yaml:5:15: models[0].modality: Input should be 'text', 'embedding', 'image', 'audio' or 'video'",
    ],
    "naive_datetime": [
        "src/models/acme.yaml:10:25: models[0].prices[0].effective_from: 2025-01-01T00:00:00 has no time zone; write it in UTC, e.g. 2025-06-10T00:00:00Z",
    ],
    "bad_date": [
        "src/models/acme.yaml:8:12: models[0].as_of: Input should be a valid date or datetime, month value is outside expected range of 1-12",
    ],
    "decimals": [
        "src/settings.yaml:10:15: networks[0].decimals: Input should be 6",
    ],
    "bad_address": [
        "src/settings.yaml:11:13: networks[0].pay_to: String should match pattern '^0x[0-9a-fA-F]{40}$'",
    ],
    "fee_range": [
        "src/settings.yaml:2:19: platform_fee_bps: Input should be less than or equal to 10000",
    ],
    "operation_modality": [
        "src/models/acme.yaml:6:24: models[0].operations[1]: operation 'images' does not fit modality 'text' (allowed: chat, rerank)",
        "src/models/acme.yaml:10:9: models[0].prices[0]: operation 'images' needs a price for images",
    ],
    "duplicate_operation": [
        "src/models/acme.yaml:6:24: models[0].operations[1]: operation 'chat' is listed twice",
    ],
    "alias_own_id": [
        "src/models/acme.yaml:5:15: models[0].aliases[0]: alias 'chat-1' equals the model's own id",
    ],
    "max_output": [
        "src/models/acme.yaml:6:24: models[0].max_output_tokens: max_output_tokens 2000 exceeds context_window 1000",
    ],
    "history_missing_from": [
        "src/models/acme.yaml:11:9: models[0].prices[1]: only the first price set may omit effective_from",
    ],
    "history_order": [
        "src/models/acme.yaml:12:25: models[0].prices[1].effective_from: price history must be ascending: 2025-05-01T00:00:00Z is not after 2025-06-01T00:00:00Z",
    ],
    "free_with_prices": [
        "src/models/acme.yaml:10:15: models[0].prices[0].free: a free price set carries no prices (found tokens)",
    ],
    "prices_nothing": [
        "src/models/acme.yaml:10:9: models[0].prices[0]: prices nothing: add prices, or say `free: true` for a free model",
    ],
    "all_zero": [
        "src/models/acme.yaml:10:9: models[0].prices[0]: every price is zero: a free model must say `free: true`",
    ],
    "tiers_without_tokens": [
        "src/models/acme.yaml:10:9: models[0].prices[0]: operation 'chat' needs a price for tokens.input and tokens.output",
        "src/models/acme.yaml:12:11: models[0].prices[0].tiers: tiers need base token prices (`tokens`)",
    ],
    "empty_tokens": [
        "src/models/acme.yaml:10:9: models[0].prices[0]: operation 'chat' needs a price for tokens.input and tokens.output",
        "src/models/acme.yaml:10:17: models[0].prices[0].tokens: token prices name no entry (entries: input, cached_input, cache_write, output, reasoning)",
    ],
    "tiers_order": [
        "src/models/acme.yaml:13:34: models[0].prices[0].tiers[1].above_input_tokens: tiers must be ascending: 100000 is not above 200000",
    ],
    "tier_keys": [
        "src/models/acme.yaml:12:13: models[0].prices[0].tiers[0]: a tier prices the same token entries as the base (missing output; not in the base: reasoning)",
    ],
    "media_no_default": [
        "src/models/acme.yaml:13:13: models[0].prices[0].images.options: exactly one option must be `default: true` (found none)",
    ],
    "media_two_defaults": [
        "src/models/acme.yaml:13:13: models[0].prices[0].images.options: exactly one option must be `default: true` (found options[0], options[1])",
    ],
    "media_params": [
        "src/models/acme.yaml:14:15: models[0].prices[0].images.options[1]: every option of a group names the same parameters (size, quality), here: size",
    ],
    "media_duplicate": [
        "src/models/acme.yaml:14:15: models[0].prices[0].images.options[1]: duplicate option (same as options[0])",
    ],
    "coverage": [
        "src/models/acme.yaml:10:9: models[0].prices[0]: operation 'chat' needs a price for tokens.input and tokens.output",
    ],
    "network_twice": [
        "src/settings.yaml:12:9: networks[1].id: network 'eip155:43113' is listed twice",
    ],
    "default_network": [
        "src/settings.yaml:3:18: default_network: default_network 'eip155:1' is not one of the networks (eip155:43113)",
    ],
    "provider_twice": [
        "src/providers.yaml:8:9: providers[1].id: provider 'acme' is listed twice",
    ],
    "provider_unknown": [
        "src/models/other.yaml:2:11: provider: provider 'nobody' is not defined in providers.yaml (known: acme)",
    ],
    "id_across_files": [
        "src/models/other.yaml:4:9: models[0].id: 'chat-1' (model id) is already taken as model id at src/models/acme.yaml:4:9",
    ],
    "alias_is_other_id": [
        "src/models/acme.yaml:12:15: models[1].aliases[0]: 'chat-1' (alias of 'chat-2') is already taken as model id at src/models/acme.yaml:4:9",
    ],
    "alias_is_other_alias": [
        "src/models/acme.yaml:13:15: models[1].aliases[0]: 'acme/x' (alias of 'chat-2') is already taken as alias of 'chat-1' at src/models/acme.yaml:5:15",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = dict(CASES[name])
    src = write_source(tmp_path, case.pop("models", CHAT), **case)
    with pytest.raises(CatalogInvalid) as raised:
        compile_catalog(src)
    assert [str(problem) for problem in raised.value.problems] == EXPECTED[name]


def test_every_case_has_an_expectation() -> None:
    assert sorted(CASES) == sorted(EXPECTED)


def test_valid_source_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    catalog = compile_catalog(write_source(tmp_path))
    assert [model["id"] for model in catalog["models"]] == ["chat-1"]


def test_all_problems_are_reported_not_just_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broken = CHAT.replace('"1.25"', '"-1"').replace("modality: text", "modality: txt")
    src = write_source(tmp_path, broken, settings=SETTINGS.replace("decimals: 6", "decimals: 18"))
    with pytest.raises(CatalogInvalid) as raised:
        compile_catalog(src)
    assert len(raised.value.problems) == 3


def test_missing_files_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    with pytest.raises(CatalogInvalid) as raised:
        compile_catalog(tmp_path / "src")
    assert [str(problem) for problem in raised.value.problems] == [
        "src/models:1:1: (file): no model files (models/*.yaml)",
        "src/providers.yaml:1:1: (file): required file is missing",
        "src/settings.yaml:1:1: (file): required file is missing",
    ]
