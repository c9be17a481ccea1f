#!/usr/bin/env python3
"""Import every model genai-prices 0.2.5 prices into catalog_src/imported/genai-prices/ (a thin CLI).

    python scripts/import_genai_prices.py                                 # write, and report what changed
    python scripts/import_genai_prices.py --check                         # write nothing; exit 1 if stale
    python scripts/import_genai_prices.py --provider openrouter --print   # one provider's file on stdout

The importer itself is catalog_build/importers/genai_prices.py (see docs/CATALOG.md, "Importers").
Exit status: 0 done, 1 --check found files to write (or --print found no model), 2 error (nothing written).
"""

import sys


def main() -> int:
    try:
        from catalog_build.importers.genai_prices import main as run
    except ModuleNotFoundError as missing:
        if missing.name != "genai_prices":
            raise
        print("error: genai-prices is not installed; the importer reads genai-prices==0.2.5", file=sys.stderr)
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main())
