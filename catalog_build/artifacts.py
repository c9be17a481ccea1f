"""Render the compiled catalog into the files of `generated/`, byte-stable."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import jsonschema
import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic.json_schema import models_json_schema

from catalog_build.compiled import CompiledCatalog
from catalog_build.source_models import ModelsFile, ProvidersFile, SettingsFile
from catalog_build.units import scale

JSON_OPTIONS: Final = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
INIT_PY: Final = '"""Build output of the catalog compiler (scripts/build_catalog.py) — generated — do not edit."""\n'


def to_json(value: Any) -> bytes:
    return orjson.dumps(value, option=JSON_OPTIONS) + b"\n"


def atomic_rate(price: str, unit: str) -> tuple[int, int]:
    """The exact atomic-unit price of one quantity unit, as a reduced fraction num/den."""
    rate = Fraction(Decimal(price)) * 10**6 / scale(unit).per
    return rate.numerator, rate.denominator


# -- Python literals for the template ---------------------------------------------------------------------------


def _rate(price: str | None, unit: str) -> str:
    if price is None:
        return "None"
    num, den = atomic_rate(price, unit)
    return f"_r({price!r}, {unit!r}, {num}, {den})"


def _token_rates(prices: dict[str, Any], unit: str) -> str:
    keys = ("input", "cached_input", "cache_write", "output", "reasoning")
    return "TokenRates(" + ", ".join(_rate(prices[key], unit) for key in keys) + ")"


def _media(group: dict[str, Any] | None, params: tuple[str, ...]) -> str:
    if group is None:
        return "None"
    used = tuple(p for p in params if any(option[p] is not None for option in group["options"]))
    options = ", ".join(
        f"MediaOption({tuple(option[p] for p in used)!r}, {_rate(option['price'], group['unit'])}, {option['default']})"
        for option in group["options"]
    )
    return f"_media({used!r}, ({options},))"


def _unit_price(entry: dict[str, Any] | None) -> str:
    return "None" if entry is None else _rate(entry["price"], entry["unit"])


def _moment(value: datetime | None) -> str:
    if value is None:
        return "None"
    fields = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    return f"datetime({', '.join(map(str, fields))}, tzinfo=UTC)"


def _template_model(model: dict[str, Any]) -> dict[str, Any]:
    as_of: date = model["as_of"]
    price_sets = []
    for price_set in model["prices"]:
        tokens = price_set["tokens"]
        unit = tokens["unit"] if tokens else "usd_per_1m_tokens"
        price_sets.append({
            "effective_from": _moment(price_set["effective_from"]),
            "free": repr(price_set["free"]),
            "tokens": _token_rates(tokens, unit) if tokens else "None",
            "tiers": [{"above_input_tokens": tier["above_input_tokens"], "rates": _token_rates(tier, unit)}
                      for tier in price_set["tiers"]],
            "images": _media(price_set["images"], ("size", "quality")),
            "video": _media(price_set["video"], ("resolution",)),
            "characters": _unit_price(price_set["characters"]),
            "audio": _unit_price(price_set["audio"]),
            "requests": _unit_price(price_set["requests"]),
        })
    return {**model, "aliases": tuple(model["aliases"]), "operations": tuple(model["operations"]),
            "as_of": f"date({as_of.year}, {as_of.month}, {as_of.day})", "prices": price_sets}


def render_python(catalog: CompiledCatalog) -> bytes:
    env = Environment(loader=PackageLoader("catalog_build"), undefined=StrictUndefined, autoescape=False,
                      keep_trailing_newline=True)
    env.filters["py"] = repr
    data = catalog.model_dump()
    networks = [{**n, "chain_id": int(n["id"].split(":", 1)[1])} for n in data["networks"]]
    text = env.get_template("catalog.py.j2").render(
        version=catalog.catalog_version,
        platform_fee_bps=catalog.platform_fee_bps,
        default_network=catalog.default_network,
        networks=networks,
        providers=data["providers"],
        models=[_template_model(model) for model in data["models"]],
    )
    return text.encode()


# -- JSON artifacts ---------------------------------------------------------------------------------------------


def catalog_schema(version: str) -> dict[str, Any]:
    schema = CompiledCatalog.model_json_schema(mode="serialization")
    return {"$schema": SCHEMA_DIALECT, "$comment": f"generated — do not edit; catalog {version}", **schema}


def source_schema(version: str) -> dict[str, Any]:
    _, defs = models_json_schema(
        [(SettingsFile, "validation"), (ProvidersFile, "validation"), (ModelsFile, "validation")],
        ref_template="#/$defs/{model}",
    )
    return {
        "$schema": SCHEMA_DIALECT,
        "$comment": f"generated — do not edit; authoring schema of catalog_src/*.yaml, catalog {version}",
        "title": "Compose catalog source file",
        "description": "settings.yaml (SettingsFile), providers.yaml (ProvidersFile) or models/*.yaml (ModelsFile)",
        "anyOf": [{"$ref": "#/$defs/SettingsFile"}, {"$ref": "#/$defs/ProvidersFile"}, {"$ref": "#/$defs/ModelsFile"}],
        **defs,
    }


def models_list(catalog: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI `/v1/models`-shaped list, with our catalog fields beside the standard ones."""
    data = []
    for model in catalog["models"]:
        created = int(datetime.fromisoformat(model["as_of"] + "T00:00:00+00:00").timestamp())
        data.append({
            "id": model["id"], "object": "model", "created": created, "owned_by": model["provider"],
            "name": model["name"], "aliases": model["aliases"], "modality": model["modality"],
            "operations": model["operations"], "context_window": model["context_window"],
            "max_output_tokens": model["max_output_tokens"], "pricing": model["prices"][-1],
        })
    return {"object": "list", "data": data, "catalog_version": catalog["catalog_version"]}


def render_all(catalog: CompiledCatalog) -> dict[str, bytes]:
    """Every generated file by name. The catalog is checked against its own schema first."""
    document = catalog.model_dump(mode="json")
    schema = catalog_schema(catalog.catalog_version)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
    return {
        "__init__.py": INIT_PY.encode(),
        "catalog.py": render_python(catalog),
        "catalog.json": to_json(document),
        "catalog.schema.json": to_json(schema),
        "catalog_src.schema.json": to_json(source_schema(catalog.catalog_version)),
        "models.json": to_json(models_list(document)),
    }
