"""`course report` and `course similar`: gather, compute, write the page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursegrader.classreport import gather, html, similar, stats
from coursegrader.course.paths import grading_dir


@dataclass
class Written:
    path: Path
    stats: stats.ClassStats
    other: tuple[str, stats.ClassStats] | None


def term_stats(api, lesson: str, where: str | None = None) -> tuple[str, stats.ClassStats]:
    term = gather.load_term(api, lesson, where)
    numbers = stats.class_stats(term.records, gather.failure_messages(term),
                                gather.cell_order(lesson))
    return term.name, numbers


def class_report(api, lesson: str, compare: str | None = None,
                 out: Path | None = None) -> Written:
    """The class report of ``lesson`` (beside the gradebook unless ``out``)."""
    _, numbers = term_stats(api, lesson)
    other = term_stats(api, lesson, compare) if compare else None
    path = Path(out or grading_dir() / f"report-{lesson}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html.render_report(numbers, other), encoding="utf-8")
    return Written(path, numbers, other)


def similar_report(api, lesson: str, out: Path | None = None,
                   top: int = similar.TOP_PAIRS) -> tuple[Path, similar.Similarity]:
    found = similar.similar_submissions(api, lesson, top)
    path = Path(out or grading_dir() / f"similar-{lesson}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html.render_similar(found), encoding="utf-8")
    return path, found
