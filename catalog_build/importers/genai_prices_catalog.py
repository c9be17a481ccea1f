"""Where genai-prices meets the catalog: provider ids and endpoints, the hand-reviewed files, and model ids.

Ids are unique across the whole catalog (hand-reviewed ids and aliases, and everything imported). The rule:
1. `<provider>/<genai id>` belongs to that provider's model: it is claimed first, for every imported model, as an
   alias (or as the id, below) wherever no hand-reviewed entry has it;
2. the id is genai-prices' own id when it is a valid catalog id and still free; otherwise `<provider>/<id>`;
   otherwise `<provider>/<id with invalid characters replaced by '-'>` (sanitised, and said so in a note);
3. the upstream id (sent to the provider) is genai-prices' id, with Fireworks' `accounts/fireworks/models/`
   prefix; it is also an alias when free. A provider the gateway can call (base_url) whose upstream id is not a
   valid catalog id is skipped: the gateway could not send it.
Bare ids go first to the providers of `catalog_src/providers.yaml` (in its order), then to the other providers
the gateway can call (ENDPOINTS), then to the priced-only ones, alphabetically; within a provider, models go in id
order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple

from genai_prices.types import ModelInfo
from genai_prices.types import Provider as TheirProvider

from catalog_build import yaml_source
from catalog_build.importers.genai_prices_convert import Converted
from catalog_build.source_models import ModelsFile, Provider, ProvidersFile

PACKAGE: Final = "genai-prices"
VERSION: Final = "0.2.5"
PACKAGE_URL: Final = "https://github.com/pydantic/genai-prices"
LICENSE: Final = "MIT"
SOURCE: Final = "genai-prices"  # catalog_src/imported/<SOURCE>/

# Our provider id -> genai-prices provider id, where they differ (the hand-reviewed providers).
THEIR_IDS: Final = {"xai": "x-ai", "moonshot": "moonshotai", "voyage": "voyageai"}
OUR_IDS: Final = {theirs: ours for ours, theirs in THEIR_IDS.items()}
UPSTREAM_PREFIX: Final = {"fireworks": "accounts/fireworks/models/"}  # what genai-prices' match clauses name
# Models a hand-reviewed file decided to leave out (its header comment says why): never emitted.
EXCLUDED: Final = {
    ("deepseek", "deepseek-v3.2"): "left out by catalog_src/models/deepseek.yaml: not DeepSeek's own list price",
}
# genai-prices models that the endpoint of our provider does not serve (genai-prices' `google` also prices Vertex
# AI; our `google` calls the Gemini API): emitted, they would take bare ids (claude-3-7-sonnet) the gateway would
# send to an API that answers 404.
NOT_SERVED: Final = {
    "google": (re.compile(r"^claude-|-maas$"), "a Vertex AI model: our google provider calls the Gemini API, which "
               "does not serve it"),
}


class Endpoint(NamedTuple):
    base_url: str
    api_key_env: str
    source: str  # where the base URL is documented


# OpenAI-compatible endpoints of providers that are not in catalog_src/providers.yaml, as each documents it.
# Left out (priced only; the gateway answers 501): endpoints per account or deployment (aws, azure, cloudflare,
# databricks, modal), subscriptions (cursor, github-copilot), non-OpenAI APIs (elevenlabs), the HuggingFace
# router (it wants `<model>:<provider>` ids) and providers whose endpoint we have no documented source for.
ENDPOINTS: Final = {
    "arcee": Endpoint("https://api.arcee.ai/api/v1", "ARCEE_API_KEY",
                      "https://docs.arcee.ai/get-started/quick-start"),
    "avian": Endpoint("https://api.avian.io/v1", "AVIAN_API_KEY", "https://avian.io/docs"),
    "baseten": Endpoint("https://inference.baseten.co/v1", "BASETEN_API_KEY", "https://docs.baseten.co/quickstart"),
    "doubleword": Endpoint("https://api.doubleword.ai/v1", "DOUBLEWORD_API_KEY",
                           "https://docs.doubleword.ai/inference-api/creating-an-api-key"),
    "minimax": Endpoint("https://api.minimax.io/v1", "MINIMAX_API_KEY",
                        "https://platform.minimax.io/docs/api-reference/text-openai-api"),
    "novita": Endpoint("https://api.novita.ai/v3/openai", "NOVITA_API_KEY", "https://novita.ai/docs/guides/llm-api"),
    "openrouter": Endpoint("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
                           "https://openrouter.ai/docs/quickstart"),
    "ovhcloud": Endpoint("https://oai.endpoints.kepler.ai.cloud.ovh.net/v1", "OVH_AI_ENDPOINTS_ACCESS_TOKEN",
                         "https://endpoints.ai.cloud.ovh.net/"),
    "zai": Endpoint("https://api.z.ai/api/paas/v4", "ZAI_API_KEY", "https://docs.z.ai/api-reference/introduction"),
    "zhipuai": Endpoint("https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY",
                        "https://docs.bigmodel.cn/cn/guide/develop/http/introduction"),
}

MODEL_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
MAX_ID: Final = 128
URL: Final = re.compile(r"https?://[^\s]+")


def our_provider_id(their_id: str) -> str:
    """Our id for a genai-prices provider: ours where we have it, else lowercase `[a-z0-9-]`."""
    if their_id in OUR_IDS:
        return OUR_IDS[their_id]
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", their_id.lower())).strip("-")


def excluded(provider: str, model_id: str) -> tuple[str, str] | None:
    """(kind, reason) when the model is left out on purpose, else None."""
    if (provider, model_id) in EXCLUDED:
        return "left out by a hand-reviewed file", EXCLUDED[provider, model_id]
    pattern, reason = NOT_SERVED.get(provider, (None, ""))
    if pattern is not None and pattern.search(model_id):
        return "not served at the provider's endpoint", reason
    return None


def valid_id(text: str) -> bool:
    return len(text) <= MAX_ID and MODEL_ID.fullmatch(text) is not None


def sanitised(text: str) -> str:
    return re.sub(r"^[^A-Za-z0-9]+", "", re.sub(r"[^A-Za-z0-9._:/@+-]", "-", text))[:MAX_ID]


def pricing_url(provider: TheirProvider) -> str:
    for url in provider.pricing_urls or []:
        if URL.fullmatch(url):
            return url
    return PACKAGE_URL


# -- the hand-reviewed catalog ---------------------------------------------------------------------------------


@dataclass
class HandReviewed:
    """What the rest of the catalog holds: the hand-reviewed files, and what other importers wrote."""

    providers: list[Provider]  # catalog_src/providers.yaml, then other importers' providers.yaml
    names: dict[str, str] = field(default_factory=dict)  # every id and alias -> "<file>: <model id>"
    by_provider: dict[str, dict[str, str]] = field(default_factory=dict)  # provider -> id/alias/upstream -> id
    hand_providers: int = 0  # how many of `providers` are hand-reviewed (the first ones)


class SourceError(Exception):
    """A file of the rest of the catalog cannot be read: the importer cannot tell which ids are taken."""


def _load(path: Path, model: type[ProvidersFile] | type[ModelsFile]) -> ProvidersFile | ModelsFile:
    doc, problems = yaml_source.load(path, str(path))
    if doc is None or problems:
        raise SourceError("; ".join(str(problem) for problem in problems))
    try:
        return model.model_validate(doc.data)
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from None


def load_hand_reviewed(root: Path) -> HandReviewed:
    """The hand-reviewed providers and models (matched against genai-prices: they win), and the providers,
    ids and aliases other importers wrote under imported/<other>/ (only taken: a run never makes the catalog
    invalid, and a re-run keeps what it wrote)."""
    providers = _load(root / "providers.yaml", ProvidersFile)
    assert isinstance(providers, ProvidersFile)
    result = HandReviewed(list(providers.providers), hand_providers=len(providers.providers))
    for path in sorted((root / "models").glob("*.yaml")):
        models = _load(path, ModelsFile)
        assert isinstance(models, ModelsFile)
        own = result.by_provider.setdefault(models.provider, {})
        for model in models.models:
            for name in (model.id, *model.aliases):
                result.names.setdefault(name, f"{path.name}: {model.id}")
            for known in (model.id, model.upstream_id, *model.aliases):
                if known is not None:
                    own.setdefault(known, model.id)
    others = sorted(folder for folder in (root / "imported").glob("*") if folder.is_dir() and folder.name != SOURCE)
    for folder in others:
        if (folder / "providers.yaml").is_file():
            extra = _load(folder / "providers.yaml", ProvidersFile)
            assert isinstance(extra, ProvidersFile)
            result.providers += extra.providers
        for path in sorted((folder / "models").glob("*.yaml")):
            models = _load(path, ModelsFile)
            assert isinstance(models, ModelsFile)
            for model in models.models:
                for name in (model.id, *model.aliases):
                    result.names.setdefault(name, f"imported/{folder.name}/{path.name}: {model.id}")
    return result


def hand_reviewed_match(hand: HandReviewed, provider: str, model: ModelInfo) -> str | None:
    """The hand-reviewed entry of the same provider with this upstream id, id or alias, if any."""
    own = hand.by_provider.get(provider, {})
    for name in (model.id, UPSTREAM_PREFIX.get(provider, "") + model.id, f"{provider}/{model.id}"):
        if name in own:
            return own[name]
    return None


# -- ids -------------------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A converted genai-prices model waiting for its catalog id."""

    provider: str  # our provider id
    their_provider: str
    info: ModelInfo
    converted: Converted
    callable: bool  # the provider has a base_url
    id: str = ""
    upstream_id: str | None = None
    aliases: list[str] = field(default_factory=list)


