"""The course's notebooks: generated versions up to date, nothing secret leaks, and
nbgrader's validate says the solutions pass and the blank notebooks fail."""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import LESSONS, graded_cells
from coursegrader.authoring.leaks import find_leaks
from coursegrader.course.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR, lesson_notebook


def _tree(root):
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    )


def test_every_lesson_has_a_student_version():
    assert LESSONS, "no lesson found in solutions/"
    released = sorted(p.name for p in NOTEBOOKS_DIR.iterdir() if p.is_dir())
    assert released == LESSONS, (
        f"notebooks/ has {released} but solutions/ has {LESSONS}: run `make notebooks`"
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_is_what_nbgrader_generates(lesson, generated):
    committed, fresh = NOTEBOOKS_DIR / lesson, generated / lesson
    assert _tree(committed) == _tree(fresh), (
        f"notebooks/{lesson} does not hold the files nbgrader generates: run `make notebooks`"
    )
    for name in _tree(fresh):
        a, b = (committed / name).read_bytes(), (fresh / name).read_bytes()
        if name.endswith(".ipynb"):
            a, b = json.loads(a), json.loads(b)
        assert a == b, f"notebooks/{lesson}/{name} is out of date: run `make notebooks`"


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_has_no_solution_or_hidden_test(lesson):
    leaks = find_leaks(lesson_notebook(lesson), lesson_notebook(lesson, NOTEBOOKS_DIR))
    assert not leaks, "secret text in the student notebook:\n" + "\n".join(map(str, leaks))


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_is_well_formed(lesson):
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    nbformat.validate(nb)
    tests = graded_cells(lesson)
    assert len(tests) >= 6, f"{lesson} has {len(tests)} autograded test cells, at least 6 expected"
    assert all(points > 0 for points in tests.values()), f"{lesson}: a test cell is worth 0 points"
    sources = [cell.source for cell in nb.cells]
    assert any("BEGIN HIDDEN TESTS" in s for s in sources), f"{lesson} has no hidden tests"
    quiz = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("quiz")]
    assert quiz, f"{lesson} has no quiz cell (grade_id starting with 'quiz')"
    assert (SOLUTIONS_DIR / lesson / f"{lesson}.ipynb").exists()


@pytest.mark.parametrize("lesson", LESSONS)
def test_sections_are_numbered_in_order(lesson):
    """"## 1. ...", "## 2. ...": a student finds their way by these numbers; a section
    inserted or moved must not leave a number twice or out of order."""
    import re

    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    numbers = [int(m.group(1)) for cell in nb.cells if cell.cell_type == "markdown"
               for m in re.finditer(r"^## (\d+)\.", cell.source, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)), (
        f"{lesson}: the numbered sections run {numbers}; renumber them 1, 2, 3, ...")


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_carries_no_run_noise(lesson):
    """Execution timestamps and widget state change on every run and would be copied into
    the student notebook: keep them out of solutions/."""
    nb = nbformat.read(lesson_notebook(lesson), as_version=4)
    assert "widgets" not in nb.metadata, f"{lesson}: remove metadata.widgets (widget state)"
    stamped = [c.get("id") for c in nb.cells if "execution" in c.metadata]
    assert not stamped, f"{lesson}: execution timestamps in cells {stamped[:5]}"


def _validate(path: str, invert: bool) -> dict:
    """nbgrader's validate (the Validate button of the assignment list) on one notebook."""
    from nbgrader.validator import Validator

    from coursegrader.course.config import load_config

    validator = Validator(config=load_config())
    validator.invert = invert
    return validator.validate(path)


# nbgrader's validate runs on the first lesson only. Every lesson's solution and blank
# notebook are run through the same test cells twice more in `make test`: graded in the
# grading round (test_grading_round.py: the solution gets full marks, the blank notebook
# zero, in every test cell) and run top to bottom outside the repository
# (test_hosted_outside.py). Validating all nine again cost 70 s of the suite's time; one
# lesson keeps nbgrader's own Validator (the Validate button; the browser test presses it
# on lesson 01) checked against the course's configuration.
VALIDATED = LESSONS[:1]

VALIDATE_TESTS = {"test_validate_passes_the_solution": False,
                  "test_validate_invert_fails_every_test_of_the_blank_notebook": True}


@pytest.fixture(scope="module")
def validations(request):
    """Every validation the selected tests below ask for, started at once on a pool of
    worker processes (one per core). One validation runs one kernel at a time and leaves a
    second core idle: two at a time halve this part of `make test` on a two-core machine.
    The same Validator runs on the same notebook as one at a time would; each test reads its
    own result (a worker's exception is raised there)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    wanted = [(item.originalname, item.callspec.params["lesson"])
              for item in request.session.items
              if getattr(item, "originalname", None) in VALIDATE_TESTS]
    # later lessons train for longer: started first, they do not finish last alone
    wanted.sort(key=lambda key: key[1], reverse=True)
    # fork, as the grading pipeline's workers: nbgrader is imported once (utils.chdir in
    # validate changes the working folder of its process only)
    pool = ProcessPoolExecutor(max_workers=max(1, min(len(wanted), os.cpu_count() or 1)),
                               mp_context=multiprocessing.get_context("fork"))
    futures = {}
    for test, lesson in wanted:
        invert = VALIDATE_TESTS[test]
        path = lesson_notebook(lesson, NOTEBOOKS_DIR) if invert else lesson_notebook(lesson)
        futures[(test, lesson)] = pool.submit(_validate, str(path), invert)
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", VALIDATED)
def test_validate_passes_the_solution(lesson, validations):
    results = validations[("test_validate_passes_the_solution", lesson)].result()
    assert results == {}, f"nbgrader validate fails on the solution of {lesson}: {results}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", VALIDATED)
def test_validate_invert_fails_every_test_of_the_blank_notebook(lesson, validations):
    results = validations[("test_validate_invert_fails_every_test_of_the_blank_notebook",
                           lesson)].result()
    assert "type_changed" not in results and "changed" not in results, results
    passed = [cell["source"].splitlines()[0] for cell in results.get("passed", [])]
    assert not passed, f"tests of {lesson} that pass on the blank notebook: {passed}"
