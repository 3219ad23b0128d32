"""The class report and the similar-submissions check, end to end: a simulated class of 40
with planted patterns (coursegrader/devtools/classsim.py) is graded by the course's own
autograder (workflow.autograde: nbgrader's preprocessors and gradebook), then reported.

* the exercise almost everyone fails (quiz q3) comes out hardest; the one the stronger half
  fails and the weaker half passes (quiz q2) gets the negative-discrimination mark; the
  exercises answered by ability do not;
* the broken notebook and the one that touches ``builtins`` are the flagged submissions;
* the due date, the late submission and the extension are the gradebook's;
* the two students who handed in the same code with renamed variables are the top similar
  pair, and no honest pair is worth a look;
* the page opens in headless Chromium with its plots (screenshot in
  test-artifacts/class-report/);
* the same gradebook on PostgreSQL gives the same page, byte for byte (and two terms side by
  side through --compare with a database URL).

One class is graded for the whole module, in the sandbox (its kernels forked by the fork
server, docs/grading.md).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest_pg import postgres  # noqa: F401 (the fixture)

from coursegrader.course.paths import COURSE_ROOT
from coursegrader.devtools.classsim import LESSON, planted_class, roles

pytestmark = pytest.mark.slow

N = 40
DUE = datetime(2026, 1, 15, 12, 0)
ARTIFACTS = COURSE_ROOT / "test-artifacts" / "class-report"
LATE = "student002"  # two days late, no extension
EXTENDED = "student040"  # one day late, with an extension of three days


def _submitted_at(student: str, i: int) -> datetime:
    if student == LATE:
        return DUE + timedelta(days=2)
    if student == EXTENDED:
        return DUE + timedelta(days=1)
    return DUE - timedelta(hours=20, minutes=i)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(api, grading folder) of the simulated class, graded, with a due date and one
    extension set in the gradebook."""
    from nbgrader.api import Gradebook

    from coursegrader import workflow
    from coursegrader.course.config import grading_environment
    from coursegrader.course.placement import place_submission
    from coursegrader.nbg.api import make_api

    root = tmp_path_factory.mktemp("class")
    with grading_environment(root / "grading"):
        api = make_api(**{"CourseDirectory.release_directory": str(root / "release")})
        submitted = Path(api.coursedir.submitted_directory)
        for i, (student, notebook) in enumerate(planted_class(N, root / "work").items()):
            place_submission(submitted, LESSON, student, notebook)
            stamp = _submitted_at(student, i).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            (submitted / student / LESSON / "timestamp.txt").write_text(stamp + "\n")
        # graded as an instructor grades, in the sandbox: its kernels are forked, which
        # takes a third of the CPU time of 40 kernels that each import torch
        run = workflow.autograde(LESSON, api=api, progress=False)
        assert len(run.results) == N
        # the due date and the extension, as nbgrader keeps them (written here with its own
        # API; the report only reads them)
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            gb.find_assignment(LESSON).duedate = DUE
            gb.find_submission(LESSON, EXTENDED).extension = timedelta(days=3)
            gb.db.commit()
        yield api, root / "grading"


@pytest.fixture(scope="module")
def report(graded):
    from coursegrader.classreport.build import class_report
    from coursegrader.course.config import grading_environment

    api, folder = graded
    with grading_environment(folder):
        return class_report(api, LESSON)


def test_the_planted_patterns_come_out_of_the_report(report):
    numbers = report.stats
    by_name = {c.name: c for c in numbers.cells}
    hardest = numbers.hardest()[0]
    assert hardest.name == "quiz-q3-test" and hardest.share_passed < 0.1, hardest
    assert "too hard" in hardest.marks
    assert any("Q3 is not right" in m and k >= 30 for m, k in hardest.failures), hardest
    q2 = by_name["quiz-q2-test"]
    assert q2.discrimination is not None and q2.discrimination < -0.5, q2
    assert "negative discrimination: test may be wrong" in q2.marks
    for name in ("ex2-clip-test", "ex4-tracked-test", "capstone-register-test"):
        assert by_name[name].discrimination > 0.5, by_name[name]
        assert by_name[name].marks == [], by_name[name]
    planted = roles(N)
    flags = {f.student: f.reasons for f in numbers.flags}
    assert set(flags) == {planted["broken"], planted["tampered"]}, flags
    assert flags[planted["broken"]][0].startswith("broken")
    assert "builtins" in flags[planted["tampered"]][0]
    assert len(numbers.graded) == N - 2
    assert numbers.duedate == DUE and numbers.submitted == N
    assert [s for s, _, _ in numbers.late] == [LATE] and numbers.on_time == N - 1
    assert numbers.extensions == [(EXTENDED, timedelta(days=3), DUE + timedelta(days=3))]


