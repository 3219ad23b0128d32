"""The fork server: a process that has imported the kernel's libraries once, and forks each
kernel into its own sandbox.

A kernel that starts as a new process imports torch and ipykernel again, and that is most of
its CPU time: several seconds, against a fraction of a second for the lesson's own cells in
many lessons. A kernel forked from a process that has already imported them shares those
pages, and starts at once.

The sandbox is unchanged: bubblewrap makes it, with every namespace, mount and limit, around
the small init program (init.py), which then waits. For each kernel, this server forks a
*keeper*, which

1. joins the kernel's cgroups;
2. joins every namespace of the sandbox (one ``setns`` on a pidfd of its init, Linux 5.8 or
   newer): its user, mount (and so its root and files), PID, network, IPC, UTS and cgroup
   namespaces;
3. drops every capability, its bounding set too, and sets no_new_privs, as bubblewrap's
   ``--cap-drop ALL`` does;
4. forks the kernel, which is the first process of the sandbox's PID namespace that this
   server made: it sees only the sandbox's processes;
5. waits for the kernel, and hands its exit status to init, which exits with it (so
   bubblewrap's exit status is the kernel's, as when init starts the kernel itself).

The keeper stays outside the sandbox's PID namespace, so nothing in the sandbox can see or
signal it, and it runs no code of the student's.

The kernel then sets its descriptors, working folder, rlimits and environment as init.py
would have given them, and runs the same launcher (audit.py, whose hook goes in before any
code of the student's) or ipykernel.

What this process holds must be fit for every kernel: it is started with the kernel's
environment, imports libraries only, never runs a student's code, and never reads the
record's config pipe (its descriptor passes through untouched). Random generators seeded at
import are seeded again in each kernel.

Once its imports are done, it also takes the audit hook's snapshot of the library modules
(audit.py's module_snapshot) and hands it to each kernel's launcher: a forked kernel's hook
reads again only the namespaces that changed since, where a kernel started as a new process
reads every library namespace at its first test cell.

It runs as ``python -c BOOTSTRAP SOCKET_FD [--snapshot=AUDIT_FILE] MODULE...``
(sandbox/forks.py), SOCKET_FD a
listening Unix socket in a folder only the grader's user may enter: the grading process
that started it and its workers connect there, each on its own connection. Its code is
compiled under the name it has inside the sandbox (/run/coursegrader/forkserver.py, beside
init.py), so that the audit hook counts its frames, which stay below every kernel's, among
the launchers' trusted code. It uses the standard library alone, and imports nothing of
coursegrader.

Protocol, one request at a time, on each connection (SOCK_SEQPACKET: one message each):
  first, the server sends {"ready": [the modules it imported]} once its imports are done;
  then for each request, a JSON object with six descriptors: the sandbox's init (a pidfd),
  the record's write end and the config's read end (/dev/null where there is no record),
  init's status pipe, the kernel's stdout and its stderr. The reply is
  {"pid": the kernel's process id, outside} or {"error": what failed}.
"""

import ctypes
import json
import os
import signal
import socket
import sys

# clone(2) flags: the namespaces to join
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (
    0x08000000, 0x10000000, 0x20000000, 0x40000000)
ALL_NAMESPACES = (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
                  | CLONE_NEWPID | CLONE_NEWNET)
