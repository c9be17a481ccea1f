"""The genai-prices importer: re-runnable (same bytes, nothing reported), its change report, and the source test —
every imported model prices each usage component exactly as genai-prices does, to the atomic unit."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

try:
    GENAI_VERSION = version("genai-prices")
except PackageNotFoundError:  # pragma: no cover - the bench extra is not installed
    GENAI_VERSION = None
if GENAI_VERSION != "0.2.5":  # pragma: no cover
    pytest.skip(f"the importer reads genai-prices 0.2.5 (installed: {GENAI_VERSION}): pip install genai-prices==0.2.5",
                allow_module_level=True)

from genai_prices import Usage as GenaiUsage
from genai_prices.types import ModelInfo, TimeOfDateConstraint
from genai_prices.types import Provider as TheirProvider

import pricing
from catalog_build.importers import genai_prices as importer
from catalog_build.importers.genai_prices_catalog import Candidate
from catalog_build.importers.genai_prices_convert import Skip, convert
from catalog_build.importers.genai_prices_report import Changes, compare_models, compare_providers
from catalog_build.source_models import ModelsFile, Provider

ROOT = Path(__file__).resolve().parents[2]
IMPORTED = Path("imported") / "genai-prices"


@pytest.fixture(scope="module")
def plan() -> importer.Plan:
    return importer.make_plan(ROOT / "catalog_src")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the committed catalog source, imported files included."""
    shutil.copytree(ROOT / "catalog_src", tmp_path / "catalog_src")
    return tmp_path / "catalog_src"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def run(src: Path) -> tuple[importer.Plan, Changes, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    result = importer.run(src, out=out, err=err)
    return *result, out.getvalue()


# -- (a) re-runnable ----------------------------------------------------------------------------------------------


def test_a_rerun_on_the_committed_files_changes_nothing_and_writes_the_same_bytes(source: Path) -> None:
    before = snapshot(source)
    mtimes = {path: path.stat().st_mtime_ns for path in (source / IMPORTED).rglob("*.yaml")}
    plan, changes, touched, report = run(source)
    assert not changes and touched == []
    assert not re.search(r"^(ADDED|CHANGED|DROPPED) ", report, re.MULTILINE)
    assert " 0 added, 0 changed, 0 dropped; " in report and report.endswith("0 files written or deleted\n")
    assert snapshot(source) == before
    assert {path: path.stat().st_mtime_ns for path in (source / IMPORTED).rglob("*.yaml")} == mtimes
    assert {f"{IMPORTED.as_posix()}/{name}" for name in plan.texts} == {
        name for name in before if name.startswith(IMPORTED.as_posix())}
    assert importer.main(["--src", str(source), "--check"]) == 0


def test_the_committed_files_are_what_the_importer_writes(plan: importer.Plan) -> None:
    for name, text in plan.texts.items():
        assert (ROOT / "catalog_src" / IMPORTED / name).read_text(encoding="utf-8") == text, name


def test_print_one_provider_writes_nothing(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(source)
    assert importer.main(["--src", str(source), "--provider", "huggingface_novita", "--print"]) == 0
    assert capsys.readouterr().out == (source / IMPORTED / "models" / "huggingface-novita.yaml").read_text()
    assert importer.main(["--src", str(source), "--provider", "openai-decisions", "--print"]) == 1
    assert "no importable model" in capsys.readouterr().err
    assert snapshot(source) == before


def test_the_import_meets_the_brief(plan: importer.Plan) -> None:
    from generated import catalog

    assert len(catalog.MODELS) >= 2000 and len(plan.entries) >= 1900
    assert len({model.provider for model in catalog.MODELS}) >= 40
    assert len(plan.kept) >= 200  # hand-reviewed entries win and are not emitted again
    for provider, model_id, hand_id in plan.kept:
        assert catalog.MODEL_INDEX[hand_id].provider == provider, (provider, model_id)
    assert catalog.PROVIDERS["openrouter"].base_url == "https://openrouter.ai/api/v1"
    assert catalog.PROVIDERS["huggingface-novita"].base_url is None  # priced only


# -- (b) the change report ------------------------------------------------------------------------------------------


def models_file(provider: str, *models: tuple[str, str]) -> ModelsFile:
    return ModelsFile.model_validate({"provider": provider, "models": [
        {"id": model_id, "modality": "text", "operations": ["chat"], "source": "https://acme.test/pricing",
         "as_of": "2026-01-01", "prices": [{"tokens": {"input": price, "output": "2"}}]}
        for model_id, price in models]})


def test_b_added_changed_and_dropped_on_a_tiny_before_and_after() -> None:
    changes = Changes()
    before = [models_file("acme", ("a", "1"), ("b", "1"), ("c", "1"))]
    after = [models_file("acme", ("a", "1.5"), ("b", "1"), ("d", "1"))]
    compare_models(before, after, changes)
    compare_providers([Provider(id="acme", name="Acme"), Provider(id="gone", name="Gone")],
                      [Provider(id="acme", name="Acme AI"), Provider(id="new", name="New")], changes)
    assert changes.lines() == [
        "ADDED    acme: d",
        "ADDED    provider new (New; priced only)",
        "CHANGED  acme: a: prices[0].tokens.input: 1 → 1.5",
        "CHANGED  provider acme: name: Acme → Acme AI",
        "DROPPED  acme: c",
        "DROPPED  provider gone",
    ]
    assert not Changes()


def test_b_a_run_reports_what_it_changes_in_the_previous_files(source: Path) -> None:
    committed = snapshot(source / IMPORTED)
    path = source / IMPORTED / "models" / "avian.yaml"
    text = path.read_text()
    first = re.search(r"  - id: (\S+)\n(?:    .*\n)*?      - tokens: \{input: \"([0-9.]+)\"", text)
    assert first
    text = text.replace(f'tokens: {{input: "{first[2]}"', 'tokens: {input: "999"', 1)
    head, _, last = text.rpartition("\n  - id: ")
    last_id = last.split("\n", 1)[0]
    fake = ("\n  - id: fake/model-1\n    modality: text\n    operations: [chat]\n    source: https://acme.test/\n"
            "    as_of: 2026-01-01\n    prices:\n      - tokens: {input: \"1\", output: \"1\"}\n")
    path.write_text(head + fake)
    providers = source / IMPORTED / "providers.yaml"
    providers.write_text(providers.read_text().replace("name: Avian\n", "name: Avian Old\n"))
    _, changes, touched, report = run(source)
    assert changes.added == [f"avian: {last_id}"]
    assert changes.changed == ["provider avian: name: Avian Old → Avian",
                               f"avian: {first[1]}: prices[0].tokens.input: 999 → {first[2]}"]
    assert changes.dropped == ["avian: fake/model-1"]
    assert f"ADDED    avian: {last_id}\n" in report and "DROPPED  avian: fake/model-1\n" in report
    assert " 1 added, 1 changed, 1 dropped; " in report  # models; the provider is listed apart
    assert sorted(touched) == ["models/avian.yaml", "providers.yaml"]
    assert snapshot(source / IMPORTED) == committed  # and the files are back to what the importer writes


def test_b_a_first_run_adds_everything_and_a_second_changes_nothing(source: Path) -> None:
    shutil.rmtree(source / IMPORTED)
    plan, changes, _, report = run(source)
    assert len(changes.added) == len(plan.entries) + len(plan.providers)
    assert not changes.changed and not changes.dropped
    assert f" {len(plan.entries)} added, 0 changed, 0 dropped; " in report
    assert snapshot(source / IMPORTED) == snapshot(ROOT / "catalog_src" / IMPORTED)
    _, again, touched, _ = run(source)
    assert not again and touched == []


def test_names_and_providers_of_another_importer_are_left_to_it(source: Path) -> None:
    other = source / "imported" / "zz-other"
    (other / "models").mkdir(parents=True)
    (other / "providers.yaml").write_text("# yaml-language-server: $schema=../../../generated/catalog_src.schema.json\n"
                                          "providers:\n  - id: novita\n    name: Novita (other)\n"
                                          "    base_url: https://api.novita.ai/v3/openai\n"
                                          "    api_key_env: NOVITA_API_KEY\n")
    (other / "models" / "novita.yaml").write_text(
        "# yaml-language-server: $schema=../../../../generated/catalog_src.schema.json\n"
        "provider: novita\nmodels:\n  - id: 01-ai/yi-large\n    modality: text\n    operations: [chat]\n"
        "    source: https://acme.test/\n    as_of: 2026-01-01\n    prices:\n"
        "      - tokens: {input: \"1\", output: \"1\"}\n")
    _, changes, touched, _ = run(source)
    assert changes.lines() == [
        "CHANGED  openrouter: openrouter/01-ai/yi-large: aliases[0]: openrouter/01-ai/yi-large → -; "
        "id: 01-ai/yi-large → openrouter/01-ai/yi-large",
        "DROPPED  provider novita"]
    assert touched == ["models/openrouter.yaml", "providers.yaml"]
    from catalog_build.build import compile_catalog
    compiled = compile_catalog(source)  # one catalog, valid
    assert sum(1 for model in compiled["models"] if model["id"].endswith("01-ai/yi-large")) == 2


# -- (c) the source test: our line amounts equal genai-prices' own price, rounded up -------------------------------

LINE_FIELDS = {"input_tokens": "input", "cached_input_tokens": "cached_input", "cache_write_tokens": "cache_write",
               "output_tokens": "output", "reasoning_tokens": "reasoning", "requests": "requests",
               "characters": "characters", "audio_seconds": "audio", "searches": "searches"}


def genai_total(entry: Candidate, provider: TheirProvider, at: datetime, **usage: int) -> Decimal:
    with localcontext() as context:
        context.prec = 100  # genai-prices computes in the ambient context: make it exact
        return entry.info.calc_price(GenaiUsage(**usage), provider, genai_request_timestamp=at).total_price


def atomic(amount: Decimal) -> int:
    return int((amount * 10**6).to_integral_value(rounding=ROUND_CEILING))


def outside_time_windows(info: ModelInfo, at: datetime) -> datetime:
    """`at`, moved to an hour of the same day when genai-prices applies no time-of-day price."""
    windows = [c.constraint for c in info.prices if isinstance(c.constraint, TimeOfDateConstraint)] \
        if isinstance(info.prices, list) else []
    for hour in range(24):
        moment = at.replace(hour=(at.hour + hour) % 24)
        if not any(window.active(moment) for window in windows):
            return moment
    raise AssertionError(f"{info.id}: every hour has a time-of-day price")


def moments(model: object, rng: random.Random) -> Iterator[tuple[int, datetime]]:
    """A moment inside each price set's period (and, for the first, before the second starts)."""
    sets = model.prices  # type: ignore[attr-defined]
    for index, price_set in enumerate(sets):
        following = sets[index + 1].effective_from if index + 1 < len(sets) else None
        if price_set.effective_from is None:
            end = following or datetime(2026, 11, 19, tzinfo=UTC)
            yield index, end - timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 23))
        else:
            days = ((following - price_set.effective_from).days - 1) if following else 200
            yield index, price_set.effective_from + timedelta(days=rng.randint(0, max(days, 0)),
                                                              hours=rng.randint(0, 23))


