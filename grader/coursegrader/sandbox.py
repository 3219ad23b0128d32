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
  and rlimits in any case), each reported with its reason and cell (:func:`limit_notes`);
* a small parent process between bwrap's PID 1 and the kernel: ipykernel shuts down when its
  parent is PID 1, which bwrap's reaper is. When the kernel stops, the namespace goes, and
  with it every process the submission started.

The kernel and nbclient talk over jupyter_client's ``ipc`` transport: Unix sockets in a folder
that only this kernel shares with the executor (no TCP port: the kernel has no network).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Integer, List, Unicode

from coursegrader.paths import COURSE_ROOT

GiB = 1024**3
MiB = 1024**2

# Inside the sandbox: the writable copy of the submission, and the student's home.
WORK_DIR = "/home/student/submission"
HOME_DIR = "/home/student"

# What the kernel's environment may hold: nothing else passes (COURSE_DB_URL may carry a
# password; JUPYTERHUB_API_TOKEN and friends are the instructor's).
ENV_ALLOWED = (
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM",
    "NBGRADER_EXECUTION", "COURSE_BUDGET", "COURSE_THREADS", "COURSE_DEVICE",
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE", "PYTHONHASHSEED", "MPLBACKEND", "CUDA_VISIBLE_DEVICES",
    # where the interpreter's own libpython is, when it is not where it was built (the class
    # hub's copy of a Python installed under /root): without it the kernel would load another
    # Python's library
    "LD_LIBRARY_PATH",
)

# The few files of /etc a Python kernel reads (libraries, fonts, time zone, alternatives).
ETC_ALLOWED = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime",
    "nsswitch.conf", "host.conf", "mime.types", "matplotlibrc",
)

# The parent process between bwrap's reaper (PID 1) and the kernel. It runs with `python -S`
# from a string, because nothing of the grader is visible inside. It copies the submission
# into the writable tmpfs, sets the rlimits, starts the kernel, passes it SIGTERM, and exits
# with the kernel's status (128 + signal number when the kernel was killed).
_INIT = r"""
import json, os, resource, shutil, signal, sys
cfg = json.loads(sys.argv[1]); argv = sys.argv[2:]
if os.path.isdir(cfg["src"]):
    shutil.copytree(cfg["src"], cfg["work"], dirs_exist_ok=True, symlinks=True)
os.makedirs(cfg["work"], exist_ok=True)
for source, dest in cfg.get("copy", []):
    if os.path.isfile(source):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(source, dest)
os.chdir(cfg["work"])
for name, value in cfg["rlimits"].items():
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
    except (ValueError, OSError):
        pass
signal.signal(signal.SIGINT, lambda *a: None)
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.execv(argv[0], argv)
signal.signal(signal.SIGTERM, lambda s, f: os.kill(pid, s))
while True:
    try:
        _, status = os.waitpid(pid, 0)
        break
    except ChildProcessError:
        sys.exit(1)
    except InterruptedError:
        continue
sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
"""


class SandboxUnavailable(RuntimeError):
    """This machine cannot start the sandbox; the message says how to enable it."""


