"""Which process holds an x402 claim, and whether that process still runs: for claims a crash left open.

An owner is `<boot id>:<pid namespace>:<time namespace>:<pid>:<start time>` (Linux's /proc). A process is known
to be gone when the machine has booted since (a SQLite file in WAL mode is shared through memory, so one kernel
serves it), or when its pid no longer exists in our pid namespace, or names a process started at another time (a
reused pid). Anything that cannot be judged counts as running, and a claim is only ever given up when its process
is known to be gone: an owner in another pid or time namespace (another container on the same file), a /proc that
hides other processes or belongs to another pid namespace, no /proc at all. On a ledger shared between machines
(PostgreSQL) another boot id cannot be judged either: only processes of this same boot are.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

PROC = Path("/proc")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (clock ticks after boot), or None when it cannot be read. The command name
    before it is in parentheses and may hold anything, spaces and parentheses included: split after the last ')'."""
    stat = _read(PROC / str(pid) / "stat")
    if stat is None or b")" not in stat:
        return None
    fields = stat.rsplit(b")", 1)[1].split()
    return fields[19].decode("ascii", "replace") if len(fields) > 19 else None


def _namespace(kind: str) -> str:
    try:
        return str(os.stat(PROC / "self" / "ns" / kind).st_ino)
    except OSError:
        return "-"  # a kernel without that namespace kind (time: before Linux 5.6)


@functools.cache
def _here() -> tuple[str, str, str] | None:
    """(boot id, pid namespace, time namespace) of this process, or None when /proc cannot tell about us."""
    boot = _read(PROC / "sys" / "kernel" / "random" / "boot_id")
    try:
        ours = os.readlink(PROC / "self") == str(os.getpid())  # a /proc of another pid namespace says otherwise
    except OSError:
        ours = False
    if not boot or not ours:
        return None
    return boot.decode("ascii", "replace"), _namespace("pid"), _namespace("time")


def this_process() -> str | None:
    here, start = _here(), _start_time(os.getpid())
    if here is None or start is None:
        return None
    return ":".join((*here, str(os.getpid()), start))


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # asks the kernel, however /proc is mounted
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def is_gone(owner: str | None, *, shared: bool = False) -> bool:
    """True only when the process named by `owner` is known to have ended. `shared`: the ledger is shared between
    machines (a database server), so another boot id may be another machine's, not a reboot of this one: it
    cannot be judged."""
    here = _here()
    parts = (owner or "").split(":")
    if here is None or len(parts) != 5 or not parts[3].isdigit() or not 0 < int(parts[3]) < 1 << 31:
        return False
    boot, pid_namespace, time_namespace, pid, start = parts
    if boot != here[0]:
        return not shared  # a file on this machine: it has booted since; a server: maybe another machine
    if (pid_namespace, time_namespace) != here[1:]:
        return False  # another pid namespace (its pids mean nothing here) or time namespace (start times shift)
    if not _exists(int(pid)):
        return True
    now = _start_time(int(pid))
    return now is not None and now != start  # unreadable (hidepid): it exists, so it counts as running
