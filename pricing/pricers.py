"""Pricers specialised per price set: the hot path of `pricing.price`.

`engine.token_lines` is the rule, written once for every price set: pick the tier, then one line per token kind
that has a count, cache reads and writes and reasoning split out only where the model prices them, each line
rounded up on its own. Running it means, on every call, looking up rates that never change, testing for
missing ones and dividing by denominators of 1. A pricer is that rule compiled for ONE price set, the first time
it is used: a small function whose rates are constants, whose branches are only those the price set has, and
which divides only where the denominator is not 1, and which ends with the charge itself (the per-request fee's
line when the price set has one, the platform fee, the Charge). It is generated from the price set's data alone
(numbers and unit names, never text from a request), and is exactly equivalent to `engine.token_lines` and the
rest of `engine.price` (a property test compares them on every catalog model and random usages), at about two
thirds of their cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from generated.catalog import PriceSet, Rate, TokenRates
from pricing.charge import Charge, LineItem

Pricer = Callable[[Any, int, int, int, int, int, int, "list[LineItem] | None"], Charge]
"""(model, input, cached, cache write, output, reasoning, fee bps, other lines) → the Charge. `other lines`: the
media and request lines of a Usage (None for token counts alone: the per-request fee's line is then added)."""
_KINDS: Final = (("cached_input", "cached"), ("cache_write", "write"))  # (rate field, count variable)
LINE_KEYS: Final = {"cached_input": "cached_input_tokens", "cache_write": "cache_write_tokens",
                    "input": "input_tokens", "reasoning": "reasoning_tokens", "output": "output_tokens"}
_CACHE: dict[int, tuple[PriceSet, Pricer]] = {}  # id → (the price set, kept alive so its id stays its own; pricer)
_MAX_CACHED: Final = 100_000


def pricer(price_set: PriceSet, unpriced: Callable[..., Exception]) -> Pricer:
    """The compiled pricer of a price set that has token prices (cached)."""
    found = _CACHE.get(id(price_set))
    if found is not None and found[0] is price_set:
        return found[1]
    if len(_CACHE) >= _MAX_CACHED:
        _CACHE.clear()
    made = _compile(price_set, unpriced)
    _CACHE[id(price_set)] = (price_set, made)
    return made


def _amount(quantity: str, rate: Rate) -> str:
    _, _, num, den = rate
    if den == 1:
        return f"{quantity} * {num}"
    return f"-(-{quantity} * {num} // {den})"


def _block(rates: TokenRates, names: dict[str, Any], tag: str, indent: str) -> list[str]:
    """The lines of code that price with one set of token rates (the base's or a tier's)."""
    out: list[str] = []

    def emit(key: str, quantity: str, rate: Rate, at: str) -> None:
        usd_name, unit_name = f"usd_{tag}_{key}", f"unit_{tag}_{key}"
        names[usd_name], names[unit_name] = rate.usd, rate.unit
        out.append(f"{at}a = {_amount(quantity, rate)}")
        out.append(f"{at}total += a")
        out.append(f"{at}add(new(Item, ({LINE_KEYS[key]!r}, {unit_name}, {quantity}, {usd_name}, a)))")

    for field, variable in _KINDS:
        rate = getattr(rates, field)
        if rate is not None:
            out.append(f"{indent}if {variable}:")
            emit(field, variable, rate, indent + "    ")
            out.append(f"{indent}    inp -= {variable}")
    out.append(f"{indent}if inp:")
    if rates.input is None:
        out.append(f"{indent}    raise unpriced(model, 'input_tokens', inp, 'the model has no input token price')")
    else:
        emit("input", "inp", rates.input, indent + "    ")
    if rates.reasoning is not None:
        out.append(f"{indent}if reasoning:")
        emit("reasoning", "reasoning", rates.reasoning, indent + "    ")
        out.append(f"{indent}    out -= reasoning")
    out.append(f"{indent}if out:")
    if rates.output is None:
        out.append(f"{indent}    raise unpriced(model, 'output_tokens', out, 'the model has no output token price')")
    else:
        emit("output", "out", rates.output, indent + "    ")
    return out


def _compile(price_set: PriceSet, unpriced: Callable[..., Exception]) -> Pricer:
    names: dict[str, Any] = {"new": tuple.__new__, "Item": LineItem, "Charge": Charge, "unpriced": unpriced}
    code = ["def pricer(model, inp, cached, write, out, reasoning, fee, other):", "    lines = []",
            "    add = lines.append", "    total = 0"]
    if not price_set.free:
        code.append("    if inp or out:")
        branches = [(tier.above_input_tokens, tier.rates, f"t{index}")
                    for index, tier in reversed(list(enumerate(price_set.tiers)))]
        keyword = "if"
        for above, rates, tag in branches:  # the highest threshold the prompt is strictly above (cliff)
            code.append(f"        {keyword} inp > {int(above)}:")
            code += _block(rates, names, tag, "            ")
            keyword = "elif"
        base = price_set.tokens
        if branches:
            code.append("        else:")
        indent = "            " if branches else "        "
        if base is None:
            code.append(f"{indent}raise unpriced(model, 'input_tokens' if inp else 'output_tokens', inp or out, "
                        "'the model has no token prices')")
        else:
            code += _block(base, names, "base", indent)
        code.append("    if other is None:")
        if price_set.requests is not None:  # token counts alone are one request
            names["usd_requests"], names["unit_requests"] = price_set.requests.usd, price_set.requests.unit
            code.append(f"        a = {_amount('1', price_set.requests)}")
            code += ["        total += a", "        add(new(Item, ('requests', unit_requests, 1, usd_requests, a)))"]
        else:
            code.append("        pass")
        code += ["    else:", "        for item in other:", "            add(item)", "            total += item[4]"]
    code += ["    platform = -(-total * fee // 10_000)",
             "    return new(Charge, (model[0], model[2], tuple(lines), total, platform, total + platform, fee))"]
    exec("\n".join(code), names)  # built from the catalog's numbers and unit names only
    made: Pricer = names["pricer"]
    return made
