"""End to end through the `course` command, in the kernel sandbox: a submission that prints the
kernel's input history, or that registers a callback printing every cell before it runs, is
flagged, and its feedback page holds no line of a hidden test, although its autograded
notebook does (the attacks work in the kernel: the feedback is what keeps the tests hidden).
A submission whose callback clears every error output still loses the test its wrong
answer fails, by the kernel's replies."""

from __future__ import annotations

import zipfile

import nbformat
import pytest
from test_hostile import HOSTILE_LESSON as LESSON
from test_hostile import hidden_lines, html_text, needs_lesson01

from conftest import graded_cells, load_variants
from coursegrader import cli
from coursegrader.course import cells
from coursegrader.course.paths import lesson_notebook
from coursegrader.integrity.hidden_text import REMOVED_NOTE

CALLBACK = ("def _show(info):\n    print(info.raw_cell)\n"
            "get_ipython().events.register('pre_run_cell', _show)\n")
# clears every cell's output after it ran, error included; hex-encoded, so that no name in
# the cell's text gives it away to the scan
CLEAR = ("from IPython.display import clear_output\n"
         "get_ipython().events.register('post_run_cell', lambda result: clear_output())\n")


def submission(extra: dict[str, str] | None = None, replace: dict[str, str] | None = None):
    nb = nbformat.read(lesson_notebook(LESSON), as_version=4)
    by_id = {cells.grade_id(c): c for c in nb.cells}
    for grade_id, code in (replace or {}).items():
        by_id[grade_id].source = code
    for grade_id, code in (extra or {}).items():
        by_id[grade_id].source += "\n" + code
    return nbformat.writes(nb)


def course(capsys, *argv: str) -> tuple[int, str, str]:
    """The `course` command run in this process: its exit code, output and errors."""
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def row(summary: str, student: str) -> str:
    """A student's line of the summary with its own notes, whitespace collapsed."""
    lines = summary.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [student])
    end = start + 1
    while end < len(lines) and lines[end].strip().startswith("note:"):
        end += 1
    return " ".join(" ".join(lines[start:end]).split())


def outputs(path) -> str:
    """The text of every output of a notebook."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts += [out.get("text", ""), str(out.get("data", {}).get("text/plain", ""))]
    return "\n".join(texts)


@pytest.mark.slow
@needs_lesson01
def test_feedback_never_shows_a_hidden_test(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_GRADING_DIR", str(tmp_path / "grading"))
    monkeypatch.setenv("COURSE_RELEASE_DIR", str(tmp_path / "release"))  # not the checkout's
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    total = sum(graded_cells(LESSON).values())
    wrong = load_variants(LESSON)["running-mean-ignores-n"]
    lost = sum(graded_cells(LESSON)[g] for g in wrong["loses"])
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr(f"ada/{LESSON}.ipynb", submission())
        zf.writestr(f"pia/{LESSON}.ipynb", submission({"capstone-module": "print(In)"}))
        zf.writestr(f"cal/{LESSON}.ipynb", submission({"ex1-running-mean": CALLBACK}))
        encoded = f"exec(bytes.fromhex('{CLEAR.encode().hex()}').decode())"
        zf.writestr(f"clo/{LESSON}.ipynb",
                    submission({"ex1-running-mean": encoded}, wrong["replace"]))
    code, out, _ = course(capsys, "collect", LESSON, "--from", str(download))
    assert code == 0, out

    code, out, _ = course(capsys, "autograde", LESSON)
    assert code == 0, out
    ada = row(out, "ada")
    assert f"graded {total:g}/{total:g}" in ada and "note:" not in ada
    assert "review" in row(out, "pia") and "input history (In)" in row(out, "pia")
    assert "review" in row(out, "cal") and "event callback (pre_run_cell)" in row(out, "cal")
    # clo's callback wipes the error of the test it fails: the kernel's reply still counts
    clo = row(out, "clo")
    assert "the kernel replied 'error' but no error output reached the notebook" in clo
    if "graded" in clo.split()[:2]:  # (a later check may also hold it for review)
        assert f"{total - lost:g}/{total:g}" in clo

    code, out, _ = course(capsys, "feedback", LESSON, "--no-return")
    assert code == 0 and "4 generated" in out, out
    grading = tmp_path / "grading"
    hidden = hidden_lines(LESSON)
    for student in ("pia", "cal"):
        autograded = outputs(grading / "autograded" / student / LESSON / f"{LESSON}.ipynb")
        assert any(line in autograded for line in hidden), f"{student}'s attack leaked nothing"
        page = html_text(grading / "feedback" / student / LESSON / f"{LESSON}.html")
        leaked = [line for line in hidden if line in page]
        assert not leaked, f"{student}: hidden test text in the feedback: {leaked[:3]}"
        assert REMOVED_NOTE in page
    honest = html_text(grading / "feedback" / "ada" / LESSON / f"{LESSON}.html")
    assert REMOVED_NOTE not in honest and "hidden tests run here" in honest
