"""What mutation testing produces: mutants, their results, and one report per lesson."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mutant:
    id: str  # "<grade_id>:<kind>:<n>", n counts the mutants of that kind in that cell
    lesson: str
    grade_id: str
    kind: str
    description: str
    source: str  # the whole mutated answer cell


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # "killed", "survived", "equivalent" (reviewed, not run) or "error"
    failed_tests: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


@dataclass
class LessonReport:
    lesson: str
    results: list[MutantResult]
    skipped_cells: list[str] = field(default_factory=list)  # "grade_id: why"
    baseline_failures: list[str] = field(default_factory=list)  # tests the solution fails
    stale_equivalents: list[str] = field(default_factory=list)  # listed ids that no longer exist
    seconds: float = 0.0
    total: int | None = None  # mutants of the lesson before sampling (None: not sampled)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def generated(self) -> int:
        return len(self.results)

    @property
    def killed(self) -> int:
        return self.count("killed")

    @property
    def equivalent(self) -> int:
        return self.count("equivalent")

    @property
    def survived(self) -> int:
        return self.count("survived")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def score(self) -> float | None:
        """killed / (generated - equivalent); None when nothing was measured."""
        judged = self.generated - self.equivalent
        return self.killed / judged if judged else None

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.status == "survived"]
