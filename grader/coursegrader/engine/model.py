"""What the grading stages hand to each other and to the instructor, as typed records.

sanitize -> :class:`Sanitized`; execute (in a worker) -> :class:`SubmissionRun` of
:class:`NotebookRun`; record -> :class:`SubmissionResult`, with :class:`CellScore` per test
cell. :class:`Timings` says where a run spent its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float


@dataclass
class SubmissionResult:
    lesson: str
    student: str
    success: bool
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, CellScore] = field(default_factory=dict)
    error: str = ""  # why it could not be graded
    notes: list[str] = field(default_factory=list)  # what the instructor should know
    review: list[str] = field(default_factory=list)  # why the automatic grade was withheld

    @property
    def status(self) -> str:
        if not self.success:
            return "failed"
        return "review" if self.review else "graded"


@dataclass
class Sanitized:
    """The sanitize stage's answer for one submission."""

    notebooks: list[Path] = field(default_factory=list)  # autograded copies to execute
    error: str = ""  # why the submission cannot be graded
    notes: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


@dataclass
class NotebookRun:
    """The execute stage's answer for one notebook of a submission."""

    ok: bool = True
    error: str = ""  # why it could not be executed (ok is False)
    tampered: list[str] = field(default_factory=list)  # tests whose canary did not fail
    review: list[str] = field(default_factory=list)  # what the kernel's record shows
    notes: list[str] = field(default_factory=list)
    limit: str | None = None  # "Stopped by the grader: ..." when a sandbox limit hit
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class SubmissionRun:
    """The execute stage's answer for one submission: every notebook, one after another."""

    notebooks: dict[str, NotebookRun]
    timings: dict[str, float] = field(default_factory=dict)
    finished_at: float | None = None  # time.time() when the worker was done

    @classmethod
    def failed(cls, error: str, notebooks) -> SubmissionRun:
        """A run that never happened (the worker process itself died): every notebook fails
        with ``error``."""
        return cls({Path(p).stem: NotebookRun(ok=False, error=error) for p in notebooks})


STAGES = ("sanitize", "kernel_start", "execution", "record", "waiting", "kernel_cpu")


@dataclass
class Timings:
    """Seconds per stage and submission: where a grading run spends its time."""

    per_submission: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, student: str, stage: str, seconds: float) -> None:
        row = self.per_submission.setdefault(student, dict.fromkeys(STAGES, 0.0))
        row[stage] = row.get(stage, 0.0) + seconds

    def mean(self) -> dict[str, float]:
        rows = list(self.per_submission.values())
        return {s: sum(r.get(s, 0.0) for r in rows) / max(1, len(rows)) for s in STAGES}
