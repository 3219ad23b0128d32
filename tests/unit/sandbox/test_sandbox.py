"""The kernel sandbox, part by part: what the kernel's process sees, its environment, its
limits and the reasons reported. Most tests start a plain Python process (no kernel) in the
sandbox's own command line, which takes a fraction of a second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from coursegrader.course.paths import COURSE_ROOT
from coursegrader.integrity.kernel_record import parse
from coursegrader.sandbox import bwrap, forks, manager
from coursegrader.sandbox.cgroups import CgroupLimits
from coursegrader.sandbox.limits import GiB, KernelReport, Limits, MiB, limit_notes

needs_bwrap = pytest.mark.skipif(
    bwrap.bwrap_path() is None,
    reason="NOT RUN: bwrap is missing (make test installs it: scripts/install-bubblewrap.sh)")


def sandboxed(code: str, submission: Path, limits: Limits | None = None,
              cgroups: bool = False, python: str | None = None,
              forked: bool = False) -> subprocess.CompletedProcess:
    """Run ``python -c code`` exactly as a kernel would be run: same mounts, environment,
    parent process and limits (``python``: the base interpreter unless given). ``forked``:
    forked into the sandbox by the fork server, as kernels are where it works
    (sandbox/forks.py), instead of started by init.py."""
    km = manager.SandboxedKernelManager(use_cgroups=cgroups)
    km._private = Path(tempfile.mkdtemp(prefix="coursegrader-test-"))
    km._submission = submission
    limits = limits or Limits(512 * MiB, 32, 64 * MiB)
    python = python or os.path.realpath(sys.executable)
    try:
        if not forked:
            # the command joins a new cgroup when the kernel manager uses them
            cmd = km.sandbox_command([python, "-c", code], limits)
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  env=bwrap.kernel_env(), cwd=km._private)
        return _forked(km, python, code, limits)
    finally:
        if km._cgroup is not None:
            km._cgroup.kill_all()
            km._cgroup.remove()
        subprocess.run(["rm", "-rf", str(km._private)])


def _forked(km, python: str, code: str, limits: Limits) -> subprocess.CompletedProcess:
    server = forks.server_for(python, bwrap.kernel_env(), bwrap.FORKSERVER_INSIDE)
    assert server is not None, "the fork server does not start here"
    ready_r, ready_w = os.pipe()
    status_r, status_w = os.pipe()
    cmd = km.sandbox_command([python, "-c", code], limits, wait_fds=(ready_w, status_r))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, pass_fds=(ready_w, status_r), env=bwrap.kernel_env(),
                                   cwd=km._private)
        os.close(ready_w)
        os.close(status_r)
        try:
            cgroups = km._cgroup.procs_files() if km._cgroup and km._cgroup.active else []
            forks.fork_into(server, process.pid, ready_r,
                            f"{bwrap.INIT_DIR}/{bwrap.INIT_FILE.name}", cgroups=cgroups,
                            argv=[python, "-c", code], env=bwrap.forked_env(),
                            cwd=bwrap.WORK_DIR, rlimits=bwrap.rlimits(limits), record_fd=-1,
                            config_fd=-1, status_fd=status_w, out_fd=out.fileno(),
                            err_fd=err.fileno())
        finally:
            os.close(ready_r)
            os.close(status_w)
        returncode = process.wait(timeout=60)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cmd, returncode, out.read().decode(),
                                           err.read().decode())


# the two ways a kernel gets into its sandbox
WAYS = pytest.mark.parametrize("forked", [False, True], ids=["new-process", "forked"])


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "alice" / "01-python-classes"
    folder.mkdir(parents=True)
    (folder / "01-python-classes.ipynb").write_text("{}")
    (folder / "data.txt").write_text("shipped with the lesson")
    return folder


def test_the_kernel_environment_holds_no_secret(monkeypatch):
    monkeypatch.setenv("COURSE_DB_URL", "postgresql://grader:hunter2@db/course")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "instructor-token")
    monkeypatch.setenv("COURSE_BUDGET", "ci")
    env = bwrap.kernel_env()
    assert "COURSE_DB_URL" not in env and "JUPYTERHUB_API_TOKEN" not in env
    assert not any("hunter2" in value for value in env.values())
    assert env["COURSE_BUDGET"] == "ci"
    assert env["PYTHONPATH"] == str(COURSE_ROOT / "src")
    assert env["HOME"] == bwrap.HOME_DIR


def test_the_kernel_sees_python_and_the_student_package_only():
    paths = [Path(p) for p in bwrap.python_paths()]
    assert COURSE_ROOT / "src" in paths
    for secret in ("grader", "solutions", "grading", "notebooks"):
        assert not any(p == COURSE_ROOT / secret or p.is_relative_to(COURSE_ROOT / secret)
                       for p in paths), secret
    assert COURSE_ROOT not in paths
    assert any(Path(os.path.realpath(sys.executable)).is_relative_to(p) for p in paths)


def test_tmp_is_mounted_before_what_is_bound_under_it():
    # bubblewrap applies its options in order: a tmpfs over /tmp after the bind of the
    # socket folder (which lives under /tmp) would hide it from the kernel.
    # The same holds for a Python installed under /tmp (the class hub makes one there).
    km = manager.SandboxedKernelManager(use_cgroups=False,
                                        extra_read_only=["/tmp/hub/python"])
    km._private, km._submission = Path("/tmp/coursegrader-kernel-x"), Path("/tmp/sub")
    cmd = km.sandbox_command(["python"], km.limits)
    assert cmd.index("/tmp") < cmd.index("/tmp/coursegrader-kernel-x")
    assert cmd.index("/tmp") < cmd.index("/tmp/hub/python")
    assert "--unshare-all" in cmd and "--die-with-parent" in cmd


def test_no_bwrap_means_a_clear_message(monkeypatch):
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    with pytest.raises(bwrap.SandboxUnavailable) as err:
        bwrap.check_available()
    text = str(err.value)
    assert "apt-get install bubblewrap" in text and "--no-sandbox" in text
    assert "apparmor_restrict_unprivileged_userns" in text


def test_limit_notes_name_the_limit_and_the_cell():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("x = 1")
    hog = nbformat.v4.new_code_cell("blocks = [bytearray(2**30) for _ in range(9)]")
    hog.outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="",
                                          traceback=[])]
    full = nbformat.v4.new_code_cell("open('f', 'wb').write(b'x' * 2**31)")
    full.outputs = [nbformat.v4.new_output("error", ename="OSError",
                                           evalue="[Errno 28] No space left on device",
                                           traceback=[])]
    nb.cells = [ok, hog, full]
    report = KernelReport(None, 0, "", Limits(4 * GiB, 64,
                                                             512 * MiB))
    assert limit_notes(nb, report) == [
        "memory limit of 4 GiB reached in cell 2", "disk limit of 512 MiB reached in cell 3"]
    killed = KernelReport("memory limit of 4 GiB reached", 137, "", report.limits)
    assert limit_notes(nbformat.v4.new_notebook(), killed, unfinished=13) == [
        "memory limit of 4 GiB reached in cell 14"]


@needs_bwrap
@WAYS
def test_the_kernel_sees_its_own_copy_and_nothing_of_the_course(submission, forked):
    code = """
