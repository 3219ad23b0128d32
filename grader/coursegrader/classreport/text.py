"""The short summary of the class report and of the similarity check, for the terminal."""

from __future__ import annotations

from coursegrader.classreport.similar import CAVEAT, Similarity
from coursegrader.classreport.stats import DISCRIMINATION_MEANS, ClassStats


def format_class(stats: ClassStats, path, other: tuple[str, ClassStats] | None = None) -> str:
    due = stats.duedate.strftime("%Y-%m-%d %H:%M") if stats.duedate else "no due date"
    lines = [f"class report of {stats.lesson} written to {path}",
             f"  {stats.submitted} submitted ({due}): {stats.on_time} on time, "
             f"{len(stats.late)} late, {len(stats.extensions)} with an extension"]
    if stats.median is not None:
        q1, q3 = stats.quartiles
        lines.append(f"  total score of {len(stats.graded)} counted: median {stats.median:g}, "
                     f"quartiles {q1:g} / {q3:g} (of {stats.max_score:g})")
    if stats.cells:
        hardest = stats.hardest()[0]
        lines.append(f"  hardest test cell: {hardest.name} ({hardest.share_passed:.0%} passed)")
    marked = [c for c in stats.cells if c.marks]
    for c in marked:
        lines.append(f"  {c.name}: {'; '.join(c.marks)} ({c.share_passed:.0%} passed, "
                     f"discrimination {'-' if c.discrimination is None else format(c.discrimination, '.2f')})")
    if marked:
        lines.append(f"  ({DISCRIMINATION_MEANS})")
    if stats.flags:
        lines.append(f"  {len(stats.flags)} submission(s) need review:")
        lines += [f"    {f.student}: {'; '.join(f.reasons)}" for f in stats.flags]
    if other:
        name, o = other
        lines.append(f"  compared with {name}: {o.submitted} submitted, median "
                     f"{'-' if o.median is None else format(o.median, 'g')}")
    return "\n".join(lines)


def format_similar(found: Similarity, path) -> str:
    lines = [f"similar submissions of {found.lesson} ({found.students} compared) written to "
             f"{path}"]
    look = [p for p in found.pairs if p.worth_a_look]
    if not look:
        lines.append("  no pair shares much code beyond the starter and the reference")
    for p in look:
        lines.append(f"  worth a look: {p.a} and {p.b} (score {p.score:.2f}, "
                     f"{p.shared} characters in common)")
    if found.unreadable:
        lines.append(f"  could not read: {', '.join(found.unreadable)}")
    lines.append("  " + CAVEAT)
    return "\n".join(lines)