def token_counts(price_set: object, rng: random.Random) -> list[int]:
    """Prompt sizes on both sides of every tier threshold, and one below the first."""
    tiers = [tier.above_input_tokens for tier in price_set.tiers]  # type: ignore[attr-defined]
    first = tiers[0] if tiers else 2_000_000
    counts = [rng.randint(1, min(first, 2_000_000)), rng.randint(1, min(first, 5_000))]
    for threshold in tiers:
        counts += [threshold, threshold + 1, threshold + rng.randint(2, 50_000)]
    return counts


def test_c_every_imported_model_prices_like_genai_prices(plan: importer.Plan) -> None:
    from generated import catalog

    compiled = json.loads((ROOT / "generated" / "catalog.json").read_bytes())
    imported = {m["id"] for m in compiled["models"] if (m["origin"] or {}).get("package") == "genai-prices"}
    entries = {entry.id: entry for entry in plan.entries}
    assert imported == set(entries)  # the generated catalog holds exactly what the importer emits
    from genai_prices import data
    providers = {provider.id: provider for provider in data.providers}
    rng = random.Random(20261119)
    seen: Counter[str] = Counter()

    def check(entry: Candidate, line_key: str, ours: int, theirs: Decimal) -> None:
        expected = atomic(theirs)
        if LINE_FIELDS[line_key] in entry.converted.rounded:  # a float artifact or a 13th decimal, noted in the file
            assert abs(ours - expected) <= 1, (entry.id, line_key, ours, theirs)
            seen["rounded"] += 1
        else:
            assert ours == expected, (entry.id, line_key, ours, theirs)
            seen["exact"] += 1

    for model_id in sorted(imported):
        entry, model = entries[model_id], catalog.MODEL_INDEX[model_id]
        provider = providers[entry.their_provider]
        seen["history" if len(model.prices) > 1 else "single"] += 1
        for index, moment in moments(model, rng):
            at = outside_time_windows(entry.info, moment)
            price_set = model.prices[index]
            assert pricing.price_set_at(model, at) is price_set

            def lines(usage: dict[str, int], model: object = model, at: datetime = at) -> dict[str, int]:
                charge = pricing.price(model, usage, at=at, fee_bps=0)  # type: ignore[arg-type]
                return {item.key: item.amount for item in charge.line_items}

            if price_set.free:
                assert pricing.price(model, {"input_tokens": 1000, "output_tokens": 10}, at=at).final_amount == 0
                assert genai_total(entry, provider, at, input_tokens=1000, output_tokens=10) == 0
                seen["free"] += 1
                continue
            base = Decimal(0)
            if price_set.requests is not None:
                base = genai_total(entry, provider, at)  # the request fee alone
                check(entry, "requests", lines({"input_tokens": 1})["requests"], base)
            if price_set.characters is not None:
                count = rng.randint(1, 100_000)
                check(entry, "characters", lines({"characters": count})["characters"],
                      genai_total(entry, provider, at, input_characters=count) - base)
            if price_set.audio is not None:
                seconds = rng.randint(1, 20_000)
                check(entry, "audio_seconds", lines({"audio_seconds": seconds})["audio_seconds"],
                      genai_total(entry, provider, at, audio_seconds=seconds, input_audio_seconds=seconds) - base)
            tokens = price_set.tokens
            if tokens is None:
                continue
            seen["tiered"] += bool(price_set.tiers)
            for n in token_counts(price_set, rng):
                prompt = genai_total(entry, provider, at, input_tokens=n)
                if tokens.input is not None:
                    check(entry, "input_tokens", lines({"input_tokens": n})["input_tokens"], prompt - base)
                if tokens.cached_input is not None:
                    check(entry, "cached_input_tokens",
                          lines({"input_tokens": n, "cached_input_tokens": n})["cached_input_tokens"],
                          genai_total(entry, provider, at, input_tokens=n, cache_read_tokens=n) - base)
                if tokens.cache_write is not None:
                    check(entry, "cache_write_tokens",
                          lines({"input_tokens": n, "cache_write_tokens": n})["cache_write_tokens"],
                          genai_total(entry, provider, at, input_tokens=n, cache_write_tokens=n) - base)
                m = rng.randint(1, 100_000)
                if tokens.output is not None:
                    check(entry, "output_tokens", lines({"input_tokens": n, "output_tokens": m})["output_tokens"],
                          genai_total(entry, provider, at, input_tokens=n, output_tokens=m) - prompt)
                if tokens.reasoning is not None:
                    usage = {"input_tokens": n, "output_tokens": m, "reasoning_tokens": m}
                    check(entry, "reasoning_tokens", lines(usage)["reasoning_tokens"],
                          genai_total(entry, provider, at, input_tokens=n, output_tokens=m,
                                      output_reasoning_tokens=m) - prompt)
    assert seen["exact"] > 10_000 and seen["rounded"] < seen["exact"] // 100
    assert seen["tiered"] >= 20 and seen["history"] >= 100 and seen["free"] >= 50, seen


