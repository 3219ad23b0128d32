"""What the kernel sees: bubblewrap's arguments, the kernel's environment, and whether this
machine can start the sandbox at all (see manager.py for the whole picture)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from coursegrader.course.paths import COURSE_ROOT
from coursegrader.errors import CourseError
from coursegrader.sandbox import fontlist
from coursegrader.sandbox.limits import Limits

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

# The init program (init.py, next to this file) is bound read-only here, alone.
INIT_DIR = "/run/coursegrader"
INIT_FILE = Path(__file__).with_name("init.py")
# The kernel's launcher, which installs the audit hook before ipykernel (audit.py), beside it.
AUDIT_FILE = Path(__file__).with_name("audit.py")
# The fork server (forkserver.py), bound beside them where a kernel is forked into the sandbox.
FORKSERVER_FILE = Path(__file__).with_name("forkserver.py")
FORKSERVER_INSIDE = f"{INIT_DIR}/{FORKSERVER_FILE.name}"
# Where IPython's kernel puts its cells' code in there (ipykernel.compiler.get_tmp_directory,
# with TMPDIR=/tmp): what the audit hook takes for a cell.
CELL_PREFIX = "/tmp/ipykernel_"


class SandboxUnavailable(CourseError):
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
    """The lessons' data folder, read-only in the sandbox: the one rule of torchcourse.data
    (COURSE_DATA_DIR, else the course's data/)."""
    from torchcourse.data import default_data_dir

    return default_data_dir()


def kernel_env(extra: dict[str, str] | None = None, environ=None) -> dict[str, str]:
    """The kernel's whole environment: the allowed variables of this process (or of
    ``environ``), and paths that make sense inside the sandbox."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k in ENV_ALLOWED}
    src = str(COURSE_ROOT / "src")
    env.update({
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin",
                                 "/usr/bin", "/bin"]),
        "HOME": HOME_DIR, "USER": "student", "LOGNAME": "student",
        "TMPDIR": "/tmp", "MPLCONFIGDIR": fontlist.KERNEL_DIR,
        "PYTHONPATH": src,
        "PYTHONDONTWRITEBYTECODE": "1",
        "COURSE_DATA_DIR": str(data_dir()),
    })
    env.update(extra or {})
    return env


def forked_env() -> dict[str, str]:
    """The environment of a kernel forked into the sandbox: what bubblewrap hands on to
    init.py, which is kernel_env() and the PWD of its --chdir."""
    return {**kernel_env(), "PWD": "/"}


def trusted_paths(extra_read_only=()) -> list[str]:
    """Where the code inside the sandbox that is not the student's lives: every read-only
    folder of code, and the launchers' own folder."""
    return sorted({*python_paths(), *extra_read_only, INIT_DIR})


def rlimits(limits: Limits) -> dict[str, int]:
    """The kernel's rlimits (set by init.py, or by a forked kernel itself)."""
    return {
        "RLIMIT_NPROC": limits.processes,
        "RLIMIT_FSIZE": limits.disk_bytes,
        "RLIMIT_CORE": 0,
        # one process alone may not take more than the whole kernel may
        "RLIMIT_DATA": limits.memory_bytes,
    }


def kernel_argv(kernel_cmd: list[str], record_fds=None) -> list[str]:
    """The kernel's command inside the sandbox: through the audit hook's launcher
    (audit.py) when ``record_fds`` (record, config) are given."""
    if record_fds is None:
        return list(kernel_cmd)
    # python AUDIT RECORD_FD CONFIG_FD -m ipykernel_launcher -f ...
    return [kernel_cmd[0], f"{INIT_DIR}/{AUDIT_FILE.name}", *map(str, record_fds),
            *kernel_cmd[1:]]


def command(kernel_cmd: list[str], private: str, submission: Path, limits: Limits,
            extra_read_only=(), record_fds: tuple[int, int] | None = None,
            wait_fds: tuple[int, int] | None = None) -> list[str]:
    """bwrap's whole command line for one kernel: the sandbox around the init program
    (init.py), which starts ``kernel_cmd``. ``private``: the folder of the kernel's sockets,
    shared with the executor alone; ``submission``: read-only, copied inside.
    ``record_fds``: (record, config) pipes of the kernel's record (sandbox/channel.py): the
    kernel then starts through the audit hook's launcher (audit.py).
    ``wait_fds``: (ready, status) pipes: init starts no kernel, says when the sandbox is
    ready, and exits with the status it reads (a kernel forked into the sandbox: forks.py)."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(ENABLE_ADVICE.format(why="`bwrap` was not found"))
    # bubblewrap applies its options in order: the private tmpfs come first, so that a
    # bind of a folder under /tmp (the socket folder; a Python installed there) stays
    # visible instead of being covered by them.
    args = [bwrap, *_namespaces(), *_system_mounts(),
            "--size", str(limits.disk_bytes), "--tmpfs", "/tmp",
            "--size", str(limits.disk_bytes), "--tmpfs", HOME_DIR]
    for path in [*python_paths(), *extra_read_only]:
        args += ["--ro-bind", path, path]
    for path in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep):
        if path and os.path.isdir(path):
            args += ["--ro-bind-try", path, path]
    data = data_dir()
    if data.is_dir():
        args += ["--ro-bind", str(data), str(data)]
    font_binds, font_copies = fontlist.sandbox_args(kernel_cmd[0])
    args += font_binds
    init_file = f"{INIT_DIR}/{INIT_FILE.name}"
    args += ["--bind", private, private,
             "--ro-bind", str(submission), "/run/submission",
             "--ro-bind", str(INIT_FILE), init_file]
    if record_fds is not None:
        args += ["--ro-bind", str(AUDIT_FILE), f"{INIT_DIR}/{AUDIT_FILE.name}"]
    if wait_fds is not None:
        # the fork server's code, under the name its frames carry in a forked kernel
        args += ["--ro-bind", str(FORKSERVER_FILE), FORKSERVER_INSIDE]
    args += ["--chdir", "/"]
    init = {
        "src": "/run/submission",
        "work": WORK_DIR,
        "copy": font_copies,
        "rlimits": rlimits(limits),
    }
    python = [os.path.realpath(sys.executable), "-S", init_file]
    if wait_fds is not None:
        init["wait"] = list(wait_fds)
        return [*args, "--", *python, json.dumps(init)]
    return [*args, "--", *python, json.dumps(init), *kernel_argv(kernel_cmd, record_fds)]