import json, os
print(json.dumps({"cwd": os.getcwd(), "files": sorted(os.listdir('.')), "pid": os.getpid(),
                  "ppid": os.getppid(), "home": os.listdir(os.path.expanduser('~')),
                  "data": open('data.txt').read(), "uid": os.getuid()}))
open('data.txt', 'w').write('changed inside')
for path in PATHS:
    print(json.dumps([path, sorted(os.listdir(path)) if os.path.isdir(path) else None]))
""".replace("PATHS", json.dumps([str(COURSE_ROOT / "solutions"), str(COURSE_ROOT / "grader"),
                                str(COURSE_ROOT / "grading"), str(Path.home())]))
    run = sandboxed(code, submission, forked=forked)
    assert run.returncode == 0, run.stderr
    first, *lines = run.stdout.splitlines()
    info = json.loads(first)
    assert info["cwd"] == bwrap.WORK_DIR
    assert info["files"] == ["01-python-classes.ipynb", "data.txt"]
    assert info["data"] == "shipped with the lesson"
    assert info["ppid"] != 1, "ipykernel exits when its parent is PID 1: keep a parent"
    assert info["home"] == ["submission"]
    seen = dict(json.loads(line) for line in lines)
    for secret in ("solutions", "grader", "grading"):
        assert seen[str(COURSE_ROOT / secret)] is None, f"{secret}/ is visible"
    # of the home folder, at most the path to a Python installed there (pyenv) is visible
    bound = [Path(p) for p in bwrap.python_paths()]
    for name in seen[str(Path.home())] or []:
        assert any(p.is_relative_to(Path.home() / name) for p in bound), f"~/{name} is visible"
    # the private copy changed, the submission itself did not
    assert (submission / "data.txt").read_text() == "shipped with the lesson"


@needs_bwrap
@WAYS
def test_no_network_not_even_this_machine(submission, forked):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    print("CONNECTED")
except OSError as err:
    print("refused", err)
"""
    try:
        run = sandboxed(code, submission, forked=forked)
    finally:
        server.close()
    assert "refused" in run.stdout and "CONNECTED" not in run.stdout, run.stdout + run.stderr


