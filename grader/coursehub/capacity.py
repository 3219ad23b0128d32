"""How many students one server holds: start N student servers on the course hub, each
running a lesson in its own kernel, and report start-up time and memory per student.

    sudo .venv/bin/python scripts/hub-capacity --students 5 10 20 [--lesson 01-python-classes]

Run as root on the server to measure (nothing else of the class running). It makes a
throw-away hub (scripts/course-hub) and accounts (scripts/course-accounts, names
`cap_<random>_NN`) in /tmp, and removes both at the end. For each N (ascending; the servers of
the previous step stay up) it starts the missing servers through the hub's REST API at once,
waits until all answer, then runs every code cell of the lesson's reference notebook in a new
kernel of each new server (errors the lesson triggers on purpose are part of it), and reports:

    start s     time until the new servers all answered
    lesson s    slowest run of the lesson in the new kernels
    RSS MiB     memory of one student (server + kernel processes), resident, mean
    PSS MiB     the same with shared pages divided among their users (what really adds up)
    avail GiB   MemAvailable of the machine after the step
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import psutil

from coursehub.settings import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(url: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as reply:
        text = reply.read()
        return reply.status, (json.loads(text) if text else None)


def processes_of(uids: set[int]) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["uids"])
            if p.info["uids"] is not None and p.info["uids"].real in uids]


def memory_of(user: str) -> tuple[float, float]:
    """(RSS, PSS) in MiB of every process of ``user`` (psutil's full memory info: PSS is
    read from /proc/PID/smaps_rollup)."""
    rss = pss = 0
    for process in processes_of({pwd.getpwnam(user).pw_uid}):
        try:
            info = process.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += info.pss
    return rss / 1024**2, pss / 1024**2


def mem_available() -> float:
    """MemAvailable of the machine, GiB."""
    return psutil.virtual_memory().available / 1024**3


def run_lesson(base: str, user: str, token: str, cells: list[str], out: dict) -> None:
    """Start a kernel in ``user``'s server and run ``cells`` in it, one after another."""
    import websocket

    start = time.monotonic()
    _, kernel = api(f"{base}/user/{user}/api/kernels", token, "POST", {"name": "python3"})
    ws = websocket.create_connection(
        f"{base.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel['id']}/channels",
        header=[f"Authorization: token {token}"], timeout=600)
    session = uuid.uuid4().hex
    errors = 0
    try:
        for code in cells:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "username": user, "session": session,
                           "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": code, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False,
                            "stop_on_error": False}}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") == msg_id and \
                        msg.get("msg_type") == "execute_reply":
                    errors += msg["content"].get("status") != "ok"
                    break
    finally:
        ws.close()
    out[user] = (time.monotonic() - start, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub-capacity", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--lesson", default="01-python-classes")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("hub-capacity: run it as root", file=sys.stderr)
        return 2
    lesson_nb = REPO / "solutions" / args.lesson / f"{args.lesson}.ipynb"
    cells = [c.source for c in nbformat.read(lesson_nb, as_version=4).cells
             if c.cell_type == "code" and c.source.strip()]
    tag, token = secrets.token_hex(2), secrets.token_hex(16)
    hub_dir = Path(tempfile.mkdtemp(prefix="cap-hub-", dir="/tmp"))
    hub_dir.chmod(0o755)
    users = [f"cap_{tag}_{i:02d}" for i in range(max(args.students))]
    roster = hub_dir / "roster.csv"
    roster.write_text("student_id\n" + "\n".join(users) + "\n")
    port = free_port()
    env = dict(os.environ, COURSE_HUB_GROUP=f"cap-{tag}", COURSE_HUB_DIR=str(hub_dir),
               COURSE_HUB_MEASURE_TOKEN=token, COURSE_HUB_API_PORT=str(free_port()),
               COURSE_HUB_PROXY_API_PORT=str(free_port()))
    for name in ("JUPYTER_CONFIG_PATH", "PYTHONPATH", "COURSE_HUB_TEST_PASSWORD"):
        env.pop(name, None)
    py, scripts = sys.executable, REPO / "scripts"
    hub = None
    base = f"http://127.0.0.1:{port}"
    print(f"lesson {args.lesson}: {len(cells)} code cells; {os.cpu_count()} cores, "
          f"{mem_available():.1f} GiB available at the start")
    try:
        subprocess.run([py, scripts / "course-hub", "--prepare-only", "--dir", hub_dir],
                       env=env, check=True, capture_output=True)
        subprocess.run([py, scripts / "course-accounts", roster, "--hub-dir", hub_dir,
                        "--passwords", hub_dir / "state" / "pw.csv"], env=env, check=True,
                       capture_output=True)
        log = open(hub_dir / "state" / "hub.log", "w")  # noqa: SIM115
        hub = subprocess.Popen([py, scripts / "course-hub", "--dir", hub_dir, "--ip",
                                "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(240):
            try:
                api(f"{base}/hub/api/users", token)
                break
            except OSError:
                time.sleep(0.5)
        print(f"{'N':>3} {'start s':>8} {'lesson s':>9} {'RSS MiB':>8} {'PSS MiB':>8} "
              f"{'avail GiB':>10}")
        running = 0
        for n in sorted(args.students):
            new = users[running:n]
            start = time.monotonic()
            api(f"{base}/hub/api/users", token, "POST", {"usernames": new})  # known to the hub
            for user in new:
                api(f"{base}/hub/api/users/{user}/server", token, "POST", {})
            pending = set(new)
            while pending:
                for user in list(pending):
                    _, info = api(f"{base}/hub/api/users/{user}", token)
                    if info["servers"].get("", {}).get("ready"):
                        pending.discard(user)
                time.sleep(0.5)
            started = time.monotonic() - start
            results: dict = {}
            threads = [threading.Thread(target=run_lesson, args=(base, u, token, cells, results))
                       for u in new]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            slowest = max(r[0] for r in results.values())
            mems = [memory_of(u) for u in users[:n]]
            rss = sum(m[0] for m in mems) / n
            pss = sum(m[1] for m in mems) / n
            print(f"{n:>3} {started:>8.1f} {slowest:>9.1f} {rss:>8.0f} {pss:>8.0f} "
                  f"{mem_available():>10.1f}", flush=True)
            running = n
    finally:
        if hub is not None:
            hub.terminate()
            try:
                hub.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
        uids = {pwd.getpwnam(u).pw_uid for u in users if _exists(u)}
        for process in processes_of(uids):
            try:
                process.kill()
            except psutil.Error:
                pass
        subprocess.run([py, scripts / "course-accounts", roster, "--remove"], env=env,
                       capture_output=True)
        shutil.rmtree(hub_dir, ignore_errors=True)
    return 0


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False
