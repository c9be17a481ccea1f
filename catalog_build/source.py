"""Read `catalog_src/`: find the files, parse YAML with locations, validate each file with its pydantic model.

Layout: `settings.yaml`, `providers.yaml`, `models/<anything>.yaml` (hand-reviewed), and what importers write:
`imported/<source>/providers.yaml` (providers only that source knows, optional) and
`imported/<source>/models/<anything>.yaml`. Every file starts with the
yaml-language-server comment that points editors at the committed authoring schema, `generated/catalog_src.schema.json`
beside the source folder: it names a place in the repository, never the folder a build writes to (`--out`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from catalog_build import yaml_source
from catalog_build.problems import Location, Problem
from catalog_build.source_models import ModelsFile, ProvidersFile, SettingsFile
from catalog_build.yaml_source import SourceDoc

SCHEMA_PATH: Final = "generated/catalog_src.schema.json"  # from the folder that holds the source folder
M = TypeVar("M", bound=BaseModel)


@dataclass
class Source:
    root: Path
    settings: tuple[SourceDoc, SettingsFile] | None = None
    providers: tuple[SourceDoc, ProvidersFile] | None = None
    imported_providers: list[tuple[SourceDoc, ProvidersFile]] = field(default_factory=list)
    model_files: list[tuple[SourceDoc, ModelsFile]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when possible, as editors and CI expect."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def schema_comment(file: Path, root: Path) -> str:
    """The first line `file` (inside the source folder `root`) must have: `../generated/…` for the top files,
    `../../generated/…` for models/*.yaml. Worked out from the layout alone, so no build option changes it."""
    return f"# yaml-language-server: $schema={'../' * len(file.relative_to(root).parts)}{SCHEMA_PATH}"


def _message(error: Any) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    return str(message).removeprefix("Value error, ")


def _validate(doc: SourceDoc, model: type[M], problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            path = tuple(error["loc"])
            at_key = error["type"] in {"extra_forbidden"}
            problems.append(Problem(doc.locate(path, key=at_key), path, _message(error)))
        return None


def read_source(root: Path) -> Source:
    source = Source(root)
    if not root.is_dir():
        source.problems.append(Problem(Location(display_path(root), 1, 1), (), "catalog source folder not found"))
        return source
    expected = {root / "settings.yaml": SettingsFile, root / "providers.yaml": ProvidersFile}
    for path, _ in expected.items():
        if not path.is_file():
            source.problems.append(Problem(Location(display_path(path), 1, 1), (), "required file is missing"))
    model_paths = sorted((root / "models").glob("*.yaml")) if (root / "models").is_dir() else []
    if not model_paths:
        where = Location(display_path(root / "models"), 1, 1)
        source.problems.append(Problem(where, (), "no model files (models/*.yaml)"))
    imported = sorted(path for path in (root / "imported").glob("*") if path.is_dir()) \
        if (root / "imported").is_dir() else []
    imported_providers = [folder / "providers.yaml" for folder in imported if (folder / "providers.yaml").is_file()]
    model_paths += [path for folder in imported for path in sorted((folder / "models").glob("*.yaml"))]
    for stray in sorted(root.rglob("*.y*ml")):
        if stray not in expected and stray not in model_paths and stray not in imported_providers:
            source.problems.append(Problem(Location(display_path(stray), 1, 1), (),
                                           "unexpected file: sources are settings.yaml, providers.yaml, models/*.yaml, "
                                           "imported/<source>/providers.yaml and imported/<source>/models/*.yaml"))
    for path in [*(p for p in expected if p.is_file()), *imported_providers, *model_paths]:
        doc, problems = yaml_source.load(path, display_path(path))
        source.problems.extend(problems)
        if doc is None or problems:
            continue
        wanted = schema_comment(path, root)
        if doc.first_line.strip() != wanted:
            source.problems.append(Problem(Location(doc.file, 1, 1), (), f"the first line must be {wanted!r}"))
        if path == root / "settings.yaml":
            settings = _validate(doc, SettingsFile, source.problems)
            source.settings = (doc, settings) if settings else None
        elif path == root / "providers.yaml":
            providers = _validate(doc, ProvidersFile, source.problems)
            source.providers = (doc, providers) if providers else None
        elif path in imported_providers:
            providers = _validate(doc, ProvidersFile, source.problems)
            if providers:
                source.imported_providers.append((doc, providers))
        else:
            models = _validate(doc, ModelsFile, source.problems)
            if models:
                source.model_files.append((doc, models))
    return source
