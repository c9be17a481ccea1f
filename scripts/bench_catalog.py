#!/usr/bin/env python3
"""Catalog benchmark: compile a synthetic 10,000-model source, import the generated module, look models up.

Targets (docs/BENCHMARKS.md): compile ≤ 3 s, import ≤ 100 ms, lookup ≤ 1 µs.
Import is measured in a fresh interpreter each time, with and without a cached .pyc.
"""

from __future__ import annotations

import argparse
import os
import py_compile
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from catalog_build.build import build, write

PROVIDERS = 10
SCHEMA_TOP = "# yaml-language-server: $schema=../generated/catalog_src.schema.json"
SCHEMA_MODELS = "# yaml-language-server: $schema=../../generated/catalog_src.schema.json"


def model_yaml(index: int) -> str:
    """A varied model: plain chat, tiered chat with history, embeddings, images, speech, video."""
    head = (f"  - id: model-{index:05d}\n    aliases: [p/model-{index:05d}]\n"
            "    source: https://example.test/pricing\n    as_of: 2025-01-01\n")
    cents = f"{index % 97}.{index % 1000:03d}"
    kind = index % 6
    if kind == 0:
        return head + ("    modality: text\n    operations: [chat]\n    context_window: 128000\n"
                       f"    max_output_tokens: 16384\n    prices:\n      - tokens: {{input: \"{cents}\", "
                       f"cached_input: \"0.{index % 10}\", output: \"{index % 50 + 1}\"}}\n")
    if kind == 1:
        return head + ("    modality: text\n    operations: [chat]\n    prices:\n"
                       f"      - tokens: {{input: \"{cents}\", output: \"20\"}}\n"
                       "      - effective_from: 2025-06-01T00:00:00Z\n"
                       "        tokens: {input: \"1.25\", cached_input: \"0.31\", cache_write: \"1.5\","
                       " output: \"10\"}\n"
                       "        tiers:\n"
                       "          - {above_input_tokens: 200000, input: \"2.5\", cached_input: \"0.62\","
                       " cache_write: \"3\", output: \"15\"}\n")
    if kind == 2:
        return head + f"    modality: embedding\n    operations: [embeddings]\n    prices:\n" \
                      f"      - tokens: {{input: \"0.0{index % 90 + 10}\"}}\n"
    if kind == 3:
        return head + ("    modality: image\n    operations: [images]\n    prices:\n      - images:\n"
                       "          unit: usd_per_image\n          options:\n"
                       "            - {size: 1024x1024, quality: standard, price: \"0.04\", default: true}\n"
                       "            - {size: 1024x1024, quality: hd, price: \"0.08\"}\n"
                       "            - {size: 1792x1024, quality: hd, price: \"0.12\"}\n")
    if kind == 4:
        return head + ("    modality: audio\n    operations: [speech]\n    prices:\n"
                       f"      - characters: {{unit: usd_per_1m_characters, price: \"{index % 30 + 1}\"}}\n")
    return head + ("    modality: video\n    operations: [video]\n    prices:\n      - video:\n"
                   "          unit: usd_per_second\n          options:\n"
                   "            - {resolution: 720p, price: \"0.1\", default: true}\n"
                   "            - {resolution: 1080p, price: \"0.3\"}\n")


def write_synthetic(root: Path, models: int) -> Path:
    src = root / "catalog_src"
    (src / "models").mkdir(parents=True)
    (src / "settings.yaml").write_text(
        f"{SCHEMA_TOP}\ndefault_network: eip155:43113\nnetworks:\n  - id: eip155:43113\n    name: Fuji\n"
        '    asset: "0x5425890298aed601595a70AB815c96711a31Bc65"\n    asset_name: USD Coin\n    asset_version: "2"\n'
        '    decimals: 6\n    pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\n')
    providers = "".join(f"  - id: p{i}\n    name: P{i}\n    base_url: https://p{i}.test/v1\n"
                        f"    api_key_env: P{i}_KEY\n    flavor: openai-chat\n" for i in range(PROVIDERS))
    (src / "providers.yaml").write_text(f"{SCHEMA_TOP}\nproviders:\n{providers}")
    per_file = models // PROVIDERS
    for p in range(PROVIDERS):
        body = "".join(model_yaml(p * per_file + i) for i in range(per_file))
        (src / "models" / f"p{p}.yaml").write_text(f"{SCHEMA_MODELS}\nprovider: p{p}\nmodels:\n{body}")
    return src


IMPORT_PROBE = """
import sys, time
sys.path.insert(0, {root!r})
t = time.perf_counter()
import generated.catalog as c
elapsed = time.perf_counter() - t
assert len(c.MODELS) == {models}
print(elapsed)
"""

LOOKUP_PROBE = """
import sys, timeit
sys.path.insert(0, {root!r})
import generated.catalog as c
ids = [m.id for m in c.MODELS][::7] + [m.aliases[0] for m in c.MODELS][::7]  # records built before timing
index = c.MODEL_INDEX
n = 200
runs = timeit.repeat(lambda: [index[i] for i in ids], number=n, repeat=7)
print(min(runs) / (n * len(ids)))
"""


def python(code: str) -> float:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                env=env).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = write_synthetic(root, args.models)
        out = root / "generated"
        compile_times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            files = build(src)
            compile_times.append(time.perf_counter() - started)
        write(files, out)
        sizes = {name: len(content) for name, content in files.items()}
        cold, warm = [], []
        for _ in range(args.repeat):
            for pyc in out.glob("__pycache__/*.pyc"):
                pyc.unlink()
            cold.append(python(IMPORT_PROBE.format(root=str(root), models=args.models)))
            py_compile.compile(str(out / "catalog.py"), doraise=True)
            py_compile.compile(str(out / "__init__.py"), doraise=True)
            warm.append(python(IMPORT_PROBE.format(root=str(root), models=args.models)))
        lookup = python(LOOKUP_PROBE.format(root=str(root)))
    print(f"synthetic catalog: {args.models} models in {PROVIDERS} files; "
          f"catalog.py {sizes['catalog.py'] / 1e6:.1f} MB, catalog.json {sizes['catalog.json'] / 1e6:.1f} MB")
    print(f"compile (YAML → validated → all artifacts): median {statistics.median(compile_times):.2f} s "
          f"(min {min(compile_times):.2f}, max {max(compile_times):.2f})   target ≤ 3 s")
    print(f"import generated.catalog, .pyc cached:    median {statistics.median(warm) * 1e3:.1f} ms "
          f"(min {min(warm) * 1e3:.1f})   target ≤ 100 ms")
    print(f"import generated.catalog, no .pyc:        median {statistics.median(cold) * 1e3:.1f} ms "
          f"(min {min(cold) * 1e3:.1f})")
    print(f"lookup by id or alias (MODEL_INDEX[...]): {lookup * 1e9:.0f} ns   target ≤ 1 µs")


if __name__ == "__main__":
    main()