# -- conversion details ---------------------------------------------------------------------------------------------


def test_deepseek_time_of_day_surcharges_are_skipped_and_discounts_kept(plan: importer.Plan) -> None:
    skipped = {(provider, model_id): kind for provider, model_id, kind, _ in plan.skipped}
    assert skipped[("deepseek", "deepseek-chat")] == "price not representable"  # peak hours cost more
    assert ("deepseek", "deepseek-v3.2") in skipped  # left out by the hand-reviewed deepseek.yaml
    kept = {model_id for _, model_id, _ in plan.kept}
    assert {"deepseek-v4-flash", "deepseek-v4-pro", "gpt-4.1", "gemini-2.5-pro"} <= kept


def test_ids_are_unique_valid_and_provider_qualified_where_taken(plan: importer.Plan) -> None:
    from generated import catalog

    names = Counter(name for model in catalog.MODELS for name in (model.id, *model.aliases))
    assert max(names.values()) == 1
    for entry in plan.entries:
        assert entry.id in (entry.info.id, f"{entry.provider}/{entry.info.id}") or "sanitised" in " ".join(
            entry.converted.notes), entry.id
        assert entry.upstream_id is None or entry.upstream_id.endswith(entry.info.id)
        qualified = f"{entry.provider}/{entry.info.id}"
        assert qualified in (entry.id, *entry.aliases) or catalog.MODEL_INDEX.get(qualified) is not None
    assert catalog.MODEL_INDEX["openrouter/openai/gpt-4.1"].provider == "openrouter"
    fireworks = next(e for e in plan.entries if e.provider == "fireworks")
    assert fireworks.upstream_id == "accounts/fireworks/models/" + fireworks.info.id


def test_only_free_labelled_models_are_free() -> None:
    from genai_prices.types import ClauseEquals, ModelPrice

    free = convert("openrouter", ModelInfo(id="acme/x:free", match=ClauseEquals(equals="acme/x:free"),
                                           prices=ModelPrice()))
    assert free.sets[0].free
    with pytest.raises(Skip, match="no prices"):
        convert("openrouter", ModelInfo(id="acme/x", match=ClauseEquals(equals="acme/x"), prices=ModelPrice()))
