"""Fixtures of the hub tests: the course's JupyterHub (deploy/hub/), started the way
`make hub` starts it, with throw-away accounts, driven by headless Chromium.

The hub runs as root (it starts every user's server as that user) from scripts/course-hub,
in a temporary hub folder, on free ports of 127.0.0.1. Accounts are made by
scripts/course-accounts from a roster, with names starting `ct_` and a random part, in groups
of their own; the shared test password (COURSE_HUB_TEST_PASSWORD) stands in for PAM. When
the tests end, the hub is stopped, every process of the test accounts ended, the accounts and
their groups removed and the hub folder deleted, whatever happened.

Where the hub cannot run (not root, no configurable-http-proxy, no Chromium), the tests fail
and say how to fix it, unless COURSE_SKIP_HUB_TESTS=1, which skips them loudly.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser.conftest import CHROMIUM_ARGS, find_chromium, free_port

from coursegrader.course.paths import COURSE_ROOT

SKIP_VARIABLE = "COURSE_SKIP_HUB_TESTS"
HUB_SRC = COURSE_ROOT / "deploy" / "hub"
PROXY = HUB_SRC / "node_modules" / ".bin" / "configurable-http-proxy"
ARTIFACTS = COURSE_ROOT / "test-artifacts" / "hub"
INSTALL_HINT = (
    "The hub tests need root (the hub starts each user's server as that user), Node.js with "
    "the course's configurable-http-proxy (`make hub-deps`: apt-get install nodejs npm, then "
    "npm install in deploy/hub) and Chromium (apt-get install chromium). To skip them on "
    f"purpose, set {SKIP_VARIABLE}=1."
)
HUB_START_TIMEOUT = 60  # s
SERVER_STOP_TIMEOUT = 20  # s


def _not_available(reason: str):
    if os.environ.get(SKIP_VARIABLE, "").strip() not in ("", "0"):
        pytest.skip(f"HUB TESTS SKIPPED because {SKIP_VARIABLE} is set: {reason}")
    pytest.fail(f"{reason}\n{INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def hub_chromium() -> str:
    """Checks everything the hub tests need before any of them starts."""
    if os.geteuid() != 0:
        _not_available("The hub tests must run as root.")
    if not PROXY.exists():
        _not_available(f"{PROXY} is missing.")
    if shutil.which("node") is None:
        _not_available("Node.js (`node`) is not installed.")
    path = find_chromium()
    if path is None:
        _not_available("No Chromium found.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _not_available("The Python package playwright is not installed (requirements.txt).")
    return path


def run_as(user: str, command: list[str], env: dict[str, str] | None = None, check: bool = True,
           timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``command`` as the Unix account ``user``, in its home folder, with a clean
    environment (plus ``env``)."""
    home = pwd.getpwnam(user).pw_dir
    clean = {"HOME": home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
             "PATH": "/usr/bin:/bin", **(env or {})}
    result = subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in clean.items()],
         *command],
        cwd=home, capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} as {user} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@dataclass
class Hub:
    dir: Path
    port: int
    password: str
    group: str
    instructor: str
    students: list[str]
    python: Path  # what the user servers run (the course environment, or its bridge)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def course(self) -> Path:
        return Path(pwd.getpwnam(self.instructor).pw_dir) / "pytorch-course"

    def course_command(self, *commands: str, check: bool = True) -> subprocess.CompletedProcess:
        """The course's own `course` commands, run as the instructor, in one process (nbgrader
        is imported once): e.g. course_command("collect L", "autograde L")."""
        course = self.course
        code = ("import sys\nfrom coursegrader.cli import main\n"
                "for args in sys.argv[1:]:\n"
                "    print('$ course', args, flush=True)\n"
                "    rc = main(args.split())\n"
                "    if rc: sys.exit(rc)\n")
        return run_as(self.instructor, [str(self.python), "-c", code, *commands], env={
            "PATH": f"{self.python.parent}:/usr/bin:/bin",
            "PYTHONPATH": f"{course / 'src'}:{course / 'grader'}",
            "COURSE_BUDGET": "ci",
            "MPLBACKEND": "Agg",
            # the hub's copy of the interpreter finds its libpython there (scripts/course-hub)
            "LD_LIBRARY_PATH": str(self.python.parent.parent / "lib"),
        }, check=check)

    def log_tail(self, chars: int = 5000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except (OSError, AttributeError):
            return "(no log)"


def _script(name: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, str(COURSE_ROOT / "scripts" / name), *args],
                            env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/{name} {' '.join(args)} failed:\n{result.stdout}\n"
                           f"{result.stderr}")
    return result.stdout


