"""LiteLLM entries grouped into catalog models: one model per provider + model name + operation.

LiteLLM keys one entry per image option (`hd/1024-x-1792/dall-e-3`, `fal_ai/high/1024-x-1536/openai/gpt-image-2`);
the entries of one model become the `options` of one `images` group. Rules, in order:
- Options name the same parameters: when some entries name a size and a quality and others only one of them (or
  neither: LiteLLM's fallback entry), the size x quality ones are the options.
- A model may have a flat entry (no size, no quality) beside its keyed ones: LiteLLM's price for a request that
  matches no keyed entry. When that price is one of the options, it marks the default option (fal's keyed models:
  quality high at 1024x768, the request fal and LiteLLM assume when none is named). When it is not, the catalog
  (whose options are exhaustive) cannot say "every other option": only the flat price is kept, as the model's one
  option, so that no request is priced below LiteLLM's price for it.
- Otherwise the default option is the dearest one of size 1024x1024 (LiteLLM's default size), else the dearest
  one: a request that names no option is then never under-charged (OpenAI's gpt-image defaults are `auto`).
The other operations take one entry's price set; entries of the same model must agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from catalog_build.importers.litellm_entries import QUALITIES, Entry
from catalog_build.importers.litellm_source import MAP_URL, ProviderInfo, provider_info

MODALITIES: Final = {"images": "image", "speech": "audio", "transcription": "audio", "video": "video",
                     "rerank": "text"}


@dataclass
class Draft:
    """A model before it has an id: what LiteLLM says about one provider's model."""

    provider_ids: tuple[str, ...]
    info: ProviderInfo
    litellm_providers: tuple[str, ...]
    upstream: str
    operation: str
    keys: list[str]  # the LiteLLM entries it comes from
    bare: bool  # LiteLLM has an entry for it under its bare name (no provider prefix)
    price_set: dict[str, Any]
    source: str
    deprecated: date | None = None
    context_window: int | None = None
    notes: list[str] = field(default_factory=list)
    merged: list[Draft] = field(default_factory=list)  # other LiteLLM names of the same model, with its prices

    @property
    def modality(self) -> str:
        return MODALITIES[self.operation]


@dataclass(frozen=True)
class Dropped:
    keys: tuple[str, ...]
    reason: str
    detail: str = ""


def _option_order(entry: Entry) -> tuple[int, int, int, str]:
    width, _, height = (entry.size or "0x0").partition("x")
    quality = QUALITIES.index(entry.quality) if entry.quality else -1
    return quality, int(width) * int(height), int(width), entry.key


def _image_option(entry: Entry, default: bool) -> dict[str, Any]:
    option: dict[str, Any] = {}
    if entry.size is not None:
        option["size"] = entry.size
    if entry.quality is not None:
        option["quality"] = entry.quality
    option["price"] = entry.price
    if default:
        option["default"] = True
    return option


def _images(entries: list[Entry], dropped: list[Dropped]) -> tuple[list[Entry], dict[str, Any], list[str]]:
    """The entries used, the images price set, notes. Raises ValueError for conflicting prices."""
    notes: list[str] = []
    flat = [entry for entry in entries if entry.flat]
    keyed = [entry for entry in entries if not entry.flat]
    if keyed:
        shapes = {(entry.size is not None, entry.quality is not None) for entry in keyed}
        shape = max(shapes)  # (True, True) when present: size x quality
        extra = [entry for entry in keyed if (entry.size is not None, entry.quality is not None) != shape]
        if extra:
            dropped.append(Dropped(tuple(entry.key for entry in extra), "overlaps the size x quality options",
                                   "options of a model name the same parameters"))
            keyed = [entry for entry in keyed if entry not in extra]
    unique: dict[tuple[str | None, str | None], Entry] = {}
    for entry in sorted(keyed, key=_option_order):
        other = unique.setdefault((entry.size, entry.quality), entry)
        if other.price != entry.price:
            raise ValueError(f"{other.key} costs {other.price} but {entry.key} {entry.price}")
    flat_prices = sorted({str(entry.price) for entry in flat})
    if len(flat_prices) > 1:
        raise ValueError(f"its entries without options disagree: {', '.join(flat_prices)}")
    options = list(unique.values())
    if flat and options and flat_prices[0] not in {entry.price for entry in options}:
        dropped.append(Dropped(tuple(entry.key for entry in options), "option prices beside a different fallback",
                               f"LiteLLM charges {flat_prices[0]} for every other option; only that is kept"))
        notes.append(f"LiteLLM also prices some options apart ({', '.join(entry.key for entry in options)}); the "
                     "catalog lists options exhaustively, so only its price for every other request is kept: "
                     "never below LiteLLM's")
        options = []
    if not options:
        chosen = flat[:1]
        return flat, {"images": {"unit": "usd_per_image", "options": [_image_option(chosen[0], True)]}}, notes
    if flat:
        default = next(entry for entry in options if entry.price == flat_prices[0])
        notes.append(f"default: {_label(default)}, the option priced as LiteLLM's entry without options")
    else:
        square = [entry for entry in options if entry.size == "1024x1024"] or options
        default = max(square, key=lambda entry: Decimal(str(entry.price)))
    rendered = [_image_option(entry, entry is default) for entry in options]
    return [*flat, *options], {"images": {"unit": "usd_per_image", "options": rendered}}, notes


