"""CPU that a process tree uses while nothing happens, read from /proc (no sampling profiler, no psutil CPU
percent with its own timers): utime + stime of each process and of everything it forked, at the start and the
end of a window, over the window's wall time. A process that appears during the window is counted from zero;
one that ends during it loses its share (its ticks go to its parent only when reaped)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process, in clock ticks; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return int(fields[11]) + int(fields[12])


def thread_count(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[17])
    except (OSError, IndexError, ValueError):
        return 0


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) ticks of the whole machine, all cores (/proc/stat's first line)."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def descendants(pids: Mapping[str, int]) -> dict[str, set[int]]:
    """Each root's pid and every process below it, from one scan of /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out: dict[str, set[int]] = {}
    for name, root in pids.items():
        seen: set[int] = set()
        stack = [root] if root else []
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen.add(pid)
                stack.extend(children.get(pid, ()))
        out[name] = seen
    return out


def broker_connections(pid: int, broker_port: int) -> int:
    """TCP connections this process holds to the broker: one per Kafka client (consumer, producer, admin),
    a rough count of its pollers."""
    import psutil

    try:
        conns = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return 0
    return sum(1 for c in conns if c.raddr and c.raddr.port == broker_port)


@dataclass
class IdleSample:
    seconds: float
    per_process: dict[str, float]  # cores used (CPU seconds per wall second), own pid and descendants
    threads: dict[str, int]
    machine_busy_cores: float  # the whole machine over the same window, other people's work included
    broker_connections: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.per_process.values())


def _trees(roots: Mapping[str, int], outer: str | None) -> dict[str, set[int]]:
    trees = descendants(roots)
    if outer in trees:  # the supervisor: its own pid and what it forked that is no other root's
        trees[outer] -= set().union(*(t for n, t in trees.items() if n != outer))
    return trees


def sample_idle(
    roots: Mapping[str, int], seconds: float, *, outer: str | None = None, broker_port: int = 0
) -> IdleSample:
    """Cores used by each named process tree over `seconds`. `outer` names the root whose tree holds the
    others (`relaydesk up`): it is counted without them."""
    trees = _trees(roots, outer)
    start = {pid: cpu_ticks(pid) for tree in trees.values() for pid in tree}
    busy0, total0 = machine_busy_ticks()
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    busy1, total1 = machine_busy_ticks()
    later = _trees(roots, outer)
    per_process: dict[str, float] = {}
    threads: dict[str, int] = {}
    for name in roots:
        used = 0
        for pid in trees[name] | later[name]:
            end = cpu_ticks(pid)
            if end is not None:
                used += end - (start.get(pid) or 0)
        per_process[name] = round(used / CLOCK_TICKS / wall, 4)
        threads[name] = sum(thread_count(pid) for pid in later[name])
    cores = os.cpu_count() or 1
    machine = (busy1 - busy0) / max(1, total1 - total0) * cores
    conns = {n: broker_connections(p, broker_port) for n, p in roots.items() if p} if broker_port else {}
    return IdleSample(wall, per_process, threads, round(machine, 3), conns)
