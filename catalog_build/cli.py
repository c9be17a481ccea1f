"""`python scripts/build_catalog.py [--src DIR] [--out DIR] [--check] [--diff OLD [--json]]`.

`--out` (default `generated/`) may be any folder: the files are the same bytes wherever they go.
`--diff OLD` writes nothing: it lists every price the catalog built from the source now changed, added or removed
against OLD (an older catalog.json, or a git ref such as `main` or `v1.2`), per model, as text (or JSON, `--json`).
Exit status: 0 built (or up to date, or diffed), 1 `--check` found stale files, 2 the source is invalid (or OLD
cannot be read).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

from catalog_build import diff
from catalog_build.build import build, compile_catalog, stale, write
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
    parser.add_argument("--diff", metavar="OLD", help="write nothing; list the price changes since OLD (a "
                        "catalog.json or a git ref)")
    parser.add_argument("--json", action="store_true", help="with --diff: the report as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.diff is not None:
            return _diff(args.src, args.diff, as_json=args.json)
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


def _diff(src: Path, old: str, *, as_json: bool) -> int:
    try:
        before = diff.load_old(old, ROOT)
    except diff.DiffSourceError as exc:
        print(f"--diff: {exc}", file=sys.stderr)
        return 2
    report = diff.diff(before, compile_catalog(src))
    if as_json:
        sys.stdout.buffer.write(diff.as_json(report))
    else:
        print(diff.as_text(report))
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
