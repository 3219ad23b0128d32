"""nbgrader configuration of the course.

The repository is the nbgrader course directory:

    solutions/NN-slug/   source   (instructor notebooks, with solutions and hidden tests)
    notebooks/NN-slug/   release  (student notebooks, generated from solutions/)
    grading/             everything an instructor produces while grading, ignored by git:
                         submitted/, autograded/, feedback/, gradebook.db, exchange/

nbgrader finds this file through JUPYTER_CONFIG_PATH, which the Makefile and the `course`
command set. Three environment variables move the instructor's working data elsewhere:

    COURSE_GRADING_DIR   folder for submitted/autograded/feedback/exchange/gradebook
    COURSE_DB_URL        any SQLAlchemy URL for the gradebook (default: SQLite in that folder)
    COURSE_RELEASE_DIR   folder that release writes the student notebooks to (default: notebooks/)
"""

import os
import sys

# The grading-folder rule lives in coursegrader/course/paths.py (next to this file).
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coursegrader.course.paths import (  # noqa: E402
    COURSE_ROOT,
    SOLUTIONS_DIR,
    db_url,
    grading_dir,
    release_directory,
)

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

GRADING_DIR = str(grading_dir())

c.CourseDirectory.course_id = "pytorch-course"
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.source_directory = SOLUTIONS_DIR.name
c.CourseDirectory.release_directory = release_directory()
# Absolute paths: nbgrader joins them onto the root, which leaves an absolute path as it is.
c.CourseDirectory.submitted_directory = os.path.join(GRADING_DIR, "submitted")
c.CourseDirectory.autograded_directory = os.path.join(GRADING_DIR, "autograded")
c.CourseDirectory.feedback_directory = os.path.join(GRADING_DIR, "feedback")
c.CourseDirectory.solution_directory = os.path.join(GRADING_DIR, "solution")
c.CourseDirectory.source_with_tests_directory = os.path.join(GRADING_DIR, "source_with_tests")
c.CourseDirectory.db_url = db_url()

# The exchange that release/fetch/submit/collect use on one machine: a folder of the course,
# so that nobody needs root to create /srv/nbgrader/exchange.
c.Exchange.root = os.path.join(GRADING_DIR, "exchange")
# nbgrader's record of what was submitted from this machine (default: the user's Jupyter data
# folder), kept with the course so that tests and demos leave the home folder alone.
c.Exchange.cache = os.path.join(GRADING_DIR, "exchange-cache")

# Per-cell time limit while validating and autograding. nbgrader reads it from
# Execute.timeout (ExecutePreprocessor.timeout is ignored by nbgrader 0.9).
c.Execute.timeout = 120
c.Execute.startup_timeout = 120
c.Execute.interrupt_on_timeout = True
# After a cell's reply, nbclient waits this long for the rest of its output; nbgrader then
# stops the whole notebook (raise_on_iopub_timeout). The default, 4 s, is passed on a busy
# machine grading on every core, and an honest submission lost every later cell.
c.Execute.iopub_timeout = 30

# What a student sees in place of a removed solution.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError('Replace this line with your code.')"
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Student notebooks leave out the comments meant for nbval (# NBVAL_CHECK_OUTPUT): the
# solutions keep them, and CI runs the solutions. StripToolingComments first, then
# nbgrader 0.9's own list, named as strings (see GenerateFeedback below for why);
# tests/content/test_course_notebooks.py fails if notebooks/ differs from what this makes.
c.GenerateAssignment.preprocessors = [
    "coursegrader.engine.preprocessors.strip_tooling_comments.StripToolingComments",
    *(f"nbgrader.preprocessors.{name}" for name in (
        "headerfooter.IncludeHeaderFooter", "instantiatetests.InstantiateTests",
        "lockcells.LockCells", "clearsolutions.ClearSolutions", "clearoutput.ClearOutput",
        "checkcellmetadata.CheckCellMetadata", "computechecksums.ComputeChecksums",
        "savecells.SaveCells", "clearhiddentests.ClearHiddenTests",
        "clearmarkingscheme.ClearMarkScheme", "computechecksums.ComputeChecksums",
        "checkcellmetadata.CheckCellMetadata")),
]

# Students are added to the gradebook the first time they are autograded.
c.Autograde.create_student = True

# A test cell a student deleted is put back and run (nbgrader's default scores it 0 silently).
c.OverwriteCells.add_missing_cells = True

# Feedback never shows hidden tests (nbgrader shows them: its issues #917, #1363), neither
# in a test cell nor in any output (student code can print what the kernel ran).
# HideHiddenTests lives in grader/coursegrader/engine/preprocessors/hide_hidden_tests.py,
# importable from this folder. Named, not imported: nbconvert imports it when feedback is
# made, so loading this file (which every grading step does) imports no preprocessor.
c.GenerateFeedback.preprocessors = [
    "coursegrader.engine.preprocessors.hide_hidden_tests.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Due dates, one per lesson: the one setting that grading (nbgrader's Assignment.duedate,
# set whenever a lesson is generated or graded), the late penalty below and the first cell
# of each student notebook (`course generate`) read; coursegrader/course/deadlines.py.
# Times without an offset are in `timezone` (an IANA name). A lesson not named here has no
# due date. Left empty in the repository: a class sets its own term's dates, then runs
# `make notebooks` so that the notebooks show them; `course extend LESSON STUDENT --days N`
# gives one student more time.
c.CourseDeadlines.timezone = "UTC"
c.CourseDeadlines.due = {
    # "01-python-classes": "2027-01-22 23:59",
}

# Late work loses a share of its score per day or part of a day late, counted from the due
# date plus the student's extension (nbgrader's own plugin only knows "none" and "zero").
# Named, not imported, like the preprocessors above; coursegrader/nbg/late_penalty.py.
c.AssignLatePenalties.plugin_class = "coursegrader.nbg.late_penalty.LatePenalty"
c.LatePenalty.per_day = 0.1
c.LatePenalty.grace_minutes = 0
