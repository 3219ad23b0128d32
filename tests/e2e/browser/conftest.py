"""Fixtures of the browser tests: JupyterLab in a subprocess, driven by headless Chromium.

Each test module starts its own JupyterLab on a free port of 127.0.0.1, with a token, a
temporary runtime/settings/workspace folder, the course's configuration
(JUPYTER_CONFIG_PATH=grader/) and a temporary COURSE_GRADING_DIR, so that nothing in the
repository's notebooks/ or the instructor's grading/ folder is ever touched. The server is
shut down in the fixture's teardown, whatever happened.

Chromium is the system's (Debian's `chromium` package); Playwright only drives it. Where no
Chromium is found the tests fail with a message saying how to install it, unless
COURSE_SKIP_BROWSER_TESTS=1, which skips them with a loud reason.

Screenshots of the key screens, the JupyterLab logs and a screenshot of the page at the
moment a test failed are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursegrader.course.paths import COURSE_ROOT, GRADER_DIR, jupyter_env

ARTIFACTS = COURSE_ROOT / "test-artifacts" / "browser"

SKIP_VARIABLE = "COURSE_SKIP_BROWSER_TESTS"
CHROMIUM_VARIABLE = "COURSE_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Without the background-networking flags Chromium keeps trying to reach its own services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "The browser tests need Chromium. Install it with\n"
    "    sudo apt-get install -y chromium        (Debian; .ci/run does this in CI)\n"
    f"or point {CHROMIUM_VARIABLE} at a Chromium or Chrome executable. To skip the browser "
    f"tests on purpose, set {SKIP_VARIABLE}=1."
)

SERVER_START_TIMEOUT = 120  # s: importing nbgrader's server extensions alone takes seconds
SERVER_STOP_TIMEOUT = 20  # s


def find_chromium() -> str | None:
    """The Chromium to drive: $COURSE_CHROMIUM, else the first of CHROMIUM_NAMES on PATH."""
    chosen = os.environ.get(CHROMIUM_VARIABLE)
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _not_available(reason: str):
    if os.environ.get(SKIP_VARIABLE, "").strip() not in ("", "0"):
        pytest.skip(f"BROWSER TESTS SKIPPED because {SKIP_VARIABLE} is set: {reason}")
    pytest.fail(f"{reason}\n{INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def chromium_path() -> str:
    """The Chromium executable; checked before anything else of a browser test runs."""
    path = find_chromium()
    if path is None:
        wanted = os.environ.get(CHROMIUM_VARIABLE) or " or ".join(CHROMIUM_NAMES)
        _not_available(f"No Chromium found ({wanted}).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _not_available("The Python package playwright is not installed (requirements.txt).")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/browser/, emptied first so that every file in it is from this run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------------------------------------
# JupyterLab in a subprocess


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """One JupyterLab server, started with :meth:`start` and always ended with :meth:`stop`."""

    def __init__(
        self,
        name: str,
        root_dir: Path,
        work: Path,
        log: Path,
        env: dict[str, str],
        server_config: dict | None = None,
    ):
        self.name = name
        self.root_dir = Path(root_dir)
        self.work = Path(work)
        self.log_path = Path(log)
        self.extra_env = env
        self.server_config = server_config or {}
        self.token = os.urandom(16).hex()
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Address of ``path`` (e.g. ``/lab/tree/x.ipynb``) that also logs the browser in."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def _environment(self) -> dict[str, str]:
        runtime, settings, workspaces, config, ipython = (
            self.work / name for name in ("runtime", "settings", "workspaces", "config", "ipython")
        )
        for folder in (runtime, settings, workspaces, config, ipython):
            folder.mkdir(parents=True, exist_ok=True)
        # No "would you like news?" toast, and no request to the outside world for it.
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        # The user's configuration folder: what `jupyter server extension disable` writes.
        (config / "jupyter_server_config.json").write_text(json.dumps(self.server_config))
        env = jupyter_env()  # grader/ first on JUPYTER_CONFIG_PATH: nbgrader_config.py
        scripts = os.path.dirname(sys.executable)  # jupyter, and alembic for the gradebook
        env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
        src = str(COURSE_ROOT / "src")
        env["PYTHONPATH"] = os.pathsep.join(
            [src, str(GRADER_DIR)]
            + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != src]
        )
        env.update(
            JUPYTER_RUNTIME_DIR=str(runtime),
            JUPYTER_CONFIG_DIR=str(config),  # no user configuration of this machine
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
            IPYTHONDIR=str(ipython),
            MPLBACKEND="Agg",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> JupyterLab:
        self.port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",  # free a moment ago; if taken since, the server moves on
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.news_url=None",
            "--ServerApp.allow_root=True",  # CI runs as root
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root_dir,
            env=self._environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels are in its process group: stop ends them all
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        """Poll until the server answers its REST API, within SERVER_START_TIMEOUT. The port it
        really listens on is read from the file it writes into its runtime folder."""
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab ({self.name}) exited with code {self.proc.returncode} "
                    f"before answering. Its log ({self.log_path}):\n{self.log_tail()}"
                )
            port = self._runtime_port()
            if port is None:
                last_error = "the server has not written its runtime file yet"
                time.sleep(0.25)  # polling interval, bounded by the deadline above
                continue
            self.port = port
            try:
                with urllib.request.urlopen(self.url("/api/status"), timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError) as err:
                last_error = str(err)
            time.sleep(0.25)  # polling interval, bounded by the deadline above
        raise RuntimeError(
            f"JupyterLab ({self.name}) did not answer on {self.base_url}/api/status within "
            f"{SERVER_START_TIMEOUT} s (last error: {last_error}). Its log ({self.log_path}):\n"
            f"{self.log_tail()}"
        )

    def _runtime_port(self) -> int | None:
        for info in (self.work / "runtime").glob("jpserver-*.json"):
            try:
                return int(json.loads(info.read_text())["port"])
            except (OSError, ValueError, KeyError):  # still being written
                return None
        return None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                proc.terminate()  # on SIGTERM the server shuts its kernels down, then exits
                proc.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        if proc is not None:
            # Anything left in its process group (a kernel that outlived the server).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture(scope="module")
def start_jupyterlab(artifacts, tmp_path_factory) -> Iterator:
    """``start_jupyterlab(name, root_dir, env, server_config)`` starts a JupyterLab; every
    one started is stopped when the module's tests are done."""
    servers: list[JupyterLab] = []

    def start(
        name: str, root_dir: Path, env: dict[str, str], server_config: dict | None = None
    ) -> JupyterLab:
        server = JupyterLab(
            name,
            root_dir,
            tmp_path_factory.mktemp(f"jupyter-{name}"),
            artifacts / f"jupyterlab-{name}.log",
            env,
            server_config,
        )
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


# ---------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="module")
def browser(chromium_path) -> Iterator:
    """Headless Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, artifacts, request) -> Iterator:
    """A fresh browser page; a screenshot of it is kept if the test fails."""
    from playwright.sync_api import expect

    from .lab import LAST_CELL

    expect.set_options(timeout=30_000)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            try:
                if id(page) in LAST_CELL:  # show the cell the test was looking at
                    LAST_CELL[id(page)].scroll_into_view_if_needed(timeout=5_000)
                page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
            except Exception as err:  # the page may be gone; the test's own error matters more
                print(f"could not take the failure screenshot: {err}")
            if errors:
                print("JavaScript errors on the page:\n" + "\n".join(errors))
        LAST_CELL.pop(id(page), None)
        context.close()