def _end_processes_of(users: list[str]) -> None:
    """Every process still running as a test account (started by this test's hub)."""
    uids = set()
    for user in users:
        try:
            uids.add(pwd.getpwnam(user).pw_uid)
        except KeyError:
            pass
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


def _wait_for_hub(hub: Hub) -> None:
    deadline = time.monotonic() + HUB_START_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if hub.proc.poll() is not None:
            raise RuntimeError(f"the hub exited with code {hub.proc.returncode}:\n{hub.log_tail()}")
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api", timeout=5) as reply:
                if reply.status == 200 and "version" in json.loads(reply.read()):
                    return
        except (urllib.error.URLError, OSError, ValueError) as err:
            last = str(err)
        time.sleep(0.25)  # polling interval, bounded by the deadline
    raise RuntimeError(f"the hub did not answer on {hub.url} within {HUB_START_TIMEOUT} s "
                       f"({last}):\n{hub.log_tail()}")


@pytest.fixture(scope="module")
def hub(hub_chromium) -> Iterator[Hub]:
    """The course hub with one instructor and two students, lesson 01 not yet released."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(3)
    # /tmp, not pytest's tmp folder (root-only): the user servers read etc/ and the exchange.
    hub_dir = Path(tempfile.mkdtemp(prefix="ct-hub-", dir="/tmp"))
    hub_dir.chmod(0o755)
    roster = hub_dir / "roster.csv"
    students = [f"ct_{tag}_ada", f"ct_{tag}_bob"]
    roster.write_text("student_id\n" + "\n".join(students) + "\n")
    hub = Hub(dir=hub_dir, port=free_port(), password=secrets.token_urlsafe(12),
              group=f"ct-{tag}", instructor=f"ct_{tag}_teach", students=students,
              python=Path(sys.executable), log_path=ARTIFACTS / "jupyterhub.log")
    env = dict(os.environ, COURSE_HUB_GROUP=hub.group, COURSE_HUB_DIR=str(hub_dir),
               COURSE_HUB_TEST_PASSWORD=hub.password,
               COURSE_HUB_API_PORT=str(free_port()), COURSE_HUB_PROXY_API_PORT=str(free_port()))
    for name in ("JUPYTER_CONFIG_PATH", "PYTHONPATH"):
        env.pop(name, None)  # the hub gets nothing of the test's own environment
    log = None
    start = time.monotonic()
    try:
        out = _script("course-hub", "--prepare-only", "--dir", str(hub_dir), env=env)
        hub.python = Path(out.strip().rsplit("user servers run ", 1)[1])
        _script("course-accounts", str(roster), "--instructor", hub.instructor,
                "--hub-dir", str(hub_dir), "--passwords", str(hub_dir / "state" / "pw.csv"),
                env=env)
        hub.timings["accounts"] = time.monotonic() - start
        log = open(hub.log_path, "w")  # noqa: SIM115 (closed below)
        hub.proc = subprocess.Popen(
            [sys.executable, str(COURSE_ROOT / "scripts" / "course-hub"), "--dir", str(hub_dir),
             "--ip", "127.0.0.1", "--port", str(hub.port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait_for_hub(hub)
        hub.timings["hub start"] = time.monotonic() - start - hub.timings["accounts"]
        yield hub
    finally:
        if hub.proc is not None and hub.proc.poll() is None:
            hub.proc.terminate()  # the hub stops the users' servers and the proxy
            try:
                hub.proc.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        if hub.proc is not None:
            try:
                os.killpg(hub.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        users = [*students, hub.instructor]
        _end_processes_of(users)
        try:
            _script("course-accounts", str(roster), "--instructor", hub.instructor, "--remove",
                    env=env)
        finally:
            shutil.rmtree(hub_dir, ignore_errors=True)
            if log is not None:
                log.close()


@pytest.fixture(scope="module")
def hub_browser(hub_chromium) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=hub_chromium, headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