def _label(entry: Entry) -> str:
    return " ".join(part for part in (entry.quality, entry.size) if part)


def _as_data(value: Any) -> Any:
    """Entry.prices (tuples of pairs, to stay hashable) as the catalog's nested dicts and lists."""
    if isinstance(value, tuple) and value and all(isinstance(item, tuple) and len(item) == 2
                                                  and isinstance(item[0], str) for item in value):
        return {name: _as_data(item) for name, item in value}
    if isinstance(value, tuple):
        return [_as_data(item) for item in value]
    return value


def group(entries: list[Entry]) -> tuple[list[Draft], list[Dropped]]:
    """Drafts sorted by provider and name, and the entries left out with their reasons."""
    groups: dict[tuple[tuple[str, ...], str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.provider_ids, entry.upstream, entry.operation)].append(entry)
    drafts: list[Draft] = []
    dropped: list[Dropped] = []
    for (provider_ids, upstream, operation), members in sorted(groups.items()):
        members.sort(key=lambda entry: entry.key)
        notes: list[str] = []
        try:
            if operation == "images":
                used, price_set, notes = _images(members, dropped)
            else:
                kinds = {(entry.prices, entry.note) for entry in members}
                if len(kinds) > 1:
                    raise ValueError("its entries disagree")
                used, price_set = members, _as_data(members[0].prices)
                notes = [members[0].note] if members[0].note else []
        except ValueError as exc:
            dropped.append(Dropped(tuple(entry.key for entry in members), "conflicting prices", str(exc)))
            continue
        dates = [entry.deprecated for entry in used]
        windows = {entry.max_input_tokens for entry in used}
        drafts.append(Draft(
            provider_ids=provider_ids, info=provider_info(used[0].litellm_provider),
            litellm_providers=tuple(sorted({entry.litellm_provider for entry in used})), upstream=upstream,
            operation=operation, keys=[entry.key for entry in used],
            bare=any(not entry.prefixed for entry in used), price_set=price_set,
            source=next((entry.source for entry in used if entry.source), MAP_URL),
            deprecated=min(d for d in dates if d is not None) if all(dates) else None,
            context_window=windows.pop() if operation == "rerank" and len(windows) == 1 else None, notes=notes))
    return _merge_aliases(drafts), dropped


def _merge_aliases(drafts: list[Draft]) -> list[Draft]:
    """A name LiteLLM accepts for another entry of the same provider (`fal_ai/gpt-image-2` beside
    `fal_ai/openai/gpt-image-2`, same prices) becomes an alias of that model rather than a second model."""
    by_place: dict[tuple[tuple[str, ...], str], list[Draft]] = defaultdict(list)
    for draft in drafts:
        by_place[(draft.provider_ids, draft.operation)].append(draft)
    merged: set[int] = set()
    for siblings in by_place.values():
        for draft in siblings:
            targets = [other for other in siblings if other is not draft and id(other) not in merged
                       and other.upstream.endswith("/" + draft.upstream) and other.price_set == draft.price_set]
            if len(targets) == 1 and not draft.merged:
                targets[0].merged.append(draft)
                merged.add(id(draft))
    return [draft for draft in drafts if id(draft) not in merged]
