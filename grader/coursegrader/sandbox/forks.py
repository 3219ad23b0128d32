"""The grader's end of the fork server (forkserver.py): start one, ask it for kernels.

One server per grading process and kernel environment, started with the first kernel (or
by the pipeline before it forks its workers, which then share it: engine/pipeline.py) and
kept until the process exits (it dies with it). Its import of torch is paid once, not once
per worker or per grading run. Where one cannot start or cannot fork into a sandbox (a
Linux older than 5.8 has no ``setns`` on a pidfd), :func:`server_for` returns None from then
on, with one warning, and kernels start as new processes, as before.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import psutil

from coursegrader.sandbox.bwrap import AUDIT_FILE  # the server takes its module_snapshot

log = logging.getLogger(__name__)

SERVER_FILE = Path(__file__).with_name("forkserver.py")
# The libraries each kernel finds imported: most of a kernel's start-up CPU time. torch's
# optimizers import torch._dynamo on their first step (lessons 02 and 05 to 08; 1.7 s of CPU
# here), lessons 07 and 08 import torchvision. A kernel that never uses them pays nothing for
# them: the audit hook's walks start from the server's snapshot (forkserver.py), which holds
# them already. (matplotlib is not among them: it reads its settings, a matplotlibrc in the
# working folder included, when it is imported.)
PRELOAD = ("numpy", "torch", "torch._dynamo", "torchvision", "ipykernel.kernelapp",
           "ipykernel.ipkernel")
# Variables that nbgrader sets while it grades, which no preloaded library reads when it is
# imported: a server started before that serves the kernels started during it. (Each kernel
# gets its whole environment anyway; the server's own matters only to the imports.)
RUN_TIME_ONLY = ("NBGRADER_EXECUTION",)
# how long the server may take to import them on a busy machine
READY_TIMEOUT = 300.0
REPLY_TIMEOUT = 60.0


class ForkServerError(RuntimeError):
    """The fork server could not start, or could not start a kernel."""


def _bootstrap(inside_name: str) -> str:
    # compiled under its name inside the sandbox: see forkserver.py's docstring
    name, source = repr(inside_name), repr(str(SERVER_FILE))
    return (f"import sys; sys.argv[0] = {name}; "
            f"exec(compile(open({source}, 'rb').read(), {name}, 'exec'), "
            f"{{'__name__': '__main__', '__file__': {name}}})")


class ForkServer:
    """A fork server, and this process's connection to it. A process forked from the one
    that started it (a grading worker) opens its own connection on first use."""

    def __init__(self, python: str, env: dict[str, str], inside_name: str,
                 modules=PRELOAD):
        self.python, self.env = python, dict(env)
        self.owner = os.getpid()
        # a folder only this user may enter: whoever may connect may ask for kernels
        self.folder = tempfile.mkdtemp(prefix="coursegrader-forks-")
        self.address = os.path.join(self.folder, "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._conns: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        try:
            listener.bind(self.address)
            listener.listen(64)
            self.process = subprocess.Popen(
                [python, "-c", _bootstrap(inside_name), str(listener.fileno()),
                 f"--snapshot={AUDIT_FILE}", *modules],
                env=self.env, cwd="/", pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            listener.close()
        self.modules = self._connection(READY_TIMEOUT)[1]

    def _connection(self, timeout: float = REPLY_TIMEOUT) -> tuple[socket.socket, list]:
        """This process's connection, opened (and the server's greeting read) if need be."""
        conn = self._conns.get(os.getpid())
        if conn is not None:
            return conn, self.modules
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.settimeout(timeout)
        try:
            conn.connect(self.address)
            hello = json.loads(conn.recv(1 << 16) or b"{}")
        except (OSError, ValueError) as err:
            conn.close()
            raise ForkServerError(f"the fork server did not start: {err}") from err
        if "ready" not in hello:
            conn.close()
            raise ForkServerError("the fork server did not start")
        self._conns[os.getpid()] = conn
        return conn, hello["ready"]

    def start_kernel(self, init_pidfd: int, cgroups: list[str], argv: list[str],
                     env: dict[str, str], cwd: str, rlimits: dict[str, int],
                     record_fd: int, config_fd: int, status_fd: int, out_fd: int,
                     err_fd: int) -> int:
        """Fork a kernel into the sandbox whose init ``init_pidfd`` refers to; its process id
        (outside). ``argv``: the kernel's command inside the sandbox, where "{record}" and
        "{config}" stand for the record's descriptors (-1: none)."""
        request = {"cgroups": cgroups, "argv": argv, "env": env, "cwd": cwd,
                   "rlimits": rlimits, "record": record_fd >= 0}
        opened = []
        fds = [init_pidfd, record_fd, config_fd, status_fd, out_fd, err_fd]
        for i, fd in enumerate(fds):
            if fd < 0:  # every place holds a descriptor: /dev/null stands for none
                fds[i] = os.open(os.devnull, os.O_RDONLY)
                opened.append(fds[i])
        try:
            with self._lock:
                conn, _ = self._connection()
                conn.settimeout(REPLY_TIMEOUT)
                socket.send_fds(conn, [json.dumps(request).encode()], fds)
                reply = json.loads(conn.recv(1 << 16) or b"{}")
        except (OSError, ValueError) as err:
            raise ForkServerError(f"the fork server did not answer: {err}") from err
        finally:
            for fd in opened:
                os.close(fd)
        if "pid" not in reply:
            raise ForkServerError(reply.get("error", "the fork server gave no kernel"))
        return int(reply["pid"])

    def alive(self) -> bool:
        if os.getpid() == self.owner:
            return self.process.poll() is None
        try:  # a worker cannot wait for its parent's child: ask the system
            return psutil.Process(self.process.pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def close(self) -> None:
        conn = self._conns.pop(os.getpid(), None)
        if conn is not None:
            conn.close()
        if os.getpid() != self.owner:
            return  # the server is its starter's to stop
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def init_process(bwrap_pid: int, init_file: str) -> int | None:
    """The process id (outside) of the sandbox's init, which runs ``init_file``: below
    bwrap, whose own reaper is PID 1 inside."""
    try:
        below = psutil.Process(bwrap_pid).children(recursive=True)
    except psutil.Error:
        return None
    for process in below:
        try:
            if init_file in process.cmdline()[1:4]:
                return process.pid
        except psutil.Error:
            continue
    return None


def fork_into(server: ForkServer, bwrap_pid: int, ready_fd: int, init_file: str,
              timeout: float = REPLY_TIMEOUT, **kernel) -> int:
    """Once bubblewrap's init says (on ``ready_fd``) that the sandbox is ready, fork the
    kernel into it; its process id (outside). ``kernel``: ForkServer.start_kernel's
    arguments but the pidfd. Blocks: run it off the event loop."""
    ready, _, _ = select.select([ready_fd], [], [], timeout)
    said = os.read(ready_fd, 1) if ready else b""
    if said != b"R":
        raise ForkServerError("the sandbox did not start" if ready else
                              f"the sandbox was not ready within {timeout:.0f} s")
    init = init_process(bwrap_pid, init_file)
    if init is None:
        raise ForkServerError("the sandbox's init process was not found")
    # a pidfd names this very process: no other can take its place before setns
    pidfd = os.pidfd_open(init)
    try:
        return server.start_kernel(pidfd, **kernel)
    finally:
        os.close(pidfd)


_servers: dict[tuple, ForkServer] = {}
_broken: list[str] = []
_lock = threading.Lock()


def server_for(python: str, env: dict[str, str], inside_name: str) -> ForkServer | None:
    """This process's fork server for kernels of ``python`` with environment ``env`` (the
    libraries read their settings, OMP_NUM_THREADS for one, when they are imported), started
    if need be; None where fork servers do not work here."""
    if _broken or not os.path.isabs(python):
        return None
    env = {k: v for k, v in env.items() if k not in RUN_TIME_ONLY}
    key = (python, tuple(sorted(env.items())))
    with _lock:
        server = _servers.get(key)
        if server is not None and not server.alive():
            server.close()
            server = None
        if server is None:
            try:
                server = _servers[key] = ForkServer(python, env, inside_name)
            except (OSError, ForkServerError) as err:
                mark_broken(str(err))
                return None
    return server


def mark_broken(why: str) -> None:
    """No more fork servers in this process: kernels start as new processes."""
    if not _broken:
        log.warning("kernels start as new processes (no fork server): %s", why)
    _broken.append(why)
    for server in list(_servers.values()):
        server.close()
    _servers.clear()


def _after_fork_in_child() -> None:
    # a lock held by another thread of the parent at the fork would never be released here
    global _lock
    _lock = threading.Lock()
    for server in _servers.values():
        server._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def close_all() -> None:
    with _lock:
        for server in _servers.values():
            server.close()
        _servers.clear()
