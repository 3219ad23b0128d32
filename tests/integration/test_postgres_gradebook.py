"""The gradebook on PostgreSQL (COURSE_DB_URL=postgresql://...), against a real server.

Two writers at once: while the parallel autograder writes its grades, another process does
what the formgrader does (nbgrader's Gradebook API: a manual grade and a comment on one
student's cells, committed again and again). Nothing is lost on either side.

That a round on PostgreSQL records exactly what the same round records on SQLite is checked
beside the session's grading round, in that round's file (tests/integration/test_grading_round.py:
the round is made once a run only where the tests that use it are in one file).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest_pg import cell_scores, pg_round, postgres  # noqa: F401 (the fixture)

from conftest import load_variants, make_variant
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

pytestmark = pytest.mark.slow

LESSON = "01-python-classes"
WRONG = "clip-forgets-super"


# The formgrader's kind of write, in another process: what nbgrader's formgrader API handler
# does when an instructor types a manual grade or a comment (find the row, set it, commit).
FORMGRADER_WRITER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from nbgrader.api import Gradebook

    db_url, lesson, student, stop, ready = sys.argv[1:6]
    written, commits, start = {}, 0, time.time()
    with Gradebook(db_url) as gb:
        nb = gb.find_submission_notebook(lesson, lesson, student)
        grade_ids = [g.id for g in nb.grades]
        comment_ids = [c.id for c in nb.comments]
        Path(ready).write_text("ready")
        while not Path(stop).exists() and time.time() - start < 300:
            for gid in grade_ids:
                grade = gb.find_grade_by_id(gid)
                grade.manual_score = (commits % 7) * 0.5
                gb.db.commit()
                written["grade", grade.name] = grade.manual_score
                commits += 1
            for cid in comment_ids:
                comment = gb.find_comment_by_id(cid)
                comment.manual_comment = f"note {commits}"
                gb.db.commit()
                written["comment", comment.name] = comment.manual_comment
                commits += 1
    print(json.dumps({"commits": commits, "start": start, "end": time.time(),
                      "written": [[k[0], k[1], v] for k, v in written.items()]}))
""")


def test_formgrader_writes_while_autograding_on_postgresql(postgres, tmp_path):  # noqa: F811
    variant = load_variants(LESSON)[WRONG]
    wrong = make_variant(LESSON, variant["replace"], tmp_path / "wrong.ipynb")
    db_url = postgres.create_database("two_writers")
    # the student the instructor grades by hand, autograded first
    api, first = pg_round(db_url, tmp_path, LESSON, {"manual": lesson_notebook(LESSON)})
    assert first["manual"].success, first["manual"].error

    stop, ready = tmp_path / "stop", tmp_path / "ready"
    writer = subprocess.Popen(
        [sys.executable, "-c", FORMGRADER_WRITER, db_url, LESSON, "manual", str(stop),
         str(ready)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # the writer imports nbgrader's gradebook first
        assert ready.exists(), f"the formgrader-like writer did not start: {writer.stderr}"

        from coursegrader.course.placement import place_submission
        from coursegrader.engine.pipeline import autograde_parallel

        others = {"a-perfect": lesson_notebook(LESSON), "b-blank":
                  lesson_notebook(LESSON, NOTEBOOKS_DIR), f"c-{WRONG}": wrong,
                  "d-perfect": lesson_notebook(LESSON)}
        submitted = Path(api.coursedir.submitted_directory)
        for name, notebook in others.items():
            place_submission(submitted, LESSON, name, notebook)
        grading_start = time.time()
        results = autograde_parallel(LESSON, list(others), api=api, progress=False)
        grading_end = time.time()
    finally:
        stop.write_text("stop")
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, f"the formgrader-like writer failed:\n{err[-3000:]}"
    report = json.loads(out)
    assert report["start"] < grading_end and report["end"] > grading_start, (
        "the two writers did not overlap in time: the test proves nothing")
    assert report["commits"] >= 20, f"only {report['commits']} manual writes happened"
    print(f"{report['commits']} manual writes in {report['end'] - report['start']:.1f} s beside "
          f"{len(others)} autograded submissions ({grading_end - grading_start:.1f} s)")

    for name, result in results.items():
        assert result.success, f"autograding {name} beside the formgrader failed: {result.error}"
    scores = cell_scores(db_url, LESSON, [*others, "manual"])
    full = sum(v[2] for (st, _), v in scores.items() if st == "manual")
    lost = sum(scores[(f"c-{WRONG}", g)][2] for g in variant["loses"])
    expected = {"a-perfect": full, "b-blank": 0, f"c-{WRONG}": full - lost, "d-perfect": full}
    for name, total in expected.items():
        got = sum(v[0] or 0 for (st, _), v in scores.items() if st == name)
        assert got == total, f"{name}: the autograder's grades were lost or changed ({got})"

    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        nb = gb.find_submission_notebook(LESSON, LESSON, "manual")
        grades = {g.name: g.manual_score for g in nb.grades}
        comments = {c.name: c.manual_comment for c in nb.comments}
    for kind, name, value in report["written"]:
        stored = grades[name] if kind == "grade" else comments[name]
        assert stored == value, f"the last manual {kind} of {name} was lost: {stored!r} != {value!r}"