def test_the_copied_pair_is_the_top_similar_pair_and_honest_ones_are_not_flagged(graded):
    from coursegrader.classreport.build import similar_report
    from coursegrader.course.config import grading_environment

    api, folder = graded
    with grading_environment(folder):
        path, found = similar_report(api, LESSON)
    planted = roles(N)
    top = found.pairs[0]
    assert {top.a, top.b} == {planted["copy_a"], planted["copy_b"]}, found.pairs[:3]
    assert top.worth_a_look and top.score > 0.9
    assert [p for p in found.pairs[1:] if p.worth_a_look] == []
    assert found.students == N - 1 and found.unreadable == [planted["broken"]]
    page = path.read_text()
    assert "not a verdict" in page and "<mark>" in page


def _chromium() -> str:
    found = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "")
                  if p and os.access(p, os.X_OK)), None)
    if found is None:
        if os.environ.get("COURSE_SKIP_BROWSER_TESTS", "").strip() not in ("", "0"):
            pytest.skip("BROWSER TEST SKIPPED because COURSE_SKIP_BROWSER_TESTS is set: no "
                        "Chromium")
        pytest.fail("No Chromium: `make browser-deps` installs it", pytrace=False)
    return found


def test_the_page_opens_in_chromium_with_its_plots(report):
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(report.path.as_uri())
            plots = page.eval_on_selector_all(
                "img.plot", "imgs => imgs.map(i => [i.id, i.complete, i.naturalWidth, "
                "i.naturalHeight])")
            page.screenshot(path=str(ARTIFACTS / "class-report.png"), full_page=True)
            hardest = page.inner_text("#hardest")
        finally:
            browser.close()
    assert {p[0] for p in plots} == {"plot-histogram", "plot-cells"}, plots
    assert all(done and w > 100 and h > 100 for _, done, w, h in plots), plots
    assert hardest == "quiz-q3-test"
    assert (ARTIFACTS / "class-report.png").stat().st_size > 10_000


def _copy_gradebook(sqlite_url: str, pg_url: str, course_id: str) -> None:
    """Every row of the SQLite gradebook into a new PostgreSQL gradebook (nbgrader's own
    schema, made by nbgrader): the same data on the other database. That grading itself
    writes the same rows on PostgreSQL is test_postgres_gradebook.py's business."""
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine

    Gradebook(pg_url, course_id).close()
    source, target = create_engine(sqlite_url), create_engine(pg_url)
    try:
        with source.connect() as read, target.begin() as write:
            for table in reversed(Base.metadata.sorted_tables):
                write.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in read.execute(table.select())]
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()


def test_the_report_is_the_same_on_postgresql(graded, report, postgres, tmp_path):  # noqa: F811
    from coursegrader.classreport.build import class_report
    from coursegrader.course.config import grading_environment
    from coursegrader.nbg.api import make_api

    api, folder = graded
    pg_url = postgres.create_database("classreport")
    _copy_gradebook(api.coursedir.db_url, pg_url, api.coursedir.course_id)
    with grading_environment(folder):
        on_pg = make_api(**{"CourseDirectory.db_url": pg_url})
        assert on_pg.coursedir.autograded_directory == api.coursedir.autograded_directory
        again = class_report(on_pg, LESSON, out=tmp_path / "pg.html")
        both = class_report(api, LESSON, compare=pg_url, out=tmp_path / "both.html")
    assert again.path.read_bytes() == report.path.read_bytes()
    page = both.path.read_text()
    assert "id='compare'" in page and pg_url in page
    assert [(c.name, c.share_passed, c.discrimination) for c in both.other[1].cells] == [
        (c.name, c.share_passed, c.discrimination) for c in report.stats.cells]
