"""`python scripts/build_catalog.py [--src DIR] [--out DIR] [--check]`.

`--out` (default `generated/`) may be any folder: the files are the same bytes wherever they go.
Exit status: 0 built (or up to date), 1 `--check` found stale files, 2 the source is invalid.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

from catalog_build.build import build, stale, write
from catalog_build.problems import CatalogInvalid
from catalog_build.source import display_path

ROOT = Path(__file__).resolve().parent.parent
# in a checkout, the repository's folders; installed (`pip install .`), those of the current directory
SRC = ROOT / "catalog_src" if (ROOT / "catalog_src").is_dir() else Path("catalog_src").resolve()
OUT = ROOT / "generated" if (ROOT / "catalog_src").is_dir() else Path("generated").resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_catalog.py", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--src", type=Path, default=SRC, help="catalog source folder (default: catalog_src/)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: generated/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the output folder is stale")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        files = build(args.src)
    except CatalogInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        print(f"catalog invalid: {len(invalid.problems)} problem(s); nothing written", file=sys.stderr)
        return 2
    if args.check:
        outdated = stale(files, args.out)
        for name in outdated:
            state = "differs from a fresh build" if (args.out / name).exists() else "is missing"
            print(f"stale: {display_path(args.out / name)} {state}", file=sys.stderr)
        if outdated:
            print(f"run: {rebuild_command(args.src, args.out)}", file=sys.stderr)
            return 1
        print(f"{display_path(args.out)}/ is up to date ({len(files)} files)")
        return 0
    changed = write(files, args.out)
    elapsed = time.perf_counter() - started
    print(f"built {len(files)} files in {elapsed:.2f}s; changed: {', '.join(changed) or 'none'}")
    return 0


def rebuild_command(src: Path, out: Path) -> str:
    """The command that brings `out` up to date: the build, with the folders that are not the defaults."""
    command = [".venv/bin/python", "scripts/build_catalog.py"]
    for flag, path, default in (("--src", src, SRC), ("--out", out, OUT)):
        if path.resolve() != default:
            command += [flag, display_path(path)]
    return shlex.join(command)


def summary(models: list[tuple[str, str]]) -> str:
    """`provider: n (modality n, ...)` lines for a list of (provider, modality)."""
    per_provider = Counter(provider for provider, _ in models)
    lines = []
    for provider in sorted(per_provider):
        modalities = Counter(modality for p, modality in models if p == provider)
        detail = ", ".join(f"{m} {n}" for m, n in sorted(modalities.items()))
        lines.append(f"  {provider:<12} {per_provider[provider]:>4}  ({detail})")
    return "\n".join(lines)


def console() -> None:
    """The `compose-catalog` console script."""
    sys.exit(main())
