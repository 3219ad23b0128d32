"""A throw-away PostgreSQL server for the gradebook tests (test_postgres_gradebook.py,
test_grading_round.py and test_class_report.py in tests/integration/), and the helpers that
grade on it.

The server is Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin, or initdb
and pg_ctl on PATH). It runs from a new cluster in a temporary folder, listening only on a
Unix socket in that folder (no TCP port is opened), with `trust` authentication, and is
stopped and deleted when the test session ends. PostgreSQL refuses to run as root, so when
the tests run as root the cluster belongs to the `postgres` account the package creates (or
`nobody`), and its commands run through runuser.

Where PostgreSQL is missing the tests fail and say how to install it, unless
COURSE_SKIP_PG_TESTS=1, which skips them loudly. `make test` installs it first
(scripts/install-postgresql.sh).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import pytest

SKIP_VARIABLE = "COURSE_SKIP_PG_TESTS"
INSTALL_HINT = (
    "The PostgreSQL gradebook tests need PostgreSQL's server programs (initdb, pg_ctl). "
    "Install them with\n    sudo apt-get install -y postgresql        (Debian; "
    "`make pg-deps` does this)\nTo skip these tests on purpose, set "
    f"{SKIP_VARIABLE}=1."
)
START_TIMEOUT = 60  # s


def find_pg_bin() -> Path | None:
    """The folder of initdb and pg_ctl: the newest Debian cluster version, else PATH."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def _not_available(reason: str):
    if os.environ.get(SKIP_VARIABLE, "").strip() not in ("", "0"):
        pytest.skip(f"POSTGRESQL TESTS SKIPPED because {SKIP_VARIABLE} is set: {reason}")
    pytest.fail(f"{reason}\n{INSTALL_HINT}", pytrace=False)


class PostgresServer:
    """One cluster, started by :meth:`start` and always ended by :meth:`stop`."""

    def __init__(self, bin_dir: Path, owner: str | None):
        self.bin = bin_dir
        self.owner = owner  # the account that runs it (None: this process's)
        self.dir = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.data = self.dir / "data"
        self.user = "course"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if self.owner:
            argv = ["runuser", "-u", self.owner, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT,
                                cwd=self.dir)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> PostgresServer:
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.dir.chmod(0o755)  # root (the tests) reaches the socket; only the owner the data
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        # Unix socket only, in our folder; fsync off: the data is thrown away anyway.
        options = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                  "-w", "-t", str(START_TIMEOUT), "start")
        return self

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server (psycopg2, over the Unix socket)."""
        return f"postgresql+psycopg2://{self.user}@/{database}?host={self.dir}"

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", str(self.dir), "-U", self.user, name)
        return self.url(name)

    def log_tail(self) -> str:
        try:
            return (self.dir / "log").read_text()[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    _not_available("Running as root, and there is no `postgres` or `nobody` account to run "
                   "PostgreSQL as (it refuses to run as root).")
    return None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A running throw-away PostgreSQL server; ``postgres.create_database(name)`` gives the
    SQLAlchemy URL of a new, empty database on it."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        _not_available("PostgreSQL is not installed (no initdb / pg_ctl).")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        _not_available("The Python package psycopg2-binary is not installed (requirements.txt).")
    server = PostgresServer(bin_dir, _owner())
    try:
        server.start()
    except Exception as err:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {err}\n{server.log_tail()}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


# ---- grading on a PostgreSQL gradebook (the tests of both files that use the server)

def cell_scores(db_url: str, lesson: str, students: list[str]) -> dict:
    """(student, grade_id) -> (auto score, manual score, max score), from a gradebook."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(db_url) as gb:
        for student in students:
            nb = gb.find_submission_notebook(lesson, lesson, student)
            for grade in nb.grades:
                found[(student, grade.name)] = (grade.auto_score, grade.manual_score,
                                                grade.max_score)
    return found


def pg_round(db_url: str, root: Path, lesson: str, students: dict[str, Path]):
    """Generate ``lesson`` into the gradebook at ``db_url`` and autograde ``students``
    (name -> notebook) with the course's parallel autograder."""
    from coursegrader.course.config import grading_environment
    from coursegrader.course.placement import place_submission
    from coursegrader.engine.pipeline import autograde_parallel
    from coursegrader.nbg.api import make_api

    with grading_environment(root / "grading"):
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release"),
                          "CourseDirectory.db_url": db_url})
        outcome = api.generate_assignment(lesson, force=True, create=True)
        assert outcome["success"], f"generating {lesson} on PostgreSQL failed: {outcome}"
        submitted = Path(api.coursedir.submitted_directory)
        for name, notebook in students.items():
            place_submission(submitted, lesson, name, notebook)
        return api, autograde_parallel(lesson, list(students), api=api, progress=False)
