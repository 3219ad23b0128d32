"""Every submission's kernel runs in a bubblewrap sandbox while it is graded.

nbgrader trusts student code: its kernel runs with every right of the instructor who grades
(its docs, "Autograding resources"). Here only the kernel is untrusted. nbgrader, the
executor (nbclient) and the single gradebook writer stay outside; the kernel is started by
:class:`SandboxedKernelManager`, a jupyter_client kernel manager that wraps the kernel's
command in ``bwrap`` (Debian's ``bubblewrap``) with

* new user, PID, IPC, UTS, cgroup and network namespaces: no network at all, no other
  process to see or signal, no further user namespaces;
* a file system of read-only binds: the system (``/usr``, a few files of ``/etc``), the
  Python environment, the student package (``src/``) and the course's ``data/``; writable:
  a private ``/tmp`` and a private copy of the submission, both size-limited tmpfs;
  nothing else (``solutions/``, ``grader/``, the grading folder, the home folder are absent);
* an environment that holds only what a lesson needs (no ``COURSE_DB_URL``, no tokens);
* limits on memory, processes, disk and CPU (cgroups where this process may create them,
  and rlimits in any case), each reported with its reason and cell (limits.py);
* a small parent process between bwrap's PID 1 and the kernel (init.py): ipykernel shuts
  down when its parent is PID 1, which bwrap's reaper is. When the kernel stops, the
  namespace goes, and with it every process the submission started;
* the kernel itself forked into that sandbox, where this system allows it, by a process
  that has imported its libraries once (forks.py, forkserver.py): it skips most of a new
  kernel's start-up CPU time, in the same namespaces, mounts and limits.

The kernel and nbclient talk over jupyter_client's ``ipc`` transport: Unix sockets in a folder
that only this kernel shares with the executor (no TCP port: the kernel has no network).

Here: the kernel manager. bwrap.py builds what the kernel sees, init.py runs inside,
forks.py and forkserver.py fork kernels in, cgroups.py and limits.py hold the limits and
what the instructor reads about them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Integer, List, Unicode

from coursegrader.sandbox import bwrap
from coursegrader.sandbox.cgroups import CgroupLimits
from coursegrader.sandbox.limits import GiB, KernelReport, Limits, MiB, size_text


def _processes(pid: int) -> list[psutil.Process]:
    """Every process below ``pid`` (psutil reads the parent ids in /proc/*/stat, readable
    for any process; /proc/PID/task/*/children needs ptrace rights over a sandbox's
    namespace)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _threads(process: psutil.Process) -> int:
    """The number of threads of a process, 0 when it is gone."""
    try:
        return process.num_threads()
    except psutil.Error:
        return 0


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in bubblewrap (see the module docstring).

    nbclient passes the submission's folder as ``cwd``; the kernel gets a private copy of it.
    """

    memory_limit = Integer(4 * GiB, config=True,
                           help="Memory of a kernel and all it starts, in bytes.")
    max_processes = Integer(64, config=True,
                            help="Processes (and threads) a kernel may run at once.")
    disk_limit = Integer(512 * MiB, config=True,
                         help="Bytes a kernel may write: its submission copy and /tmp each.")
    extra_read_only = List(Unicode(), config=True,
                           help="More folders the kernel may read (e.g. a data set).")
    cpus = Float(1.0, config=True,
                 help="CPU cores a kernel may use at most (with cgroups; 0: no limit).")
    use_cgroups = Bool(True, config=True, help="Use cgroups where this process may.")
    # On by default: without it, code built at run time can change what a test runs
    # (tests/security/test_hostile.py's control run shows which attacks then succeed).
    record_kernel = Bool(True, config=True,
                         help="Keep the audit hook's record of what the kernel ran "
                              "(sandbox/audit.py) and check every test cell against it.")
    # On by default: a forked kernel skips most of a new one's start-up CPU time (forks.py).
    fork_kernels = Bool(True, config=True,
                        help="Fork each kernel into its sandbox from a process that has "
                             "imported its libraries once (Linux 5.8 or newer), instead of "
                             "starting a new process.")
    run_label = Unicode("", config=True,
                        help="A label in the names of this run's cgroups and socket folders "
                             "(a test counts what its own run left behind).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self._private: Path | None = None
        self._cgroup: CgroupLimits | None = None
        self._log: Path | None = None
        self._process = None
        self._forked_pid: int | None = None  # the kernel's pid, when it was forked
        self._keeper: psutil.Process | None = None  # ... and its parent (forkserver.py)
        self.report: KernelReport | None = None
        self._channel = None
        self.record_cells: list[str] = []  # the file names of the test cells' code
        self.record_canaries: list[str] = []  # ... and of the canaries'

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_limit, self.max_processes, self.disk_limit, self.cpus)

    async def _async_pre_start_kernel(self, **kw):
        # The sockets and the connection file live in a folder that only this kernel
        # shares with the executor: no other kernel and no other student can reach them.
        label = f"{self.run_label}-" if self.run_label else ""
        self._private = Path(tempfile.mkdtemp(prefix=f"coursegrader-kernel-{label}"))
        os.chmod(self._private, 0o700)
        self.connection_file = str(self._private / "kernel.json")
        self.ip = str(self._private / "kernel-ipc")
        self._submission = Path(kw.get("cwd") or os.getcwd()).resolve()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        limits = self.limits
        self._log = self._private / "kernel.log"
        server = None
        if self.fork_kernels:
            from coursegrader.sandbox import forks

            server = forks.server_for(kernel_cmd[0], bwrap.kernel_env(),
                                      bwrap.FORKSERVER_INSIDE)
        try:
            if self.record_kernel:
                from coursegrader.sandbox.channel import RecordChannel

                self._channel = RecordChannel({
                    "trusted": bwrap.trusted_paths(self.extra_read_only),
                    "tests": self.record_cells, "canaries": self.record_canaries,
                    "cell_prefix": bwrap.CELL_PREFIX})
                if server is None:
                    kw["pass_fds"] = self._channel.child_fds()
            if server is not None and not await self._launch_forked(server, kernel_cmd,
                                                                     limits, dict(kw)):
                server = None  # it could not: this kernel starts as a new process
                if self._channel is not None:
                    kw["pass_fds"] = self._channel.child_fds()
            if server is None:
                cmd = self.sandbox_command(kernel_cmd, limits)
                with open(self._log, "wb") as log:  # Popen has its own copy of the descriptor
                    kw.update(env=bwrap.kernel_env(), cwd=str(self._private), stdout=log,
                              stderr=log)
                    await super()._async_launch_kernel(cmd, **kw)
        except BaseException:
            # a kernel that never started leaves nothing behind either: no cgroup, no
            # socket folder (nbclient does not clean up after a failed launch)
            if self._channel is not None:
                self._channel.started()  # (closes the kernel's ends)
            self.finish()
            raise
        if self._channel is not None:
            self._channel.started()
        self._process = self.provisioner.process

    async def _launch_forked(self, server, kernel_cmd, limits, kw) -> bool:
        """The sandbox around init.py, which waits; then the kernel, forked into it by the
        fork server (forks.py). False, with the sandbox gone again, where the fork server
        could not start the kernel: it then starts as a new process (with a warning, and
        never forked again in this process if the system refused to join the sandbox)."""
        import asyncio

        from coursegrader.sandbox import forks

        ready_r, ready_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            record = self._channel.child_fds() if self._channel is not None else None
            cmd = self.sandbox_command(kernel_cmd, limits, wait_fds=(ready_w, status_r))
            with open(self._log, "wb") as log:
                kw.update(env=bwrap.kernel_env(), cwd=str(self._private), stdout=log,
                          stderr=log, pass_fds=(ready_w, status_r))
                await super()._async_launch_kernel(cmd, **kw)
                os.close(ready_w)
                os.close(status_r)
                ready_w = status_r = -1
                argv = bwrap.kernel_argv(kernel_cmd, ("{record}", "{config}")
                                         if record is not None else None)
                cgroups = (self._cgroup.procs_files()
                           if self._cgroup is not None and self._cgroup.active else [])
                try:
                    self._forked_pid = await asyncio.get_running_loop().run_in_executor(
                        None, lambda: forks.fork_into(
                            server, self.provisioner.process.pid, ready_r,
                            f"{bwrap.INIT_DIR}/{bwrap.INIT_FILE.name}", cgroups=cgroups,
                            argv=argv, env=bwrap.forked_env(), cwd=bwrap.WORK_DIR,
                            rlimits=bwrap.rlimits(limits), record_fd=(record or (-1,))[0],
                            config_fd=(record or (-1, -1))[1], status_fd=status_w,
                            out_fd=log.fileno(), err_fd=log.fileno()))
                    try:
                        self._keeper = psutil.Process(self._forked_pid).parent()
                    except psutil.Error:
                        pass
                    return True
                except (forks.ForkServerError, OSError) as err:
                    forks.mark_broken(f"{err}\n{self.kernel_log()}".strip())
            # undo: the waiting sandbox and its cgroup go; a new one comes with the kernel
            process = self.provisioner.process
            process.kill()
            process.wait()
            if self._cgroup is not None:
                self._cgroup.kill_all()
                self._cgroup.remove()
                self._cgroup = None
            return False
        finally:
            for fd in (ready_r, ready_w, status_r, status_w):
                if fd >= 0:
                    os.close(fd)

    def record_mark(self) -> int | None:
        """How many bytes of the kernel's record have come so far (None: no record)."""
        return self._channel.mark() if self._channel is not None else None

    def take_record(self) -> tuple[bytes, bytes, bool] | None:
        """Once the kernel is done: (its whole record, the run's secret, whether the record
        is complete); None when no record was kept."""
        if self._channel is None:
            return None
        self.finish()  # nothing of the kernel is left to write
        data = self._channel.close()
        return data, self._channel.key, not self._channel.overflow

    def sandbox_command(self, kernel_cmd: list[str], limits: Limits,
                        wait_fds: tuple[int, int] | None = None) -> list[str]:
        cmd = bwrap.command(kernel_cmd, str(self._private), self._submission, limits,
                            self.extra_read_only,
                            self._channel.child_fds() if self._channel is not None else None,
                            wait_fds)
        self._cgroup = CgroupLimits(limits, self.run_label) if self.use_cgroups else None
        if self._cgroup is not None and self._cgroup.active:
            # join the cgroup before bwrap starts, so that nothing escapes the limits
            join = " && ".join(f'echo $$ > "{p}"' for p in self._cgroup.procs_files())
            cmd = ["/bin/sh", "-c", f'{join} && exec "$@"', "sh", *cmd]
        return cmd

    @property
    def exit_status(self) -> int | None:
        """bwrap's exit status: the kernel's, or 128 + the signal that killed it."""
        return self._process.poll() if self._process is not None else None

    def limit_reason(self) -> str | None:
        """Why the kernel was stopped by a limit of the sandbox, if it was."""
        if self.report is not None:  # the kernel is gone, and its cgroup with it
            return self.report.limit_reason
        cg = self._cgroup
        if cg is not None and cg.active:
            if cg.oom_kills():
                return f"memory limit of {size_text(self.memory_limit)} reached"
            if cg.pids_refused():
                return f"process limit of {self.max_processes} reached"
        if getattr(self, "_processes_at_end", 0) >= self.max_processes:
            return f"process limit of {self.max_processes} reached"
        if getattr(self, "_disk_full", False):
            return f"disk limit of {size_text(self.disk_limit)} reached"
        status = self.exit_status
        if status is not None and status - 128 == signal.SIGKILL:
            return "the kernel was killed (SIGKILL)"
        if status is not None and status - 128 == signal.SIGXFSZ:
            return f"disk limit of {size_text(self.disk_limit)} reached (file too large)"
        return None

    def kernel_log(self) -> str:
        try:
            return self._log.read_text(errors="replace") if self._log else ""
        except OSError:
            return ""

    def kernel_pid(self) -> int | None:
        """The kernel's process id (seen from outside): below bwrap and our parent process,
        or the forked one."""
        if self._forked_pid is not None:
            return self._forked_pid
        if self._process is None:
            return None
        for process in _processes(self._process.pid):
            try:
                argv = process.cmdline()
            except psutil.Error:
                continue
            # python [AUDIT RECORD_FD CONFIG_FD] -m ipykernel_launcher -f ...
            if "ipykernel_launcher" in argv[1:6] and argv[argv.index("ipykernel_launcher")
                                                          - 1] == "-m":
                return process.pid
        return None

    async def _async_signal_kernel(self, signum: int) -> None:
        # jupyter_client signals the process group it started, which is bwrap's; bwrap would
        # die of a SIGINT and take the kernel with it. An interrupt (a cell past the time
        # limit) goes to the kernel itself, which then goes on with the next cell.
        pid = self.kernel_pid() if signum == signal.SIGINT else None
        if pid is None:
            await super()._async_signal_kernel(signum)
            return
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    def _measure(self) -> None:
        """While the sandbox still runs: how many processes it holds and whether its disk is
        full. Without a cgroup to ask, this is how a process limit shows; and a kernel that
        filled its disk and then timed out never printed its "No space left on device"."""
        if self._process is None or self._process.poll() is not None:
            return
        # the limits count tasks: every thread of every process
        processes = _processes(self._process.pid)
        if self._keeper is not None:  # a forked kernel and its keeper are not below bwrap
            try:
                processes += [self._keeper, *self._keeper.children(recursive=True)]
            except psutil.Error:
                pass
        self._processes_at_end = sum(_threads(p) for p in processes)
        pid = self.kernel_pid()
        for folder in (bwrap.WORK_DIR, "/tmp") if pid else ():
            try:
                stat = os.statvfs(f"/proc/{pid}/root{folder}")
            except OSError:
                continue
            if stat.f_bavail * stat.f_frsize < MiB:
                self._disk_full = True

    # Measure before the kernel goes, whichever way: AsyncKernelManager.shutdown_kernel is
    # the base class's function itself (an override of it would not run), but it calls these.
    async def _async_kill_kernel(self, restart: bool = False) -> None:
        self._measure()
        await super()._async_kill_kernel(restart=restart)

    async def _async_request_shutdown(self, restart: bool = False) -> None:
        self._measure()
        await super()._async_request_shutdown(restart=restart)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.finish()

    def finish(self) -> KernelReport:
        """Once the kernel is done: kill whatever is left in its sandbox, note why a limit
        stopped it, free its cgroup and socket folder. Safe to call more than once (the
        executor calls it too, whichever way the kernel ended)."""
        if self.report is None:
            self._measure()
            if self._process is not None and self._process.poll() is None:
                self._process.kill()  # bwrap, and with it the whole namespace
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            if self._cgroup is not None and self._cgroup.active:
                self._cgroup.kill_all()  # nothing outlives the submission
            cpu = self._cgroup.cpu_seconds() if self._cgroup is not None else None
            self.report = KernelReport(
                self.limit_reason(), self.exit_status, self.kernel_log()[-4000:], self.limits,
                cpu)
            if self._cgroup is not None:
                self._cgroup.remove()
            if self._channel is not None:
                self._channel.close()  # the kernel is gone: its record is complete
            if self._private is not None:
                shutil.rmtree(self._private, ignore_errors=True)
        return self.report


def sandbox_config(config=None, **limits):
    """A copy of ``config`` in which nbgrader's Execute starts sandboxed kernels.

    ``limits``: memory_limit, max_processes, disk_limit (bytes), as on the kernel manager.
    """
    from traitlets.config import Config

    merged = Config()
    if config is not None:
        merged.merge(config)
    merged.Execute.kernel_manager_class = SandboxedKernelManager
    for key, value in limits.items():
        if value is not None:
            merged.SandboxedKernelManager[key] = value
    return merged
