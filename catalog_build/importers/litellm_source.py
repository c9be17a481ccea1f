"""LiteLLM's price map as the LiteLLM importer reads it: the pinned release, where its JSON is, our provider ids.

The importer never imports `litellm` (its import fetches a price map from the network): it reads the JSON file the
package ships, `litellm/model_prices_and_context_window_backup.json`, found with `importlib.util.find_spec`, or a
file given with `--source` (such as the vendored subset `tests/data/litellm_prices_1.108.7.json.gz`).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
from datetime import date
from pathlib import Path
from typing import Any, Final, NamedTuple

PACKAGE: Final = "litellm"
VERSION: Final = "1.108.7"
URL: Final = "https://github.com/BerriAI/litellm"
LICENSE: Final = "MIT"
MAP_FILE: Final = "model_prices_and_context_window_backup.json"
MAP_URL: Final = f"{URL}/blob/v{VERSION}/model_prices_and_context_window.json"  # `source` of entries without one
VENDORED: Final = Path("tests/data") / f"litellm_prices_{VERSION}.json.gz"
# The wheel's file dates are install times; the one date it carries is the build timestamp of its SBOM
# (litellm-1.108.7.dist-info/sboms/litellm-python-bridge.cyclonedx.json: metadata.timestamp 2026-11-12T20:08:45Z).
AS_OF: Final = date(2026, 11, 12)
AS_OF_NOTE: Final = ("as_of 2026-11-12: the build date of the litellm 1.108.7 wheel (the timestamp of the SBOM it "
                     "ships in its dist-info; the installed files are dated by the install, not the release)")

# LiteLLM mode -> the catalog operation it becomes
MODES: Final = {
    "image_generation": "images",
    "image_edit": "images",
    "audio_speech": "speech",
    "audio_transcription": "transcription",
    "video_generation": "video",
    "rerank": "rerank",
}


class SourceError(Exception):
    """The price map cannot be read (not installed, another version, not JSON)."""


class ProviderInfo(NamedTuple):
    """How a LiteLLM provider becomes one of ours. `ids`: our provider ids it may already have (the first one
    defined in the catalog is used; when none is, the first is defined in imported/litellm/providers.yaml)."""

    ids: tuple[str, ...]
    name: str
    base_url: str | None = None
    api_key_env: str | None = None
    base_url_source: str | None = None  # why we know `base_url` serves this provider's imported operation


# Every litellm_provider of the imported modes. The defined ones (no existing id) are priced only, except where
# the provider's own endpoint for the imported operation speaks the request the gateway sends (see the sources).
PROVIDERS: Final[dict[str, ProviderInfo]] = {
    "aiml": ProviderInfo(("aiml",), "AI/ML API"),
    "assemblyai": ProviderInfo(("assemblyai",), "AssemblyAI"),
    "aws_polly": ProviderInfo(("aws-polly",), "Amazon Polly"),
    "azure": ProviderInfo(("azure",), "Microsoft Azure"),
    "azure_ai": ProviderInfo(("azure-ai",), "Azure AI Foundry"),
    "bedrock": ProviderInfo(("bedrock", "aws", "aws-bedrock", "amazon-bedrock"), "Amazon Bedrock"),
    "black_forest_labs": ProviderInfo(("black-forest-labs",), "Black Forest Labs"),
    "cloudflare": ProviderInfo(("cloudflare",), "Cloudflare Workers AI"),
    "cohere": ProviderInfo(("cohere",), "Cohere"),
    "dashscope": ProviderInfo(("dashscope",), "Alibaba Cloud Model Studio (DashScope)"),
    "deepgram": ProviderInfo(("deepgram",), "Deepgram"),
    "elevenlabs": ProviderInfo(("elevenlabs",), "ElevenLabs"),
    "fal_ai": ProviderInfo(("fal-ai", "fal"), "fal.ai"),
    "fireworks_ai": ProviderInfo(("fireworks",), "Fireworks AI"),
    "gemini": ProviderInfo(("google",), "Google Gemini API"),
    "groq": ProviderInfo(("groq",), "Groq"),
    "jina_ai": ProviderInfo(
        ("jina-ai", "jina"), "Jina AI", "https://api.jina.ai/v1", "JINA_API_KEY",
        "Jina's reranker is POST https://api.jina.ai/v1/rerank with a bearer key, the Cohere-style body {model, "
        "query, documents, top_n} and usage.total_tokens (https://jina.ai/reranker; litellm 1.108.7 "
        "litellm/llms/jina_ai/rerank/transformation.py sends the same)"),
    "meta": ProviderInfo(("meta",), "Meta"),
    "minimax": ProviderInfo(("minimax",), "MiniMax"),
    "mistral": ProviderInfo(("mistral",), "Mistral AI"),
    "novita": ProviderInfo(("novita",), "Novita AI"),
    "nscale": ProviderInfo(("nscale",), "Nscale"),
    "nvidia_nim": ProviderInfo(("nvidia-nim",), "NVIDIA NIM"),
    "openai": ProviderInfo(("openai",), "OpenAI"),
    "qwen_ai_platform": ProviderInfo(("qwen-ai-platform",), "Qwen AI Platform"),
    "qwencloud": ProviderInfo(("qwencloud",), "Qwen Cloud"),
    "recraft": ProviderInfo(
        ("recraft",), "Recraft", "https://external.api.recraft.ai/v1", "RECRAFT_API_KEY",
        "Recraft's image generation is OpenAI-compatible: POST https://external.api.recraft.ai/v1/images/generations "
        "with a bearer key (https://www.recraft.ai/docs; litellm 1.108.7 "
        "litellm/llms/recraft/image_generation/transformation.py uses that URL)"),
    "runwayml": ProviderInfo(("runwayml",), "Runway"),
    "scaleway": ProviderInfo(("scaleway",), "Scaleway"),
    "soniox": ProviderInfo(("soniox",), "Soniox"),
    "stability": ProviderInfo(("stability",), "Stability AI"),
    "together_ai": ProviderInfo(("together",), "Together AI"),
    "transcribe": ProviderInfo(("aws-transcribe", "transcribe"), "Amazon Transcribe"),
    "vertex_ai": ProviderInfo(("vertex-ai", "google-vertex", "vertex"), "Google Vertex AI"),
    "vertex_ai-language-models": ProviderInfo(("vertex-ai", "google-vertex", "vertex"), "Google Vertex AI"),
    "vertex_ai-video-models": ProviderInfo(("vertex-ai", "google-vertex", "vertex"), "Google Vertex AI"),
    "volcengine": ProviderInfo(("volcengine",), "Volcengine (ByteDance)"),
    "voyage": ProviderInfo(("voyage",), "Voyage AI"),
    "watsonx": ProviderInfo(("watsonx",), "IBM watsonx.ai"),
    "xai": ProviderInfo(("xai",), "xAI"),
}


def provider_info(litellm_provider: str) -> ProviderInfo:
    """A provider not in the table gets LiteLLM's name normalised to our id pattern, priced only."""
    known = PROVIDERS.get(litellm_provider)
    if known is not None:
        return known
    normalised = "".join(c if c.isascii() and c.isalnum() else "-" for c in litellm_provider.lower()).strip("-")
    return ProviderInfo((normalised,), litellm_provider)


