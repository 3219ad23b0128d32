"""Start the course's JupyterHub (deploy/hub/jupyterhub_config.py) as root: `make hub`.

Prepares the hub's folder first (settings.hub_dir(), or --dir):

    exchange/     nbgrader's exchange: root-owned, mode 1777
    etc/jupyter/  what every single-user server reads: deploy/hub/nbgrader_config.py and the
                  per-role Jupyter configuration of deploy/hub/jupyter/ (root-owned, read-only)
    state/        the hub's database, cookie secret and pid files (root only, mode 700)
    python/       only when the course environment's Python cannot be run by other accounts
                  (a Python built under /root, say): that interpreter, linked or copied here,
                  using the course environment's packages

then runs `jupyterhub` from the course environment (the Python running this script).
Accounts come from scripts/course-accounts. --prepare-only stops after the folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
from pathlib import Path

from coursehub import settings
from coursehub.settings import HUB_SRC, PROXY


def others_can_run(path: Path) -> bool:
    """Whether an account other than root can run ``path``: every folder on the way must be
    searchable by others, and the file executable by others."""
    real = path.resolve()
    for folder in real.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(real.stat().st_mode & stat.S_IXOTH)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # instant, and the files are world-readable already
    except OSError:
        shutil.copy2(src, dst)


def user_python(hub_dir: Path) -> Path:
    """The Python every single-user server runs: the course environment's, or, where other
    accounts cannot run it (an interpreter under /root), a copy of that very interpreter in
    <hub>/python whose site-packages point at the course environment's packages."""
    here = Path(sys.executable)
    if others_can_run(here):
        return here
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base, copy = Path(sys.base_prefix), hub_dir / "python"
    python = copy / "bin" / version
    if not python.exists():
        skip = shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo")
        (copy / "bin").mkdir(parents=True)
        _link_or_copy(str(base / "bin" / version), str(python))
        shutil.copytree(base / "lib", copy / "lib", ignore=skip, symlinks=True,
                        copy_function=_link_or_copy)
    site = copy / "lib" / version / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    course_site = [p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix)]
    # addsitedir also runs the .pth files there (the editable install of the course package)
    (site / "course-environment.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in course_site))
    for sub in ("share/jupyter", "etc/jupyter"):  # JupyterLab's assets, extensions' config
        link = copy / sub
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(Path(sys.prefix) / sub)
    # The environment's commands (jupyter, alembic for nbgrader's gradebook, ...) on the copy:
    # the same scripts with the first line changed.
    for script in Path(sys.prefix, "bin").iterdir():
        try:
            head, _, rest = script.read_bytes().partition(b"\n")
        except (IsADirectoryError, PermissionError):
            continue
        target = copy / "bin" / script.name
        if head.startswith(b"#!") and head[2:].strip().startswith(sys.prefix.encode()) \
                and not target.exists():
            target.write_bytes(b"#!" + str(python).encode() + b"\n" + rest)
            target.chmod(0o755)
    return python


def prepare(hub_dir: Path) -> None:
    """Create (or repair) the hub's folder with the permissions described above."""
    hub_dir.mkdir(parents=True, exist_ok=True)
    os.chown(hub_dir, 0, 0)
    hub_dir.chmod(0o755)
    exchange = hub_dir / "exchange"
    exchange.mkdir(exist_ok=True)
    os.chown(exchange, 0, 0)
    exchange.chmod(0o1777)  # nbgrader: everyone writes; sticky: nobody removes another's
    state = hub_dir / "state"
    state.mkdir(exist_ok=True)
    os.chown(state, 0, 0)
    state.chmod(0o700)
    etc = hub_dir / "etc" / "jupyter"
    if etc.exists():
        shutil.rmtree(etc)  # always exactly what the repository says
    shutil.copytree(HUB_SRC / "jupyter", etc)
    shutil.copy2(HUB_SRC / "nbgrader_config.py", etc / "nbgrader_config.py")
    for folder in (hub_dir / "etc", *[p for p in etc.rglob("*")], etc):
        os.chown(folder, 0, 0)
        folder.chmod(0o755 if folder.is_dir() else 0o644)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course-hub", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=settings.hub_dir())
    parser.add_argument("--ip", default=settings.ip())
    parser.add_argument("--port", type=int, default=settings.port())
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("course-hub: run it as root (sudo make hub): the hub starts every user's server "
              "as that user", file=sys.stderr)
        return 2
    hub_dir = args.dir.resolve()
    prepare(hub_dir)
    python = user_python(hub_dir)
    print(f"course-hub: hub folder ready in {hub_dir} (exchange {hub_dir / 'exchange'}); "
          f"user servers run {python}")
    if args.prepare_only:
        return 0
    if not PROXY.exists():
        print(f"course-hub: {PROXY} is missing: run `make hub-deps` (npm install in deploy/hub)",
              file=sys.stderr)
        return 2
    env = dict(os.environ, COURSE_HUB_DIR=str(hub_dir), COURSE_HUB_IP=args.ip,
               COURSE_HUB_PORT=str(args.port), COURSE_HUB_PYTHON=str(python))
    if python.parent.parent == hub_dir / "python":  # its libpython is next to it, not in /root
        env["COURSE_HUB_LIBRARY_PATH"] = str(hub_dir / "python" / "lib")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    jupyterhub = Path(sys.executable).parent / "jupyterhub"
    cmd = [str(jupyterhub), "-f", str(HUB_SRC / "jupyterhub_config.py")]
    os.chdir(hub_dir / "state")
    os.execve(str(jupyterhub), cmd, env)