@needs_bwrap
@WAYS
def test_nothing_outlives_the_sandbox(submission, forked):
    marker = f"outlive-{os.getpid()}"
    code = f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{marker}"],
                 start_new_session=True)
print("started")
"""
    run = sandboxed(code, submission, forked=forked)
    assert "started" in run.stdout, run.stderr
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert left.strip() == "", "a process started in the sandbox outlived it"


@needs_bwrap
@WAYS
def test_process_and_disk_limits(submission, forked):
    code = """
import os
n = 0
try:
    while n < 1000:
        if os.fork() == 0:
            import time; time.sleep(5); os._exit(0)
        n += 1
except OSError as err:
    print("forks refused after", n, err.errno)
try:
    with open("big", "wb") as out:
        out.write(b"x" * (100 * 2**20))
except OSError as err:
    print("write refused", err.errno)
"""
    # as root only a cgroup limits processes (RLIMIT_NPROC does not apply to root)
    run = sandboxed(code, submission, Limits(512 * MiB, 16, 32 * MiB),
                    cgroups=os.geteuid() == 0)
    assert "forks refused after" in run.stdout, run.stdout + run.stderr
    assert int(run.stdout.split("forks refused after")[1].split()[0]) < 16
    assert "write refused" in run.stdout


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="NOT RUN: cgroups need root here")
@WAYS
def test_the_memory_of_all_processes_together_is_limited(submission, forked):
    # each child stays under the per-process rlimit; together they pass the cgroup's limit
    code = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        block = bytearray(200 * 2**20)
        time.sleep(3)
        os._exit(0)
ok = 0
for _ in range(4):
    _, status = os.wait()
    ok += os.WIFEXITED(status)
print("children that finished:", ok)
"""
    limits = Limits(400 * MiB, 32, 64 * MiB)
    km_cgroup = CgroupLimits(limits)
    if not km_cgroup.active:
        km_cgroup.remove()
        pytest.skip("NOT RUN: this machine gives no cgroup to create")
    km_cgroup.remove()
    run = sandboxed(code, submission, limits, cgroups=True, forked=forked)
    assert "children that finished:" in run.stdout, run.stderr
    assert int(run.stdout.split(":")[1]) < 4, "the cgroup did not stop the children"


