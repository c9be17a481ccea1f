"""Import every model genai-prices prices into `catalog_src/imported/genai-prices/`, re-runnably.

    python scripts/import_genai_prices.py                          # write the files, report what changed
    python scripts/import_genai_prices.py --check                  # write nothing; exit 1 if a run would change them
    python scripts/import_genai_prices.py --provider openrouter --print   # one provider's file on stdout

A run writes `providers.yaml` (the providers that neither `catalog_src/providers.yaml` nor another importer
defines) and `models/<provider>.yaml` for every genai-prices provider with an importable model, and prints what it
ADDED, CHANGED and DROPPED compared with the files already there, then a count line. It is deterministic: a second
run writes the same bytes. Models a hand-reviewed file already has (same provider, same upstream id, id or alias)
are kept there and not emitted. Nothing is written unless the whole catalog builds with the new files.
Conversion: genai_prices_convert; ids and providers: genai_prices_catalog; YAML: genai_prices_render.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Final, TextIO

from genai_prices import data

from catalog_build import rules, yaml_source
from catalog_build.build import write_atomically
from catalog_build.compiled import compile_source
from catalog_build.importers.genai_prices_catalog import (
    ENDPOINTS,
    SOURCE,
    VERSION,
    Candidate,
    HandReviewed,
    SourceError,
    assign_ids,
    excluded,
    hand_reviewed_match,
    load_hand_reviewed,
    our_provider_id,
)
from catalog_build.importers.genai_prices_convert import Skip, convert
from catalog_build.importers.genai_prices_render import render_models_file, render_providers_file
from catalog_build.importers.genai_prices_report import Changes, compare_models, compare_providers
from catalog_build.problems import CatalogInvalid
from catalog_build.source import display_path, read_source
from catalog_build.source_models import ModelsFile, Provider, ProvidersFile

ROOT: Final = Path(__file__).resolve().parents[2]
PROVIDERS: Final = "providers.yaml"


@dataclass
class Plan:
    """Everything one run would write, and what it left out."""

    texts: dict[str, str] = field(default_factory=dict)  # path under imported/genai-prices/ -> file content
    entries: list[Candidate] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)  # written to the imported providers.yaml
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (provider, genai id, hand-reviewed id)
    skipped: list[tuple[str, str, str, str]] = field(default_factory=list)  # (provider, genai id, kind, detail)
    files: list[ModelsFile] = field(default_factory=list)  # the models files, as the catalog reads them
    provider_files: list[ProvidersFile] = field(default_factory=list)


def check_version() -> None:
    installed = version("genai-prices")
    if installed != VERSION:
        raise SourceError(f"genai-prices {installed} is installed; this importer reads {VERSION} (its as_of date and "
                          "mapping were checked against that version)")


def provider_order(hand: HandReviewed, ours: Sequence[str], callable_: set[str]) -> list[str]:
    """Bare ids go first to the hand-reviewed providers (in providers.yaml order), then to the providers the
    gateway can call, then to the priced-only ones (alphabetically): a bare id should reach a callable model."""
    first = [provider.id for provider in hand.providers[:hand.hand_providers] if provider.id in ours]
    rest = sorted(set(ours) - set(first))
    return first + [p for p in rest if p in callable_] + [p for p in rest if p not in callable_]


def make_plan(root: Path) -> Plan:
    """Convert every genai-prices model and lay out the files (nothing is written)."""
    check_version()
    hand = load_hand_reviewed(root)
    theirs = {our_provider_id(provider.id): provider for provider in data.providers}
    assert len(theirs) == len(data.providers), "two genai-prices providers map to one of our ids"
    defined = {provider.id: provider for provider in reversed(hand.providers)}  # elsewhere in the catalog
    callable_ = {ours for ours in theirs if (defined[ours].base_url if ours in defined else ours in ENDPOINTS)}
    plan = Plan()
    candidates: list[Candidate] = []
    for ours in provider_order(hand, list(theirs), callable_):
        provider = theirs[ours]
        for info in sorted(provider.models, key=lambda model: model.id):
            left_out = excluded(ours, info.id)
            if left_out is not None:
                plan.skipped.append((ours, info.id, *left_out))
                continue
            match = hand_reviewed_match(hand, ours, info)
            if match is not None:
                plan.kept.append((ours, info.id, match))
                continue
            try:
                candidates.append(Candidate(ours, provider.id, info, convert(provider.id, info),
                                            ours in callable_))
            except Skip as skip:
                plan.skipped.append((ours, info.id, skip.kind, skip.detail))
    for rejected in assign_ids(candidates, dict(hand.names)):
        plan.skipped.append((rejected.candidate.provider, rejected.candidate.info.id, "id not representable",
                             rejected.detail))
    plan.entries = [candidate for candidate in candidates if candidate.id]
    by_provider: dict[str, list[Candidate]] = {}
    for entry in plan.entries:
        by_provider.setdefault(entry.provider, []).append(entry)
    for ours in sorted(by_provider):
        plan.texts[f"models/{ours}.yaml"] = render_models_file(ours, theirs[ours], by_provider[ours])
        if ours not in defined:
            endpoint = ENDPOINTS.get(ours)
            plan.providers.append(Provider(id=ours, name=theirs[ours].name,
                                           base_url=endpoint.base_url if endpoint else None,
                                           api_key_env=endpoint.api_key_env if endpoint else None))
    if plan.providers:
        plan.texts[PROVIDERS] = render_providers_file(plan.providers)
    return plan


def validate(root: Path, plan: Plan) -> None:
    """Build the catalog as it would be with these files (a copy of the source, staged in a temporary folder)
    and keep the files as the catalog reads them. Raises CatalogInvalid, with locations in `root`."""
    with tempfile.TemporaryDirectory(prefix="import-genai-prices-") as temp:
        stage = Path(temp) / root.name
        ours = root / "imported" / SOURCE
        shutil.copytree(root, stage, ignore=lambda folder, _: [SOURCE] if Path(folder) == ours.parent else [])
        for name, text in plan.texts.items():
            (stage / "imported" / SOURCE / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / "imported" / SOURCE / name).write_text(text, encoding="utf-8")
        source = read_source(stage)
        problems = [*source.problems, *rules.check(source)]
        if problems or not (source.settings and source.providers):
            shown, real = display_path(stage), display_path(root)
            raise CatalogInvalid([problem._replace(where=problem.where._replace(
                file=problem.where.file.replace(shown, real, 1))) for problem in problems])
        compile_source(source)
        mine = display_path(stage / "imported" / SOURCE) + os.sep
        plan.files = [models for doc, models in source.model_files if doc.file.startswith(mine)]
        plan.provider_files = [providers for doc, providers in source.imported_providers if doc.file.startswith(mine)]


def read_previous(folder: Path, err: TextIO) -> tuple[list[ModelsFile], list[Provider]]:
    """What the last run wrote (a file that no longer reads counts as empty, and is replaced)."""
    files: list[ModelsFile] = []
    providers: list[Provider] = []
    paths = [folder / PROVIDERS] if (folder / PROVIDERS).is_file() else []
    for path in [*paths, *sorted((folder / "models").glob("*.yaml"))]:
        doc, problems = yaml_source.load(path, display_path(path))
        try:
            if doc is None or problems:
                raise ValueError("; ".join(map(str, problems)))
            if path.name == PROVIDERS and path.parent == folder:
                providers += ProvidersFile.model_validate(doc.data).providers
            else:
                files.append(ModelsFile.model_validate(doc.data))
        except ValueError as exc:
            print(f"note: the previous {display_path(path)} does not read ({str(exc)[:200]}); it is replaced",
                  file=err)
    return files, providers


def write_files(folder: Path, texts: dict[str, str], *, dry_run: bool = False) -> list[str]:
    """Write what differs and delete the model files no longer produced; returns the paths touched (with
    `dry_run`, the paths that would be, and nothing is written)."""
    touched = []
    for name, text in sorted(texts.items()):
        path = folder / name
        content = text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != content:
            if not dry_run:
                write_atomically(path, content)
            touched.append(name)
    stale = [path for path in sorted((folder / "models").glob("*.yaml")) if f"models/{path.name}" not in texts]
    if PROVIDERS not in texts and (folder / PROVIDERS).is_file():
        stale.append(folder / PROVIDERS)
    for path in stale:
        if not dry_run:
            path.unlink()
        touched.append(path.relative_to(folder).as_posix())
    return touched


def summary(plan: Plan, changes: Changes, touched: list[str], *, written: bool) -> str:
    def count(lines: list[str]) -> int:
        return sum(1 for line in lines if not line.startswith("provider "))

    kinds = Counter(kind for _, _, kind, _ in plan.skipped)
    skipped = "; ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda item: (-item[1], item[0])))
    callable_ = sum(1 for provider in plan.providers if provider.base_url)
    files = len(plan.texts) - (PROVIDERS in plan.texts)
    return (f"genai-prices {VERSION}: {len(plan.entries)} models in {files} provider files ({len(plan.providers)} "
            f"providers new to the catalog, {callable_} of them with a base_url); "
            f"{count(changes.added)} added, {count(changes.changed)} changed, {count(changes.dropped)} dropped; "
            f"{len(plan.kept)} kept (hand-reviewed); {len(plan.skipped)} skipped ({skipped or 'none'}); "
            + (f"{len(touched)} files written or deleted" if written else f"{len(touched)} files out of date; "
               "nothing written"))


def run(root: Path, *, write: bool = True, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr) -> tuple[Plan, Changes, list[str]]:
    """Plan, validate, compare with the previous files, and (with `write`) write. Returns the plan, the changes
    and the files written (or, without `write`, out of date). Raises SourceError or CatalogInvalid; nothing is
    written then."""
    plan = make_plan(root)
    validate(root, plan)
    folder = root / "imported" / SOURCE
    before, before_providers = read_previous(folder, err)
    changes = Changes()
    compare_providers(before_providers, [p for file in plan.provider_files for p in file.providers], changes)
    compare_models(before, plan.files, changes)
    for provider, model_id, kind, detail in plan.skipped:
        print(f"skipped {provider} {model_id}: {kind}: {detail}", file=err)
    for entry in plan.entries:
        for note in entry.converted.notes:
            if note.startswith(("id sanitised", "genai-prices' id")):
                print(f"note {entry.provider} {entry.id}: {note}", file=err)
    touched = write_files(folder, plan.texts, dry_run=not write)
    for line in changes.lines():
        print(line, file=out)
    print(summary(plan, changes, touched, written=write), file=out)
    return plan, changes, touched


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="import_genai_prices.py", description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--src", type=Path, default=ROOT / "catalog_src", help="catalog source folder")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a run would write a file")
    parser.add_argument("--provider", help="with --print: our or genai-prices' provider id")
    parser.add_argument("--print", action="store_true", dest="print_only",
                        help="print the --provider's models file to stdout; write nothing")
    args = parser.parse_args(argv)
    if args.print_only != bool(args.provider):
        parser.error("--provider and --print go together")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.print_only:
            plan = make_plan(args.src)
            ours = our_provider_id(args.provider)
            text = plan.texts.get(f"models/{ours}.yaml")
            if text is None:
                reasons = sorted({kind for provider, _, kind, _ in plan.skipped if provider == ours})
                print(f"error: no importable model for provider {args.provider!r} (skipped: "
                      f"{', '.join(reasons) or 'none'}; kept as hand-reviewed: "
                      f"{sum(1 for provider, _, _ in plan.kept if provider == ours)})", file=sys.stderr)
                return 1
            sys.stdout.write(text)
            return 0
        _, _, touched = run(args.src, write=not args.check)
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CatalogInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        print(f"the imported catalog would be invalid: {len(invalid.problems)} problem(s); nothing written",
              file=sys.stderr)
        return 2
    return 1 if args.check and touched else 0

