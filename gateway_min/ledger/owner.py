"""Which process holds an x402 claim, and whether that process still runs: for claims a crash left open.

An owner is `<boot id>:<pid namespace>:<pid>:<start time>` (Linux's /proc). A process is gone when the machine has
booted since, or when its pid in our namespace no longer names a process started at that time (a reused pid starts
later). An owner in another pid namespace (another container on the same file) cannot be judged from here and
counts as running, as does any owner on a system without /proc: a claim is only ever given up when its process is
known to be gone.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

PROC = Path("/proc")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (clock ticks after boot); the command name before it may hold spaces."""
    stat = _read(PROC / str(pid) / "stat")
    if stat is None or ")" not in stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if len(fields) > 19 else None


@functools.cache
def _here() -> tuple[str, str] | None:
    """(boot id, pid namespace) of this process, or None without /proc."""
    boot = _read(PROC / "sys" / "kernel" / "random" / "boot_id")
    try:
        namespace = str(os.stat(PROC / "self" / "ns" / "pid").st_ino)
    except OSError:
        return None
    return (boot, namespace) if boot else None


def this_process() -> str | None:
    here, start = _here(), _start_time(os.getpid())
    if here is None or start is None:
        return None
    return f"{here[0]}:{here[1]}:{os.getpid()}:{start}"


def is_gone(owner: str | None) -> bool:
    """True only when the process named by `owner` is known to have ended."""
    here = _here()
    parts = (owner or "").split(":")
    if here is None or len(parts) != 4 or not parts[2].isdigit():
        return False
    boot, namespace, pid, start = parts
    if boot != here[0]:
        return True  # the machine has booted since
    if namespace != here[1]:
        return False  # another pid namespace: its pids mean nothing here
    return _start_time(int(pid)) != start
