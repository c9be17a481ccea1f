"""Usage: what a request consumed, as reported by the provider (tokens) or as media evidence.

Conventions (one, documented, validated):
- `input_tokens` counts every prompt token, cache reads (`cached_input_tokens`) and cache writes
  (`cache_write_tokens`) included; so `cached + cache_write ≤ input`.
- `output_tokens` counts every completion token, reasoning (`reasoning_tokens`) included; so `reasoning ≤ output`.
- Media evidence: `images` (count) with `image_size`/`image_quality`, `characters`, `audio_seconds`,
  `video_seconds` with `video_resolution`, rerank `searches` (search units). Seconds may be `int` or `Decimal`;
  everything else counts in `int`.
- `requests` defaults to 1: every call is one request (it matters only for models with a per-request fee).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, NamedTuple

from pricing.errors import InvalidUsage, shown


class Usage(NamedTuple):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    image_size: str | None = None
    image_quality: str | None = None
    characters: int = 0
    audio_seconds: int | Decimal = 0
    video_seconds: int | Decimal = 0
    video_resolution: str | None = None
    requests: int = 1
    searches: int = 0

    def __add__(self, other: object) -> Usage:  # tuple's + would concatenate
        """Sum of two usages of the same kind of request (media parameters must agree)."""
        if not isinstance(other, Usage):
            return NotImplemented
        params = {}
        for name in ("image_size", "image_quality", "video_resolution"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None and mine != theirs:
                raise InvalidUsage(f"cannot add usages with different {name}: {mine!r} and {theirs!r}")
            params[name] = mine if mine is not None else theirs
        counts = {name: getattr(self, name) + getattr(other, name) for name in COUNT_FIELDS}
        return Usage(**counts, **params)


COUNT_FIELDS: Final = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
                       "reasoning_tokens", "images", "characters", "audio_seconds", "video_seconds", "requests",
                       "searches")
SECONDS_FIELDS: Final = frozenset({"audio_seconds", "video_seconds"})
MAX_SECONDS_DIGITS: Final = 11  # a Decimal duration below 10^12 s (31,000 years) ...
MAX_SECONDS_DECIMALS: Final = 12  # ... to the picosecond
PARAM_FIELDS: Final = frozenset({"image_size", "image_quality", "video_resolution"})
_FIELDS: Final = Usage._fields
_FIELD_SET: Final = frozenset(_FIELDS)
_TOKEN_FIELDS: Final = frozenset(_FIELDS[:5])


def _bad_count(name: str, value: Any) -> InvalidUsage:
    kind = "a non-negative int or finite Decimal" if name in SECONDS_FIELDS else "a non-negative int"
    return InvalidUsage(f"usage field {name!r} must be {kind}, got {shown(value)} ({type(value).__name__})")


def checked(usage: Usage | Mapping[str, Any]) -> Usage:
    """Validate usage (a `Usage` or a plain mapping of its fields) and return it as a `Usage`."""
    if type(usage) is not Usage:
        if not isinstance(usage, Mapping):
            raise InvalidUsage(f"usage must be a Usage or a mapping, got {type(usage).__name__}")
        if not _FIELD_SET.issuperset(usage):
            unknown = next(key for key in usage if key not in _FIELD_SET)
            raise InvalidUsage(f"unknown usage field {shown(unknown)}; allowed fields: {', '.join(_FIELDS)}")
        usage = Usage(**usage)
    (inp, cached, write, out, reasoning, images, size, quality, chars, audio, video, resolution, requests,
     searches) = usage
    if not (  # the common case, checked in one expression; the slow path below says what is wrong
        type(inp) is int and type(cached) is int and type(write) is int and type(out) is int
        and type(reasoning) is int and type(images) is int and type(chars) is int and type(requests) is int
        and type(audio) is int and type(video) is int and type(searches) is int and size is None
        and quality is None and resolution is None and inp >= 0 and cached >= 0 and write >= 0 and out >= 0
        and reasoning >= 0 and images >= 0 and chars >= 0 and requests >= 0 and audio >= 0 and video >= 0
        and searches >= 0
    ):
        _check_fields(usage)
    if cached + write > inp or reasoning > out:
        raise _contradiction(inp, cached, write, out, reasoning)
    return usage


def token_counts(usage: object) -> tuple[int, int, int, int, int] | None:
    """Fast path for the common case, a dict of valid token counts only: the five counts, validated.
    None when the usage is anything else; then `checked` validates it in full."""
    if type(usage) is not dict or not _TOKEN_FIELDS.issuperset(usage):
        return None
    get = usage.get
    inp, cached, write = get("input_tokens", 0), get("cached_input_tokens", 0), get("cache_write_tokens", 0)
    out, reasoning = get("output_tokens", 0), get("reasoning_tokens", 0)
    if not (type(inp) is type(cached) is type(write) is type(out) is type(reasoning) is int
            and (inp | cached | write | out | reasoning) >= 0):  # an OR of ints is negative iff one of them is
        return None
    if cached + write > inp or reasoning > out:
        raise _contradiction(inp, cached, write, out, reasoning)
    return inp, cached, write, out, reasoning


def _contradiction(inp: int, cached: int, write: int, out: int, reasoning: int) -> InvalidUsage:
    if cached + write > inp:
        return InvalidUsage(
            f"cached_input_tokens ({shown(cached)}) + cache_write_tokens ({shown(write)}) exceed input_tokens "
            f"({shown(inp)}); input_tokens counts every prompt token, cache included"
        )
    return InvalidUsage(
        f"reasoning_tokens ({shown(reasoning)}) exceed output_tokens ({shown(out)}); "
        "output_tokens counts every completion token, reasoning included"
    )


def _check_fields(usage: Usage) -> None:
    for name, value in zip(_FIELDS, usage, strict=True):
        if name in PARAM_FIELDS:
            if value is not None and (type(value) is not str or not value):
                raise InvalidUsage(f"usage field {name!r} must be a non-empty string, got {shown(value)}")
        elif type(value) is int:
            if value < 0:
                raise _bad_count(name, value)
        elif not (name in SECONDS_FIELDS and type(value) is Decimal and value.is_finite() and value >= 0):
            raise _bad_count(name, value)
        elif value.adjusted() > MAX_SECONDS_DIGITS or int(value.as_tuple().exponent) < -MAX_SECONDS_DECIMALS:
            # exact arithmetic would expand 1e99999999 into a hundred-million-digit integer: minutes of CPU
            raise InvalidUsage(f"usage field {name!r} must be under 10^{MAX_SECONDS_DIGITS + 1} seconds with at most "
                               f"{MAX_SECONDS_DECIMALS} decimals, got {shown(value)}")