def test_a_kernel_that_never_starts_leaves_nothing_behind(monkeypatch, tmp_path):
    """A launch that fails after the kernel's cgroup and socket folder were made (bwrap that
    cannot run, say): both are removed at once, not left for a later run to trip over."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    label = f"neverstarts{os.getpid()}"
    seen = []

    async def broken_launch(self, kernel_cmd, **kw):
        seen.append(list(Path("/sys/fs/cgroup").glob(f"**/coursegrader-{label}-*")))
        raise OSError("the sandbox could not be started")

    monkeypatch.setattr(AsyncKernelManager, "_async_launch_kernel", broken_launch)
    km = manager.SandboxedKernelManager(run_label=label)
    with pytest.raises(OSError, match="could not be started"):
        asyncio.run(km.start_kernel(cwd=str(tmp_path)))
    assert km._private is not None and not km._private.exists(), "socket folder left behind"
    assert list(Path("/sys/fs/cgroup").glob(f"**/coursegrader-{label}-*")) == []
    if not seen or not seen[0]:
        pytest.skip("NOT RUN in full: this machine gives no cgroup to create (the socket "
                    "folder was checked)")


# ---------------------------------------------------------------- kernels forked in


@needs_bwrap
def test_a_forked_kernel_has_no_capability_and_sees_only_its_sandbox(submission):
    """The fork server (outside) joins the sandbox's namespaces: what it forks there must
    hold no more than a kernel that init.py started, and see no process but the sandbox's."""
    code = """
import json, os
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
info = {k: status[k].strip() for k in
        ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")}
import ctypes
info["unshare"] = ctypes.CDLL(None, use_errno=True).unshare(0x10000000)  # CLONE_NEWUSER
info.update(pids=sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            fds=sorted(os.listdir("/proc/self/fd")), pid=os.getpid(), ppid=os.getppid(),
            root=sorted(os.listdir("/")), hostname=os.uname().nodename)
print(json.dumps(info))
"""
    run = sandboxed(code, submission, forked=True)
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(info[caps], 16) == 0, f"{caps}: {info[caps]}"
    assert info["NoNewPrivs"] == "1"
    assert info["unshare"] == -1, "a new user namespace could be made inside"
    # bwrap's reaper, init.py and the kernel: its keeper and the fork server are outside
    assert info["pids"] == [1, 2, info["pid"]]
    assert info["ppid"] == 0, "the kernel's parent (its keeper) is outside the sandbox"
    assert len(info["fds"]) <= 4, f"descriptors of the fork server leaked: {info['fds']}"
    assert info["hostname"] == "grader"
    assert "work" not in info["root"] or str(COURSE_ROOT).startswith("/work")


@needs_bwrap
def test_forked_and_new_kernels_start_alike(submission):
    code = """
import json, os, resource, signal, sys
print(json.dumps({
    "env": dict(os.environ), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
    "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()],
    "umask": os.umask(0o22), "path": sys.path, "argv": sys.argv,
    "rlimits": {n: resource.getrlimit(getattr(resource, n)) for n in
                ("RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_DATA",
                 "RLIMIT_NOFILE", "RLIMIT_STACK")},
    "signals": {n: str(signal.getsignal(getattr(signal, n))) for n in
                ("SIGINT", "SIGTERM", "SIGPIPE", "SIGCHLD", "SIGXFSZ", "SIGHUP")},
    "root": sorted(os.listdir("/")),
    "tmp": sorted(n for n in os.listdir("/tmp") if not n.startswith("coursegrader-test-")),
    "home": sorted(os.listdir(os.path.expanduser("~"))),
}))
"""
    new = sandboxed(code, submission)
    forked = sandboxed(code, submission, forked=True)
    assert new.returncode == forked.returncode == 0, new.stderr + forked.stderr
    assert json.loads(forked.stdout) == json.loads(new.stdout)


