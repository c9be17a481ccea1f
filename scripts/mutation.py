#!/usr/bin/env python3
"""Mutation testing of the money code with mutmut (pinned in the `dev` extra, configured in pyproject.toml's
[tool.mutmut]): every mutant must be killed by the tests, or be a reviewed survivor of
docs/mutation-equivalent.toml (an equivalent mutant or one that changes only an error message, each with its
reason). How to run it and what the scores are: docs/MUTATION.md.

    scripts/mutation [pricing|ledger]        a fresh run of the target (pricing: the CI gate); exit 1 on a
                                             survivor nobody reviewed, or a reviewed entry that no longer matches
    scripts/mutation pricing --survivors     re-test only what survived the last run (after adding tests)
    scripts/mutation pricing --report        the last run's result again, without running anything

pyproject.toml holds what every target shares (the files, the tests, pytest's arguments); a target narrows it to
its own files and its own tests, so that a mutant of pricing/ is judged by tests/pricing alone.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
REVIEWED = ROOT / "docs" / "mutation-equivalent.toml"
LOG = ROOT / "mutants" / "mutation.log"
KINDS = ("equivalent", "message", "concurrency")
KILLED = frozenset({"killed", "timeout", "segfault", "caught by type check"})


@dataclass(frozen=True)
class Target:
    only_mutate: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = {
    "pricing": Target(("pricing/*",), ("tests/pricing",)),
    # both backends' operations; the PostgreSQL ones are tested only when COMPOSE_TEST_POSTGRES names a server
    "ledger": Target(("gateway_min/ledger/sqlite/ops.py", "gateway_min/ledger/postgres/ops.py"),
                     ("tests/gateway/ledger",)),
}


class Key(NamedTuple):
    """What identifies a mutant across runs and edits elsewhere: its function and the lines it changes (mutmut's
    numbers shift whenever a function gains or loses a mutant)."""

    function: str
    before: str
    after: str


class Survivor(NamedTuple):
    name: str
    status: str
    key: Key
    diff: str


def _configure(target: Target) -> None:
    """Narrow the pyproject configuration to the target (mutmut reads it once and keeps it)."""
    from mutmut.configuration import config

    cfg = config()
    unknown = [pattern for pattern in target.only_mutate if pattern not in cfg.only_mutate]
    unknown += [path for path in target.tests if path not in cfg.pytest_add_cli_args_test_selection]
    if unknown:
        sys.exit(f"scripts/mutation: {', '.join(unknown)} not in pyproject.toml's [tool.mutmut]")
    cfg.only_mutate = list(target.only_mutate)
    cfg.pytest_add_cli_args_test_selection = list(target.tests)


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """mutmut's progress (a spinner line per mutant) and every worker's output go to the log, not the console."""
    path.parent.mkdir(exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _results() -> dict[str, tuple[Path, str]]:
    """Every mutant of the configured files: its file and status (killed, survived, no tests, timeout…)."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    results = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            results[name] = (path, status_by_exit_code[code])
    return results


def _key(name: str, diff: str) -> Key:
    from mutmut.utils.format_utils import mangled_name_from_mutant_name, orig_function_and_class_names_from_key

    module = mangled_name_from_mutant_name(name).rpartition(".")[0]
    function, cls = orig_function_and_class_names_from_key(name)
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    before = "\n".join(line[1:].strip() for line in lines if line.startswith("-"))
    after = "\n".join(line[1:].strip() for line in lines if line.startswith("+"))
    return Key(f"{module}.{cls + '.' if cls else ''}{function}", before, after)


def _survivors(results: dict[str, tuple[Path, str]]) -> list[Survivor]:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    out = []
    for name, (path, status) in sorted(results.items()):
        if status not in KILLED:
            diff = get_diff_for_mutant(name, path=path)
            out.append(Survivor(name, status, _key(name, diff), diff))
    return out


