"""Create the Unix accounts of a class from a roster, as root: no manual steps.

    course-accounts roster.csv --instructor alice [--instructor bob]
    course-accounts roster.csv --instructor alice --remove     (end of term: delete them)

roster.csv has one student id per row, in a column named `student_id` (or the first column
when there is no such header). Ids become login names, so they must be valid Unix names
(lower case letters, digits, `_`, `-`; starting with a letter or `_`).

For every student: an account in the group <COURSE_HUB_GROUP>-students (default
pytorch-course-students), a home folder only its owner can read (mode 700), and a random
first password, written with the others to a root-only CSV (--passwords, default
<roster>.passwords.csv) for the instructor to hand out. Existing accounts keep their password
and are only added to the group.

For every instructor: an account in <COURSE_HUB_GROUP>-instructors and a private copy of the
course in ~/<COURSE_HUB_COURSE_FOLDER> (default ~/pytorch-course), copied from --course
(default: this repository; solutions/ included, so it stays mode 700), whose grading/ folder
holds the gradebook and every submission, and links grading/exchange to the hub's exchange.
The exchange's course folder is made and owned by the first instructor, with nbgrader's
permissions (inbound 2733: students write, nobody lists; outbound 755; feedback 711).
"""

from __future__ import annotations

import argparse
import csv
import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from coursehub import settings
from coursehub.settings import COURSE_ID, REPO

STUDENTS, INSTRUCTORS = settings.students_group(), settings.instructors_group()
COURSE_FOLDER = settings.course_folder()
NAME_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# What an instructor's copy of the course leaves out: environments, caches, data, results.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "grading", "test-artifacts", "node_modules", "__pycache__",
    ".pytest_cache", ".ruff_cache", "*.egg-info", ".ipynb_checkpoints", "data"
)


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def read_roster(path: Path) -> list[str]:
    with open(path, newline="") as fh:
        rows = [row for row in csv.reader(fh) if row and any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("student_id") if "student_id" in header else 0
    if "student_id" in header or not NAME_RE.match(rows[0][0].strip()):
        rows = rows[1:]
    ids = [row[column].strip() for row in rows]
    bad = [i for i in ids if not NAME_RE.match(i)]
    if bad:
        raise SystemExit(f"course-accounts: not valid account names in {path}: {', '.join(bad)}")
    return list(dict.fromkeys(ids))


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        run("groupadd", name)


def ensure_account(name: str, group: str) -> str | None:
    """The account in ``group`` with a private home; returns a new password, or None."""
    password = None
    if not user_exists(name):
        run("useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, name)
        password = secrets.token_urlsafe(9)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    else:
        run("usermod", "--append", "--groups", group, name)
    Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
    return password


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for entry in dirs + files:
            os.lchown(os.path.join(root, entry), uid, gid)


def setup_instructor(name: str, course_src: Path, hub_dir: Path, owner_of_exchange: bool) -> Path:
    user = pwd.getpwnam(name)
    course = Path(user.pw_dir) / COURSE_FOLDER
    if not course.exists():
        shutil.copytree(course_src, course, ignore=NOT_COPIED, symlinks=True)
    grading = course / "grading"
    grading.mkdir(exist_ok=True)
    link = grading / "exchange"
    exchange = hub_dir / "exchange"
    if link.is_symlink() or not link.exists():
        if link.is_symlink():
            link.unlink()
        link.symlink_to(exchange)  # the course tool's exchange is the hub's
    chown_tree(course, user.pw_uid, user.pw_gid)
    course.chmod(0o700)
    grading.chmod(0o700)
    if owner_of_exchange:
        course_dir = exchange / COURSE_ID
        for folder, mode in ((course_dir, 0o755), (course_dir / "outbound", 0o755),
                             (course_dir / "inbound", 0o2733), (course_dir / "feedback", 0o711)):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, user.pw_uid, user.pw_gid)
            folder.chmod(mode)
    return course


def remove(names: list[str]) -> None:
    for name in names:
        if user_exists(name):
            run("userdel", "--remove", name)
            print(f"removed account {name}")
    for group in (STUDENTS, INSTRUCTORS):
        try:
            if not grp.getgrnam(group).gr_mem:
                run("groupdel", group)
        except KeyError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course-accounts", description=__doc__.splitlines()[0])
    parser.add_argument("roster", type=Path, help="CSV of student ids")
    parser.add_argument("--instructor", action="append", default=[], help="instructor login")
    parser.add_argument("--course", type=Path, default=REPO, help="course to copy (instructors)")
    parser.add_argument("--hub-dir", type=Path,
                        default=settings.hub_dir())
    parser.add_argument("--passwords", type=Path, help="where new passwords go (root only)")
    parser.add_argument("--remove", action="store_true", help="delete these accounts instead")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("course-accounts: run it as root (it creates Unix accounts)", file=sys.stderr)
        return 2
    students = read_roster(args.roster)
    bad = [i for i in args.instructor if not NAME_RE.match(i)]
    if bad:
        raise SystemExit(f"course-accounts: not valid account names: {', '.join(bad)}")
    if args.remove:
        remove(students + args.instructor)
        return 0
    if not (args.hub_dir / "exchange").is_dir():
        print(f"course-accounts: no exchange in {args.hub_dir}: run `make hub` (or "
              f"scripts/course-hub --prepare-only --dir {args.hub_dir}) first", file=sys.stderr)
        return 2
    ensure_group(STUDENTS)
    ensure_group(INSTRUCTORS)
    passwords = {}
    for number, name in enumerate(args.instructor):
        passwords[name] = ensure_account(name, INSTRUCTORS)
        course = setup_instructor(name, args.course, args.hub_dir, owner_of_exchange=number == 0)
        print(f"instructor {name}: course in {course}")
    for name in students:
        passwords[name] = ensure_account(name, STUDENTS)
    new = {name: pw for name, pw in passwords.items() if pw}
    if new:
        out = args.passwords or args.roster.with_suffix(".passwords.csv")
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["login", "password"])
            writer.writerows(sorted(new.items()))
        print(f"{len(new)} new account(s); their first passwords are in {out} (root only)")
    print(f"{len(students)} student(s) in {STUDENTS}, {len(args.instructor)} instructor(s) "
          f"in {INSTRUCTORS}")
    return 0
