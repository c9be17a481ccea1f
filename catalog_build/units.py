"""The unit grammar: every price is USD per some quantity, and the unit's name says which and how many.

    usd_per_<thing>          one unit:            usd_per_image, usd_per_second, usd_per_request, usd_per_minute
    usd_per_1k_<things>      a thousand units:    usd_per_1k_tokens, usd_per_1k_characters, usd_per_1k_requests
    usd_per_1m_<things>      a million units:     usd_per_1m_tokens, usd_per_1m_characters
    usd_per_<N>_<things>     N units:             usd_per_10_seconds, usd_per_3600_seconds

`scale(unit)` is the one function that turns a unit name into (dimension, how many base quantities the price
covers). Minutes and hours are measured in seconds, so `usd_per_minute` covers 60 seconds.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final, NamedTuple

# thing (singular, plural) -> (dimension, base quantities per thing)
_THINGS: Final[dict[str, tuple[str, str, int]]] = {
    "token": ("tokens", "tokens", 1),
    "image": ("images", "images", 1),
    "character": ("characters", "characters", 1),
    "second": ("seconds", "seconds", 1),
    "minute": ("minutes", "seconds", 60),
    "hour": ("hours", "seconds", 3600),
    "request": ("requests", "requests", 1),
    "video": ("videos", "videos", 1),  # Compose's per-video unit; the catalog prices video by the second
    "search": ("searches", "searches", 1),  # a rerank search unit (Cohere: one query over up to 100 documents)
}
_PLURAL: Final[dict[str, str]] = {plural: singular for singular, (plural, _, _) in _THINGS.items()}
_UNIT_RE: Final = re.compile(r"usd_per_(?:(?P<count>1k|1m|[1-9][0-9]{0,8})_)?(?P<thing>[a-z]+)")  # N < 10^9
_COUNTS: Final[dict[str, int]] = {"1k": 1_000, "1m": 1_000_000}

DIMENSIONS: Final = ("tokens", "images", "characters", "seconds", "requests", "searches")

GRAMMAR_HELP: Final = (
    "usd_per_<thing> or usd_per_<1k|1m|N>_<things> with thing in token, image, character, second, minute, hour, "
    "request, video, search (e.g. usd_per_1m_tokens, usd_per_image, usd_per_10_seconds, usd_per_minute, "
    "usd_per_1k_searches)"
)


class UnitScale(NamedTuple):
    dimension: str  # what the quantity counts: one of DIMENSIONS
    per: int  # how many of those the price covers
    things: int = 1  # how many of the unit's own things (minutes, hours…) the price covers

class UnknownUnit(ValueError):
    pass


@cache
def scale(unit: str) -> UnitScale:
    """Dimension and scale of a unit name; raises UnknownUnit for a name outside the grammar."""
    match = _UNIT_RE.fullmatch(unit)
    if match is None:
        raise UnknownUnit(f"unknown unit {unit!r}; units follow the grammar {GRAMMAR_HELP}")
    count, thing = match["count"], match["thing"]
    singular = thing if count is None else _PLURAL.get(thing)
    if singular not in _THINGS:
        if (count is None and thing in _PLURAL) or (count is not None and thing in _THINGS):
            number = "singular without a count" if count is None else "plural after a count"
            raise UnknownUnit(f"unknown unit {unit!r}: the thing is {number} ({GRAMMAR_HELP})")
        raise UnknownUnit(f"unknown unit {unit!r}; units follow the grammar {GRAMMAR_HELP}")
    _, dimension, base = _THINGS[singular]
    multiplier = 1 if count is None else _COUNTS.get(count) or int(count)
    return UnitScale(dimension, multiplier * base, multiplier)
