"""The pip/Makefile environment and the conda one must be the same, and CI must run the
README's test command."""

from __future__ import annotations

import re
import sys

import yaml

from coursegrader.course.paths import COURSE_ROOT


def _requirements():
    lines = (COURSE_ROOT / "requirements.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _conda_pip():
    env = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return sorted(p for p in pip if not p.startswith("-e"))


def test_environment_yml_pins_what_requirements_txt_pins():
    assert _conda_pip() == _requirements(), (
        "environment.yml and requirements.txt disagree: keep the same packages and pins in both"
    )


def test_every_package_is_pinned_exactly():
    for req in _requirements():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*", req), f"not pinned: {req}"
    reqs = set(_requirements())
    assert {"torch==2.14.1", "torchvision==0.29.1", "nbgrader==0.9.6"} <= reqs


def test_reading_a_notebook_does_not_build_iri_parsers():
    """requirements.txt pins jsonschema below 4.25, whose import builds rfc3987-syntax's
    parsers (2.2 s in every process that imports nbformat)."""
    import jsonschema  # noqa: F401
    import nbformat  # noqa: F401

    assert "rfc3987_syntax" not in sys.modules, (
        "importing jsonschema imported rfc3987_syntax: see the jsonschema pin in "
        "requirements.txt"
    )


def test_conda_env_installs_the_course_package_and_a_matching_python():
    env = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_ci_runs_the_readme_test_command():
    readme = (COURSE_ROOT / "README.md").read_text()
    ci = (COURSE_ROOT / ".ci" / "run").read_text()
    assert "make test" in readme
    assert re.search(r"^\s*make test\b", ci, re.M), ".ci/run must run `make test`"
    workflow = (COURSE_ROOT / ".github" / "workflows" / "test.yml").read_text()
    assert "make test" in workflow or ".ci/run" in workflow
