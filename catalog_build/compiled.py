"""The compiled catalog: one validated, normalised document built from the whole source.

It is what `generated/catalog.json` holds (its JSON Schema is `generated/catalog.schema.json`) and what the
Python module is rendered from. Models are sorted by id, aliases sorted, operations in a fixed order.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Annotated, Any, Final

import orjson
from pydantic import ConfigDict, Field, StringConstraints

from catalog_build.source import Source
from catalog_build.source_models import Model, ModelId, Network, Origin, Provider, Strict

OPERATION_ORDER: Final = ("chat", "embeddings", "images", "speech", "transcription", "video", "rerank")


class CompiledModel(Model):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    provider: str
    """Provider id (from the model file)."""
    origin: Origin | None
    """The package an imported model comes from (None: hand-reviewed)."""
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


def compile_source(source: Source) -> dict[str, Any]:
    """The compiled catalog document (JSON-ready). Its version hashes the normalised source: the validated
    content of every file, so comments and layout do not change it."""
    assert source.settings and source.providers
    settings = source.settings[1].model_dump(mode="json")
    providers = source.providers[1].model_dump(mode="json")
    for _, extra in source.imported_providers:
        providers["providers"] += extra.model_dump(mode="json")["providers"]
    files = {Path(os.path.relpath(os.path.abspath(doc.file), source.root.resolve())).as_posix():
             models.model_dump(mode="json") for doc, models in source.model_files}
    normal = {"settings": settings, "providers": providers, "models": files}
    version = "sha256:" + hashlib.sha256(orjson.dumps(normal, option=orjson.OPT_SORT_KEYS)).hexdigest()
    models: list[dict[str, Any]] = []
    for models_file in files.values():
        for model in models_file["models"]:
            models.append({
                **model,
                "provider": models_file["provider"],
                "origin": models_file["origin"],
                "name": model["name"] or model["id"],
                "upstream_id": model["upstream_id"] or model["id"],
                "aliases": sorted(model["aliases"]),
                "operations": sorted(model["operations"], key=OPERATION_ORDER.index),
            })
    return {
        "catalog_version": version,
        "platform_fee_bps": settings["platform_fee_bps"],
        "default_network": settings["default_network"],
        "networks": settings["networks"],
        "providers": sorted(providers["providers"], key=lambda provider: provider["id"]),
        "models": sorted(models, key=lambda model: model["id"]),
    }
