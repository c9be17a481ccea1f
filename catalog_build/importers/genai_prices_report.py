"""What a run of the importer changed: models and providers ADDED, CHANGED (which fields) and DROPPED, compared
with the files the previous run wrote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from catalog_build.source_models import Model, ModelsFile, Provider

Key = tuple[str, str]  # (provider, upstream id): what stays when a model's catalog id moves


def model_key(provider: str, model: Model) -> Key:
    return provider, model.upstream_id or model.id


def flatten(value: Any, path: str = "") -> dict[str, str]:
    """`{"prices": [{"tokens": {"input": "1"}}]}` → `{"prices[0].tokens.input": "1"}`."""
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        if not value:
            return {path: "[]"}
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{path}[{index}]"))
        return out
    return {path: str(value)}


def _fields(record: Model | Provider) -> dict[str, str]:
    fields = record.model_dump(mode="json", exclude_defaults=True)
    if isinstance(record, Model):
        fields["upstream_id"] = record.upstream_id or record.id  # what the gateway sends, written or not
    return flatten(fields)


def differences(before: Model | Provider, after: Model | Provider) -> list[str]:
    """`field: old → new` for each field that differs (a missing field shows as `-`)."""
    old, new = _fields(before), _fields(after)
    return [f"{name}: {old.get(name, '-')} → {new.get(name, '-')}"
            for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [*(f"ADDED    {line}" for line in self.added), *(f"CHANGED  {line}" for line in self.changed),
                *(f"DROPPED  {line}" for line in self.dropped)]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.dropped)


def index(files: Iterable[ModelsFile]) -> dict[Key, Model]:
    return {model_key(models_file.provider, model): model for models_file in files for model in models_file.models}


def compare_models(before: Iterable[ModelsFile], after: Iterable[ModelsFile], changes: Changes) -> None:
    old, new = index(before), index(after)
    for key in sorted(new.keys() - old.keys()):
        changes.added.append(f"{key[0]}: {new[key].id}")
    for key in sorted(old.keys() & new.keys()):
        diff = differences(old[key], new[key])
        if diff:
            changes.changed.append(f"{key[0]}: {new[key].id}: {'; '.join(diff)}")
    for key in sorted(old.keys() - new.keys()):
        changes.dropped.append(f"{key[0]}: {old[key].id}")


def compare_providers(before: Iterable[Provider], after: Iterable[Provider], changes: Changes) -> None:
    old = {provider.id: provider for provider in before}
    new = {provider.id: provider for provider in after}
    for name in sorted(new.keys() - old.keys()):
        callable_ = f"calls {new[name].base_url}" if new[name].base_url else "priced only"
        changes.added.append(f"provider {name} ({new[name].name}; {callable_})")
    for name in sorted(old.keys() & new.keys()):
        diff = differences(old[name], new[name])
        if diff:
            changes.changed.append(f"provider {name}: {'; '.join(diff)}")
    for name in sorted(old.keys() - new.keys()):
        changes.dropped.append(f"provider {name}")
