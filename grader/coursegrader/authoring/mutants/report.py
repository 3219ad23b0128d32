"""Mutation testing's report: a Markdown table per run, written into
docs/mutation-testing.md between its markers."""

from __future__ import annotations

import re
from pathlib import Path

from coursegrader.authoring.mutants.model import LessonReport, Mutant


def format_table(reports: list[LessonReport], survivors: bool = True) -> str:
    """A Markdown table (one row per lesson), then every survivor with its description."""
    lines = ["| lesson | mutants | killed | equivalent | survived | score |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in reports:
        score = "n/a" if r.score is None else f"{100 * r.score:.0f}%"
        errors = f" ({r.errors} not measured)" if r.errors else ""
        generated = f"{r.generated} of {r.total} (sample)" if r.total else f"{r.generated}"
        lines.append(f"| {r.lesson} | {generated} | {r.killed} | {r.equivalent} | "
                     f"{r.survived}{errors} | {score} |")
    if survivors:
        for r in reports:
            notes = [f"- `{s.mutant.id}`: {s.mutant.description}" for s in r.survivors]
            notes += [f"- not measured: `{e.mutant.id}` ({e.note})"
                      for e in r.results if e.status == "error"]
            notes += [f"- answer cell without mutants: {s}" for s in r.skipped_cells]
            notes += [f"- reference solution fails: {', '.join(r.baseline_failures)}"
                      for _ in [0] if r.baseline_failures]
            notes += [f"- listed as equivalent but no longer generated: `{s}`"
                      for s in r.stale_equivalents]
            if notes:
                lines += ["", f"**{r.lesson}** survivors and notes:", "", *notes]
    return "\n".join(lines)


MARK_BEGIN = "<!-- mutants:begin (written by `make mutants`) -->"
MARK_END = "<!-- mutants:end -->"


def write_report(path: Path, reports: list[LessonReport], command: str, when: str) -> None:
    """Replace the table between the markers of ``path`` (a Markdown file)."""
    path = Path(path)
    text = path.read_text()
    if MARK_BEGIN not in text or MARK_END not in text:
        raise ValueError(f"{path} has no {MARK_BEGIN} ... {MARK_END} block to replace")
    seconds = sum(r.seconds for r in reports)
    block = (f"{MARK_BEGIN}\nMeasured {when} with `{command}` "
             f"({seconds / 60:.1f} kernel-minutes).\n\n{format_table(reports)}\n{MARK_END}")
    head, rest = text.split(MARK_BEGIN, 1)
    tail = rest.split(MARK_END, 1)[1]
    path.write_text(head + block + tail)


def describe(mutants: list[Mutant]) -> str:
    """One line per mutant: its id and what it changes."""
    return "\n".join(f"{m.lesson}/{m.id}  {m.description}" for m in mutants)


_ID_RE = re.compile(r"^[\w.-]+:[a-z_]+:\d+$")


def valid_id(mutant_id: str) -> bool:
    return bool(_ID_RE.match(mutant_id))
