"""The compiled catalog: one validated, normalised document built from the whole source.

It is what `generated/catalog.json` holds (its JSON Schema is `generated/catalog.schema.json`) and what the
Python module is rendered from. Models are sorted by id, aliases sorted, operations in a fixed order.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Final

import orjson
from pydantic import ConfigDict, Field, StringConstraints

from catalog_build.source import Source
from catalog_build.source_models import Model, ModelId, Network, Provider, Strict

OPERATION_ORDER: Final = ("chat", "embeddings", "images", "speech", "transcription", "video")


class CompiledModel(Model):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    provider: str
    """Provider id (from the model file)."""
    name: str
    upstream_id: ModelId


class CompiledCatalog(Strict):
    """The whole compiled catalog (generated/catalog.json)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    catalog_version: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
    """sha256 of the normalised source."""
    platform_fee_bps: Annotated[int, Field(ge=0, le=10_000)]
    default_network: str
    networks: list[Network]
    providers: list[Provider]
    models: list[CompiledModel]


def source_version(source: Source) -> str:
    """sha256 over the normalised source: the validated content, not its comments or layout."""
    assert source.settings and source.providers
    normal: dict[str, Any] = {
        "settings": source.settings[1].model_dump(mode="json"),
        "providers": source.providers[1].model_dump(mode="json"),
        "models": {doc.file.replace("\\", "/").rsplit("/", 1)[-1]: models.model_dump(mode="json")
                   for doc, models in source.model_files},
    }
    return "sha256:" + hashlib.sha256(orjson.dumps(normal, option=orjson.OPT_SORT_KEYS)).hexdigest()


def compile_source(source: Source) -> CompiledCatalog:
    assert source.settings and source.providers
    settings = source.settings[1]
    models: list[CompiledModel] = []
    for _, models_file in source.model_files:
        for model in models_file.models:
            fields = model.model_dump()
            fields.update(
                provider=models_file.provider,
                name=model.name or model.id,
                upstream_id=model.upstream_id or model.id,
                aliases=sorted(model.aliases),
                operations=sorted(model.operations, key=OPERATION_ORDER.index),
            )
            models.append(CompiledModel.model_validate(fields))
    return CompiledCatalog(
        catalog_version=source_version(source),
        platform_fee_bps=settings.platform_fee_bps,
        default_network=settings.default_network,
        networks=list(settings.networks),
        providers=sorted(source.providers[1].providers, key=lambda p: p.id),
        models=sorted(models, key=lambda m: m.id),
    )