def key_prefixes(litellm_provider: str) -> frozenset[str]:
    """The first segments of a LiteLLM key that name its provider (`vertex_ai/` for vertex_ai-video-models…)."""
    return frozenset({litellm_provider, litellm_provider.split("-", maxsplit=1)[0]})


def installed_map() -> Path:
    """The JSON price map of the installed litellm, which must be the pinned release; litellm is not imported."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise SourceError(f"{PACKAGE} is not installed: install {PACKAGE}=={VERSION} (the `peer` extra) or pass "
                          f"--source {VENDORED}")
    version = importlib.metadata.version(PACKAGE)
    if version != VERSION:
        raise SourceError(f"{PACKAGE} {version} is installed, but this importer is written for {VERSION} (its "
                          f"as_of, its URLs and its reading of the cost code): install {PACKAGE}=={VERSION}")
    return Path(spec.origin).parent / MAP_FILE


def load_map(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of a price map (a .json, or a .json.gz such as the vendored subset), floats as JSON gave them."""
    try:
        raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw) if path.name.endswith(".gz") else raw)
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read the price map {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path} is not a JSON object of model entries")
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def vendored_bytes(entries: dict[str, dict[str, Any]]) -> bytes:
    """The vendored subset, reproducibly: sorted keys at every level, gzip without a file name and with mtime 0."""
    text = json.dumps(entries, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)