def _reviewed() -> dict[Key, tuple[str, str]]:
    """The reviewed survivors: key → (kind, reason)."""
    entries = tomllib.loads(REVIEWED.read_text()).get("mutant", [])
    reviewed: dict[Key, tuple[str, str]] = {}
    for number, entry in enumerate(entries, 1):
        where = f"{REVIEWED.relative_to(ROOT)}: entry {number} ({entry.get('function')})"
        if set(entry) != {"function", "before", "after", "kind", "reason"}:
            sys.exit(f"{where}: needs exactly function, before, after, kind and reason")
        if entry["kind"] not in KINDS or not entry["reason"].strip():
            sys.exit(f"{where}: kind is one of {', '.join(KINDS)}, and the reason is not empty")
        key = Key(entry["function"], entry["before"].strip(), entry["after"].strip())
        if key in reviewed:
            sys.exit(f"{where}: listed twice")
        reviewed[key] = (entry["kind"], entry["reason"])
    return reviewed


def _toml_string(text: str) -> str:
    """A TOML literal string: code's quotes and backslashes as they are."""
    assert "'''" not in text, text
    return "'''" + text + "'''"


def _entry(key: Key) -> str:
    return (f'[[mutant]]\nfunction = "{key.function}"\nbefore = {_toml_string(key.before)}\n'
            f'after = {_toml_string(key.after)}\nkind = "?"  # {", ".join(KINDS)}\nreason = "?"\n')


def _score(killed: int, of: int) -> str:
    return f"{killed}/{of} = {100 * killed / max(of, 1):.2f}%"


def _judge(target: str, results: dict[str, tuple[Path, str]], seconds: float | None) -> int:
    prefixes = tuple(pattern.removesuffix("*").removesuffix(".py").replace("/", ".")
                     for pattern in TARGETS[target].only_mutate)
    reviewed = {key: value for key, value in _reviewed().items() if key.function.startswith(prefixes)}
    survivors = _survivors(results)
    matched = {survivor.key for survivor in survivors if survivor.key in reviewed}
    new = [survivor for survivor in survivors if survivor.key not in reviewed]
    stale = [key for key in reviewed if key not in matched]
    aside = Counter(reviewed[key][0] for key in (survivor.key for survivor in survivors) if key in reviewed)
    total = len(results)
    killed = sum(status in KILLED for _, status in results.values())
    judged = total - aside["message"] - aside["equivalent"]  # a concurrency-only mutant can change behaviour
    took = f" in {seconds / 60:.1f} min" if seconds is not None else ""
    print(f"== mutation {target}{took}: {total} mutants, {killed} killed, reviewed survivors: {aside['message']} "
          f"message-only, {aside['equivalent']} equivalent, {aside['concurrency']} concurrency-only")
    print(f"   killed {_score(killed, total)} of all, {_score(killed, total - aside['message'])} with message-only "
          f"mutants set aside, {_score(killed, judged)} of those that can change behaviour")
    for survivor in new:
        print(f"\n-- {survivor.name}: {survivor.status}, not reviewed\n{survivor.diff}")
    if new:
        print(f"\n{len(new)} surviving mutant(s) not in {REVIEWED.relative_to(ROOT)}: kill each with a test of the "
              "rule it breaks or, if it cannot change behaviour, add it with its reason:\n")
        print("\n".join(_entry(survivor.key) for survivor in new))
    for key in stale:
        print(f"\n-- reviewed but not surviving (killed now, or the code changed): remove it\n{_entry(key)}")
    return 1 if new or stale else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", default="pricing", choices=sorted(TARGETS))
    parser.add_argument("--max-children", type=int, default=2, help="parallel workers (default 2)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--survivors", action="store_true", help="re-test only what survived the last run")
    mode.add_argument("--report", action="store_true", help="judge the last run again, running nothing")
    args = parser.parse_args()
    os.chdir(ROOT)
    _configure(TARGETS[args.target])
    if args.report:
        return _judge(args.target, _results(), None)
    from mutmut.__main__ import _run

    names: list[str] = []
    if args.survivors:
        names = [name for name, (_, status) in _results().items() if status not in KILLED]
        if not names:
            return _judge(args.target, _results(), None)
        # which test reaches which function is recorded again: mutmut would only add the tests that are new, and
        # a test that changed could reach what it did not before
        (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    else:
        import shutil

        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    started = time.monotonic()
    try:
        with _output_to(LOG):
            _run(names, args.max_children)
    except SystemExit as stopped:
        if stopped.code not in (None, 0):
            print(LOG.read_text()[-5_000:])
            print(f"scripts/mutation: mutmut stopped ({stopped.code}); its output is in {LOG.relative_to(ROOT)}")
            return 2
    return _judge(args.target, _results(), time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
