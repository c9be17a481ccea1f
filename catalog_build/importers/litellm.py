"""Import media and rerank models from LiteLLM's price map into `catalog_src/imported/litellm/`.

    python scripts/import_litellm.py            # write imported/litellm/ and say what was ADDED, CHANGED, DROPPED
    python scripts/import_litellm.py --check    # write nothing; exit 1 when the files are not what a run writes
    python scripts/import_litellm.py --vendor   # also write the subset it maps to tests/data/ (for the tests)
    python scripts/import_litellm.py --source tests/data/litellm_prices_1.108.7.json.gz   # without litellm

Modes read: image_generation and image_edit (-> images), audio_speech (-> speech), audio_transcription
(-> transcription), video_generation (-> video), rerank (-> rerank); how each entry is priced is in
`litellm_entries`, how entries become models in `litellm_models`. A model the rest of the catalog already has
(hand-reviewed `catalog_src/models/`, other importers' `catalog_src/imported/*/`) is not imported: same provider and
upstream id, or its name taken by that provider. Ids: the bare model name when LiteLLM has a bare key for it and no
other model holds it, else `<provider>/<model>`. Also left out: transcription priced only by tokens at a provider
the gateway calls (the hold is by audio length), and the models of a provider this importer would define for fewer
than 3 of them. The output depends only on the entries that map and on the rest of the catalog, so a second run
writes the same bytes. The rules in full: docs/CATALOG.md, "LiteLLM media and rerank import".
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

from catalog_build.build import compile_catalog, write_atomically
from catalog_build.importers import litellm_render as render
from catalog_build.importers.litellm_entries import Entry, Skip, read
from catalog_build.importers.litellm_models import Draft, group
from catalog_build.importers.litellm_notes import changes, describe, models_of, same_prices
from catalog_build.importers.litellm_source import (
    AS_OF,
    AS_OF_NOTE,
    PACKAGE,
    URL,
    VENDORED,
    VERSION,
    ProviderInfo,
    SourceError,
    installed_map,
    load_map,
    vendored_bytes,
)
from catalog_build.problems import CatalogInvalid, Problem
from catalog_build.source import read_source
from catalog_build.source_models import Model

FOLDER: Final = Path("imported") / "litellm"
OPERATIONS: Final = ("images", "speech", "transcription", "video", "rerank")


@dataclass(frozen=True)
class Holder:
    provider: str
    model: Model
    file: str  # relative to the source folder
    origin: str  # "hand-reviewed" or the importer's folder name


@dataclass
class Context:
    """The rest of the catalog: what the import must not repeat."""

    providers: set[str] = field(default_factory=set)
    callable: set[str] = field(default_factory=set)  # providers with a base_url: the gateway serves their models
    names: dict[str, Holder] = field(default_factory=dict)  # id or alias -> its model
    pairs: dict[tuple[str, str], Holder] = field(default_factory=dict)  # (provider, upstream id) -> model
    counts: Counter[str] = field(default_factory=Counter)  # operation -> models


@dataclass
class Result:
    files: dict[str, str]  # path relative to the source folder -> text
    models: list[tuple[str, Draft]]  # (id, draft)
    present: list[tuple[Draft, Holder]]
    skips: list[tuple[str, str, str]]  # (reason, keys, detail)
    entries: list[str]  # the keys that map: the vendored subset
    defined: list[str]  # providers imported/litellm/providers.yaml defines


def _origin(relative: Path) -> str:
    return relative.parts[1] if relative.parts[0] == "imported" else "hand-reviewed"


def read_context(src: Path) -> Context:
    """Every provider and model of `src` outside imported/litellm. Raises CatalogInvalid for unreadable files."""
    source = read_source(src)
    mine = (src / FOLDER).resolve()
    problems = [problem for problem in source.problems if mine not in Path(problem.where.file).resolve().parents]
    if problems:
        raise CatalogInvalid(problems)
    context = Context()
    for doc, providers in [*([source.providers] if source.providers else []), *source.imported_providers]:
        if mine not in Path(doc.file).resolve().parents:
            context.providers.update(provider.id for provider in providers.providers)
            context.callable.update(provider.id for provider in providers.providers if provider.base_url)
    for doc, models_file in source.model_files:
        path = Path(doc.file).resolve()
        if mine in path.parents:
            continue
        relative = path.relative_to(src.resolve())
        for model in models_file.models:
            holder = Holder(models_file.provider, model, relative.as_posix(), _origin(relative))
            context.pairs.setdefault((models_file.provider, model.upstream_id or model.id), holder)
            for name in (model.id, *model.aliases):
                context.names.setdefault(name, holder)
            context.counts.update(model.operations)
    return context


def read_entries(entries: dict[str, dict[str, Any]]) -> tuple[list[Entry], list[tuple[str, str, str]]]:
    mapped: list[Entry] = []
    skips: list[tuple[str, str, str]] = []
    for key in sorted(entries):
        try:
            entry = read(key, entries[key])
        except Skip as skip:
            skips.append((skip.reason, key, skip.detail))
            continue
        if entry is not None:
            mapped.append(entry)
    return mapped, skips


def _provider(draft: Draft, context: Context) -> str:
    return next((pid for pid in draft.provider_ids if pid in context.providers), draft.provider_ids[0])


def _holder(draft: Draft, provider: str, context: Context) -> Holder | None:
    """The model of the rest of the catalog that is this one, if any."""
    found = context.pairs.get((provider, draft.upstream))
    if found is not None:
        return found
    if (holder := context.names.get(draft.upstream)) is not None and holder.provider == provider:
        return holder  # the provider's model already answers to that name (an id or an alias such as -latest)
    return context.names.get(f"{provider}/{draft.upstream}")


def _model(model_id: str, aliases: list[str], draft: Draft) -> dict[str, Any]:
    model: dict[str, Any] = {"id": model_id}
    if draft.upstream != model_id:
        model["upstream_id"] = draft.upstream
    if aliases:
        model["aliases"] = aliases
    model |= {"modality": draft.modality, "operations": [draft.operation]}
    if draft.context_window:
        model["context_window"] = draft.context_window
    model |= {"source": draft.source, "as_of": AS_OF}
    if draft.deprecated:
        model["deprecated"] = draft.deprecated
    model["prices"] = [draft.price_set]
    return model


def _keys_note(draft: Draft) -> str:
    keys = draft.keys if len(draft.keys) <= 3 else [*draft.keys[:2], f"… {len(draft.keys) - 2} more"]
    note = f"litellm: {', '.join(keys)}"
    if draft.merged:
        note += f"; also {', '.join(key for other in draft.merged for key in other.keys[:1])} (same prices: an alias)"
    return note


def _select(drafts: list[Draft], context: Context,
            skips: list[tuple[str, str, str]]) -> tuple[list[tuple[Draft, str]], list[tuple[Draft, Holder]]]:
    """The drafts to import, each with its provider, and those the catalog already has."""
    chosen: list[tuple[Draft, str]] = []
    present: list[tuple[Draft, Holder]] = []
    for draft in drafts:
        provider = _provider(draft, context)
        holder = _holder(draft, provider, context)
        if holder is not None:
            present.append((draft, holder))
        elif draft.operation == "transcription" and "audio" not in draft.price_set and provider in context.callable:
            skips.append(("transcription priced by tokens only, at a provider the gateway calls",
                          ", ".join(draft.keys), "the gateway holds a transcription by its audio length "
                          "(gateway_min/work/quote.py), which does not bound its tokens"))
        else:
            chosen.append((draft, provider))
    return chosen, present


def plan(entries: dict[str, dict[str, Any]], context: Context) -> Result:
    """What a run writes, from the price map and the rest of the catalog."""
    mapped, skips = read_entries(entries)
    drafts, dropped = group(mapped)
    skips += [(drop.reason, ", ".join(drop.keys), drop.detail) for drop in dropped]
    chosen, present = _select(drafts, context, skips)
    taken = set(context.names)
    models: dict[str, list[tuple[dict[str, Any], list[str]]]] = defaultdict(list)
    imported: list[tuple[str, Draft]] = []
    infos: dict[str, ProviderInfo] = {}
    for draft, provider in chosen:
        prefixed = f"{provider}/{draft.upstream}"
        candidates = [name for name in ([draft.upstream] if draft.bare else []) + [prefixed] if len(name) <= 128]
        model_id = next((name for name in candidates if name not in taken), None)
        if model_id is None:
            skips.append(("id taken by another model", ", ".join(draft.keys), f"{' and '.join(candidates)}"))
            continue
        aliases = [name for name in [prefixed] if name != model_id and name not in taken]
        for other in draft.merged:
            alias = other.upstream if other.bare else f"{provider}/{other.upstream}"
            if alias not in taken and alias != model_id and alias not in aliases:
                aliases.append(alias)
        taken.update((model_id, *aliases))
        models[provider].append((_model(model_id, aliases, draft), [_keys_note(draft), *draft.notes]))
        imported.append((model_id, draft))
        if provider not in context.providers:
            infos.setdefault(provider, draft.info)
    notes: dict[str, list[str]] = defaultdict(list)
    for draft, holder in present:
        where = f"{holder.model.id} in {holder.file} ({holder.origin})"
        if same_prices(draft.price_set, holder.model.prices[-1]):
            notes[holder.provider].append(f"{draft.keys[0]}: {where}, at the same prices.")
        else:
            notes[holder.provider].append(
                f"{draft.keys[0]}: {where}. LiteLLM says {describe(draft.price_set)}; the catalog keeps "
                f"{describe(holder.model.prices[-1].model_dump(mode='json', exclude_none=True))} from {holder.origin}, "
                f"which takes precedence over LiteLLM (hand-reviewed > genai-prices > litellm).")
    files: dict[str, str] = {}
    for provider, provider_models in sorted(models.items()):
        header = _header(sorted({name for _, draft in imported if _provider(draft, context) == provider
                                 for name in draft.litellm_providers}), notes.pop(provider, []))
        files[(FOLDER / "models" / f"{provider}.yaml").as_posix()] = render.models_file(provider, header,
                                                                                          provider_models)
    if infos:
        files[(FOLDER / "providers.yaml").as_posix()] = _providers_file(infos, notes)
    return Result(files, imported, present, skips, [entry.key for entry in mapped], sorted(infos))


GENERATED: Final = (f"Generated by scripts/import_litellm.py from the price map of {PACKAGE} {VERSION} ({URL}, "
                    "MIT License; the licence text is tests/data/LICENSE-litellm): do not edit, re-run the importer. "
                    "Prices are LiteLLM's (its JSON floats read as the decimals they were written as, scaled exactly "
                    "to the unit); a model that catalog_src/models/ or another importer already has is not imported "
                    "(precedence: hand-reviewed > genai-prices > litellm). Rules: docs/CATALOG.md, \"LiteLLM media "
                    "and rerank import\".")
DEFAULTS: Final = ("Default image option: the option priced as LiteLLM's entry without options when the model has "
                   "one, else the dearest 1024x1024 option, else the dearest. Default video option: the resolution "
                   "priced at LiteLLM's rate without a resolution (when no resolution LiteLLM lists has that rate, "
                   "it is named 720p, else 1080p, else 480p).")


def _header(names: list[str], present: list[str]) -> list[str]:
    paragraphs = [GENERATED, AS_OF_NOTE + ".", DEFAULTS, f"LiteLLM provider: {', '.join(names)}."]
    if present:
        paragraphs.append("Already in the catalog, so not imported:")
        paragraphs += [f"- {note}" for note in present]
    return paragraphs


def _providers_file(infos: dict[str, ProviderInfo], notes: dict[str, list[str]]) -> str:
    header = [GENERATED, "Providers the imported models need that the rest of the catalog does not define. Without "
              "base_url they are priced, not callable (the gateway answers 501 provider_not_callable)."]
    leftover = [note for provider in sorted(notes) for note in notes[provider]]
    if leftover:
        header.append("Already in the catalog, so not imported (providers with no imported model):")
        header += [f"- {note}" for note in leftover]
    providers: list[tuple[dict[str, Any], str | None]] = []
    for provider, info in sorted(infos.items()):
        record: dict[str, Any] = {"id": provider, "name": info.name}
        if info.base_url and info.api_key_env:
            record |= {"base_url": info.base_url, "api_key_env": info.api_key_env}
        providers.append((record, info.base_url_source if info.base_url else None))
    return render.providers_file(header, providers)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _existing(src: Path) -> dict[str, str]:
    folder = src / FOLDER
    paths = [folder / "providers.yaml", *sorted((folder / "models").glob("*.yaml"))]
    return {path.relative_to(src).as_posix(): text for path in paths if (text := _read_text(path)) is not None}


def _verify(src: Path, files: dict[str, str]) -> tuple[list[Problem], list[Problem]]:
    """Compile a copy of `src` with `files` in place of imported/litellm: (problems in them, problems elsewhere)."""
    with tempfile.TemporaryDirectory(prefix="import-litellm-") as temp:
        copy = Path(temp) / "catalog_src"
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns(".*"))
        shutil.rmtree(copy / FOLDER, ignore_errors=True)
        for name, text in files.items():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_text(text, encoding="utf-8")
        try:
            compile_catalog(copy)
        except CatalogInvalid as exc:
            mine = (copy / FOLDER).resolve()
            ours = [p for p in exc.problems if mine in Path(p.where.file).resolve().parents]
            return ours, [p for p in exc.problems if p not in ours]
    return [], []


def _report_skips(result: Result, err: TextIO) -> None:
    by_reason: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for reason, keys, detail in result.skips:
        by_reason[reason].append((keys, detail))
    total = sum(len(items) for items in by_reason.values())
    print(f"skipped {total} LiteLLM entries or groups of entries, by reason:", file=err)
    for reason, items in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"  {reason} ({len(items)}):", file=err)
        for keys, detail in items:
            print(f"    {keys}" + (f": {detail}" if detail else ""), file=err)
    print(f"not imported, already in the catalog ({len(result.present)}):", file=err)
    for draft, holder in result.present:
        print(f"    {', '.join(draft.keys[:1])} -> {holder.model.id} ({holder.file})", file=err)


def _counts(result: Result, context: Context) -> str:
    mine = Counter(draft.operation for _, draft in result.models)
    return ", ".join(f"{operation} {context.counts[operation] + mine[operation]} ({mine[operation]} from litellm)"
                     for operation in OPERATIONS)


def run(src: Path, source: Path | None, *, check: bool = False, vendor: Path | None = None,
        out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Import; 0 done (or --check: up to date), 1 --check found a difference, 2 it cannot import."""
    try:
        path = source or installed_map()
        entries = load_map(path)
        context = read_context(src)
    except SourceError as exc:
        print(f"error: {exc}", file=err)
        return 2
    except CatalogInvalid as exc:
        print("error: the rest of the catalog does not read, so the import cannot tell what it already has:",
              *map(str, exc.problems), sep="\n  ", file=err)
        return 2
    result = plan(entries, context)
    _report_skips(result, err)
    if vendor is not None:
        subset = vendored_bytes({key: entries[key] for key in result.entries})
        if check:
            if _read_bytes(vendor) != subset:
                print(f"STALE {vendor}: `scripts/import_litellm.py --vendor` rewrites it", file=out)
                return 1
        elif _read_bytes(vendor) != subset:
            write_atomically(vendor, subset)
            print(f"vendored {len(result.entries)} entries of {path.name} to {vendor}", file=out)
    old = _existing(src)
    lines = []
    for name in sorted(old.keys() | result.files.keys()):
        key = "providers" if name.endswith("providers.yaml") else "models"
        what = "provider" if key == "providers" else "model"
        found = changes(models_of(old.get(name), key), models_of(result.files.get(name), key), what)
        if not found and old.get(name) != result.files.get(name):
            found = [f"CHANGED file {name} (comments)"]
        lines += found
    ours, others = _verify(src, result.files)
    if ours:
        print("error: the imported files would not compile; nothing written:", *map(str, ours), sep="\n  ", file=err)
        return 2
    if others:
        print("warning: the catalog has problems outside imported/litellm (not this importer's):",
              *map(str, others), sep="\n  ", file=err)
    for line in lines:
        print(line, file=out)
    if check:
        print("imported/litellm is up to date" if not lines else "imported/litellm is stale", file=out)
        return 1 if lines else 0
    for name, text in sorted(result.files.items()):
        if old.get(name) != text:
            write_atomically(src / name, text.encode())
    for name in sorted(old.keys() - result.files.keys()):
        (src / name).unlink()
    print(f"{PACKAGE} {VERSION}: {len(result.models)} models in {len(result.files)} files"
          f"{' (' + ', '.join(result.defined) + ' defined)' if result.defined else ''}; "
          f"{'no change' if not lines else f'{len(lines)} change(s)'}. Catalog: {_counts(result, context)}", file=out)
    return 0


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="import_litellm.py", description=__doc__.split("\n\n")[0] if __doc__
                                     else None, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=Path("catalog_src"), help="catalog source folder")
    parser.add_argument("--source", type=Path, help=f"a price map (.json or .json.gz; default: the installed "
                        f"{PACKAGE} {VERSION}'s, read as a file)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a run would change files")
    parser.add_argument("--vendor", type=Path, nargs="?", const=VENDORED, help=f"also write the entries that map "
                        f"(default {VENDORED})")
    args = parser.parse_args(argv)
    return run(args.src, args.source, check=args.check, vendor=args.vendor)
