"""Our parallel autograder against plain nbgrader, on nbgrader's own cases.

nbgrader ships the notebooks of its own autograde tests in the installed package
(``nbgrader/tests/apps/files``: submitted-changed.ipynb, submitted-cheat-attempt.ipynb, ...;
``test_nbgrader_autograde.py`` says what each must give) and the example course of its
user guide (``docs/source/user_guide``: ps1 with problem1, problem2 and an image). They are
read from the installed package, never copied into this repository.

One temporary course holds two assignments -- ``ps1`` (the user guide's, two notebooks and
a supplementary image) and ``cases`` (one notebook, a data file, one submission per case) --
graded once by nbgrader's own serial autograde (NbGraderAPI.autograde, in this process) and
once by ours, each with its own gradebook. The gradebooks must be identical except where we
are deliberately stricter; each such difference is listed in docs/grading.md and asserted
here.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

NBGRADER = Path(__import__("nbgrader").__file__).parent
FILES = NBGRADER / "tests" / "apps" / "files"
GUIDE = NBGRADER / "docs" / "source" / "user_guide"
DUE = "2015-02-02 14:58:23.948203 America/Los_Angeles"
ON_TIME = "2015-02-01 14:58:23.948203 America/Los_Angeles"
LATE = "2015-02-02 15:58:23.948203 America/Los_Angeles"
# The kernel sandbox is not part of this comparison yet: nbgrader runs without one.
SANDBOX = False

pytestmark = pytest.mark.skipif(not FILES.is_dir() or not GUIDE.is_dir(),
                                reason="this nbgrader install ships no test files")

# student -> (notebook file of FILES, timestamp or None, extra files {name: text or path})
CASES = {
    "unchanged": ("submitted-unchanged.ipynb", ON_TIME, {}),
    "changed": ("submitted-changed.ipynb", None, {}),
    "late": ("submitted-unchanged.ipynb", LATE, {}),
    "empty-stamp": ("submitted-unchanged.ipynb", "", {}),
    "cheat": ("submitted-cheat-attempt.ipynb", None, {}),
    "cheat-alt": ("submitted-cheat-attempt-alternative.ipynb", None, {}),
    "grade-cell-changed": ("submitted-grade-cell-changed.ipynb", None, {}),
    "locked-cell-changed": ("submitted-locked-cell-changed.ipynb", None, {}),
    "extra-notebook": ("submitted-changed.ipynb", None,
                       {"p1 copy.ipynb": FILES / "submitted-unchanged.ipynb"}),
    "own-data": ("submitted-unchanged.ipynb", ON_TIME, {"data.csv": "some,other,data\n"}),
    "kernelspec": ("submitted-unchanged.ipynb", None, {}),  # submitted with kernel "blah"
}


# Where ours deliberately differs from nbgrader (docs/grading.md, "Where we differ"): a
# submission whose test failures do not reach the grader is held for review, with no
# automatic points, where nbgrader keeps its automatic points. nbgrader's second cheat
# attempt sets InteractiveShell.showtraceback = None: the canary cells after the tests no
# longer fail with their token, so ours holds it. (The first attempt, a lambda, leaves the
# errors in the replies, which nbgrader 0.9.6 records: both engines give it 1 point.)
HELD_BY_CANARY = {"cheat-alt": "canary check failed after foo, bar"}


def held_for_review(root: Path) -> dict[str, str]:
    """case -> why ours holds it: the canary cases above, and whatever the integrity scan
    (integrity.py) flags in the submitted notebook."""
    from coursegrader.integrity.scan import scan_submission

    released = nbformat.read(root / "ours" / "release" / "cases" / "p1.ipynb", as_version=4)
    held = dict(HELD_BY_CANARY)
    for case, (notebook, _, _) in CASES.items():
        reasons = scan_submission(nbformat.read(FILES / notebook, as_version=4), released)
        if reasons:
            held.setdefault(case, reasons[0])
    return held


def _build_course(root: Path) -> None:
    source = root / "source"
    shutil.copytree(GUIDE / "source" / "ps1", source / "ps1")
    (source / "cases").mkdir(parents=True)
    shutil.copyfile(FILES / "submitted-unchanged.ipynb", source / "cases" / "p1.ipynb")
    (source / "cases" / "data.csv").write_text("some,data\n")


def _submit(submitted: Path) -> list[tuple[str, str]]:
    """Every submission of both assignments; returns (assignment, student) pairs."""
    done = []
    for student, (notebook, stamp, extra) in CASES.items():
        folder = submitted / student / "cases"
        folder.mkdir(parents=True)
        shutil.copyfile(FILES / notebook, folder / "p1.ipynb")
        if student == "kernelspec":
            nb = nbformat.read(folder / "p1.ipynb", as_version=4)
            nb.metadata["kernelspec"] = {"name": "blah", "display_name": "blah"}
            nbformat.write(nb, folder / "p1.ipynb")
        if stamp is not None:
            (folder / "timestamp.txt").write_text(stamp)
        for name, content in extra.items():
            if isinstance(content, Path):
                shutil.copyfile(content, folder / name)
            else:
                (folder / name).write_text(content)
        done.append(("cases", student))
    for student in ("bitdiddle", "hacker"):
        shutil.copytree(GUIDE / "submitted" / student / "ps1", submitted / student / "ps1")
        done.append(("ps1", student))
    # one notebook of two: the other scores 0 (nbgrader's test_grade_missing_notebook)
    folder = submitted / "half" / "ps1"
    folder.mkdir(parents=True)
    shutil.copyfile(GUIDE / "submitted" / "hacker" / "ps1" / "problem1.ipynb",
                    folder / "problem1.ipynb")
    done.append(("ps1", "half"))
    return done


def _snapshot(api) -> dict:
    """Everything the gradebook says about every submission, and the autograded files."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for assignment in ("ps1", "cases"):
            for sub in gb.assignment_submissions(assignment):
                key = (assignment, sub.student.id)
                row = out[key] = {
                    "timestamp": sub.timestamp,
                    "late_penalty": sub.late_submission_penalty,
                    "score": sub.score, "max_score": sub.max_score,
                    "needs_manual_grade": sub.needs_manual_grade,
                    "notebooks": {},
                }
                for nb in sub.notebooks:
                    row["notebooks"][nb.name] = {
                        "grades": {g.name: (g.auto_score, g.manual_score, g.max_score,
                                            g.needs_manual_grade) for g in nb.grades},
                        "comments": {c.name: c.auto_comment for c in nb.comments},
                    }
    autograded = Path(api.coursedir.autograded_directory)
    for (assignment, student), row in out.items():
        folder = autograded / student / assignment
        row["files"] = {
            str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()
        } if folder.exists() else None
    return out


