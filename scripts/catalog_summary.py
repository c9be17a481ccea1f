#!/usr/bin/env python3
"""Print what the compiled catalog holds: models per provider and modality, and the catalog version."""

from collections import Counter

from generated import catalog


def main() -> None:
    print(f"catalog {catalog.CATALOG_VERSION}")
    print(f"{len(catalog.MODELS)} models from {len({m.provider for m in catalog.MODELS})} providers; "
          f"platform fee {catalog.PLATFORM_FEE_BPS} bps; default network {catalog.DEFAULT_NETWORK}")
    by_provider = Counter(m.provider for m in catalog.MODELS)
    modalities = sorted({m.modality for m in catalog.MODELS})
    print(f"  {'provider':<12} {'total':>5}  " + "  ".join(f"{m:>9}" for m in modalities))
    for provider, total in sorted(by_provider.items()):
        counts = Counter(m.modality for m in catalog.MODELS if m.provider == provider)
        print(f"  {provider:<12} {total:>5}  " + "  ".join(f"{counts.get(m, 0):>9}" for m in modalities))


if __name__ == "__main__":
    main()
