"""Quoting a paid model request before the call: the hold (the worst case, fee included) and the output limit that
keeps the work within it, or the exact charge of request-priced work. Every failure is a 4xx, nothing held."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, NamedTuple

import pricing
from gateway_min.http import HTTPError
from gateway_min.http.multipart import Files, first
from gateway_min.work.audio import wav_seconds
from generated.catalog import Model

MAX_OUTPUT_CAP: Final = 1_000_000  # an absurd max_tokens is a client bug, not a hold of a million tokens
DEFAULT_OUTPUT_TOKENS: Final = 4_096  # for models that publish no output limit and requests that set none
REQUEST_PRICED: Final = frozenset({"images", "speech", "video"})
TRANSCRIPTION_FORMATS: Final = frozenset({"json", "verbose_json"})  # the formats that report usage
LIMIT_FIELDS: Final = ("max_tokens", "max_completion_tokens", "max_output_tokens")


class Quote(NamedTuple):
    hold: int
    """The most the request may cost, fee included."""
    output_limit: int
    """Output tokens enforced upstream (chat); 0 otherwise."""
    prompt_bound: int
    exact: pricing.Charge | None
    """The exact charge of request-priced work."""


def audio_bound(body: dict[str, Any], files: Files | None, max_audio_seconds: int) -> int:
    """A transcription's audio duration bound, in whole seconds: a WAV's own (its header, bounded by the bytes it
    holds), or `max_audio_seconds` for any other format. 400 for what cannot be transcribed and charged."""
    upload = first(files, "file")
    if upload is None:
        raise HTTPError(400, "validation_error", "`file` is required: the audio to transcribe")
    response_format = body.get("response_format", "json")
    if not isinstance(response_format, str) or response_format not in TRANSCRIPTION_FORMATS:
        raise HTTPError(400, "validation_error", "response_format must be json or verbose_json here: the other "
                        "formats do not report the usage the request is charged by")
    seconds = wav_seconds(upload[1])
    if seconds is not None and seconds > max_audio_seconds:
        raise HTTPError(400, "validation_error", f"the audio lasts {seconds:.0f} s by its header; this gateway "
                        f"transcribes at most {max_audio_seconds} s")
    return max_audio_seconds if seconds is None else int(seconds) + 1


def check_limits(model: Model, body: dict[str, Any], field_to_set: str = "max_tokens") -> None:
    """A chat's (or a response's) output limits are integers in range; a model that publishes no limit gets
    DEFAULT_OUTPUT_TOKENS as `field_to_set` when the request sets none (sent upstream too: the hold and the limit
    agree)."""
    for field in LIMIT_FIELDS:
        value = body.get(field)
        if value is not None and (type(value) is not int or value < 1 or value > MAX_OUTPUT_CAP):
            raise HTTPError(400, "validation_error", f"`{field}` must be an integer from 1 to {MAX_OUTPUT_CAP}, "
                            f"got {value!r}")
    if model.max_output_tokens is None and model.context_window is None and all(body.get(f) is None
                                                                                 for f in LIMIT_FIELDS):
        body[field_to_set] = DEFAULT_OUTPUT_TOKENS


def requested_limit(body: dict[str, Any]) -> int | None:
    """The output limit the client asked for (the least of the fields it set), or None."""
    asked = [value for field in LIMIT_FIELDS if type(value := body.get(field)) is int]
    return min(asked) if asked else None


def quote(model: Model, body: dict[str, Any], operation: str, at: datetime, audio_seconds: int | None,
          budget: int | None = None) -> Quote:
    """The hold of a request, or (`budget`) the largest that fits it: pricing.InsufficientBudget when none does."""
    try:
        if operation in REQUEST_PRICED:
            exact = pricing.quote_exact(model, body, operation, at=at)
            if budget is not None and exact.final_amount > budget:
                raise pricing.InsufficientBudget("over budget", exact.final_amount)
            return Quote(exact.final_amount, 0, 0, exact)
        maximum = pricing.quote_max(model, body, operation, at=at, budget=budget, audio_seconds=audio_seconds)
    except (pricing.NotQuotable, pricing.InvalidUsage) as exc:
        raise HTTPError(400, "validation_error", str(exc)) from None
    except pricing.UnpricedUsage as exc:
        raise HTTPError(400, "unpriced", str(exc)) from None
    return Quote(maximum.amount, maximum.output_tokens, maximum.prompt_tokens, None)
