#!/usr/bin/env python3
"""Import media and rerank models from LiteLLM 1.108.7's price map into catalog_src/imported/litellm/.

    python scripts/import_litellm.py            # write the files; print what was ADDED, CHANGED, DROPPED
    python scripts/import_litellm.py --check    # write nothing; exit 1 when a run would change the files
    python scripts/import_litellm.py --vendor   # also write tests/data/litellm_prices_1.108.7.json.gz

The work is in catalog_build/importers/litellm.py (see its docstring and docs/CATALOG.md).
"""

import sys

from catalog_build.importers.litellm import main

if __name__ == "__main__":
    sys.exit(main())
