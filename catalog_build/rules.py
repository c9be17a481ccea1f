"""Rules a single pydantic model cannot see: across fields, across price sets and across files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from catalog_build.problems import Problem
from catalog_build.source import Source
from catalog_build.source_models import ImagePrices, Model, PriceSet, TokenPrices, VideoPrices
from catalog_build.yaml_source import Path_, SourceDoc

TOKEN_KEYS: Final = ("input", "cached_input", "cache_write", "output", "reasoning")
OPERATIONS_BY_MODALITY: Final[dict[str, frozenset[str]]] = {
    "text": frozenset({"chat", "rerank"}),
    "embedding": frozenset({"embeddings"}),
    "image": frozenset({"images"}),
    "audio": frozenset({"speech", "transcription"}),
    "video": frozenset({"video"}),
}
PRICE_GROUPS: Final = ("tokens", "images", "video", "characters", "audio", "requests", "searches")


def _token_keys(prices: object) -> frozenset[str]:
    return frozenset(key for key in TOKEN_KEYS if getattr(prices, key) is not None)


def _all_prices(price_set: PriceSet) -> Iterator[str]:
    if price_set.tokens:
        yield from (str(getattr(price_set.tokens, key)) for key in _token_keys(price_set.tokens))
    for tier in price_set.tiers:
        yield from (str(getattr(tier, key)) for key in _token_keys(tier))
    for group in (price_set.images, price_set.video):
        if group:
            yield from (option.price for option in group.options)
    for unit_price in (price_set.characters, price_set.audio, price_set.requests, price_set.searches):
        if unit_price:
            yield unit_price.price


class _Checker:
    def __init__(self, doc: SourceDoc, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems

    def report(self, path: Path_, message: str, *, key: bool = False) -> None:
        self.problems.append(Problem(self.doc.locate(path, key=key), path, message))

    def model(self, model: Model, path: Path_) -> None:
        allowed = OPERATIONS_BY_MODALITY[model.modality]
        for index, operation in enumerate(model.operations):
            if operation not in allowed:
                self.report((*path, "operations", index),
                            f"operation {operation!r} does not fit modality {model.modality!r} "
                            f"(allowed: {', '.join(sorted(allowed))})")
            if operation in model.operations[:index]:
                self.report((*path, "operations", index), f"operation {operation!r} is listed twice")
        for index, alias in enumerate(model.aliases):
            if alias == model.id:
                self.report((*path, "aliases", index), f"alias {alias!r} equals the model's own id")
        if model.max_output_tokens and model.context_window and model.max_output_tokens > model.context_window:
            self.report((*path, "max_output_tokens"),
                        f"max_output_tokens {model.max_output_tokens} exceeds context_window {model.context_window}")
        previous = None
        for index, price_set in enumerate(model.prices):
            set_path = (*path, "prices", index)
            if index and price_set.effective_from is None:
                self.report(set_path, "only the first price set may omit effective_from")
            if previous is not None and price_set.effective_from is not None and price_set.effective_from <= previous:
                self.report((*set_path, "effective_from"),
                            f"price history must be ascending: {price_set.effective_from:%Y-%m-%dT%H:%M:%SZ} is not "
                            f"after {previous:%Y-%m-%dT%H:%M:%SZ}")
            previous = price_set.effective_from or previous
            self.price_set(model, price_set, set_path)

    def price_set(self, model: Model, price_set: PriceSet, path: Path_) -> None:
        groups = [name for name in PRICE_GROUPS if getattr(price_set, name) is not None]
        if price_set.free:
            if groups or price_set.tiers:
                self.report((*path, "free"), f"a free price set carries no prices (found {', '.join(groups)})")
            return
        if not groups:
            self.report(path, "prices nothing: add prices, or say `free: true` for a free model")
            return
        prices = list(_all_prices(price_set))
        if prices and not any(price.strip("0.") for price in prices):  # plain decimals: zero has no other digit
            self.report(path, "every price is zero: a free model must say `free: true`")
        if price_set.tokens is not None:
            self.tokens(price_set.tokens, price_set, (*path, "tokens"))
        elif price_set.tiers:
            self.report((*path, "tiers"), "tiers need base token prices (`tokens`)")
        for name in ("images", "video"):
            group = getattr(price_set, name)
            if group is not None:
                self.media(group, (*path, name))
        self.coverage(model, price_set, path)

    def tokens(self, tokens: TokenPrices, price_set: PriceSet, path: Path_) -> None:
        base_keys = _token_keys(tokens)
        if not base_keys:
            self.report(path, f"token prices name no entry (entries: {', '.join(TOKEN_KEYS)})")
        below = 0
        tiers_path = (*path[:-1], "tiers")
        for index, tier in enumerate(price_set.tiers):
            if tier.above_input_tokens <= below:
                self.report((*tiers_path, index, "above_input_tokens"),
                            f"tiers must be ascending: {tier.above_input_tokens} is not above {below}")
            below = max(below, tier.above_input_tokens)
            tier_keys = _token_keys(tier)
            if tier_keys != base_keys:
                missing = sorted(base_keys - tier_keys)
                extra = sorted(tier_keys - base_keys)
                detail = "; ".join(part for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"not in the base: {', '.join(extra)}" if extra else "",
                ) if part)
                self.report((*tiers_path, index), f"a tier prices the same token entries as the base ({detail})")

    def media(self, group: ImagePrices | VideoPrices, path: Path_) -> None:
        selectors: list[tuple[str | None, ...]]
        if isinstance(group, ImagePrices):
            selectors = [(option.size, option.quality) for option in group.options]
            defaults = [index for index, option in enumerate(group.options) if option.default]
        else:
            selectors = [(option.resolution,) for option in group.options]
            defaults = [index for index, video in enumerate(group.options) if video.default]
        if len(defaults) != 1:
            found = "none" if not defaults else ", ".join(f"options[{i}]" for i in defaults)
            self.report((*path, "options"), f"exactly one option must be `default: true` (found {found})")
        first: dict[tuple[str | None, ...], int] = {}
        for index, selector in enumerate(selectors):
            if isinstance(group, ImagePrices):
                names = [name for name, value in zip(("size", "quality"), selector, strict=True) if value is not None]
                expected = [name for name, value in zip(("size", "quality"), selectors[0], strict=True) if value]
                if names != expected:
                    self.report((*path, "options", index), "every option of a group names the same parameters "
                                f"({', '.join(expected) or 'none'}), here: {', '.join(names) or 'none'}")
            if selector in first:
                self.report((*path, "options", index), f"duplicate option (same as options[{first[selector]}])")
            first.setdefault(selector, index)

    def coverage(self, model: Model, price_set: PriceSet, path: Path_) -> None:
        tokens = _token_keys(price_set.tokens) if price_set.tokens else frozenset()
        needs = {
            "chat": ("tokens.input and tokens.output", {"input", "output"} <= tokens),
            "embeddings": ("tokens.input", "input" in tokens),
            "images": ("images", price_set.images is not None),
            "speech": ("characters", price_set.characters is not None),
            "transcription": ("audio or tokens.input", price_set.audio is not None or "input" in tokens),
            "video": ("video", price_set.video is not None),
            "rerank": ("searches or tokens.input", price_set.searches is not None or "input" in tokens),
        }
        for operation in model.operations:
            what, ok = needs[operation]
            if not ok:
                self.report(path, f"operation {operation!r} needs a price for {what}")


def check(source: Source) -> list[Problem]:
    """All semantic and cross-file problems of a source whose files each validated."""
    problems: list[Problem] = []
    if source.settings:
        doc, settings = source.settings
        checker = _Checker(doc, problems)
        network_ids: dict[str, int] = {}
        for index, network in enumerate(settings.networks):
            if network.id in network_ids:
                checker.report(("networks", index, "id"), f"network {network.id!r} is listed twice")
            network_ids.setdefault(network.id, index)
        if settings.default_network not in network_ids:
            checker.report(("default_network",), f"default_network {settings.default_network!r} is not one of "
                           f"the networks ({', '.join(network_ids)})")
    provider_ids: set[str] = set()
    for doc, providers in [*([source.providers] if source.providers else []), *source.imported_providers]:
        checker = _Checker(doc, problems)
        for index, provider in enumerate(providers.providers):
            if provider.id in provider_ids:
                checker.report(("providers", index, "id"), f"provider {provider.id!r} is listed twice")
            provider_ids.add(provider.id)
            if (provider.base_url is None) != (provider.api_key_env is None):
                checker.report(("providers", index), "base_url and api_key_env go together: both (the gateway "
                               "calls it), or neither (priced only)")
    names: dict[str, tuple[str, SourceDoc, Path_]] = {}  # id or alias -> ("model id" | "alias of <id>", where)
    for doc, models_file in source.model_files:
        checker = _Checker(doc, problems)
        if source.providers and models_file.provider not in provider_ids:
            checker.report(("provider",), f"provider {models_file.provider!r} is not defined in providers.yaml "
                           f"(known: {', '.join(sorted(provider_ids))})")
        for index, model in enumerate(models_file.models):
            path: Path_ = ("models", index)
            checker.model(model, path)
            claims = [(model.id, "model id", (*path, "id"))]
            claims += [(alias, f"alias of {model.id!r}", (*path, "aliases", i))
                       for i, alias in enumerate(model.aliases) if alias != model.id]
            for name, role, claim_path in claims:
                if name in names:
                    other_role, other_doc, other_path = names[name]
                    where = other_doc.locate(other_path)
                    checker.report(claim_path, f"{name!r} ({role}) is already taken as {other_role} at {where}")
                else:
                    names[name] = (role, doc, claim_path)
    return problems