class Rejected(NamedTuple):
    candidate: Candidate
    detail: str


def assign_ids(candidates: Iterable[Candidate], taken: dict[str, str]) -> list[Rejected]:
    """Give every candidate its id, upstream id and aliases (the module docstring's rule). `taken` (name -> what
    holds it) is updated; returns the candidates that got no id."""
    ordered = list(candidates)
    rejected: list[Rejected] = []
    upstream_ok: list[Candidate] = []
    for candidate in ordered:
        upstream = UPSTREAM_PREFIX.get(candidate.provider, "") + candidate.info.id
        if valid_id(upstream):
            candidate.upstream_id = upstream
        elif candidate.callable:
            rejected.append(Rejected(candidate, f"upstream id {upstream!r} is not a valid catalog id, so the gateway "
                                     "could not send it"))
            continue
        else:
            candidate.converted.notes.append(f"genai-prices' id {candidate.info.id!r} is not a valid catalog id: "
                                             "no upstream_id (the provider is priced only)")
        upstream_ok.append(candidate)
    qualified: dict[int, str] = {}
    for candidate in upstream_ok:  # 1. <provider>/<id> is that provider's
        name = f"{candidate.provider}/{candidate.info.id}"
        if valid_id(name) and name not in taken:
            taken[name] = f"{candidate.provider}: {candidate.info.id}"
            qualified[id(candidate)] = name
    placed: list[Candidate] = []
    for candidate in upstream_ok:  # 2. the bare id where free, else the qualified one
        own = qualified.get(id(candidate))
        bare = candidate.info.id
        if valid_id(bare) and bare not in taken:
            candidate.id = bare
        elif own is not None:
            candidate.id = own
        else:
            fallback = f"{candidate.provider}/{sanitised(bare)}"
            if not valid_id(fallback) or fallback in taken:
                rejected.append(Rejected(candidate, f"no free id: {bare!r} and {fallback!r} are taken"))
                continue
            candidate.id = fallback
            candidate.converted.notes.append(f"id sanitised: genai-prices' id is {bare!r}")
        taken[candidate.id] = f"{candidate.provider}: {bare}"
        if own is not None and own != candidate.id:
            candidate.aliases.append(own)
        placed.append(candidate)
    for candidate in placed:  # 3. the upstream id as an alias where free
        sent = candidate.upstream_id
        if sent is not None and sent != candidate.id and sent not in taken:
            taken[sent] = f"{candidate.provider}: {candidate.info.id}"
            candidate.aliases.append(sent)
    return rejected