@needs_bwrap
def test_kernels_forked_from_one_server_draw_different_random_numbers(submission):
    code = "import random, numpy\nprint(random.random(), numpy.random.random())"
    first = sandboxed(code, submission, forked=True)
    second = sandboxed(code, submission, forked=True)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() and first.stdout != second.stdout


async def _cell(km, kc, code: str, interrupt_after: float | None = None) -> dict:
    """Run ``code`` in the kernel; its execute reply's content."""
    import asyncio

    # stop_on_error=False, as nbclient sends it for nbgrader (allow_errors): otherwise
    # ipykernel aborts an execute request that arrives just after an error, and on a busy
    # machine the next cell can (ipython/ipykernel#609)
    msg_id = kc.execute(code, user_expressions={"loaded": "loaded"} if "loaded" in code else {},
                        stop_on_error=False)
    if interrupt_after is not None:
        await asyncio.sleep(interrupt_after)
        await km.interrupt_kernel()
    while True:
        reply = await kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


@needs_bwrap
@WAYS
def test_the_kernel_manager_starts_interrupts_and_stops_its_kernel(tmp_path, forked):
    """A whole kernel through the kernel manager, as grading starts one: it runs cells, an
    interrupt (what a cell past the time limit gets) stops the running cell and not the
    kernel, and shutting it down leaves nothing behind."""
    import asyncio

    (tmp_path / "lesson.ipynb").write_text("{}")
    km = manager.SandboxedKernelManager(fork_kernels=forked, use_cgroups=os.geteuid() == 0)

    async def run():
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            first = await _cell(km, kc, "import sys\nloaded = 'torch' in sys.modules")
            stopped = await _cell(km, kc, "import time\ntime.sleep(60)", interrupt_after=3)
            after = await _cell(km, kc, "import os\nprint(sorted(os.listdir('.')))")
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return first, stopped, after

    first, stopped, after = asyncio.run(run())
    assert first["status"] == "ok", first
    # a forked kernel finds torch imported already: that is the time it saves
    assert first["user_expressions"]["loaded"]["data"]["text/plain"] == str(forked)
    assert (km._forked_pid is not None) == forked
    assert stopped["status"] == "error" and stopped["ename"] == "KeyboardInterrupt", stopped
    assert after["status"] == "ok", after
    assert km.report is not None and not km._private.exists()
    # the audit hook of a forked kernel starts its walks from the fork server's snapshot of
    # the modules it imported (audit.py's module_snapshot); a new process's from nothing
    data, key, complete = km.take_record()
    start = next(r for r in parse(data, key).records if r.kind == "start")
    assert (start.fields[2] > 1000) if forked else (start.fields[2] == 0), start.fields


@needs_bwrap
def test_a_kernel_the_fork_server_cannot_place_starts_as_a_new_process(tmp_path, monkeypatch,
                                                                        caplog):
    """Where the system refuses to join the sandbox (a Linux before 5.8 has no setns on a
    pidfd), grading goes on: this kernel and the next start as new processes, with one
    warning that says why."""
    import asyncio

    def refuse(*args, **kwargs):
        raise forks.ForkServerError("setns: [Errno 22] Invalid argument")

    monkeypatch.setattr(forks, "_broken", [])
    monkeypatch.setattr(forks, "fork_into", refuse)
    (tmp_path / "lesson.ipynb").write_text("{}")
    km = manager.SandboxedKernelManager(use_cgroups=False)

    async def run():
        await km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            return await _cell(km, kc, "import sys\nloaded = 'torch' in sys.modules")
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    with caplog.at_level("WARNING", logger=forks.__name__):
        reply = asyncio.run(run())
    assert reply["status"] == "ok", reply
    assert reply["user_expressions"]["loaded"]["data"]["text/plain"] == "False"
    assert km._forked_pid is None
    assert any("kernels start as new processes" in r.message and "setns" in r.message
               for r in caplog.records)
    assert forks.server_for(sys.executable, bwrap.kernel_env(), bwrap.FORKSERVER_INSIDE) is None
