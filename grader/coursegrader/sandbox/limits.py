"""The sandbox's limits, what a kernel left behind for the grader, and the instructor's
notes about them: "memory limit of 4 GiB reached in cell 14"."""

from __future__ import annotations

import re
from dataclasses import dataclass

GiB = 1024**3
MiB = 1024**2


@dataclass
class Limits:
    memory_bytes: int
    processes: int
    disk_bytes: int
    cpus: float = 1.0  # a runaway kernel cannot starve the others graded beside it


def size_text(n: int) -> str:
    return f"{n / GiB:g} GiB" if n >= GiB and n % (GiB // 4) == 0 else f"{n / MiB:.0f} MiB"


@dataclass
class KernelReport:
    """What a sandboxed kernel left behind for the grader, once it is gone."""

    limit_reason: str | None
    exit_status: int | None
    log: str
    limits: Limits
    cpu_seconds: float | None = None  # the kernel's CPU time, where a cgroup counted it


_LIMIT_PATTERNS = (
    ("memory", re.compile(r"MemoryError|can't allocate memory|Cannot allocate memory|"
                          r"std::bad_alloc|out of memory", re.I)),
    ("process", re.compile(r"Resource temporarily unavailable|BlockingIOError.*fork|"
                           r"can't start new thread", re.I)),
    ("disk", re.compile(r"No space left on device|File too large", re.I)),
)


def limit_notes(nb, report: KernelReport | None = None,
                unfinished: int | None = None) -> list[str]:
    """What the instructor reads about limits: "memory limit of 4 GiB reached in cell 14".

    Looks at the kernel's report (a kernel killed by a limit: the cell it was running,
    ``unfinished``, is named) and at every cell's error output (a limit the kernel survived:
    MemoryError, a fork refused, a full disk).
    """
    notes: list[str] = []
    limits = report.limits if report is not None else None
    reason = report.limit_reason if report is not None else None
    if reason:
        where = f" in cell {unfinished + 1}" if unfinished is not None else ""
        notes.append(reason + where)
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            text = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            for kind, pattern in _LIMIT_PATTERNS:
                if pattern.search(text):
                    size = ""
                    if limits is not None:
                        size = {"memory": f" of {size_text(limits.memory_bytes)}",
                                "process": f" of {limits.processes}",
                                "disk": f" of {size_text(limits.disk_bytes)}"}[kind]
                    notes.append(f"{kind} limit{size} reached in cell {index + 1}")
                    break
    return list(dict.fromkeys(notes))
