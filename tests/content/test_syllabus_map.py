"""docs/syllabus.md maps every learning objective to the graded cells that assess it: the
map must name only real graded cells, and every graded cell of every lesson must be in it."""

from __future__ import annotations

import re

from conftest import LESSONS, graded_cells
from coursegrader.course.paths import COURSE_ROOT

SYLLABUS = COURSE_ROOT / "docs" / "syllabus.md"
SECTION_RE = re.compile(r"^## (\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)\b")
TICKED_RE = re.compile(r"`([^`]+)`")


def parse_syllabus(text: str) -> dict[str, dict[str, list[str]]]:
    """lesson -> {objective: [grade_ids]} from the tables of the ``## NN-slug`` sections.

    A table row is ``| objective | `grade-id`, `grade-id` |``: the grade_ids are the
    backticked words of its last column (the header and separator rows are skipped).
    """
    sections: dict[str, dict[str, list[str]]] = {}
    lesson = None
    lines = text.splitlines()
    for number, line in enumerate(lines):
        heading = SECTION_RE.match(line)
        if heading:
            lesson = heading.group(1)
            sections.setdefault(lesson, {})
            continue
        if line.startswith("## "):
            lesson = None
        if lesson is None or not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        following = lines[number + 1] if number + 1 < len(lines) else ""
        is_header = bool(re.match(r"^\s*\|[\s:|-]+\|\s*$", following))
        if len(cells) < 2 or set(cells[0]) <= set("-: ") or is_header:
            continue
        sections[lesson][cells[0]] = TICKED_RE.findall(cells[-1])
    return sections


def test_parser_reads_sections_and_the_last_column():
    text = (
        "# Map\n\n| not | `in-a-section` |\n\n## 03-forward-and-call — extra words\n\n"
        "| objective | checked by |\n| --- | --- |\n"
        "| shapes with `view` | `ex1-test`, `quiz-q1-test` |\n| prose only | not graded |\n"
        "## Notes\n| x | `ignored` |\n"
    )
    assert parse_syllabus(text) == {
        "03-forward-and-call": {"shapes with `view`": ["ex1-test", "quiz-q1-test"],
                                "prose only": []}
    }


def test_every_lesson_has_a_section():
    sections = parse_syllabus(SYLLABUS.read_text())
    missing = [lesson for lesson in LESSONS if lesson not in sections]
    assert not missing, (
        f"docs/syllabus.md has no '## <lesson>' section for: {', '.join(missing)}. Add one with "
        "a table of learning objectives and the grade_ids that assess them."
    )
    unknown = sorted(set(sections) - set(LESSONS))
    assert not unknown, f"docs/syllabus.md has sections for lessons that do not exist: {unknown}"


def test_every_listed_grade_id_is_a_graded_cell_of_its_lesson():
    problems = []
    for lesson, objectives in parse_syllabus(SYLLABUS.read_text()).items():
        if lesson not in LESSONS:
            continue
        graded = graded_cells(lesson)
        for objective, ids in objectives.items():
            for grade_id in ids:
                if grade_id not in graded:
                    problems.append(f"{lesson}: `{grade_id}` (objective: {objective[:60]})")
                elif graded[grade_id] <= 0:
                    problems.append(f"{lesson}: `{grade_id}` is worth 0 points")
    assert not problems, (
        "docs/syllabus.md names cells that are not graded test cells of that lesson's "
        "solution notebook (renamed or removed? fix the map):\n" + "\n".join(problems)
    )


def test_every_graded_cell_appears_in_the_map():
    sections = parse_syllabus(SYLLABUS.read_text())
    missing = []
    for lesson in LESSONS:
        listed = {g for ids in sections.get(lesson, {}).values() for g in ids}
        absent = sorted(set(graded_cells(lesson)) - listed)
        if absent:
            missing.append(f"{lesson}: {', '.join(absent)}")
    assert not missing, (
        "graded cells that docs/syllabus.md does not map to any learning objective (add them "
        "to the 'assessed by' column of the objective they check):\n" + "\n".join(missing)
    )
