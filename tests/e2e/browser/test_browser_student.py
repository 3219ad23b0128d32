"""A student works through lesson 01 in JupyterLab, in a real (headless) browser.

The student's copy of the lesson is a temporary copy of notebooks/01-python-classes; the
repository's notebook is never opened for writing.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from coursegrader.course.paths import NOTEBOOKS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSON = "01-python-classes"

# A correct answer to exercise 1 and a wrong one to exercise 2: Clip forgets to call
# super().__init__, the classic mistake the lesson's visible test explains.
RUNNING_MEAN = """class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += value * n
        self.count += n

    def mean(self):
        return self.total / self.count if self.count else 0.0
"""
CLIP_WITHOUT_SUPER = """class Clip(Layer):
    def __init__(self, low, high):
        self.low = low
        self.high = high

    def forward(self, x):
        return min(max(x, self.low), self.high)
"""
QUIZ = 'q1 = "b"\nq2 = "c"'

CLIP_MESSAGE = "clip.training is missing"
RUNNING_MEAN_MESSAGE = "A new RunningMean should start with count = 0"


@pytest.fixture(scope="module")
def student_lab(start_jupyterlab, tmp_path_factory):
    """JupyterLab serving a student's folder that holds a copy of lesson 01 (nothing else),
    set up as for a student: nbgrader's Validate button, no formgrader."""
    root = tmp_path_factory.mktemp("student-home")
    shutil.copytree(NOTEBOOKS_DIR / LESSON, root / LESSON)
    server = start_jupyterlab(
        "student",
        root,
        env={"COURSE_GRADING_DIR": str(tmp_path_factory.mktemp("student-grading"))},
        server_config={
            "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}
        },
    )
    return server, root / LESSON / f"{LESSON}.ipynb"


