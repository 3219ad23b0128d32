"""The class report and the similar-submissions page as static HTML: the numbers come from
stats.py and similar.py; here they are only laid out. The plots are matplotlib figures
(its Agg renderer, no display needed), embedded as PNG data URIs so that the page is one
file that can be mailed or archived. Nothing on the page depends on the time it was made or
on where the gradebook is, so the same gradebook gives the same page byte for byte."""

from __future__ import annotations

import base64
import io
from html import escape

from matplotlib.figure import Figure

from coursegrader.classreport.similar import CAVEAT, MIN_SHARED, WORTH_A_LOOK, Similarity
from coursegrader.classreport.stats import (
    DISCRIMINATION_MEANS,
    LOW_DISCRIMINATION,
    TOO_EASY,
    TOO_HARD,
    ClassStats,
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 75em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mark { color: #a40; font-weight: 600; }
.explain { color: #555; font-size: 0.92em; max-width: 60em; }
.caveat { background: #fff6d5; border: 1px solid #e0c060; padding: 0.6em 1em; max-width: 60em; }
img { max-width: 100%; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
mark { background: #ffd27a; }
"""


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    # no "Software" entry: the same numbers give the same bytes
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _img(uri: str, alt: str, name: str) -> str:
    return f'<img class="plot" id="plot-{name}" src="{uri}" alt="{escape(alt)}">'


def histogram(terms: list[tuple[str, ClassStats]]) -> str:
    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    top = max(s.max_score for _, s in terms) or 1
    bins = [top * i / 20 for i in range(21)]
    for name, s in terms:
        ax.hist(s.totals, bins=bins, alpha=0.6 if len(terms) > 1 else 0.9, label=name,
                edgecolor="white")
    ax.set_xlabel(f"total score (of {top:g})")
    ax.set_ylabel("students")
    if len(terms) > 1:
        ax.legend()
    return _png(fig)


def cell_chart(stats: ClassStats) -> str:
    names = [c.name for c in stats.cells][::-1]
    shares = [c.share_passed for c in stats.cells][::-1]
    discs = [c.discrimination or 0.0 for c in stats.cells][::-1]
    fig = Figure(figsize=(9, 0.35 * len(names) + 1.2))
    left, right = fig.subplots(1, 2, sharey=True)
    left.barh(names, shares, color="#4a7ab5")
    left.set_xlim(0, 1)
    left.set_xlabel("share passed")
    for x in (TOO_HARD, TOO_EASY):
        left.axvline(x, color="#a40", lw=0.8, ls="--")
    right.barh(names, discs, color=["#a40" if d < LOW_DISCRIMINATION else "#4a9a5a"
                                    for d in discs])
    right.set_xlim(-1, 1)
    right.axvline(0, color="#222", lw=0.8)
    right.axvline(LOW_DISCRIMINATION, color="#a40", lw=0.8, ls="--")
    right.set_xlabel("discrimination")
    return _png(fig)


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "–" if x is None else format(x, fmt)


def _class_section(stats: ClassStats) -> list[str]:
    out = ["<h2>The class</h2>", "<table id='class'>"]
    due = stats.duedate.strftime("%Y-%m-%d %H:%M") if stats.duedate else "none set"
    rows = [("due date", due), ("submitted", stats.submitted), ("on time", stats.on_time),
            ("late", len(stats.late)),
            ("counted below", f"{len(stats.graded)} (flagged broken or withheld left out)"),
            ("median", _num(stats.median, "g")),
            ("quartiles (25% / 75%)",
             " / ".join(format(q, "g") for q in stats.quartiles) if stats.quartiles else "–"),
            ("points possible", format(stats.max_score, "g"))]
    out += [f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows]
    out.append("</table>")
    if stats.extensions:
        out.append("<h3>Extensions</h3><table id='extensions'><tr><th>student</th>"
                   "<th>extension</th><th>due</th></tr>")
        for student, ext, due in stats.extensions:
            when = due.strftime("%Y-%m-%d %H:%M") if due else "–"
            out.append(f"<tr><td>{escape(student)}</td><td>{escape(str(ext))}</td>"
                       f"<td>{when}</td></tr>")
        out.append("</table>")
    if stats.late:
        out.append("<h3>Late</h3><table id='late'><tr><th>student</th><th>hours late</th>"
                   "<th>late penalty</th></tr>")
        for student, seconds, penalty in stats.late:
            out.append(f"<tr><td>{escape(student)}</td><td class='num'>{seconds / 3600:.1f}"
                       f"</td><td class='num'>{penalty:g}</td></tr>")
        out.append("</table>")
    return out


def _cells_section(stats: ClassStats) -> list[str]:
    hardest = stats.hardest()[0].name if stats.cells else "–"
    out = ["<h2>Test cells</h2>",
           f"<p>Hardest: <b id='hardest'>{escape(hardest)}</b>.</p>",
           f"<p class='explain'>Share passed: students with full points on the cell. "
           f"{escape(DISCRIMINATION_MEANS)}. Marks: <i>too easy</i> when at least "
           f"{TOO_EASY:.0%} pass, <i>too hard</i> when at most {TOO_HARD:.0%} pass, and a "
           f"discrimination below {LOW_DISCRIMINATION} (or negative) says the test may check "
           "the wrong thing: read the test, the reference and a few failing answers.</p>",
           "<table id='cells'><tr><th>test cell</th><th>points</th><th>share passed</th>"
           "<th>mean points</th><th>discrimination</th><th>marks</th>"
           "<th>most common failures</th></tr>"]
    for c in stats.cells:
        fails = "<br>".join(f"{n}× {escape(m)}" for m, n in c.failures)
        marks = "<br>".join(f"<span class='mark'>{escape(m)}</span>" for m in c.marks)
        out.append(f"<tr data-cell='{escape(c.name)}'><td>{escape(c.name)}</td>"
                   f"<td class='num'>{c.max_score:g}</td>"
                   f"<td class='num'>{c.share_passed:.0%}</td>"
                   f"<td class='num'>{c.mean_points:.2f}</td>"
                   f"<td class='num'>{_num(c.discrimination)}</td><td>{marks}</td>"
                   f"<td>{fails}</td></tr>")
    out.append("</table>")
    out.append(_img(cell_chart(stats), "share passed and discrimination per test cell",
                    "cells"))
    return out


def _flags_section(stats: ClassStats) -> list[str]:
    out = ["<h2>Submissions that need review</h2>"]
    if not stats.flags:
        return out + ["<p id='flags'>None.</p>"]
    out.append("<table id='flags'><tr><th>student</th><th>why</th></tr>")
    for f in stats.flags:
        out.append(f"<tr><td>{escape(f.student)}</td><td>"
                   + "<br>".join(escape(r) for r in f.reasons) + "</td></tr>")
    return out + ["</table>"]


def _compare_section(terms: list[tuple[str, ClassStats]]) -> list[str]:
    (na, a), (nb, b) = terms
    out = ["<h2>Two terms side by side</h2>", "<table id='compare'>",
           f"<tr><th></th><th colspan=3>{escape(na)}</th><th colspan=3>{escape(nb)}</th></tr>",
           "<tr><th>test cell</th>" + "<th>passed</th><th>mean</th><th>discr.</th>" * 2
           + "</tr>"]
    others = {c.name: c for c in b.cells}
    names = [c.name for c in a.cells] + [c.name for c in b.cells if c.name not in
                                         {x.name for x in a.cells}]
    mine = {c.name: c for c in a.cells}
    for name in names:
        row = f"<tr><td>{escape(name)}</td>"
        for c in (mine.get(name), others.get(name)):
            row += ("<td>–</td>" * 3 if c is None else
                    f"<td class='num'>{c.share_passed:.0%}</td><td class='num'>"
                    f"{c.mean_points:.2f}</td><td class='num'>{_num(c.discrimination)}</td>")
        out.append(row + "</tr>")
    for label, get in (("submitted", lambda s: s.submitted), ("late", lambda s: len(s.late)),
                       ("median", lambda s: _num(s.median, "g"))):
        out.append(f"<tr><th>{label}</th><td colspan=3>{get(a)}</td>"
                   f"<td colspan=3>{get(b)}</td></tr>")
    return out + ["</table>"]


def render_report(stats: ClassStats, other: tuple[str, ClassStats] | None = None) -> str:
    terms = [("this term", stats)] + ([other] if other else [])
    body = [f"<h1>Class report: {escape(stats.lesson)}</h1>",
            "<p class='explain'>Every number comes from nbgrader's gradebook; the failure "
            "messages from the autograded notebooks it saved. Nothing was run again. "
            "Similar submissions: <code>course similar LESSON</code>.</p>"]
    body += _class_section(stats)
    body.append(_img(histogram(terms), "histogram of the total scores", "histogram"))
    body += _cells_section(stats)
    body += _flags_section(stats)
    if other:
        body += _compare_section(terms)
    return _page(f"Class report: {stats.lesson}", body)


def render_similar(found: Similarity) -> str:
    body = [f"<h1>Similar submissions: {escape(found.lesson)}</h1>",
            f"<p class='caveat' id='caveat'>{escape(CAVEAT)}</p>",
            f"<p class='explain'>{found.students} submissions compared, answer cells only, "
            "with the starter code and the reference solution subtracted (copydetect: "
            "renamed variables still match). Score: the mean of the two shares of each one's "
            f"own code found in the other. Worth a look: a score of at least "
            f"{WORTH_A_LOOK:.0%} and at least {MIN_SHARED} characters of normalised code in "
            "common.</p>"]
    if found.unreadable:
        body.append(f"<p>Could not read: {escape(', '.join(found.unreadable))}</p>")
    if not found.pairs:
        body.append("<p id='pairs'>No two submissions share code beyond the starter and the "
                    "reference.</p>")
    else:
        body.append("<table id='pairs'><tr><th>#</th><th>students</th><th>score</th>"
                    "<th>shares</th><th>shared chars</th><th></th></tr>")
        for i, p in enumerate(found.pairs, 1):
            look = "<span class='mark'>worth a look</span>" if p.worth_a_look else ""
            body.append(f"<tr><td><a href='#pair-{i}'>{i}</a></td><td>{escape(p.a)} – "
                        f"{escape(p.b)}</td><td class='num'>{p.score:.2f}</td>"
                        f"<td class='num'>{p.shares[0]:.2f} / {p.shares[1]:.2f}</td>"
                        f"<td class='num'>{p.shared}</td><td>{look}</td></tr>")
        body.append("</table>")
        for i, p in enumerate(found.pairs, 1):
            body.append(f"<h3 id='pair-{i}'>{i}. {escape(p.a)} and {escape(p.b)} "
                        f"({p.score:.2f})</h3><div class='side'>"
                        f"<div><b>{escape(p.a)}</b><pre>{p.code[0]}</pre></div>"
                        f"<div><b>{escape(p.b)}</b><pre>{p.code[1]}</pre></div></div>")
    return _page(f"Similar submissions: {found.lesson}", body)


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
