"""The parent process between bubblewrap's PID 1 and the kernel, inside the sandbox.

ipykernel shuts down when its parent is PID 1, which bwrap's reaper is; so this small
program sits between them. It copies the submission (and matplotlib's font list,
fontlist.py) into the writable tmpfs, sets the rlimits, starts the kernel, passes it
SIGTERM, and exits with the kernel's status (128 + signal number when the kernel was
killed). Or, where the kernel is forked into the sandbox from outside (forkserver.py), it
says when the sandbox is ready and exits with the status the kernel's keeper hands over.

It runs as ``python -S init.py CONFIG KERNEL_ARGV...`` from a read-only bind of this one
file (nothing else of the grader is visible inside), so it uses the standard library alone
and imports nothing of coursegrader.
"""

import json
import os
import resource
import shutil
import signal
import sys


def main(cfg, argv):
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
    if "wait" in cfg:
        wait(*cfg["wait"])
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


def wait(ready_fd, status_fd):
    """A kernel forked into this sandbox from outside (forkserver.py): say that the sandbox
    is ready, then exit with the status its keeper hands over (1 if none comes)."""
    os.write(ready_fd, b"R")
    os.close(ready_fd)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    while True:
        try:
            status = os.read(status_fd, 1)
            break
        except InterruptedError:
            continue
    sys.exit(status[0] if status else 1)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2:])
