"""The session's grading round is graded once a run (tests/conftest.py, SHARED_FIXTURES):
every test that uses it is in one file, so one pytest worker runs them all."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

import conftest

TESTS = Path(conftest.__file__).parent


def _files_asking_for(fixture: str) -> set[str]:
    """The test files (from the repository's root) with a test function that takes
    ``fixture``."""
    found = set()
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test") and \
                    fixture in {a.arg for a in node.args.args}:
                found.add(path.relative_to(TESTS.parent).as_posix())
    return found


@pytest.mark.parametrize("fixture", sorted(conftest.SHARED_FIXTURES))
def test_every_test_of_a_shared_fixture_is_in_its_file(fixture):
    assert _files_asking_for(fixture) == {conftest.SHARED_FIXTURES[fixture]}


def test_the_check_finds_a_test_that_asks_for_the_round():
    assert "tests/integration/test_grading_round.py" in _files_asking_for("grading_round")
    assert _files_asking_for("no_fixture_of_this_name") == set()


def test_a_second_making_of_a_shared_fixture_fails(tmp_path, monkeypatch):
    def factory(worker):
        return SimpleNamespace(getbasetemp=lambda: tmp_path / f"popen-{worker}")

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    conftest.made_once_per_run(factory("gw0"), "grading_round")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    with pytest.raises(pytest.fail.Exception, match=r"made a second time.*first by gw0"):
        conftest.made_once_per_run(factory("gw1"), "grading_round")
    # one process: nothing to compare with
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    conftest.made_once_per_run(factory("gw1"), "grading_round")
