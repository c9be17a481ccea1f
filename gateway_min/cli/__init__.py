"""The command line: `python -m gateway_min serve …`, `… ledger migrate | check`, `… keys create | list | show |
revoke` (or the `compose-gateway` console script; `compose-keys` is `keys`)."""

from __future__ import annotations

import argparse
import sys

from gateway_min.cli import keys, ledger, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway_min")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.add_parser(commands)
    ledger.add_parser(commands)
    keys.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve.serve(args)
    if args.command == "ledger":
        return ledger.run(args)
    if args.command == "keys":
        return keys.run(args)
    parser.error(f"unknown command {args.command}")  # pragma: no cover - argparse refuses it first
    return 2


def console() -> None:
    """The console script's entry point."""
    sys.exit(main())


def keys_console() -> None:
    """`compose-keys …`: `python -m gateway_min keys …`."""
    parser = argparse.ArgumentParser(prog="compose-keys", description="operator-funded Compose Keys")
    keys.add_arguments(parser)
    sys.exit(keys.run(parser.parse_args()))