# prctl(2)
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
PR_SET_PDEATHSIG = 1
LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)
SNAPSHOT = None  # audit.py's module_snapshot, once the imports are done (--snapshot)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def drop_capabilities():
    """No capability left, none to gain again (bubblewrap's --cap-drop ALL)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            last = int(fh.read())
    except OSError:
        last = 63
    for cap in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop the bounding set")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    _check(_libc.capset(header, data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _close_all_but(keep):
    low = 0
    for fd in sorted(set(keep)):
        if low < fd:  # os.closerange(n, n) would close every descriptor (Python 3.11)
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def kernel(request, record_fd, config_fd, out_fd, err_fd):
    """In the forked kernel, inside the sandbox: what init.py and exec would have given it,
    then the launcher. Never returns."""
    code = 1
    try:
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        if not request["record"]:  # (/dev/null stood in for them)
            record_fd = config_fd = -1
        _close_all_but([0, 1, 2] + [fd for fd in (record_fd, config_fd) if fd >= 0])
        os.chdir(request["cwd"])
        import resource

        for name, value in request["rlimits"].items():
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass
        os.environ.clear()
        os.environ.update(request["env"])
        _reseed()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # an interrupt stops a cell
        names = {"{record}": str(record_fd), "{config}": str(config_fd)}
        argv = [names.get(arg, arg) for arg in request["argv"]]
        import runpy

        # argv: python AUDIT RECORD CONFIG -m ipykernel_launcher ...  or  python -m MODULE ...
        # (or python -c CODE: the sandbox's tests)
        if argv[1] == "-c":
            sys.argv = ["-c", *argv[3:]]
            sys.path.insert(0, "")
            import __main__

            exec(compile(argv[2], "<string>", "exec"), __main__.__dict__)
        elif argv[1] == "-m":
            sys.argv = [argv[2], *argv[3:]]
            sys.path.insert(0, os.getcwd())  # as `python -m` puts it first
            runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
        else:
            sys.argv = argv[1:]
            sys.path.insert(0, os.path.dirname(argv[1]))  # as `python FILE` puts it first
            # (the launcher, audit.py, takes the snapshot out of its globals at once)
            runpy.run_path(argv[1], run_name="__main__", init_globals=(
                {"FORK_SNAPSHOT": SNAPSHOT} if SNAPSHOT is not None else None))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    try:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _reseed():
    """Fresh random state, as a new process would have: the generators that were seeded
    when this server imported them would otherwise start alike in every kernel."""
    import random

    random.seed()
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()
    process = sys.modules.get("multiprocessing.process")
    if process is not None:
        process.current_process().authkey = os.urandom(32)


def keeper(request, fds, report_fd):
    """The forked child that moves into the sandbox and forks the kernel there. Never
    returns."""
    pidfd, record_fd, config_fd, status_fd, out_fd, err_fd = fds
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()  # the terminal's Ctrl-C is for the grader, not for kernels
        for procs in request["cgroups"]:
            with open(procs, "w") as fh:
                fh.write(str(os.getpid()))
        _check(_libc.setns(pidfd, ALL_NAMESPACES), "setns")
        os.close(pidfd)
        drop_capabilities()
        pid = os.fork()
        if pid == 0:
            os.close(report_fd)
            os.close(status_fd)
            kernel(request, record_fd, config_fd, out_fd, err_fd)
        os.write(report_fd, json.dumps({"pid": pid}).encode())
        os.close(report_fd)
    except BaseException as err:  # noqa: BLE001 - told to the grader, which starts no kernel
        try:
            os.write(report_fd, json.dumps({"error": f"{type(err).__name__}: {err}"}).encode())
        finally:
            os._exit(1)
    _close_all_but([status_fd])
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    try:
        os.write(status_fd, bytes([code & 0xFF]))
    except OSError:
        pass  # the sandbox is gone already
    os._exit(0)


def take_snapshot(audit_file):
    """audit.py's module_snapshot of what is imported now. audit.py is read from the
    grader's copy (the one bound into every sandbox) and compiled under its name there, as
    this file is; it is not imported, so no kernel finds it among its modules."""
    global SNAPSHOT
    inside = os.path.join(os.path.dirname(__file__), os.path.basename(audit_file))
    with open(audit_file, "rb") as fh:
        code = compile(fh.read(), inside, "exec")
    namespace = {"__name__": "coursegrader_audit", "__file__": inside}
    exec(code, namespace)
    SNAPSHOT = namespace["module_snapshot"]()


def serve(listener, modules):
    import selectors

    audit_file = None
    if modules and modules[0].startswith("--snapshot="):
        audit_file, modules = modules[0].partition("=")[2], modules[1:]
    imported = []
    for name in modules:
        try:
            __import__(name)
            imported.append(name)
        except Exception:  # noqa: BLE001 - a kernel imports it itself, or says why not
            pass
    if audit_file is not None:
        take_snapshot(audit_file)  # (a server that cannot take it says so, and stops)
    hello = json.dumps({"ready": imported}).encode()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                try:
                    conn, _ = listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                conn.sendall(hello)
                selector.register(conn, selectors.EVENT_READ)
            elif not answer(key.fileobj):
                selector.unregister(key.fileobj)
                key.fileobj.close()


def answer(conn):
    """One request on ``conn``, answered; False once the grader's process has closed it."""
    try:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 6)
    except InterruptedError:
        return True
    except OSError:
        return False
    if not data:
        return False
    try:
        request = json.loads(data)
        if len(fds) != 6:
            raise ValueError(f"{len(fds)} descriptors, not 6")
        report_r, report_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            _close_all_but([0, 1, 2, report_w, *fds])  # no other grader's socket
            keeper(request, fds, report_w)
        os.close(report_w)
        chunks = []
        while True:
            chunk = os.read(report_r, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(report_r)
        reply = b"".join(chunks) or b'{"error": "the keeper exited before it reported"}'
    except Exception as err:  # noqa: BLE001 - the grader reads it and starts no kernel
        reply = json.dumps({"error": f"{type(err).__name__}: {err}"}).encode()
    finally:
        for fd in fds:
            os.close(fd)
    try:
        conn.sendall(reply)
    except OSError:
        return False
    return True


def main(argv):
    listener = socket.socket(fileno=int(argv[1]))
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # goes with the grader
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the system
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.path and sys.path[0] in ("", "."):
        del sys.path[0]  # `python -c`: the working folder is nothing a kernel imports from
    serve(listener, argv[2:])


if __name__ == "__main__":
    main(sys.argv)