@dataclass
class Parity:
    plain: dict
    ours: dict
    results: dict  # ours: assignment -> {student: SubmissionResult}
    root: Path


@pytest.fixture(scope="module")
def parity(tmp_path_factory) -> Parity:
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    from coursegrader.course.config import grading_environment
    from coursegrader.engine.pipeline import autograde_parallel
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.lessons import generate_lesson

    root = tmp_path_factory.mktemp("parity")
    _build_course(root / "course")
    snapshots, results = {}, {}
    for engine in ("plain", "ours"):
        with grading_environment(root / engine):
            api = make_api(**{
                "CourseDirectory.root": str(root / "course"),
                "CourseDirectory.source_directory": "source",
                "CourseDirectory.release_directory": str(root / engine / "release"),
                # nbgrader's own late plugin (the course configures its own, LatePenalty)
                "AssignLatePenalties.plugin_class": "nbgrader.plugins.LateSubmissionPlugin",
                "LateSubmissionPlugin.penalty_method": "zero",
            })
            with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
                gb.update_or_create_assignment("cases", duedate=parse_utc(DUE))
            for assignment in ("ps1", "cases"):
                generate_lesson(api, assignment)
            pairs = _submit(Path(api.coursedir.submitted_directory))
            for assignment in ("ps1", "cases"):
                students = [s for a, s in pairs if a == assignment]
                if engine == "plain":  # nbgrader's own autograde, one after another
                    for student in students:
                        api.autograde(assignment, student)
                else:
                    results[assignment] = autograde_parallel(
                        assignment, students, api=api, jobs=2, progress=False,
                        sandbox=SANDBOX)
            snapshots[engine] = _snapshot(api)
    return Parity(snapshots["plain"], snapshots["ours"], results, root)


