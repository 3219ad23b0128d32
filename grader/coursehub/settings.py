"""The class hub's settings, in one place: each is an environment variable with a default, so
that `make hub`, the scripts, deploy/hub/jupyterhub_config.py and the tests agree.

    COURSE_HUB_DIR            the hub's folder (exchange/, etc/jupyter/, state/, python/)
    COURSE_HUB_GROUP          prefix of the Unix groups <group>-students, <group>-instructors
    COURSE_HUB_COURSE_FOLDER  an instructor's copy of the course, in their home folder
    COURSE_HUB_IP, COURSE_HUB_PORT                the public address (the proxy)
    COURSE_HUB_API_PORT, COURSE_HUB_PROXY_API_PORT  the hub's and the proxy's API, local only
    COURSE_HUB_PYTHON         the Python of the single-user servers (set by hub.py)
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # grader/coursehub/settings.py
HUB_SRC = REPO / "deploy" / "hub"
PROXY = HUB_SRC / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_ID = "pytorch-course"  # as in grader/nbgrader_config.py


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def hub_dir() -> Path:
    return Path(_env("COURSE_HUB_DIR", "/srv/pytorch-course"))


def group() -> str:
    return _env("COURSE_HUB_GROUP", "pytorch-course")


def students_group() -> str:
    return f"{group()}-students"


def instructors_group() -> str:
    return f"{group()}-instructors"


def course_folder() -> str:
    return _env("COURSE_HUB_COURSE_FOLDER", "pytorch-course")


def ip() -> str:
    return _env("COURSE_HUB_IP", "0.0.0.0")


def port() -> int:
    return int(_env("COURSE_HUB_PORT", "8000"))


def api_port() -> int:
    return int(_env("COURSE_HUB_API_PORT", "8081"))


def proxy_api_port() -> int:
    return int(_env("COURSE_HUB_PROXY_API_PORT", "8001"))
