"""The feedback preprocessor on notebooks built in memory: no output shows a line of a hidden
test, however it was printed, and honest output stays as it was."""

from __future__ import annotations

import pprint

import nbformat

from coursegrader.engine.preprocessors.hide_hidden_tests import HIDDEN_NOTE, HideHiddenTests
from coursegrader.integrity.hidden_text import REMOVED_NOTE, HiddenText

HIDDEN_LINE = 'assert area(4, 5) == 20, "area(4, 5) should be 20, not a sum"'
TEST = ('assert area(2, 3) == 6, "area(2, 3) should be 6"\n'
        "### BEGIN HIDDEN TESTS\n"
        f"{HIDDEN_LINE}\n"
        "pass\n"
        "ok = True\n"
        "assert ok\n"
        "### END HIDDEN TESTS\n")


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def notebook(*answer_outputs, test_outputs=()):
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def area(w, h):\n    return w * h\nok = True")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1"}
    answer.outputs = list(answer_outputs)
    test = nbformat.v4.new_code_cell(TEST)
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "ex1-test",
                                 "points": 2}
    test.outputs = list(test_outputs)
    nb.cells = [answer, test]
    return nb


def feedback(nb):
    nb, _ = HideHiddenTests().preprocess(nb, {})
    return nb


def shown(nb) -> str:
    """Everything of the notebook that the feedback page renders, as one string."""
    return nbformat.writes(nb)


def test_print_of_the_input_history_is_removed():
    history = ["", "def area(w, h):\n    return w * h", TEST]
    nb = feedback(notebook(stream(f"before\n{history}\nafter\n")))
    out = nb.cells[0].outputs[0]
    assert out.text == f"before\n{REMOVED_NOTE}\nafter\n"
    assert "area(4, 5) == 20" not in shown(nb)


def test_a_printed_hidden_line_is_removed_from_its_line_only():
    nb = feedback(notebook(stream(f"cell ran:\n    {HIDDEN_LINE}\nloss 0.25\n")))
    assert nb.cells[0].outputs[0].text == f"cell ran:\n{REMOVED_NOTE}\nloss 0.25\n"


def test_generic_lines_of_a_hidden_test_leave_honest_output_alone():
    text = "pass\nassert okay\nok\nassert ok_count > 0\n"
    nb = feedback(notebook(stream(text)))
    assert nb.cells[0].outputs[0].text == text


def test_a_line_the_feedback_shows_anyway_is_not_looked_for():
    # "ok = True" is in the student's own cell too, which the feedback shows; "pass" is
    # generic syntax
    hidden = HiddenText.of(notebook())
    assert hidden.lines == sorted([HIDDEN_LINE, "assert ok"])
    nb = feedback(notebook(stream("ok = True\n")))
    assert nb.cells[0].outputs[0].text == "ok = True\n"


def test_html_display_data_is_replaced_whole():
    page = f"<pre><span>{HIDDEN_LINE[:10]}</span>{HIDDEN_LINE[10:]}</pre>".replace('"', "&quot;")
    out = nbformat.v4.new_output("display_data", data={"text/html": page,
                                                       "text/plain": "<HTML>"})
    nb = feedback(notebook(out))
    assert nb.cells[0].outputs[0].data == {"text/plain": REMOVED_NOTE}


def test_a_result_whose_repr_holds_a_hidden_line_is_replaced():
    out = nbformat.v4.new_output("execute_result", execution_count=1,
                                 data={"text/plain": repr(["x", TEST])})
    nb = feedback(notebook(out))
    assert nb.cells[0].outputs[0].data == {"text/plain": REMOVED_NOTE}


def test_a_hidden_line_split_over_lines_by_pprint_is_caught():
    text = pprint.pformat(["", TEST * 2], width=40)
    assert not any(HIDDEN_LINE in line for line in text.splitlines())  # pprint did split it
    nb = feedback(notebook(stream(text + "\n")))
    assert nb.cells[0].outputs[0].text == REMOVED_NOTE + "\n"


def test_a_failed_test_shows_its_message_and_no_hidden_code():
    traceback = ["\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
                 f"\x1b[0;32m----> 3\x1b[0m {HIDDEN_LINE}",
                 "\x1b[0;31mAssertionError\x1b[0m: area(4, 5) should be 20, not a sum"]
    error = nbformat.v4.new_output("error", ename="AssertionError",
                                   evalue="area(4, 5) should be 20, not a sum",
                                   traceback=traceback)
    nb = feedback(notebook(test_outputs=[error]))
    test = nb.cells[1]
    assert HIDDEN_NOTE in test.source and "area(4, 5)" not in test.source
    assert test.outputs[0].traceback == ["AssertionError: area(4, 5) should be 20, not a sum"]
    assert test.metadata["nbgrader"]["points"] == 2  # nbgrader's GetGrades shows the score


def test_a_message_continued_over_lines_is_still_shown():
    test = ("### BEGIN HIDDEN TESTS\n"
            "assert counter.count == 0, (\n"
            '    "the count must live on the instance, "\n'
            '    "not on the class; set it in __init__."\n'
            ")\n"
            "### END HIDDEN TESTS\n")
    message = "the count must live on the instance, not on the class; set it in __init__."
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue=message,
                                   traceback=["..."])
    nb = notebook(stream(f"I caught: {message}\n"), test_outputs=[error])
    nb.cells[1].source = test
    nb = feedback(nb)
    assert nb.cells[1].outputs[0].traceback == [f"AssertionError: {message}"]
    assert nb.cells[0].outputs[0].text == f"I caught: {message}\n"


def test_a_student_error_message_that_quotes_a_hidden_test_is_removed():
    error = nbformat.v4.new_output("error", ename="ValueError", evalue=f"seen: {TEST!r}",
                                   traceback=["ValueError: seen: ...", f"  {HIDDEN_LINE}"])
    nb = feedback(notebook(error))
    out = nb.cells[0].outputs[0]
    assert out.evalue == REMOVED_NOTE
    assert out.traceback == ["ValueError: seen: ...", REMOVED_NOTE]


def test_widget_state_that_holds_a_hidden_line_is_dropped():
    nb = notebook()
    nb.metadata["widgets"] = {"state": {"m": {"value": TEST}}}
    assert "widgets" not in feedback(nb).metadata


def test_without_a_gradebook_the_notebook_itself_is_searched():
    from coursegrader.engine.preprocessors.hide_hidden_tests import gradebook_sources

    assert gradebook_sources({}) == []
    assert gradebook_sources({"nbgrader": {"db_url": "sqlite:////nonexistent/x/gb.db",
                                           "notebook": "n", "assignment": "a"}}) == []


def test_the_reference_solutions_own_outputs_are_left_as_they_are():
    from coursegrader.course.paths import lesson_notebook, lessons

    checked = 0
    for lesson in lessons():
        nb = nbformat.read(lesson_notebook(lesson), as_version=4)
        before = nbformat.writes(nb)
        assert HiddenText.of(nb).clean_notebook(nb) == 0, lesson
        assert nbformat.writes(nb) == before
        checked += sum(len(c.get("outputs", [])) for c in nb.cells)
    assert checked > 100  # the solutions are stored with their outputs
