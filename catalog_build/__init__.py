"""The catalog compiler: `catalog_src/*.yaml` → validated → `generated/` (Python module and JSON artifacts)."""

from catalog_build.build import build, compile_catalog
from catalog_build.problems import CatalogInvalid, Problem

__all__ = ["CatalogInvalid", "Problem", "build", "compile_catalog"]