ENABLE_ADVICE = """\
Grading runs every submission's kernel in a bubblewrap sandbox, and this machine cannot
start one:
    {why}
How to enable it:
  - install bubblewrap:   sudo apt-get install bubblewrap     (Fedora: dnf install bubblewrap)
  - Ubuntu 24.04 (and GitHub's ubuntu-24.04 runners) restricts unprivileged user namespaces
    with AppArmor. Allow them for this machine:
        sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
    (or, to keep the restriction for other programs, give bwrap its own AppArmor profile
    with `userns,`: see docs/grading.md, "Machines without a sandbox")
  - in a container (Docker, Podman): start it with a seccomp profile that allows
    unshare/clone of namespaces (e.g. --security-opt seccomp=unconfined), or grade outside it.
If you accept the risk (student code then runs with all your rights: it can read the
solutions and the gradebook and change other students' grades), pass --no-sandbox."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless a sandboxed process can start here."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(ENABLE_ADVICE.format(why="the command `bwrap` was not found"))
    cmd = [bwrap, *_namespaces(), *_system_mounts(), "--", "/bin/true"]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SandboxUnavailable(ENABLE_ADVICE.format(why=f"{bwrap}: {err}")) from err
    if run.returncode != 0:
        why = (run.stderr.strip() or f"exit status {run.returncode}").splitlines()[-1]
        raise SandboxUnavailable(ENABLE_ADVICE.format(why=f"bwrap: {why}"))


# ------------------------------------------------------------------ what the kernel sees


def _namespaces() -> list[str]:
    # --unshare-all: user, ipc, pid, net, uts, cgroup. A new network namespace holds only a
    # loopback device that is down: no connection leaves the sandbox, not even to this host.
    return ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--cap-drop", "ALL", "--hostname", "grader"]


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():  # merged /usr: /lib -> usr/lib
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_ALLOWED:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    return args


def python_paths() -> list[str]:
    """The folders the kernel's Python needs: its installation, the environment's
    packages, and nothing of the course but the student package (``src/``)."""
    grader = COURSE_ROOT / "grader"
    candidates = [sys.base_prefix, sys.prefix, *sys.path]
    paths: list[str] = []
    for entry in candidates:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        if Path(real).is_relative_to(grader) or real == str(COURSE_ROOT):
            continue  # never the grader's code, never the whole course
        if Path(real).is_relative_to(COURSE_ROOT) and not any(
                Path(real).is_relative_to(COURSE_ROOT / ok) for ok in ("src", ".venv")):
            continue
        for path in {entry, real}:
            if not any(Path(path).is_relative_to(p) for p in paths):
                paths = [p for p in paths if not Path(p).is_relative_to(path)] + [path]
    # the environment's python is a symlink to the base interpreter
    exe = os.path.realpath(sys.executable)
    if not any(Path(exe).is_relative_to(p) for p in paths):
        paths.append(str(Path(exe).parent.parent))
    src = COURSE_ROOT / "src"
    if src.is_dir() and not any(src.is_relative_to(p) for p in paths):
        paths.append(str(src))
    return sorted(paths)


def data_dir() -> Path:
    """The lessons' data folder, read-only in the sandbox (see torchcourse.data)."""
    env = os.environ.get("COURSE_DATA_DIR", "").strip()
    return Path(env).expanduser().resolve() if env else COURSE_ROOT / "data"


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: the allowed variables of this process, and paths
    that make sense inside the sandbox."""
    env = {k: v for k, v in os.environ.items() if k in ENV_ALLOWED}
    src = str(COURSE_ROOT / "src")
    env.update({
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin",
                                 "/usr/bin", "/bin"]),
        "HOME": HOME_DIR, "USER": "student", "LOGNAME": "student",
        "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONPATH": src,
        "PYTHONDONTWRITEBYTECODE": "1",
        "COURSE_DATA_DIR": str(data_dir()),
    })
    env.update(extra or {})
    return env


@dataclass
class Limits:
    memory_bytes: int
    processes: int
    disk_bytes: int
    cpus: float = 1.0  # a runaway kernel cannot starve the others graded beside it


def _size(n: int) -> str:
    return f"{n / GiB:g} GiB" if n >= GiB and n % (GiB // 4) == 0 else f"{n / MiB:.0f} MiB"


# ------------------------------------------------------------------ cgroups


class CgroupLimits:
    """A cgroup (v1 or v2) for one kernel: memory and process limits that hold for the
    kernel and every process it starts, and an exact count of OOM kills. Created only where
    this process may (root, or a delegated cgroup v2); otherwise rlimits alone apply."""

    def __init__(self, limits: Limits):
        self.paths: dict[str, Path] = {}
        name = f"coursegrader-{uuid.uuid4().hex[:12]}"
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
            import time

            time.sleep(0.02)

    def remove(self, wait: float = 10.0) -> None:
        """Remove the cgroup once its last process is gone (a fork bomb's processes take a
        moment to die after the namespace is torn down: rmdir fails with EBUSY until then)."""
        import time

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


def _threads(pid: int) -> int:
    """The number of threads of a process (/proc/PID/stat, field 20), 0 when it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[17])
    except (OSError, IndexError, ValueError):
        return 0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from the parent ids in /proc/*/stat (readable for any
    process; /proc/PID/task/*/children needs ptrace rights over a sandbox's namespace)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


# ------------------------------------------------------------------ the kernel manager


