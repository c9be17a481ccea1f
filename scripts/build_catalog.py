#!/usr/bin/env python3
"""Compile catalog_src/*.yaml into generated/. Options: see catalog_build/cli.py (--src, --out, --check)."""

import sys

from catalog_build.cli import main

if __name__ == "__main__":
    sys.exit(main())
