"""Source folder → generated files, with every problem reported and nothing written unless all is valid."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from catalog_build import rules
from catalog_build.artifacts import render_all
from catalog_build.compiled import compile_source
from catalog_build.problems import CatalogInvalid
from catalog_build.source import read_source


def compile_catalog(src: Path) -> dict[str, Any]:
    """Validate the source and compile it. Raises CatalogInvalid."""
    source = read_source(src)
    problems = [*source.problems, *rules.check(source)]
    if problems or not (source.settings and source.providers):
        raise CatalogInvalid(problems)
    return compile_source(source)


def build(src: Path) -> dict[str, bytes]:
    """Every generated file's bytes, by name: the same wherever they are written. Raises CatalogInvalid."""
    return render_all(compile_catalog(src))


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write(files: dict[str, bytes], out: Path) -> list[str]:
    """Write the files whose bytes differ; returns their names."""
    changed = [name for name, content in sorted(files.items()) if _read(out / name) != content]
    for name in changed:
        write_atomically(out / name, files[name])
    return changed


def stale(files: dict[str, bytes], out: Path) -> list[str]:
    return [name for name, content in sorted(files.items()) if _read(out / name) != content]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