@dataclass
class KernelReport:
    """What a sandboxed kernel left behind for the grader, once it is gone."""

    limit_reason: str | None
    exit_status: int | None
    log: str
    limits: Limits



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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self._private: Path | None = None
        self._cgroup: CgroupLimits | None = None
        self._log: Path | None = None
        self._process = None
        self.report: KernelReport | None = None

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_limit, self.max_processes, self.disk_limit, self.cpus)

    async def _async_pre_start_kernel(self, **kw):
        # The sockets and the connection file live in a folder that only this kernel
        # shares with the executor: no other kernel and no other student can reach them.
        self._private = Path(tempfile.mkdtemp(prefix="coursegrader-kernel-"))
        os.chmod(self._private, 0o700)
        self.connection_file = str(self._private / "kernel.json")
        self.ip = str(self._private / "kernel-ipc")
        self._submission = Path(kw.get("cwd") or os.getcwd()).resolve()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        limits = self.limits
        self._cgroup = CgroupLimits(limits) if self.use_cgroups else None
        self._log = self._private / "kernel.log"
        log = open(self._log, "wb")  # noqa: SIM115 - Popen keeps it; closed in cleanup
        kw.update(env=kernel_env(), cwd=str(self._private), stdout=log, stderr=log)
        cmd = self.sandbox_command(kernel_cmd, limits)
        try:
            await super()._async_launch_kernel(cmd, **kw)
        finally:
            log.close()
        self._process = self.provisioner.process

    def sandbox_command(self, kernel_cmd: list[str], limits: Limits) -> list[str]:
        private = str(self._private)
        bwrap = bwrap_path()
        if bwrap is None:
            raise SandboxUnavailable(ENABLE_ADVICE.format(why="`bwrap` was not found"))
        # bubblewrap applies its options in order: the private tmpfs come first, so that a
        # bind of a folder under /tmp (the socket folder; a Python installed there) stays
        # visible instead of being covered by them.
        args = [bwrap, *_namespaces(), *_system_mounts(),
                "--size", str(limits.disk_bytes), "--tmpfs", "/tmp",
                "--size", str(limits.disk_bytes), "--tmpfs", HOME_DIR]
        for path in [*python_paths(), *self.extra_read_only]:
            args += ["--ro-bind", path, path]
        for path in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep):
            if path and os.path.isdir(path):
                args += ["--ro-bind-try", path, path]
        data = data_dir()
        if data.is_dir():
            args += ["--ro-bind", str(data), str(data)]
        args += ["--bind", private, private,
                 "--ro-bind", str(self._submission), "/run/submission",
                 "--chdir", "/"]
        init = {
            "src": "/run/submission",
            "work": WORK_DIR,
            "rlimits": {
                "RLIMIT_NPROC": limits.processes,
                "RLIMIT_FSIZE": limits.disk_bytes,
                "RLIMIT_CORE": 0,
                # one process alone may not take more than the whole kernel may
                "RLIMIT_DATA": limits.memory_bytes,
            },
        }
        python = [os.path.realpath(sys.executable), "-S", "-c", _INIT, json.dumps(init)]
        cmd = [*args, "--", *python, *kernel_cmd]
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
                return f"memory limit of {_size(self.memory_limit)} reached"
            if cg.pids_refused():
                return f"process limit of {self.max_processes} reached"
        if getattr(self, "_processes_at_end", 0) >= self.max_processes:
            return f"process limit of {self.max_processes} reached"
        if getattr(self, "_disk_full", False):
            return f"disk limit of {_size(self.disk_limit)} reached"
        status = self.exit_status
        if status is not None and status - 128 == signal.SIGKILL:
            return "the kernel was killed (SIGKILL)"
        if status is not None and status - 128 == signal.SIGXFSZ:
            return f"disk limit of {_size(self.disk_limit)} reached (file too large)"
        return None

    def kernel_log(self) -> str:
        try:
            return self._log.read_text(errors="replace") if self._log else ""
        except OSError:
            return ""

    def kernel_pid(self) -> int | None:
        """The kernel's process id (seen from outside), below bwrap and our parent process."""
        if self._process is None:
            return None
        for pid in _descendants(self._process.pid):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[1:3] == [b"-m", b"ipykernel_launcher"]:
                return pid
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
        self._processes_at_end = sum(_threads(pid) for pid in _descendants(self._process.pid))
        pid = self.kernel_pid()
        for folder in (WORK_DIR, "/tmp") if pid else ():
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
            self.report = KernelReport(
                self.limit_reason(), self.exit_status, self.kernel_log()[-4000:], self.limits)
            if self._cgroup is not None:
                self._cgroup.remove()
            if self._private is not None:
                shutil.rmtree(self._private, ignore_errors=True)
        return self.report


def execute_config(config=None, **limits):
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


# ------------------------------------------------------------------ reasons, per cell

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
                        size = {"memory": f" of {_size(limits.memory_bytes)}",
                                "process": f" of {limits.processes}",
                                "disk": f" of {_size(limits.disk_bytes)}"}[kind]
                    notes.append(f"{kind} limit{size} reached in cell {index + 1}")
                    break
    return list(dict.fromkeys(notes))