def _same_except_review(plain: dict, ours: dict) -> None:
    assert ours["timestamp"] == plain["timestamp"]
    assert ours["max_score"] == plain["max_score"]
    assert ours["files"] == plain["files"]
    assert ours["needs_manual_grade"] and ours["score"] == 0
    for name, nb in plain["notebooks"].items():
        mine = ours["notebooks"][name]
        for grade, (auto, _manual, max_score, _) in nb["grades"].items():
            got = mine["grades"][grade]
            assert got[2] == max_score
            if auto is not None:  # every automatic grade withheld, marked for a person
                assert got[0] == 0 and got[3] is True, (grade, got)
        for comment, text in mine["comments"].items():
            assert text.startswith("Automatic grade withheld, needs review"), (comment, text)


@pytest.mark.slow
def test_same_submissions_in_both_gradebooks(parity):
    assert sorted(parity.plain) == sorted(parity.ours)
    expected = {("cases", s) for s in CASES} | {("ps1", s) for s in ("bitdiddle", "hacker",
                                                                      "half")}
    assert set(parity.ours) == expected


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_cases_match_nbgrader(parity, case):
    plain, ours = parity.plain[("cases", case)], parity.ours[("cases", case)]
    held = held_for_review(parity.root)
    if case in held:
        _same_except_review(plain, ours)
        result = parity.results["cases"][case]
        assert result.status == "review" and held[case] in " ".join(result.review)
    else:
        assert ours == plain
        assert parity.results["cases"][case].status == "graded"


@pytest.mark.slow
@pytest.mark.parametrize("student", ["bitdiddle", "hacker", "half"])
def test_two_notebook_assignment_matches_nbgrader(parity, student):
    plain, ours = parity.plain[("ps1", student)], parity.ours[("ps1", student)]
    assert ours == plain
    assert sorted(ours["notebooks"]) == ["problem1", "problem2"]
    result = parity.results["ps1"][student]
    assert result.status == "graded" and result.max_score == plain["max_score"]


@pytest.mark.slow
def test_what_nbgrader_says_each_case_gives(parity):
    """The numbers of nbgrader's own test_nbgrader_autograde.py, on our gradebook."""
    ours = parity.ours
    p1 = {s: ours[("cases", s)]["notebooks"]["p1"] for s in CASES}

    def score(student):
        return sum((a or 0) if m is None else m for a, m, _, _ in p1[student]["grades"].values())

    assert score("unchanged") == 1 and score("changed") == 2  # test_grade
    for cheat in ("cheat", "cheat-alt"):  # test_showtraceback_exploit: no free points
        assert score(cheat) <= 1
    assert ours[("cases", "changed")]["needs_manual_grade"]
    assert ours[("cases", "unchanged")]["late_penalty"] == 0  # test_grade_timestamp
    assert ours[("cases", "late")]["late_penalty"] == 1  # penalty "zero": all points lost
    assert ours[("cases", "empty-stamp")]["timestamp"] is None  # test_grade_empty_timestamp
    assert "empty" in " ".join(parity.results["cases"]["empty-stamp"].notes)
    files = ours[("cases", "extra-notebook")]["files"]  # test_skip_extra_notebooks
    assert "p1.ipynb" in files and "p1 copy.ipynb" not in files
    own = parity.root / "ours" / "autograded" / "own-data" / "cases" / "data.csv"
    assert own.read_text() == "some,data\n"  # test_grade_overwrite_files: the source's copy
    assert ours[("cases", "kernelspec")]["files"]  # test_incorrect_submitted_kernelspec
    half = ours[("ps1", "half")]  # test_grade_missing_notebook
    assert all(a == 0 for a, _, _, _ in half["notebooks"]["problem2"]["grades"].values())
    assert not any(g[3] for g in half["notebooks"]["problem2"]["grades"].values())
    for student in ("bitdiddle", "hacker"):  # supplementary files, read-only (test_permissions)
        assert ours[("ps1", student)]["files"]["jupyter.png"] == 0o444
    assert ours[("ps1", "hacker")]["score"] > 0


def test_parity_reads_nbgrader_files_from_the_installed_package():
    assert (FILES / "submitted-cheat-attempt.ipynb").is_file()
    assert not list(Path(__file__).parents[1].rglob("submitted-cheat-attempt*.ipynb"))
    assert os.path.commonpath([FILES, NBGRADER]) == str(NBGRADER)
