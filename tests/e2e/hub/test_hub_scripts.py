"""Quick checks of the hub's scripts and configuration (no hub, no accounts, no root)."""

from __future__ import annotations

import importlib

import pytest
from traitlets.config.loader import PyFileConfigLoader

from coursegrader.course.paths import COURSE_ROOT

MODULES = {"course-hub": "hub", "course-accounts": "accounts", "hub-capacity": "capacity"}


def load_script(name: str):
    """The module behind scripts/<name> (grader/coursehub/), imported anew: its settings
    are read from the environment when it is imported."""
    module = importlib.import_module(f"coursehub.{MODULES[name]}")
    return importlib.reload(module)


def test_every_script_is_a_thin_entry_point():
    for name, module in MODULES.items():
        text = (COURSE_ROOT / "scripts" / name).read_text()
        assert f"from coursehub.{module} import main" in text, name
        assert len(text.splitlines()) < 15, f"scripts/{name} holds more than an entry point"


def test_roster_with_a_header_without_one_and_with_repeats(tmp_path):
    accounts = load_script("course-accounts")
    with_header = tmp_path / "a.csv"
    with_header.write_text("name,student_id,email\nAda,ada1,a@x\nBob,bob_2,b@x\n\nAda,ada1,a@x\n")
    assert accounts.read_roster(with_header) == ["ada1", "bob_2"]
    plain = tmp_path / "b.csv"
    plain.write_text("ada1\nbob-2\n")
    assert accounts.read_roster(plain) == ["ada1", "bob-2"]


@pytest.mark.parametrize("bad", ["Ada", "ada smith", "../root", "1abc", "a" * 40, "root;rm"])
def test_roster_refuses_names_that_are_not_valid_accounts(tmp_path, bad):
    accounts = load_script("course-accounts")
    roster = tmp_path / "r.csv"
    roster.write_text(f"student_id\nada\n{bad}\n")
    with pytest.raises(SystemExit, match="not valid account names"):
        accounts.read_roster(roster)


def hub_config(monkeypatch, **env):
    for name in ("COURSE_HUB_TEST_PASSWORD", "COURSE_HUB_MEASURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader("jupyterhub_config.py", path=str(COURSE_ROOT / "deploy" / "hub"))
    return loader.load_config()


def test_the_hub_signs_in_with_pam_unless_the_test_password_is_set(monkeypatch):
    config = hub_config(monkeypatch)
    assert config.JupyterHub.authenticator_class == "pam", "a real hub must use PAM"
    assert config.LocalAuthenticator.allowed_groups == {
        "pytorch-course-students", "pytorch-course-instructors"}
    assert "services" not in config.JupyterHub, "no API token unless one is asked for"
    config = hub_config(monkeypatch, COURSE_HUB_TEST_PASSWORD="x" * 12)
    assert config.JupyterHub.authenticator_class.__name__ == "SharedTestPasswordAuthenticator"


def test_students_and_instructors_get_their_own_configuration(monkeypatch, tmp_path):
    config = hub_config(monkeypatch, COURSE_HUB_DIR=str(tmp_path), COURSE_HUB_GROUP="nogroup-x")
    hook = config.Spawner.pre_spawn_hook

    class Spawner:
        environment: dict = {}

        class user:
            name = "root"  # an existing account, in neither group: a student

    spawner = Spawner()
    hook(spawner)
    paths = spawner.environment["JUPYTER_CONFIG_PATH"].split(":")
    assert paths == [str(tmp_path / "etc/jupyter/student"), str(tmp_path / "etc/jupyter")]
    assert "PYTHONPATH" not in spawner.environment
    assert spawner.environment["COURSE_EXCHANGE_DIR"] == str(tmp_path / "exchange")
    student = (COURSE_ROOT / "deploy/hub/jupyter/student/jupyter_server_config.json").read_text()
    assert '"nbgrader.server_extensions.formgrader": false' in student
