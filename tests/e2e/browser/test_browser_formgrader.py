"""An instructor opens nbgrader's formgrader in JupyterLab, in a real (headless) browser.

Before the browser opens, a scripted grading round (nbgrader's API, in this process) puts
lesson 01 in a temporary gradebook and autogrades two students: "ada" submits the reference
solution, "grace" the lesson's wrong Clip (tests/submissions, "clip-forgets-super").
JupyterLab serves the course as `make lab-instructor` does, with COURSE_GRADING_DIR pointing
at that temporary folder, so the instructor's own grading/ folder is never touched.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from coursegrader.course.paths import COURSE_ROOT, NOTEBOOKS_DIR, lesson_notebook, lessons

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSON = "01-python-classes"
WRONG = "clip-forgets-super"  # a variant of tests/submissions/01-python-classes.py
STUDENTS = {"ada": "the reference solution", "grace": f"the variant {WRONG}"}
NAMES = {"ada": ("Ada", "Lovelace"), "grace": ("Grace", "Hopper")}


def wrong_submission(dest: Path) -> tuple[Path, list[str]]:
    """The reference solution with the cells of variant WRONG replaced, and the test cells
    that variant must lose."""
    path = Path(__file__).resolve().parents[2] / "submissions" / f"{LESSON}.py"
    spec = importlib.util.spec_from_file_location("browser_variants_01", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    variant = module.VARIANTS[WRONG]
    nb = nbformat.read(lesson_notebook(LESSON), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in variant["replace"]:
            cell.source = variant["replace"][grade_id]
    nbformat.write(nb, dest)
    return dest, variant["loses"]


def points() -> dict[str, float]:
    nb = nbformat.read(lesson_notebook(LESSON), as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"].get("points", 0))
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


def files(folder: Path) -> dict[str, tuple[int, int] | None]:
    """Every file under ``folder`` with its size and modification time, and every folder."""
    if not folder.exists():
        return {}
    found: dict[str, tuple[int, int] | None] = {".": None}
    for p in folder.rglob("*"):
        stat = p.stat()
        found[str(p.relative_to(folder))] = None if p.is_dir() else (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def untouched() -> dict[Path, dict]:
    """The repository's notebooks/ and grading/ as they were before the module ran."""
    return {folder: files(folder) for folder in (NOTEBOOKS_DIR, COURSE_ROOT / "grading")}


def shown(score: float) -> str:
    """A score as the formgrader prints it (JavaScript numbers: 18, 16.5)."""
    return f"{round(score, 2):g}"


@pytest.fixture(scope="module")
def graded_course(untouched, tmp_path_factory):
    """A temporary grading folder where lesson 01 is generated and two students autograded.
    Returns (grading folder, {student: expected score}, max score)."""
    from coursegrader.course.config import grading_environment
    from coursegrader.course.placement import place_submission
    from coursegrader.engine.pipeline import autograde_parallel
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.lessons import generate_lesson

    root = tmp_path_factory.mktemp("instructor")
    grading = root / "grading"
    wrong, loses = wrong_submission(root / "wrong.ipynb")
    with grading_environment(grading):
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release")})
        generate_lesson(api, LESSON)
        with api.gradebook as gb:
            for student, (first, last) in NAMES.items():
                gb.update_or_create_student(student, first_name=first, last_name=last)
        submitted = Path(api.coursedir.submitted_directory)
        place_submission(submitted, LESSON, "ada", lesson_notebook(LESSON))
        place_submission(submitted, LESSON, "grace", wrong)
        # the course's own grader, as `course autograde` runs it
        results = autograde_parallel(LESSON, list(STUDENTS), api=api, progress=False)

    cell_points = points()
    max_score = sum(cell_points.values())
    expected = {"ada": max_score, "grace": max_score - sum(cell_points[g] for g in loses)}
    for student, result in results.items():
        assert result.success, f"autograding {student} failed:\n{result.error}"
        assert (result.score, result.max_score) == (expected[student], max_score), (
            f"the gradebook gives {student} ({STUDENTS[student]}) {result.score}/"
            f"{result.max_score}, expected {expected[student]}/{max_score}"
        )
    return grading, expected, max_score


