"""A cgroup (v1 or v2) for one kernel: memory, process and CPU limits that hold for the
kernel and every process it starts, an exact count of OOM kills, and a way to kill whatever
is left in it."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

from coursegrader.sandbox.limits import Limits

# Every cgroup the grader makes is called PREFIX-[<label>-]<random> (the label: the kernel
# manager's run_label, so that a test counts only the cgroups of its own run).
PREFIX = "coursegrader"


class CgroupLimits:
    """A cgroup (v1 or v2) for one kernel: memory and process limits that hold for the
    kernel and every process it starts, and an exact count of OOM kills. Created only where
    this process may (root, or a delegated cgroup v2); otherwise rlimits alone apply."""

    def __init__(self, limits: Limits, label: str = ""):
        self.paths: dict[str, Path] = {}
        name = "-".join(filter(None, [PREFIX, label, uuid.uuid4().hex[:12]]))
        try:
            self._create(name, limits)
        except OSError:
            self.remove(wait=0)
            self.paths = {}

    @staticmethod
    def _own(controller: str) -> Path | None:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return Path("/sys/fs/cgroup") / controller / path.lstrip("/")
            if controllers == "" and controller == "":
                return Path("/sys/fs/cgroup") / path.lstrip("/")
        return None

    def _create(self, name: str, limits: Limits) -> None:
        memory, pids = self._own("memory"), self._own("pids")
        if memory is not None and pids is not None and memory.is_dir() and pids.is_dir():
            self.version = 1
            self.paths["memory"] = memory / name
            self.paths["pids"] = pids / name
            for path in self.paths.values():
                path.mkdir()
            (self.paths["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
            swap = self.paths["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limits.memory_bytes))
            (self.paths["pids"] / "pids.max").write_text(str(limits.processes))
            cpu = self._own("cpu")
            if limits.cpus and cpu is not None and (cpu / "cpu.cfs_quota_us").exists():
                self.paths["cpu"] = cpu / name
                self.paths["cpu"].mkdir()
                period = int((self.paths["cpu"] / "cpu.cfs_period_us").read_text())
                (self.paths["cpu"] / "cpu.cfs_quota_us").write_text(str(int(period * limits.cpus)))
            acct = self._own("cpuacct")
            if acct is not None and acct.is_dir() and "cpuacct.usage" not in {
                    p.name for p in self.paths.get("cpu", Path("/-")).glob("cpuacct.usage")}:
                # the CPU time the kernel used (cpu_seconds), where cpuacct is a
                # hierarchy of its own
                self.paths["cpuacct"] = acct / name
                self.paths["cpuacct"].mkdir()
            return
        unified = self._own("")
        if unified is not None and (unified / "cgroup.controllers").exists():
            self.version = 2
            group = unified / name
            group.mkdir()
            self.paths["unified"] = group
            (group / "memory.max").write_text(str(limits.memory_bytes))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
            (group / "pids.max").write_text(str(limits.processes))
            if limits.cpus and (group / "cpu.max").exists():
                (group / "cpu.max").write_text(f"{int(100000 * limits.cpus)} 100000")
            return
        raise OSError("no cgroup controllers")

    @property
    def active(self) -> bool:
        return bool(self.paths)

    def procs_files(self) -> list[str]:
        return [str(p / "cgroup.procs") for p in self.paths.values()]

    def oom_kills(self) -> int:
        for key in ("memory", "unified"):
            path = self.paths.get(key)
            name = "memory.oom_control" if key == "memory" else "memory.events"
            if path and (path / name).exists():
                for line in (path / name).read_text().splitlines():
                    field, _, value = line.partition(" ")
                    if field == "oom_kill":
                        return int(value)
        return 0

    def cpu_seconds(self) -> float | None:
        """CPU seconds used by the kernel and every process it started (None where no
        cgroup counts them)."""
        group = self.paths.get("unified")
        if group is not None and (group / "cpu.stat").exists():
            for line in (group / "cpu.stat").read_text().splitlines():
                field, _, value = line.partition(" ")
                if field == "usage_usec":
                    return int(value) / 1e6
        for key in ("cpuacct", "cpu"):
            path = self.paths.get(key)
            if path is not None and (path / "cpuacct.usage").exists():
                return int((path / "cpuacct.usage").read_text()) / 1e9
        return None

    def pids_refused(self) -> int:
        path = self.paths.get("unified") or self.paths.get("pids")
        if path and (path / "pids.events").exists():
            for line in (path / "pids.events").read_text().splitlines():
                field, _, value = line.partition(" ")
                if field == "max":
                    return int(value)
        return 0

    def processes(self) -> list[int]:
        pids: set[int] = set()
        for procs in self.procs_files():
            try:
                pids |= {int(p) for p in Path(procs).read_text().split()}
            except OSError:
                pass
        return sorted(pids)

    def kill_all(self) -> None:
        for _ in range(50):
            pids = self.processes()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self, wait: float = 10.0) -> None:
        """Remove the cgroup once its last process is gone (a fork bomb's processes take a
        moment to die after the namespace is torn down: rmdir fails with EBUSY until then)."""
        deadline = time.monotonic() + wait
        for path in self.paths.values():
            while True:
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    self.kill_all()
                    time.sleep(0.05)
