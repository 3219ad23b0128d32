"""JupyterHub for one class on one server: `make hub` (scripts/course-hub) starts it as root.

Every person has a real Unix account (scripts/course-accounts makes them from a roster) and
signs in with it (PAM). Each single-user server runs as that account, with the course's
Python environment, and gets the configuration of its role:

    students     JupyterLab with nbgrader's Assignments tab (fetch, validate, submit, feedback);
                 no formgrader, no course list, no assignment-creation toolbar
    instructors  the formgrader too, on their private copy of the course
                 (~/<COURSE_HUB_COURSE_FOLDER>, with its grading/ folder and gradebook)

JupyterHub's single-user servers forbid being shown in a frame (Content-Security-Policy
`frame-ancestors 'none'`), which leaves the formgrader tab of JupyterLab blank ("refused to
connect"): the instructors' server configuration (deploy/hub/jupyter/instructor/) allows
frames from the same origin again, which is what JupyterLab alone sends.

The role is the Unix group: <COURSE_HUB_GROUP>-students or <COURSE_HUB_GROUP>-instructors.
The nbgrader exchange is <COURSE_HUB_DIR>/exchange, root-owned with mode 1777 (nbgrader wants
it writable by everyone; the sticky bit keeps one user from removing another's folders).

COURSE_HUB_TEST_PASSWORD replaces PAM by one shared password for the course's own tests,
which create throw-away accounts without passwords. Never set it on a real server.
"""

import grp
import hmac
import os
import pwd
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

HERE = Path(__file__).resolve().parent
# the hub's settings live in grader/coursehub/settings.py, shared with the scripts
sys.path.insert(0, str(HERE.parent.parent / "grader"))
from coursehub import settings  # noqa: E402

HUB_DIR = settings.hub_dir()
STUDENTS, INSTRUCTORS = settings.students_group(), settings.instructors_group()
COURSE_FOLDER = settings.course_folder()
ETC = HUB_DIR / "etc" / "jupyter"  # what scripts/course-hub copied from deploy/hub/
STATE = HUB_DIR / "state"  # the hub's own database and secrets, root only
# The Python of the single-user servers and their kernels: the course environment's, or the
# copy of its interpreter scripts/course-hub makes where other accounts cannot run that one.
USER_PYTHON = os.environ.get("COURSE_HUB_PYTHON", sys.executable)
ENV_BIN = Path(USER_PYTHON).parent

# ---- network: the proxy is the only public port; the hub and the proxy's API stay local
c.JupyterHub.bind_url = f"http://{settings.ip()}:{settings.port()}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.api_port()}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port()}"
# configurable-http-proxy installed under deploy/hub by `make hub-deps` (npm, package.json)
c.ConfigurableHTTPProxy.command = [str(settings.PROXY)]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# ---- who may sign in: members of the two groups, with their Unix password
c.LocalAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}
c.LocalAuthenticator.create_system_users = False  # accounts come from scripts/course-accounts
TEST_PASSWORD = os.environ.get("COURSE_HUB_TEST_PASSWORD", "")
if TEST_PASSWORD:
    from jupyterhub.auth import LocalAuthenticator

    class SharedTestPasswordAuthenticator(LocalAuthenticator):
        """Test only: any existing account of the course's groups, with one shared password."""

        async def authenticate(self, handler, data):
            name = data.get("username", "")
            if not hmac.compare_digest(data.get("password", "").encode(), TEST_PASSWORD.encode()):
                return None
            try:
                pwd.getpwnam(name)
            except KeyError:
                return None
            return name

    c.JupyterHub.authenticator_class = SharedTestPasswordAuthenticator
    print("COURSE_HUB_TEST_PASSWORD is set: shared TEST password, not PAM", file=sys.stderr)
else:
    c.JupyterHub.authenticator_class = "pam"


def is_instructor(name: str) -> bool:
    try:
        return name in grp.getgrnam(INSTRUCTORS).gr_mem
    except KeyError:
        return False


# ---- the single-user servers: local processes, one per account, running as that account
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [USER_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# Nothing of the hub's own environment (PYTHONPATH, JUPYTER_CONFIG_PATH) leaks into a server.
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL"]
# Importing nbgrader's server extensions takes seconds, more when many start at once.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300


def pre_spawn_hook(spawner):
    """The configuration of the user's role, through JUPYTER_CONFIG_PATH (first wins)."""
    name = spawner.user.name
    env = spawner.environment = dict(spawner.environment)
    env["PATH"] = os.pathsep.join([str(ENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"])
    env["MPLBACKEND"] = "Agg"
    if os.environ.get("COURSE_HUB_LIBRARY_PATH"):
        env["LD_LIBRARY_PATH"] = os.environ["COURSE_HUB_LIBRARY_PATH"]
    if is_instructor(name):
        course = Path(pwd.getpwnam(name).pw_dir) / COURSE_FOLDER
        paths = [course / "grader", ETC / "instructor", ETC]
        # the instructor's copy of the course tools and package, ahead of any installed one
        env["PYTHONPATH"] = os.pathsep.join([str(course / "src"), str(course / "grader")])
        spawner.notebook_dir = str(course)
    else:
        paths = [ETC / "student", ETC]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(str(p) for p in paths)
    env["COURSE_EXCHANGE_DIR"] = str(HUB_DIR / "exchange")


c.Spawner.pre_spawn_hook = pre_spawn_hook

# ---- optional: a token for scripts/hub-capacity (measuring how many servers fit), which
# starts users' servers and runs a lesson in them through the hub's REST API.
if os.environ.get("COURSE_HUB_MEASURE_TOKEN"):
    c.JupyterHub.services = [
        {"name": "course-measure", "api_token": os.environ["COURSE_HUB_MEASURE_TOKEN"]}
    ]
    c.JupyterHub.load_roles = [
        {"name": "course-measure", "services": ["course-measure"],
         "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"]}
    ]