@pytest.fixture(scope="module")
def instructor_lab(graded_course, start_jupyterlab):
    grading, expected, max_score = graded_course
    server = start_jupyterlab("instructor", COURSE_ROOT, env={"COURSE_GRADING_DIR": str(grading)})
    return server, expected, max_score


def test_formgrader_shows_lessons_students_and_scores(instructor_lab, page, artifacts, untouched):
    from playwright.sync_api import expect

    from .lab import LOAD, UI, exact, menu, screenshot

    server, expected, max_score = instructor_lab
    page.goto(server.url("/lab"))
    expect(page.locator(".jp-LabShell"), "JupyterLab should load for the instructor").to_be_visible(
        timeout=LOAD
    )

    expect(
        page.locator(".jp-DirListing-itemText", has_text=exact("solutions")),
        "JupyterLab's file browser should show the course folder (solutions/, notebooks/, ...)",
    ).to_be_visible(timeout=LOAD)

    # Nbgrader > Formgrader opens the formgrader inside JupyterLab.
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("#formgrader-iframe iframe")
    expect(
        frame.locator("h1", has_text="Manage Assignments"),
        "Nbgrader > Formgrader should open the formgrader's 'Manage Assignments' page",
    ).to_be_visible(timeout=LOAD)

    # Every lesson of the course is an assignment; lesson 01 has the two submissions.
    for lesson in lessons():
        expect(
            frame.locator("td.name", has_text=exact(lesson)),
            f"the formgrader should list the lesson {lesson} (a folder of solutions/)",
        ).to_be_visible(timeout=UI)
    row = frame.locator("tr").filter(has=frame.locator("td.name", has_text=exact(LESSON)))
    submissions = row.locator("td.num-submissions")
    expect(
        submissions, f"{LESSON} should show {len(STUDENTS)} autograded submissions"
    ).to_have_text(exact(str(len(STUDENTS))), timeout=UI)
    screenshot(page, artifacts, "formgrader-1-assignments")

    # The lesson's submissions, with each student's score.
    submissions.locator("a").click()
    expect(
        frame.locator(".breadcrumb"),
        f"clicking the number of submissions should open the submissions of {LESSON}",
    ).to_contain_text(LESSON, timeout=UI)
    for student, score in expected.items():
        row = frame.locator("tr").filter(
            has=frame.locator("td.student-id", has_text=exact(student))
        )
        expect(
            row.locator("td.score"),
            f"the submission of {student} ({STUDENTS[student]}) should score "
            f"{shown(score)} / {shown(max_score)}",
        ).to_have_text(exact(f"{shown(score)} / {shown(max_score)}"), timeout=UI)
    screenshot(page, artifacts, "formgrader-2-submissions")

    # Manage Students: every student with the overall score.
    frame.locator("a", has_text=exact("Manage Students")).click()
    expect(
        frame.locator("h1", has_text="Manage Students"),
        "the sidebar link should open the 'Manage Students' page",
    ).to_be_visible(timeout=UI)
    for student, score in expected.items():
        row = frame.locator("tr").filter(has=frame.locator("td.id", has_text=exact(student)))
        first, last = NAMES[student]
        expect(
            row.locator("td.name"), f"Manage Students should name {student} {first} {last}"
        ).to_have_text(exact(f"{last}, {first}"), timeout=UI)
        expect(
            row.locator("td.score"),
            f"Manage Students should list {student} with the overall score "
            f"{shown(score)} / {shown(max_score)}",
        ).to_have_text(exact(f"{shown(score)} / {shown(max_score)}"), timeout=UI)
    screenshot(page, artifacts, "formgrader-3-students")

    # None of this touched the repository's student notebooks or the instructor's grading/.
    for folder, before in untouched.items():
        assert files(folder) == before, f"{folder} changed during the formgrader test"
