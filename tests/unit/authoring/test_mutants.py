"""Mutation testing of the lessons' tests (grader/coursegrader/authoring/mutants/).

The fast tests check each mutation operator on small code strings; the slow one grades a
fixed sample of real mutants of two lessons and fails on a survivor nobody reviewed.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from conftest import LESSONS
from coursegrader.authoring import mutants
from coursegrader.authoring.mutants import LessonReport, Mutant, MutantResult, mutate_source
from coursegrader.authoring.mutants.operators import KINDS
from coursegrader.authoring.mutants.report import MARK_BEGIN, MARK_END
from coursegrader.errors import CourseError


def _cell(body: str, head: str = "def f(a, b):") -> str:
    """An answer cell: a given first line, then the solution between the markers."""
    lines = body.strip("\n").splitlines()
    inner = "\n".join("    " + line for line in lines)
    return f"{head}\n    ### BEGIN SOLUTION\n{inner}\n    ### END SOLUTION\n"


def _by_kind(source: str, kind: str) -> list[Mutant]:
    return [m for m in mutate_source(source, "ex1") if m.kind == kind]


def _run(code: str, *args, name: str = "f", extra: dict | None = None):
    namespace = dict(extra or {})
    exec(code, namespace)
    return namespace[name](*args)


def test_arithmetic_operators_are_swapped():
    found = _by_kind(_cell("return a + b * 2"), "arith")
    results = sorted(_run(m.source, 3, 4) for m in found)
    assert results == sorted([3 - 4 * 2, 3 + 4 / 2]), [m.description for m in found]
    assert all("->" in m.description for m in found)


def test_augmented_assignment_and_unary_minus_are_mutated():
    found = _by_kind(_cell("a -= b\nreturn -a"), "arith")
    assert sorted(_run(m.source, 10, 3) for m in found) == [-13, 7]


def test_comparisons_and_boolean_operators_are_swapped():
    compare = _by_kind(_cell("return a < b"), "compare")
    assert [_run(m.source, 2, 2) for m in compare] == [True]  # a <= b
    boolean = _by_kind(_cell("return a and not b"), "bool")
    assert sorted(_run(m.source, True, True) for m in boolean) == [True, True]
    assert {m.description.split("-> ")[1] for m in boolean} == {"`a or not b`", "`b`"}


def test_constants_change_zero_one_and_n():
    found = _by_kind(_cell("return [0, 1, 7, 2.5, True, 'text']"), "const")
    assert [_run(m.source, None, None) for m in found] == [
        [1, 1, 7, 2.5, True, "text"],
        [0, 0, 7, 2.5, True, "text"],
        [0, 1, 8, 2.5, True, "text"],
        [0, 1, 7, 3.5, True, "text"],
        [0, 1, 7, 2.5, False, "text"],
    ]


def test_a_deleted_statement_leaves_valid_code():
    found = _by_kind(_cell("total = a\nfor _ in range(b):\n    total += 1\nreturn total"), "delete")
    descriptions = [m.description for m in found]
    assert len(found) == 4, descriptions
    loop_body_gone = [m for m in found if "deleted `total += 1`" in m.description]
    assert loop_body_gone and _run(loop_body_gone[0].source, 5, 3) == 5  # a `pass` is left
    assert not any("def f" in d for d in descriptions), "the given first line must stay"


def test_only_the_solution_lines_are_mutated():
    source = "x = 1 + 2\n" + _cell("return a + b")
    found = mutate_source(source, "ex1")
    assert found, "the solution line has mutants"
    for m in found:
        namespace: dict = {}
        exec(m.source, namespace)
        assert namespace["x"] == 3, f"code outside BEGIN/END SOLUTION was mutated: {m.description}"


def test_missing_super_init():
    source = _cell("super().__init__()\nself.w = 1", head="class Net(Base):\n  def __init__(self):")
    source = source.replace("\n    ", "\n      ")  # the body of __init__
    found = _by_kind(source, "super")
    assert len(found) == 1 and "super().__init__()" not in found[0].source
    assert not any("super" in m.description for m in _by_kind(source, "delete")), (
        "super().__init__() is the 'super' kind's, not a plain deletion"
    )


def test_detach_item_and_to_are_removed_or_added():
    cell = _cell("y = torch.relu(a).detach().to('cpu')\nz = y.item()\nreturn y + z")
    assert [m.description for m in _by_kind(cell, "detach")] == [
        "line 3: `torch.relu(a).detach()` -> `torch.relu(a)`",
        "line 5: `return y + z` -> `return (y + z).detach()`",
    ]
    assert [m.description for m in _by_kind(cell, "item")] == ["line 4: `y.item()` -> `y`"]
    assert [m.description for m in _by_kind(cell, "to")] == [
        "line 3: `torch.relu(a).detach().to('cpu')` -> `torch.relu(a).detach()`"
    ]
    plain = _cell("return a.total")  # no tensor in sight: no .detach() is added
    assert _by_kind(plain, "detach") == []


def test_eval_and_train_are_swapped():
    found = _by_kind(_cell("model.eval()\nreturn model.train()"), "mode")
    assert [m.description for m in found] == [
        "line 3: `model.eval()` -> `model.train()`",
        "line 4: `model.train()` -> `model.eval()`",
    ]


def test_no_grad_block_is_removed_but_its_body_kept():
    cell = _cell("with torch.no_grad():\n    a -= b\n    a += 1\nreturn a")
    (found,) = _by_kind(cell, "no_grad")
    assert "no_grad" not in found.source and "a -= b" in found.source and "a += 1" in found.source
    assert _run(found.source, 5, 2) == 4


def test_dim_and_keepdim_are_changed():
    cell = _cell("s = a.sum(dim=1, keepdim=True)\nm = a.mean(dim=0)\nreturn s, m")
    described = [m.description for m in _by_kind(cell, "dim")]
    assert described == [
        "line 3: `a.sum(dim=1, keepdim=True)` -> `a.sum(dim=0, keepdim=True)`",
        "line 3: `a.sum(dim=1, keepdim=True)` -> `a.sum(dim=1, keepdim=False)`",
        "line 4: `a.mean(dim=0)` -> `a.mean(dim=1)`",
        "line 4: `a.mean(dim=0)` -> `a.mean(dim=0, keepdim=True)`",
    ]
    assert not any("dim=" in m.description for m in _by_kind(cell, "const")), (
        "dim and keepdim values belong to the 'dim' kind only"
    )


def test_ids_are_stable_unique_and_in_order():
    cell = _cell("if a > 0 and b:\n    return a - 1\nreturn b.mean(dim=0).item()")
    first, second = mutate_source(cell, "ex2-x", "L"), mutate_source(cell, "ex2-x", "L")
    assert [(m.id, m.source) for m in first] == [(m.id, m.source) for m in second]
    ids = [m.id for m in first]
    assert len(ids) == len(set(ids)) and all(mutants.valid_id(i) for i in ids)
    kinds = [m.kind for m in first]
    assert kinds == sorted(kinds, key=KINDS.index), "mutants are listed kind by kind"
    for kind in set(kinds):
        numbers = [int(m.id.rsplit(":", 1)[1]) for m in first if m.kind == kind]
        assert numbers == list(range(len(numbers))), f"{kind}: ids not numbered 0, 1, 2, ..."
    assert all(m.id.startswith("ex2-x:") for m in first)
    original = ast.unparse(ast.parse(cell))
    assert original not in {m.source for m in first}, "a mutant must change the code"


def test_exercises_group_the_tests_below_each_answer():
    nb = nbformat.v4.new_notebook()

    def cell(grade_id, solution=False, grade=False):
        c = nbformat.v4.new_code_cell("pass")
        c.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade,
                                  "points": 1 if grade else 0}
        return c

    nb.cells = [cell("setup"), cell("ex1", solution=True), cell("ex1-test", grade=True),
                nbformat.v4.new_code_cell("print()"), cell("ex1-more", grade=True),
                cell("ex2", solution=True), cell("locked"), cell("ex3", solution=True),
                cell("ex3-test", grade=True)]
    found = {ex.grade_id: (ex.tests, ex.last_index) for ex in mutants.exercises(nb)}
    assert found == {"ex1": (("ex1-test", "ex1-more"), 4), "ex2": ((), -1),
                     "ex3": (("ex3-test",), 8)}


def test_sample_is_fixed_by_its_seed():
    fake = [Mutant(f"c:const:{i}", "L", "c", "const", "", "") for i in range(50)]
    one = mutants.select_sample(fake, 12, seed=3)
    assert one == mutants.select_sample(fake, 12, seed=3) and len(one) == 12
    assert one != mutants.select_sample(fake, 12, seed=4)
    assert mutants.select_sample(fake, None) == fake


def test_only_grades_the_named_mutants_and_refuses_an_unknown_name():
    fake = [Mutant(f"ex{i % 2}:const:{i}", f"0{i % 2}-x", f"ex{i % 2}", "const", "", "")
            for i in range(6)]
    assert mutants.select_only(fake, None) == fake
    picked = mutants.select_only(fake, ["ex0:const:4", "01-x/ex1:const:1"])
    assert [m.id for m in picked] == ["ex1:const:1", "ex0:const:4"]  # listing order kept
    with pytest.raises(CourseError, match="ex0:const:1"):
        mutants.select_only(fake, ["ex0:const:2", "ex0:const:1"])  # a typo is not "no survivor"
    with pytest.raises(CourseError, match="00-x/ex1:const:1"):
        mutants.select_only(fake, ["00-x/ex1:const:1"])  # ex1:const:1 is in lesson 01-x


def test_the_cli_passes_only_on_to_the_runner(monkeypatch):
    from coursegrader import cli

    seen = {}

    def fake_run(lessons, **kwargs):
        seen.update(kwargs, lessons=lessons)
        return []

    monkeypatch.setattr(mutants, "run_mutants", fake_run)
    monkeypatch.setattr(mutants, "format_table", lambda reports: "")
    assert cli.main(["mutants", "02-nn-module", "--only", "ex1-mlp:detach:0", "ex5-stack:detach:0",
                     "-j", "1"]) == 0
    assert seen["lessons"] == ["02-nn-module"] and seen["jobs"] == 1
    assert seen["only"] == ["ex1-mlp:detach:0", "ex5-stack:detach:0"]


def _report():
    m = [Mutant(f"ex1:arith:{i}", "00-x", "ex1", "arith", f"change {i}", "") for i in range(5)]
    results = [MutantResult(m[0], "killed"), MutantResult(m[1], "killed"),
               MutantResult(m[2], "killed"), MutantResult(m[3], "equivalent", note="same"),
               MutantResult(m[4], "survived")]
    return LessonReport("00-x", results)


def test_score_leaves_out_the_equivalent_mutants():
    report = _report()
    assert (report.generated, report.killed, report.equivalent, report.survived) == (5, 3, 1, 1)
    assert report.score == 3 / 4
    table = mutants.format_table([report])
    assert "| 00-x | 5 | 3 | 1 | 1 | 75% |" in table
    assert "`ex1:arith:4`: change 4" in table, "every survivor is listed with its description"
    report.total = 40
    assert "| 00-x | 5 of 40 (sample) | 3 | 1 | 1 | 75% |" in mutants.format_table([report])


def test_write_report_replaces_only_the_marked_block(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{MARK_BEGIN}\nold table\n{MARK_END}\noutro\n")
    mutants.write_report(doc, [_report()], "make mutants", "2026-01-01")
    text = doc.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old table" not in text
    assert "| 00-x | 5 | 3 | 1 | 1 | 75% |" in text
    with pytest.raises(ValueError, match="block"):
        plain = tmp_path / "plain.md"
        plain.write_text("no markers here\n")
        mutants.write_report(plain, [], "", "")


def test_every_reviewed_equivalent_mutant_exists_and_has_a_reason():
    listed = mutants.load_equivalent()
    generated = {}  # lesson -> the ids of its mutants (made once a lesson)
    for key, reason in listed.items():
        lesson, mutant_id = key.split("/", 1)
        assert lesson in LESSONS, f"{key}: no lesson {lesson}"
        if lesson not in generated:
            generated[lesson] = {m.id for m in mutants.lesson_mutants(lesson)[0]}
        ids = generated[lesson]
        assert mutant_id in ids, (
            f"{key} is listed in authoring/mutants/equivalent.py but no longer generated: the answer "
            "cell changed, review the entry again or remove it"
        )
        assert len(reason) > 40, f"{key}: say why no test can tell it from the solution"


SAMPLE_LESSONS = ["00-tensors-and-autograd", "01-python-classes"]


@pytest.mark.slow
def test_a_sample_of_mutants_is_killed():
    """5 mutants of each of two quick lessons, always the same ones: each must fail a test
    of its exercise (or be on the reviewed list of equivalent mutants)."""
    reports = mutants.run_mutants(SAMPLE_LESSONS, jobs=2, timeout=60, sample=5, seed=2026,
                                  baseline=False)
    results = [r for report in reports for r in report.results]
    assert len(results) == 10
    survivors = [f"{r.mutant.lesson}/{r.mutant.id}: {r.mutant.description}"
                 for r in results if r.status == "survived"]
    assert not survivors, (
        "wrong answers that get full marks (strengthen the tests, or list a truly equivalent "
        "mutant in grader/coursegrader/mutants_equivalent.py):\n" + "\n".join(survivors)
    )
    assert all(r.status in ("killed", "equivalent") for r in results), [
        (r.mutant.id, r.status, r.note) for r in results]
