"""classreport/html.py, text.py and gather.py: the page, the terminal summary, the failure
messages read from saved notebooks."""

from __future__ import annotations

import base64

import nbformat
import pytest
from test_class_stats import planted, records, submission

from coursegrader.classreport import gather, html, similar, stats, text
from coursegrader.errors import CourseError


def test_the_page_has_every_section_and_is_the_same_for_the_same_numbers():
    numbers = stats.class_stats(planted())
    page = html.render_report(numbers)
    assert page == html.render_report(stats.class_stats(planted()))  # byte for byte
    for part in ("id='class'", "id='cells'", "id='flags'", "id='hardest'", "plot-histogram",
                 "plot-cells", "negative discrimination: test may be wrong",
                 "the rest of the score"):
        assert part in page
    assert "id='compare'" not in page
    png = page.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(png).startswith(b"\x89PNG")


def test_two_terms_side_by_side():
    page = html.render_report(stats.class_stats(planted()),
                              ("last term", stats.class_stats(planted(10))))
    assert "id='compare'" in page and "last term" in page


def test_the_terminal_summary_names_the_hardest_and_the_marks():
    said = text.format_class(stats.class_stats(planted()), "r.html")
    assert "t-wrong: negative discrimination" in said and "20 submitted" in said
    subs = [submission(f"s{i}", [1.0, 2.0, 2.0 if i else 0.0, 0.0]) for i in range(10)]
    said = text.format_class(stats.class_stats(records(subs)), "r.html")
    assert "hardest test cell: t-wrong (0% passed)" in said


def test_the_similarity_page_says_it_is_a_hint():
    pair = similar.Pair("ada", "ben", 0.9, (0.9, 0.9), 200, ("<mark>x</mark>", "y"))
    page = html.render_similar(similar.Similarity("01-x", 2, [], [pair]))
    assert similar.CAVEAT in page and "worth a look" in page and "<mark>x</mark>" in page
    said = text.format_similar(similar.Similarity("01-x", 2, [], [pair]), "s.html")
    assert "worth a look: ada and ben" in said and similar.CAVEAT in said


def test_failure_messages_come_from_the_saved_error_outputs(tmp_path):
    from memory_notebooks import make_test_cell, notebook

    cell = make_test_cell("t-good")
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError",
                                           evalue="got 2\nmore", traceback=[])]
    folder = tmp_path / "ada" / "01-x"
    folder.mkdir(parents=True)
    nbformat.write(notebook(cell), folder / "nb.ipynb")
    records = {"lesson": "01-x", "submissions": [{"student": "ada", "grades": {
        ("nb", "t-good"): {"score": 0.0, "max": 2.0}}}]}
    found = gather.failure_messages(gather.Term("t", records, tmp_path))
    assert found == {("ada", "nb", "t-good"): "AssertionError: got 2"}


def test_compare_needs_a_gradebook_there(tmp_path):
    with pytest.raises(CourseError, match="no gradebook there"):
        gather.other_gradebook(str(tmp_path))
    (tmp_path / "gradebook.db").write_bytes(b"")
    url, autograded = gather.other_gradebook(str(tmp_path))
    assert url == f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert autograded == tmp_path / "autograded"
    assert gather.other_gradebook("postgresql://u@/db") == ("postgresql://u@/db", None)


def test_another_terms_database_password_is_not_shown():
    assert gather.without_password("postgresql://me:s3cret@db/x") == "postgresql://me:***@db/x"
    assert gather.without_password("postgresql://me@/x?host=/tmp") == "postgresql://me@/x?host=/tmp"