def test_student_runs_answers_validates_and_saves(student_lab, page, artifacts):
    from playwright.sync_api import expect

    from .lab import RUN, UI, VALIDATE, NotebookView, exact, menu, screenshot

    server, notebook = student_lab
    page.goto(server.url(f"/lab/tree/{LESSON}/{LESSON}.ipynb"))
    nb = NotebookView(page, notebook)

    # 1. The notebook renders, with nbgrader's Validate button in its toolbar.
    nb.wait_until_open("Python classes")
    validate = nb.panel.locator(".jp-Toolbar .validate-button")
    expect(validate, "nbgrader's Validate button should be in the notebook toolbar").to_be_visible(
        timeout=UI
    )
    expect(validate).to_have_text(exact("Validate"))
    screenshot(page, artifacts, "student-1-notebook-open")

    # 2. Run all: the demo cells run, and the first blank exercise stops the run with the
    #    stub's NotImplementedError.
    menu(page, "Run", "Run All Cells")
    # the lesson's first code cell: the first one after the course's setup cell
    cells_ = nbformat.read(notebook, as_version=4).cells
    first = next(i for i, c in enumerate(cells_)
                 if c.cell_type == "code" and c.get("id") != "course-setup")
    first_code = nb.all_cells.nth(first)
    expect(
        first_code.locator(".jp-OutputArea-output"),
        "the first code cell should print 10.0 15.0 after Run All",
    ).to_contain_text("10.0 15.0", timeout=RUN)
    expect(
        nb.output("ex1-running-mean"),
        "the blank exercise 1 should stop Run All with the stub's NotImplementedError",
    ).to_contain_text("NotImplementedError", timeout=RUN)
    nb.wait_idle("the kernel should be idle once Run All stopped at the error")
    nb.cell("ex1-running-mean").scroll_into_view_if_needed()
    screenshot(page, artifacts, "student-2-run-all-blank")

    # 3. A correct exercise 1 and a wrong exercise 2, then run all again: the test of
    #    exercise 1 passes, the test of exercise 2 explains what is wrong.
    nb.type_into("ex1-running-mean", RUNNING_MEAN)
    nb.type_into("ex2-clip", CLIP_WITHOUT_SUPER)
    menu(page, "Run", "Run All Cells")
    expect(
        nb.output("ex2-clip-test"),
        f"the test of the wrong Clip should fail with {CLIP_MESSAGE!r} after Run All",
    ).to_contain_text(CLIP_MESSAGE, timeout=RUN)
    ex1_test = nb.cell("ex1-running-mean-test")
    expect(
        ex1_test.locator(".jp-InputPrompt"),
        "the test of exercise 1 should have run (an execution count in its prompt)",
    ).to_have_text(re.compile(r"\[\d+\]"), timeout=UI)
    expect(
        ex1_test.locator(".jp-OutputArea-output"),
        "the test of the correct RunningMean should pass silently (no output)",
    ).to_have_count(0)
    nb.wait_idle("the kernel should be idle once Run All stopped at the failing test")
    nb.cell("ex2-clip-test").scroll_into_view_if_needed()
    screenshot(page, artifacts, "student-3-tests-after-answers")

    # 4. Validate: nbgrader runs the notebook and names the failing test, not the passing one.
    validate.click()
    dialog = page.locator(".jp-Dialog")
    expect(
        dialog.locator(".jp-Dialog-header"),
        "pressing Validate should open nbgrader's 'Validation Results' dialog",
    ).to_have_text(exact("Validation Results"), timeout=VALIDATE)
    message = dialog.locator("#validation-message")
    expect(message, "the validation result should say that a test cell failed").to_contain_text(
        "The following cell failed:", timeout=UI
    )
    expect(
        message, f"the validation result should show the Clip test's message {CLIP_MESSAGE!r}"
    ).to_contain_text(CLIP_MESSAGE)
    expect(
        message, "the validation result should show the source of the failing Clip test"
    ).to_contain_text("clip = Clip(-1.0, 1.0)")
    expect(
        message, "the validation result must not list the passing RunningMean test"
    ).not_to_contain_text(RUNNING_MEAN_MESSAGE)
    screenshot(page, artifacts, "student-4-validation-results")
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog, "the validation dialog should close with its OK button").to_be_hidden(timeout=UI)

    # 5. The quiz answers, typed key by key; save with File > Save; the file on disk holds
    #    every answer and the outputs the student saw.
    nb.type_into("quiz-answers", QUIZ, keystrokes=True)
    expect(nb.tab(), "the notebook tab should be marked as modified after typing").to_have_class(
        re.compile(r"\bjp-mod-dirty\b"), timeout=UI
    )
    menu(page, "File", "Save Notebook")
    expect(nb.tab(), "the notebook tab should lose its modified mark once saved").not_to_have_class(
        re.compile(r"\bjp-mod-dirty\b"), timeout=UI
    )
    nb.cell("quiz-answers").scroll_into_view_if_needed()
    screenshot(page, artifacts, "student-5-saved")

    saved = {
        cell.metadata.get("nbgrader", {}).get("grade_id"): cell
        for cell in nbformat.read(notebook, as_version=4).cells
    }
    assert saved["ex1-running-mean"].source.strip() == RUNNING_MEAN.strip(), (
        "the saved notebook should hold the RunningMean typed in the browser, got:\n"
        + saved["ex1-running-mean"].source
    )
    assert saved["ex2-clip"].source.strip() == CLIP_WITHOUT_SUPER.strip(), (
        "the saved notebook should hold the Clip typed in the browser, got:\n"
        + saved["ex2-clip"].source
    )
    assert saved["quiz-answers"].source.strip() == QUIZ, (
        "the saved notebook should hold the quiz answers typed key by key, got:\n"
        + saved["quiz-answers"].source
    )
    errors = [out.get("evalue", "") for out in saved["ex2-clip-test"].outputs]
    assert any(CLIP_MESSAGE in e for e in errors), (
        f"the saved notebook should keep the failing Clip test's output, got {errors}"
    )
