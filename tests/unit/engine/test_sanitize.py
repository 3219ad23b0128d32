"""engine/sanitize.py: the checks before nbgrader sees a submission."""

from __future__ import annotations

import nbformat
from memory_notebooks import make_test_cell, notebook

from coursegrader.engine import sanitize


def test_preflight(tmp_path):
    nbformat.write(notebook(make_test_cell()), tmp_path / "my copy.ipynb")
    reason, notes = sanitize.preflight(tmp_path, ["lesson"])
    assert reason == "" and (tmp_path / "lesson.ipynb").exists() and "my copy" in notes[0]
    (tmp_path / "lesson.ipynb").write_text("{not json")
    reason, _ = sanitize.preflight(tmp_path, ["lesson"])
    assert "not valid JSON" in reason
    (tmp_path / "lesson.ipynb").write_text("")
    assert "is empty" in sanitize.preflight(tmp_path, ["lesson"])[0]
    # two notebooks expected: one present is enough (the other scores 0, as in nbgrader)
    two = tmp_path / "two"
    two.mkdir()
    nbformat.write(notebook(make_test_cell()), two / "problem1.ipynb")
    assert sanitize.preflight(two, ["problem1", "problem2"]) == ("", [])
    assert "no notebook named" in sanitize.preflight(two, ["other", "another"])[0]


def test_reason_and_warnings_from_an_nbgrader_log():
    log = ("[WARNING] Cell with id 'x' exists multiple times!\n"
           "[ERROR] There was an error processing assignment\n"
           "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{'\n")
    assert sanitize.reason_from_log(log).startswith("nbformat.reader.NotJSONError")
    assert sanitize.warnings(["Cell with id 'x' exists multiple times!", "Removing x"]) == [
        "Cell with id 'x' exists multiple times!"]
    assert sanitize.reason_from_log("") == "unknown error"
