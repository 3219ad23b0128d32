"""A real autograding round through nbgrader's gradebook (see conftest.grading_round)."""

from __future__ import annotations

import csv

import pytest
from conftest_pg import cell_scores, pg_round, postgres  # noqa: F401 (the fixture)

from conftest import LESSONS, graded_cells, load_correct, load_variants, make_variant, merged
from coursegrader.course.paths import NOTEBOOKS_DIR, lesson_notebook

VARIANT_CASES = [(lesson, name) for lesson in LESSONS for name in load_variants(lesson)]
CORRECT_CASES = [(lesson, name) for lesson in LESSONS for name in load_correct(lesson)]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solution_gets_full_marks(lesson, grading_round):
    result = grading_round.results[(lesson, "perfect")]
    assert result.success, result.error
    total = sum(graded_cells(lesson).values())
    assert result.max_score == total
    lost = {g: c.score for g, c in result.cells.items() if c.score != c.max_score}
    assert result.score == total, f"the reference solution of {lesson} loses points: {lost}"
    assert result.status == "graded", f"{lesson}: the reference held for review: {result.review}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_student_notebook_gets_zero(lesson, grading_round):
    result = grading_round.results[(lesson, "blank")]
    assert result.success, result.error
    earned = {g: c.score for g, c in result.cells.items() if c.score}
    assert result.score == 0, f"the blank notebook of {lesson} earns points: {earned}"
    assert result.status == "graded", f"{lesson}: the blank held for review: {result.review}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_wrong_submissions(lesson):
    assert load_variants(lesson), f"tests/submissions/{lesson}.py defines no wrong submission"


@pytest.mark.slow
@pytest.mark.parametrize(("lesson", "variant"), VARIANT_CASES)
def test_wrong_submission_loses_exactly_its_exercise(lesson, variant, grading_round):
    """Each wrong answer loses its own test cells. Answers that replace different cells are
    graded together (conftest.pack): their test cells are apart, so the submission must lose
    exactly the union, and this answer's cells among them."""
    spec = grading_round.variants[lesson][variant]
    student = grading_round.graded_as[(lesson, variant)]
    together = [n for (ls, n), s in grading_round.graded_as.items()
                if ls == lesson and s == student and n in grading_round.variants[lesson]]
    lost = set(merged(grading_round.variants[lesson], together)["loses"])
    result = grading_round.results[(lesson, student)]
    assert result.success, result.error
    cells = graded_cells(lesson)
    got = {g: c.score for g, c in result.cells.items()}
    assert all(got.get(g) == 0.0 for g in spec["loses"]), (
        f"{lesson}/{variant} (graded as {student}) keeps points on {spec['loses']}: {got}")
    expected = {g: (0.0 if g in lost else p) for g, p in cells.items()}
    assert got == expected, (f"{lesson}/{variant} (graded as {student}, with {together}): "
                             f"expected scores {expected}, got {got}")
    assert result.score == sum(cells.values()) - sum(cells[g] for g in lost)
    assert result.status == "graded", f"{lesson}/{variant} held for review: {result.review}"


@pytest.mark.slow
def test_grades_export_to_csv(grading_round):
    with open(grading_round.csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_key = {(r["assignment"], r["student_id"]): r for r in rows}
    for (lesson, student), result in grading_round.results.items():
        row = by_key.get((lesson, student))
        assert row is not None, f"{lesson}/{student} missing from the CSV export"
        assert float(row["raw_score"]) == result.score
        assert float(row["max_score"]) == result.max_score


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_correct_answers_written_differently_get_full_marks(lesson, grading_round):
    """Every entry of CORRECT in tests/submissions/<lesson>.py: right, but not the
    reference's code. The tests must not demand the reference's way of writing it.
    (A lesson without a CORRECT dict has nothing to check here.)"""
    total = sum(graded_cells(lesson).values())
    for name in grading_round.correct[lesson]:
        result = grading_round.results[(lesson, grading_round.graded_as[(lesson, name)])]
        assert result.success, f"{lesson}/{name}: {result.error}"
        assert result.status == "graded", f"{lesson}/{name} held for review: {result.review}"
        lost = {g: c.score for g, c in result.cells.items() if c.score != c.max_score}
        assert result.score == total, f"{lesson}/{name} loses points: {lost}"


def test_correct_answers_name_real_cells():
    """A CORRECT entry must replace answer cells the lesson has (checked without grading)."""
    import nbformat

    from coursegrader.course import cells
    from coursegrader.course.paths import lesson_notebook

    for lesson, name in CORRECT_CASES:
        spec = load_correct(lesson)[name]
        assert "loses" not in spec, f"{lesson}/{name}: a correct answer loses nothing"
        nb = nbformat.read(lesson_notebook(lesson), as_version=4)
        answers = cells.answers(nb)
        unknown = set(spec["replace"]) - set(answers)
        assert not unknown, f"{lesson}/{name} replaces cells that are no answers: {unknown}"


# ---- the same round on PostgreSQL

PG_LESSON = "01-python-classes"
PG_WRONG = "clip-forgets-super"


@pytest.mark.slow
def test_grading_round_on_postgresql_matches_sqlite(postgres, grading_round,  # noqa: F811
                                                    tmp_path):
    """The gradebook on PostgreSQL (a real server: tests/integration/conftest_pg.py): lesson
    01's reference solution, blank notebook and a wrong submission record on PostgreSQL
    exactly what this round recorded on SQLite, every cell's score. (Here, beside the round:
    a session fixture is made once in each worker that uses it, and this file runs in one.)"""
    # the very submission the SQLite round graded the wrong answer in (with the answers packed beside it)
    wrong = grading_round.graded_as[(PG_LESSON, PG_WRONG)]
    together = [n for (lesson, n), s in grading_round.graded_as.items()
                if lesson == PG_LESSON and s == wrong and n in grading_round.variants[PG_LESSON]]
    variant = merged(grading_round.variants[PG_LESSON], together)
    students = {
        "perfect": lesson_notebook(PG_LESSON),
        "blank": lesson_notebook(PG_LESSON, NOTEBOOKS_DIR),
        wrong: make_variant(PG_LESSON, variant["replace"], tmp_path / "wrong.ipynb"),
    }
    db_url = postgres.create_database("round")
    _, results = pg_round(db_url, tmp_path, PG_LESSON, students)
    for name, result in results.items():
        assert result.success, f"autograding {name} on PostgreSQL failed: {result.error}"

    on_pg = cell_scores(db_url, PG_LESSON, list(students))
    sqlite = "sqlite:///" + str(grading_round.grading_dir / "gradebook.db")
    on_sqlite = cell_scores(sqlite, PG_LESSON, list(students))
    assert on_pg, "the PostgreSQL gradebook recorded no grades"
    assert on_pg == on_sqlite, (
        "PostgreSQL and SQLite gradebooks differ (student, cell): (auto, manual, max):\n"
        + "\n".join(f"{key}: pg {on_pg.get(key)} sqlite {on_sqlite.get(key)}"
                    for key in sorted(set(on_pg) | set(on_sqlite))
                    if on_pg.get(key) != on_sqlite.get(key)))
    # and the round graded: full marks, zero, and exactly the wrong exercise lost
    totals = {s: sum(v[0] or 0 for (st, _), v in on_pg.items() if st == s) for s in students}
    full = sum(v[2] for (st, _), v in on_pg.items() if st == "perfect")
    lost = sum(on_pg[(wrong, g)][2] for g in variant["loses"])
    assert totals == {"perfect": full, "blank": 0, wrong: full - lost}, totals
